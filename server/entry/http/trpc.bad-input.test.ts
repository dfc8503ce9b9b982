import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../trpc/routers/_app.ts';
import { TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';
import { adminToken, baseUrl, call, databaseChecksum, expectHealthy } from './bad-input.fixtures.ts';
import { hostToken, LEAKS, organisationId, OVERSIZED, query, services } from './bad-input.fixtures.ts';
import { startBadInputServer, stopBadInputServer, WEIRD_STRINGS } from './bad-input.fixtures.ts';

/** The bad-input corpus for every tRPC procedure, found by walking the router (see bad-input.fixtures.ts). */

/**
 * Plausible values per input field name, so a hostile value in one field gets past validation of
 * the others. Ids are random (nothing is found, so no mutation can succeed and change anything).
 */
const VALID_FIELDS: Record<string, unknown> = {
  connectionId: randomUUID(),
  contactId: randomUUID(),
  runId: randomUUID(),
  alertId: randomUUID(),
  conflictId: randomUUID(),
  syncRunId: randomUUID(),
  provider: 'reapit',
  credentials: { clientId: 'x', clientSecret: 'y' },
  settings: { baseUrl: 'http://127.0.0.1:9' },
  by: 'name',
  value: 'Smith',
  event: 'opened',
  messageId: 'message-1',
  subject: 'Hello',
  state: 'all',
  status: 'failed',
  direction: 'inbound',
  from: '2026-01-01',
  to: '2026-12-31',
  // No plausible cursor here: the cursor field gets forged and hostile values of its own below.
  limit: 10,
  logLimit: 10,
  intervalMinutes: 15,
  url: 'https://example.com/hooks',
  secret: 'not-a-secret',
  id: randomUUID(),
  dryRun: true,
};

type ProcedureDef = { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] };
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>,
).map(([path, procedure]) => ({
  path,
  type: procedure._def.type,
  hasInput: procedure._def.inputs.length > 0,
}));

/** Field names of a procedure's zod object input, when it has one. */
function inputFields(path: string): string[] {
  const def = (appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>)[path]!._def;
  const schema = def.inputs[0] as { shape?: Record<string, unknown> } | undefined;
  return schema?.shape ? Object.keys(schema.shape) : [];
}

beforeAll(startBadInputServer, 120_000);
afterAll(stopBadInputServer);

