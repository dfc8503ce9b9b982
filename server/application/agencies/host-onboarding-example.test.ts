import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../entry/http/app.ts';
import { createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { listenOnFreePort } from '../../test-support/local-server.ts';

/**
 * The README's host onboarding walk-through, run as a host developer runs it:
 * `examples/host-backend/mint-tokens.mjs` against a Propsync over HTTP, with the shared secret.
 */
const SECRET = 'host-onboarding-example-secret-0123456789abcdef';
const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/host-backend/mint-tokens.mjs');
const run = promisify(execFile);

let services: TestServices;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  services = await createTestServices({ env: { PROPSYNC_TOKEN_SECRET: SECRET } });
  ({ server, baseUrl } = await listenOnFreePort(createApp({ services })));
});
afterAll(async () => {
  server?.close();
  await services?.destroy();
});

const example = (args: string[], secret = SECRET) =>
  run(process.execPath, [EXAMPLE, ...args], {
    env: { ...process.env, PROPSYNC_URL: baseUrl, PROPSYNC_TOKEN_SECRET: secret },
  });

describe('examples/host-backend/mint-tokens.mjs (README: Host onboarding)', () => {
  it('provisions an agency once, embeds with its token, and offboards it', async () => {
    const first = await example(['Brook & Vale Lettings', 'brook-and-vale']);
    const id = /agency ([0-9a-f-]{36}) \(created\)/.exec(first.stdout)?.[1];
    expect(id).toBeDefined();
    expect(first.stdout).toContain('embed token works: the agency has 0 connection(s)');

    const again = await example(['Brook & Vale Lettings', 'brook-and-vale', '--offboard']);
    expect(again.stdout).toContain(`agency ${id} (already provisioned)`);
    expect(again.stdout).toMatch(/dry run: /);
    expect(again.stdout).toMatch(/offboarded: /);
    const [row] = await services.orm.em
      .fork()
      .execute<{ offboarded: boolean }[]>(
        `select offboarded_at is not null as offboarded from organisations where id = ?`,
        [id],
      );
    expect(row?.offboarded).toBe(true);
  });

  it('is told what is wrong when its secret is not the deployment one', async () => {
    const failure = await example(['Wrong Secret Lettings', 'wrong-secret'], 'x'.repeat(40)).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect('code' in failure && failure.code).not.toBe(0);
    expect('stderr' in failure ? failure.stderr : '').toMatch(/signature/i);
  });
});
