import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmProvider } from '../../../shared/providers.ts';
import { CRM_PROVIDERS } from '../../adapters/registry.ts';
import { WEBHOOK_BODY_LIMIT_BYTES } from './webhook-routes.ts';
import { baseUrl, connectionIds, databaseChecksum, expectHealthy, harnesses } from './bad-input.fixtures.ts';
import { hasStableCode, organisationId, OVERSIZED, query, secrets } from './bad-input.fixtures.ts';
import { services, startBadInputServer, stopBadInputServer, WEIRD_STRINGS } from './bad-input.fixtures.ts';

/** The bad-input corpus for the webhook receiver, every provider's route (see bad-input.fixtures.ts). */

type Delivery = { headers: Record<string, string>; body: Buffer | string };

async function deliver(provider: string, connectionId: string, delivery: Delivery): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/${provider}/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...delivery.headers },
    body: typeof delivery.body === 'string' ? delivery.body : new Uint8Array(delivery.body),
  });
}

function validDelivery(provider: CrmProvider, timestampOffsetSeconds?: number): Delivery {
  const harness = harnesses.get(provider)!;
  const signed = harness.signedWebhook({
    contactExternalId: harness.listableContactIds()[0]!,
    secret: secrets.get(provider) ?? null,
    ...(timestampOffsetSeconds === undefined ? {} : { timestampOffsetSeconds }),
  });
  return { headers: signed.headers, body: signed.rawBody };
}

/**
 * Signs an arbitrary body the way the provider does, with the connection's secret, so malformed
 * content gets past the signature to the parser. Null where the CRM signs with its own private
 * key (Reapit, Ed25519).
 */
function resign(provider: CrmProvider, body: string): Record<string, string> | null {
  const secret = secrets.get(provider);
  if (!secret) return null;
  const timestamp = String(Math.floor(Date.now() / 1000));
  switch (provider) {
    case 'agentos': {
      const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      return { 'x-agentos-timestamp': timestamp, 'x-agentos-signature': `sha256=${signature}` };
    }
    case 'alto': {
      const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
      return { 'x-signature': `t=${timestamp},v1=${signature}` };
    }
    case 'loop':
    case 'custom':
    case 'street': {
      const id = `msg_${randomUUID()}`;
      const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
    }
    default:
      return null;
  }
}

const SIGNATURE_HEADERS =
  /signature|timestamp|^webhook-|^x-agentos|^x-signature|^reapit|^x-reapit|^svix|^ce-|^x-loop|^x-street/i;

function withoutSignature(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !SIGNATURE_HEADERS.test(name)));
}

/** Every leaf of a JSON value through `replace`, which also sees the name of the field holding it ('' in an array). */
function mapLeaves(value: unknown, replace: (leaf: unknown, key: string) => unknown, key = ''): unknown {
  return Array.isArray(value)
    ? value.map((inner) => mapLeaves(inner, replace))
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([name, inner]) => [name, mapLeaves(inner, replace, name)]),
        )
      : replace(value, key);
}

/**
 * Each provider's valid delivery with `replace` applied to its leaves, re-signed and delivered: the
 * answers for the providers whose body it changed. Reapit signs with its own key, and a delivery
 * without the fields `replace` poisons has nothing to deliver.
 */
async function deliverPoisoned(
  replace: (leaf: unknown, key: string) => unknown,
): Promise<{ provider: CrmProvider; status: number }[]> {
  const answers = [];
  for (const provider of CRM_PROVIDERS) {
    const valid = validDelivery(provider).body.toString();
    const body = JSON.stringify(mapLeaves(JSON.parse(valid), replace));
    const headers = resign(provider, body);
    if (!headers || body === valid) continue;
    const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
    answers.push({ provider, status: response.status });
  }
  return answers;
}

/** After the deliveries: every one processed, and every connection of the agency still active. */
async function expectProcessedAndActive(): Promise<void> {
  await services.whenIdle(30_000);
  const stuck = await query<{ status: string }>(
    `select status from webhook_deliveries where organisation_id = ? and status <> 'processed'`,
    [organisationId],
  );
  expect(stuck).toEqual([]);
  const unhealthy = await query<{ provider: string; status: string }>(
    `select provider, status from crm_connections where organisation_id = ? and status <> 'active'`,
    [organisationId],
  );
  expect(unhealthy).toEqual([]);
}