describe('every tRPC procedure', () => {
  it('is found by walking the router', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(15);
    expect(procedures.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(['connections.connect', 'engagement.reportEmail', 'contacts.lookup']),
    );
  });

  it('answers malformed, mistyped, oversized and hostile input with a 4xx (or a harmless success), never a 5xx, and changes nothing', async () => {
    const before = await databaseChecksum();
    const failures: string[] = [];
    let cases = 0;
    // Creating an agency is what agencies.create is for: a weird-but-valid name must round-trip.
    const createdAgencies: string[] = [];
    const createdAsSent = async (answer: string, input: string | null): Promise<string | null> => {
      const id = (JSON.parse(answer) as { result?: { data?: { id?: string } } }).result?.data?.id;
      const sent = (JSON.parse(input ?? '{}') as { name?: unknown }).name;
      if (!id || typeof sent !== 'string') return null;
      const [row] = await query<{ name: string }>(`select name from organisations where id = ?`, [id]);
      return row?.name === sent.trim() ? id : null;
    };
    for (const { path, type, hasInput } of procedures) {
      if (type === 'subscription') continue;
      const attempts: Array<{
        label: string;
        input: string | null;
        token?: string | null;
        structural: boolean;
        expectStatus?: number;
      }> = [
        { label: 'malformed JSON', input: '{"a": nope', structural: true },
        { label: 'truncated JSON', input: '{"connectionId":"', structural: true },
        { label: 'a bare string', input: '"hello"', structural: true },
        { label: 'a number', input: '42', structural: true },
        { label: 'an array', input: '[{"a":1}]', structural: true },
        { label: 'no token', input: '{}', token: null, structural: false },
        { label: 'forged token', input: '{}', token: `${adminToken.slice(0, -4)}AAAA`, structural: false },
        { label: 'garbage token', input: '{}', token: '../../etc/passwd', structural: false },
      ];
      const fields = inputFields(path);
      const base = Object.fromEntries(
        fields.filter((field) => field in VALID_FIELDS).map((field) => [field, VALID_FIELDS[field]]),
      );
      for (const field of fields) {
        if (typeof base[field] !== 'string') continue;
        for (const [name, value] of Object.entries(WEIRD_STRINGS)) {
          attempts.push({
            label: `valid but ${field}=${name}`,
            input: JSON.stringify({ ...base, [field]: value }),
            structural: false,
          });
        }
      }
      for (const field of fields) {
        for (const [name, value] of Object.entries({
          ...WEIRD_STRINGS,
          number: 1e308,
          negative: -1,
          boolean: true,
          object: { $ne: null },
          array: ['a'],
          nullValue: null,
        })) {
          attempts.push({
            label: `${field}=${name}`,
            input: JSON.stringify({ [field]: value }),
            structural: false,
          });
        }
      }
      // Cursors that decode but were never given out: refused at the edge, never sent to the database.
      if (fields.includes('cursor')) {
        const forge = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
        for (const [name, cursor] of Object.entries({
          notATimestamp: forge(['not a time', randomUUID()]),
          notAUuid: forge(['2026-11-01T10:00:00.000000Z', "x' or '1'='1"]),
          impossibleDate: forge(['2026-02-31T10:00:00.000000Z', randomUUID()]),
          notAnId: forge(['1 or 1=1']),
          numbers: forge([1, 2]),
        })) {
          attempts.push({
            label: `forged cursor ${name}`,
            input: JSON.stringify({ ...base, cursor }),
            structural: false,
            expectStatus: 400,
          });
        }
      }
      // An oversized request body as a whole: over the /trpc body limit for mutations (413); as a
      // query it is a 2 MB URL, which the HTTP server refuses (431).
      attempts.push({
        label: 'a 2 MB body',
        input: JSON.stringify({ pad: 'x'.repeat(2_000_000) }),
        structural: false,
        ...(type === 'mutation' && hasInput ? { expectStatus: 413 } : {}),
      });
      for (const attempt of attempts) {
        // A mutation without input (hostWebhooks.remove) ignores any body: only its auth is bad input.
        if (type === 'mutation' && !hasInput && attempt.token === undefined) continue;
        cases++;
        const response = await call(
          path,
          type,
          attempt.input,
          attempt.token === undefined
            ? path.startsWith('agencies.')
              ? hostToken
              : adminToken
            : attempt.token,
        );
        const text = await response.text();
        const label = `${path} ${attempt.label}: ${response.status} ${text.slice(0, 160)}`;
        if (response.status >= 500) failures.push(label);
        else if (LEAKS.test(text)) failures.push(`${label} (driver text or a stack in the answer)`);
        else if (attempt.expectStatus !== undefined && response.status !== attempt.expectStatus)
          failures.push(`${label} (expected ${attempt.expectStatus})`);
        else if (attempt.token !== undefined && response.status !== 401)
          failures.push(`${label} (expected 401)`);
        else if (attempt.structural && hasInput && (response.status < 400 || response.status >= 500))
          failures.push(`${label} (expected a 4xx)`);
        else if (response.status >= 200 && response.status < 300 && type === 'mutation' && hasInput) {
          const created = path === 'agencies.create' ? await createdAsSent(text, attempt.input) : null;
          if (created) createdAgencies.push(created);
          else failures.push(`${label} (a mutation accepted bad input)`);
        }
      }
    }
    expect(createdAgencies.length).toBeGreaterThan(0);
    await query(`delete from organisations where id in (select jsonb_array_elements_text(?::jsonb)::uuid)`, [
      JSON.stringify(createdAgencies),
    ]);
    expect(cases).toBeGreaterThan(500);
    expect(failures).toEqual([]);
    await services.whenIdle(30_000);
    expect(await databaseChecksum()).toEqual(before);
    await expectHealthy();
  }, 120_000);

  it('refuses a batch over the limit with 400 before running any call of it', async () => {
    const before = await databaseChecksum();
    const paths = Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, () => 'engagement.reportEmail').join(',');
    const input = Object.fromEntries(
      Array.from({ length: TRPC_MAX_BATCH_SIZE + 1 }, (_, index) => [
        index,
        { contactId: randomUUID(), event: 'opened', messageId: `batch-${index}`, subject: 'x' },
      ]),
    );
    const response = await fetch(`${baseUrl}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`at most ${TRPC_MAX_BATCH_SIZE} calls`);
    expect(await databaseChecksum()).toEqual(before);
  });

  it('round-trips weird-but-valid values unchanged: unicode, right-to-left and injection-looking names and subjects', async () => {
    const [contact] = await query<{ id: string }>(
      `select id from contacts where organisation_id = ? order by created_at limit 1`,
      [organisationId],
    );
    // A name as the CRM could have sent it, set directly: lookup must find and return it as stored.
    const name = `${WEIRD_STRINGS.rightToLeft} ${WEIRD_STRINGS.html}`;
    await query(`update contacts set last_name = ? where id = ?`, [name, contact!.id]);
    const lookup = await call(
      'contacts.lookup',
      'query',
      JSON.stringify({ by: 'name', value: WEIRD_STRINGS.rightToLeft }),
    );
    expect(lookup.status).toBe(200);
    const found = (await lookup.json()) as { result: { data: Array<{ id: string; name: string }> } };
    expect(found.result.data.map((row) => row.id)).toContain(contact!.id);
    expect(found.result.data.find((row) => row.id === contact!.id)!.name).toContain(name);

    for (const [label, subject] of Object.entries(WEIRD_STRINGS)) {
      if (label === 'oversized' || label === 'nul') continue;
      const messageId = `weird-${label}`;
      const response = await call(
        'engagement.reportEmail',
        'mutation',
        JSON.stringify({ contactId: contact!.id, event: 'opened', messageId, subject }),
      );
      expect(response.status, label).toBe(200);
      const [stored] = await query<{ details: { subject: string; messageId: string } }>(
        `select details from activities where contact_id = ? and external_id = ? and type = 'email_opened'`,
        [contact!.id, messageId],
      );
      expect(stored!.details).toEqual({ subject, messageId });
    }
    // Too long, or a NUL PostgreSQL cannot store: refused before anything is written.
    await services.whenIdle(60_000);
    const before = await databaseChecksum();
    for (const subject of [OVERSIZED, WEIRD_STRINGS.nul!]) {
      const response = await call(
        'engagement.reportEmail',
        'mutation',
        JSON.stringify({
          contactId: contact!.id,
          event: 'opened',
          messageId: `refused-${subject.length}`,
          subject,
        }),
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(await databaseChecksum()).toEqual(before);
    await services.whenIdle(30_000);
    await expectHealthy();
  });
});
