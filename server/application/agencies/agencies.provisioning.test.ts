import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../entry/trpc/routers/_app.ts';
import { baseUrl, call, countOf, embedToken } from './agencies.fixtures.ts';
import { hostToken, query, services, startAgenciesServer } from './agencies.fixtures.ts';
import { startSimulator, stopAgenciesServer, TOKEN_SECRET } from './agencies.fixtures.ts';

/**
 * Host provisioning over real HTTP and a real PostgreSQL: a host token creates, lists and renames
 * agencies; embed tokens for agencies that were never provisioned get a clear 403 and never reach a
 * CRM (see agencies.fixtures.ts).
 */

beforeAll(startAgenciesServer, 60_000);
afterAll(stopAgenciesServer);

describe('provisioning', () => {
  it('creates agencies with a host token, idempotently on the host’s reference, and lists and renames them', async () => {
    const first = await call(
      'agencies.create',
      { name: 'Brook & Vale Lettings', externalRef: 'crm-tenant-17' },
      hostToken,
    );
    expect(first.status).toBe(200);
    expect(first.data).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), created: true });
    const again = await call(
      'agencies.create',
      { name: 'Brook and Vale', externalRef: 'crm-tenant-17' },
      hostToken,
    );
    expect(again.data).toEqual({ id: first.data.id, created: false });
    const other = await call('agencies.create', { name: 'Brook & Vale Lettings' }, hostToken);
    expect(other.data.id).not.toBe(first.data.id);

    const renamed = await call(
      'agencies.rename',
      { id: first.data.id, name: 'Brook & Vale Estates' },
      hostToken,
    );
    expect(renamed.data).toMatchObject({ id: first.data.id, name: 'Brook & Vale Estates', status: 'active' });
    const list = await call('agencies.list', undefined, hostToken, 'query');
    expect(list.status).toBe(200);
    expect(list.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: first.data.id,
          name: 'Brook & Vale Estates',
          externalRef: 'crm-tenant-17',
          status: 'active',
          activeConnections: 0,
          offboardedAt: null,
        }),
        expect.objectContaining({ id: other.data.id, externalRef: null }),
      ]),
    );
    expect(
      await countOf(`select count(*)::int as n from organisations where external_ref = 'crm-tenant-17'`),
    ).toBe(1);
  });

  it('refuses bad input with a 400 naming the field, and unknown ids with a 404', async () => {
    for (const input of [
      {},
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'a\u0000b' },
      { name: 'Ok', externalRef: '' },
    ]) {
      const answer = await call('agencies.create', input, hostToken);
      expect(answer.status, JSON.stringify(input)).toBe(400);
    }
    const missing = randomUUID();
    const rename = await call('agencies.rename', { id: missing, name: 'Nobody' }, hostToken);
    expect(rename.status).toBe(404);
    expect(rename.message).toBe(`No agency ${missing} is provisioned in Propsync`);
    expect((await call('agencies.offboard', { id: missing, dryRun: true }, hostToken)).status).toBe(404);
  });

  it('keeps the two credentials apart: embed tokens cannot manage agencies, host tokens cannot act for one', async () => {
    const { id } = (await call('agencies.create', { name: 'Separate Keys Ltd' }, hostToken)).data;
    const embed = await embedToken(id);
    for (const path of ['agencies.create', 'agencies.rename', 'agencies.offboard']) {
      const answer = await call(path, { id, name: 'Taken over', dryRun: false }, embed);
      expect(answer.status, path).toBe(403);
      expect(answer.message).toMatch(/needs a host token/);
    }
    expect((await call('agencies.list', undefined, embed, 'query')).status).toBe(403);
    expect(await countOf(`select count(*)::int as n from organisations where name = 'Taken over'`)).toBe(0);

    // Every agency procedure, walked from the router: a host token is refused by each.
    const procedures = Object.entries(
      appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' } }>,
    ).filter(([path]) => !path.startsWith('agencies.'));
    expect(procedures.length).toBeGreaterThan(20);
    for (const [path, procedure] of procedures) {
      const answer = await call(path, {}, hostToken, procedure._def.type);
      expect(answer.status, path).toBe(403);
      expect(answer.message, path).toMatch(/A host token cannot act for an agency/);
    }
  });

  it('provisions the demo agency through agencies.create, once', async () => {
    const { ensureDemoOrganisation } = await import('../../entry/demo/demo-agency.ts');
    const id = await ensureDemoOrganisation(services);
    expect(await ensureDemoOrganisation(services)).toBe(id);
    const [row] = await query(`select name, external_ref from organisations where id = ?`, [id]);
    expect(row).toEqual({ name: 'Harbour & Hale Estate Agents', external_ref: 'propsync-demo' });
    const session = await fetch(`${baseUrl}/demo/session`);
    expect(((await session.json()) as { organisationName: string }).organisationName).toBe(
      'Harbour & Hale Estate Agents',
    );
  });
});