/** Malformed bodies that would be signed correctly if the provider's scheme lets us sign them. */
function malformedBodies(valid: string): Record<string, string> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(valid);
  } catch {
    /* the valid body is JSON */
  }
  return {
    notJson: '{this is not json',
    truncated: valid.slice(0, Math.floor(valid.length / 2)),
    empty: '',
    jsonNull: 'null',
    jsonString: '"contact.updated"',
    jsonArray: '[1,2,3]',
    emptyObject: '{}',
    wrongTypes: JSON.stringify(
      mapLeaves(parsed, (leaf) => (typeof leaf === 'string' ? 12345 : 'not-a-number')),
    ),
    injectionStrings: JSON.stringify(
      mapLeaves(parsed, (leaf) => (typeof leaf === 'string' ? WEIRD_STRINGS.sqlUnion : leaf)),
    ),
    oversizedFields: JSON.stringify(
      mapLeaves(parsed, (leaf) => (typeof leaf === 'string' ? OVERSIZED : leaf)),
    ),
    deeplyNested: `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  };
}

beforeAll(startBadInputServer, 120_000);
afterAll(stopBadInputServer);

describe('webhook receiver, every provider route', () => {
  it('accepts a correctly signed delivery once, then answers its replay as a duplicate without storing it', async () => {
    for (const provider of CRM_PROVIDERS) {
      const delivery = validDelivery(provider);
      const first = await deliver(provider, connectionIds.get(provider)!, delivery);
      expect(first.status, `${provider} valid delivery`).toBe(200);
      await services.whenIdle(30_000);
      const before = await databaseChecksum();
      const replay = await deliver(provider, connectionIds.get(provider)!, delivery);
      expect(replay.status, `${provider} replay`).toBe(200);
      expect(await replay.json()).toMatchObject({ duplicate: true });
      await services.whenIdle(30_000);
      expect(await databaseChecksum(), `${provider} replay stored nothing`).toEqual(before);
    }
  });

  it('refuses bad signatures, stale and future timestamps, malformed, oversized and misrouted deliveries with a 4xx and stores nothing', async () => {
    const before = await databaseChecksum();
    const failures: string[] = [];
    const check = async (label: string, response: Response, expected?: number[]) => {
      const ok = expected
        ? expected.includes(response.status)
        : response.status >= 400 && response.status < 500;
      const text = await response.text();
      if (!ok) failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
      else if (!hasStableCode(text)) failures.push(`${label}: no JSON error code in ${text.slice(0, 200)}`);
    };
    for (const provider of CRM_PROVIDERS) {
      const connectionId = connectionIds.get(provider)!;
      const valid = validDelivery(provider);
      const validBody = valid.body.toString();
      const tampered = validBody.replace(/[a-z]/, (letter) => (letter === 'a' ? 'b' : 'a'));
      await check(
        `${provider} tampered body`,
        await deliver(provider, connectionId, { ...valid, body: tampered }),
        [401],
      );
      await check(
        `${provider} missing signature`,
        await deliver(provider, connectionId, { headers: withoutSignature(valid.headers), body: validBody }),
        [400, 401],
      );
      const garbled = Object.fromEntries(
        Object.entries(valid.headers).map(([name, value]) => [
          name,
          SIGNATURE_HEADERS.test(name) ? `${value.slice(0, -4)}AAAA` : value,
        ]),
      );
      await check(
        `${provider} garbled signature`,
        await deliver(provider, connectionId, { headers: garbled, body: validBody }),
        [400, 401],
      );
      await check(
        `${provider} stale`,
        await deliver(provider, connectionId, validDelivery(provider, -3_600)),
        [401],
      );
      await check(
        `${provider} future`,
        await deliver(provider, connectionId, validDelivery(provider, 3_600)),
        [401],
      );
      await check(
        `${provider} oversized body`,
        await deliver(provider, connectionId, {
          headers: valid.headers,
          body: `{"pad":"${'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES + 10)}"}`,
        }),
        [413],
      );
      await check(
        `${provider} text/plain`,
        await fetch(`${baseUrl}/webhooks/${provider}/${connectionId}`, {
          method: 'POST',
          headers: { ...valid.headers, 'content-type': 'text/plain' },
          body: validBody,
        }),
        [415],
      );
      for (const wrongId of ['not-a-uuid', randomUUID(), '..%2F..%2Fetc%2Fpasswd', "1'%20or%20'1'%3D'1"]) {
        await check(`${provider} connection ${wrongId}`, await deliver(provider, wrongId, valid), [404]);
      }
      // Another provider's route for this connection: not found, whatever the signature.
      const other = CRM_PROVIDERS.find((candidate) => candidate !== provider)!;
      await check(`${provider} via ${other} route`, await deliver(other, connectionId, valid), [404]);
      for (const [label, body] of Object.entries(malformedBodies(validBody))) {
        // Signed and well-formed with SQL-looking strings is a valid delivery: tested on its own below.
        if (label === 'injectionStrings') continue;
        // Unsigned: the signature check refuses it before anything reads it.
        await check(
          `${provider} ${label} unsigned`,
          await deliver(provider, connectionId, { headers: valid.headers, body }),
          [400, 401, 413],
        );
        const headers = resign(provider, body);
        if (headers) {
          await check(
            `${provider} ${label} signed`,
            await deliver(provider, connectionId, { headers, body }),
            [400, 401, 413],
          );
        }
      }
    }
    for (const provider of ['unknown', '..', 'REAPIT', '%00']) {
      await check(
        `provider ${provider}`,
        await deliver(provider, randomUUID(), { headers: {}, body: '{}' }),
        [404],
      );
    }
    expect(failures).toEqual([]);
    await services.whenIdle(30_000);
    expect(await databaseChecksum()).toEqual(before);
    await expectHealthy();
  });

  it('stores a signed, well-formed delivery full of SQL-looking strings as data (or refuses it with a 400), never a 5xx', async () => {
    for (const provider of CRM_PROVIDERS) {
      const body = malformedBodies(validDelivery(provider).body.toString()).injectionStrings!;
      const headers = resign(provider, body);
      if (!headers) continue;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      expect([200, 400], `${provider}: ${response.status}`).toContain(response.status);
      if (response.status !== 200) continue;
      const [stored] = await query<{ payload: unknown }>(
        `select payload from webhook_deliveries where connection_id = ? order by received_at desc limit 1`,
        [connectionIds.get(provider)],
      );
      // Whatever the mapper kept of the strings is kept verbatim, never interpreted.
      const text = JSON.stringify(stored!.payload);
      if (text.includes('UNION')) expect(text).toContain(JSON.stringify(WEIRD_STRINGS.sqlUnion).slice(1, -1));
    }
    await services.whenIdle(30_000);
    const [tables] = await query<{ count: number }>(
      `select count(*)::int as count from information_schema.tables where table_schema = 'public' and table_name = 'contacts'`,
    );
    expect(tables!.count).toBe(1);
    await expectHealthy();
  });

  it('stores a signed delivery whose names hold NUL, lone surrogates and control characters normalised, never a 5xx, and the connection stays active', async () => {
    // A web enquiry form can put anything in a name: PostgreSQL cannot store U+0000 or a lone
    // surrogate, so the inbound guard normalises them (or parks the record) before anything is stored.
    // A delivery without names (Alto sends ids) has nothing to poison.
    const answers = await deliverPoisoned((leaf, key) =>
      typeof leaf === 'string' && /^(fore|first_?|last_?|sur|full_?)name$/i.test(key)
        ? `${leaf}\u0000\uD800\u0085`
        : leaf,
    );
    for (const { provider, status } of answers) expect(status, `${provider}: ${status}`).toBe(200);
    expect(answers.length).toBeGreaterThanOrEqual(3);
    await expectProcessedAndActive();
    // Stored normalised: NUL and the C1 control removed, the lone surrogate replaced by U+FFFD
    // (every simulator's first contact is the same person: one contact of this agency).
    const normalised = await query<{ first_name: string }>(
      `select first_name from contacts where organisation_id = ? and first_name like ?`,
      [organisationId, '%\uFFFD'],
    );
    expect(normalised.length).toBeGreaterThanOrEqual(1);
    await expectHealthy();
  });

  it('parks the record of a signed delivery whose id holds a NUL (an id cannot be normalised), never a 5xx, and the connection stays active', async () => {
    const parkedBefore = await query<{ count: number }>(
      `select count(*)::int as count from crm_sync_log where organisation_id = ? and status = 'error'`,
      [organisationId],
    );
    const answers = await deliverPoisoned((leaf, key) =>
      typeof leaf === 'string' && /^(id|oid)$/i.test(key) ? `${leaf}\u0000` : leaf,
    );
    // A CRM whose delivery names the record in its envelope too may refuse it as malformed (400).
    for (const { provider, status } of answers)
      expect([200, 400], `${provider}: ${status}`).toContain(status);
    const accepted = answers.filter(({ status }) => status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(2);
    await expectProcessedAndActive();
    const parked = await query<{ count: number }>(
      `select count(*)::int as count from crm_sync_log where organisation_id = ? and status = 'error' and error like ?`,
      [organisationId, "The record's id holds control characters%"],
    );
    expect(parked[0]!.count).toBeGreaterThanOrEqual(1);
    expect(parked[0]!.count).toBeLessThanOrEqual(parkedBefore[0]!.count + accepted);
    await expectHealthy();
  });

  it('signs malformed bodies the way each provider does (so the signed cases above reach the parser)', async () => {
    // Proof the re-signing is right: the valid body re-signed by this test is accepted.
    for (const provider of CRM_PROVIDERS) {
      const body = validDelivery(provider).body.toString();
      const headers = resign(provider, body);
      if (!headers) continue;
      const response = await deliver(provider, connectionIds.get(provider)!, { headers, body });
      expect(response.status, `${provider} re-signed valid body`).toBe(200);
    }
    await services.whenIdle(30_000);
  });
});
