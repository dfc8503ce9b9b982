import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbedTokens } from '../../application/auth/embed-token.ts';

/** `propsync token host|embed`: operators mint both token kinds with the deployment's secret. */

const execFileAsync = promisify(execFile);
const SECRET = 'cli-token-test-secret-0123456789-abcdefghijk';
const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-cli-token-'));
afterAll(() => fs.rmSync(dataDirectory, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['server/entry/cli/propsync.ts', 'token', ...args],
      {
        env: {
          ...process.env,
          PROPSYNC_TOKEN_SECRET: SECRET,
          PROPSYNC_DATA_DIR: dataDirectory,
          // Nothing may need the database: an unreachable one proves it.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
          LOG_LEVEL: 'silent',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const tokens = new EmbedTokens(SECRET);

describe('propsync token', () => {
  it('prints a host token the server accepts as a host session', async () => {
    const { code, stdout } = await cli('host');
    expect(code).toBe(0);
    expect(await tokens.check(stdout.trim())).toEqual({ ok: true, session: { role: 'host' } });
  }, 60_000);

  it('prints an embed token for the agency and role, with the lifetime asked for', async () => {
    const agency = randomUUID();
    const { code, stdout } = await cli('embed', agency, '--role', 'viewer', '--lifetime', '120');
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(await tokens.check(token)).toEqual({
      ok: true,
      session: { organisationId: agency, role: 'viewer' },
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(120);
  }, 60_000);

  it('refuses a malformed agency, a bad role and a lifetime over the maximum, printing no token', async () => {
    const cases = [
      ['embed', 'agency-7'],
      ['embed', randomUUID(), '--role', 'owner'],
      ['host', '--lifetime', '86400'],
    ];
    const answers = await Promise.all(cases.map((args) => cli(...args)));
    answers.forEach(({ code, stdout, stderr }, index) => {
      const label = cases[index]!.join(' ');
      expect(code, label).toBe(2);
      expect(stdout, label).toBe('');
      expect(stderr, label).toMatch(/agency id|--role must be admin or viewer|--lifetime must be/);
    });
  }, 90_000);
});