describe('tokens for agencies that are not provisioned', () => {
  it('get a clear 403, never a 500, and never reach a CRM', async () => {
    const harness = await startSimulator('custom');
    const stranger = randomUUID();
    const token = await embedToken(stranger);
    const list = await call('connections.list', undefined, token, 'query');
    expect(list.status).toBe(403);
    expect(list.message).toBe(
      `agency ${stranger} is not provisioned in Propsync: the host's backend creates it first with agencies.create`,
    );
    harness.clearRequests();
    const connectAnswer = await call(
      'connections.connect',
      {
        provider: 'custom',
        credentials: harness.connection.credentials,
        settings: harness.connection.settings,
      },
      token,
    );
    expect(connectAnswer.status).toBe(403);
    expect(connectAnswer.message).toMatch(/is not provisioned in Propsync/);
    expect(connectAnswer.message).not.toMatch(/foreign key|violates|at .*\.ts/);
    expect(harness.requests()).toEqual([]);
    expect(
      await countOf(`select count(*)::int as n from crm_connections where organisation_id = ?`, [stranger]),
    ).toBe(0);
    // A viewer's token, and every other procedure, answer the same.
    const viewer = await embedToken(stranger, 'viewer');
    expect((await call('syncRuns.list', {}, viewer, 'query')).status).toBe(403);
  });

  it('say over HTTP which claim is wrong (401), without the secret', async () => {
    const { id } = (await call('agencies.create', { name: 'Claims Check Lettings' }, hostToken)).data;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TOKEN_SECRET));
    const now = Math.floor(Date.now() / 1000);
    const base = { org: id, role: 'admin', iss: 'propsync-host', aud: 'propsync', iat: now, exp: now + 300 };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['no exp', { ...base, exp: undefined }, /no "exp" claim/],
      ['ten years', { ...base, exp: now + 10 * 365 * 86_400 }, /Propsync accepts at most 3600 s/],
      ['expired', { ...base, iat: now - 900, exp: now - 60 }, /expired at/],
      ['audience', { ...base, aud: 'someone-else' }, /audience "aud" is "someone-else": expected "propsync"/],
      ['issuer', { ...base, iss: 'me' }, /issuer "iss" is "me": expected "propsync-host"/],
      ['role', { ...base, role: 'superuser' }, /expected "admin" or "viewer"/],
      ['org', { ...base, org: 'agency-7' }, /expected the agency's Propsync id, a uuid/],
    ];
    for (const [label, claims, expected] of cases) {
      const clean = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
      const answer = await call('connections.list', undefined, await sign(clean), 'query');
      expect(answer.status, label).toBe(401);
      expect(answer.message, label).toMatch(expected);
      expect(answer.message, label).not.toContain(TOKEN_SECRET);
    }
    const forged = await new SignJWT(base)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('not-the-secret-but-long-enough-0123456789'));
    const answer = await call('connections.list', undefined, forged, 'query');
    expect(answer.status).toBe(401);
    expect(answer.message).toMatch(/signature does not match/);
    expect((await call('connections.list', undefined, await sign(base), 'query')).status).toBe(200);
  });
});
