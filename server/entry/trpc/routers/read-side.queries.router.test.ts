import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencyA, agencyB, caller, expectTrpcCode } from './read-side.fixtures.ts';
import { startReadSideServices, stopReadSideServices } from './read-side.fixtures.ts';

/**
 * The read-side routers (audit log, conflicts, alerts, contacts) over a real PostgreSQL holding two
 * agencies: what each answers an agency about its own rows (see read-side.fixtures.ts).
 */

beforeAll(startReadSideServices);
afterAll(stopReadSideServices);

describe('syncRuns', () => {
  it('lists only the agency’s cycles, newest first, with a total count', async () => {
    const page = await caller(agencyA).syncRuns.list({});
    expect(page.totalCount).toBe(5);
    expect(page.items.map((run) => run.id)).toEqual([...agencyA.runIds].reverse());
    expect(page.items.every((run) => run.connectionId === agencyA.connectionId)).toBe(true);
    expect(page.items[0]).toMatchObject({ provider: 'reapit', providerName: 'Reapit', recordsPushed: 3 });
  });

  it('pages with a cursor without repeating or skipping a cycle', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof caller>['syncRuns']['list']>> = await caller(
        agencyA,
        'viewer',
      ).syncRuns.list({ limit: 2, cursor });
      expect(page.totalCount).toBe(5);
      seen.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...agencyA.runIds].reverse());
  });

  it('filters by status, direction, connection and dates', async () => {
    const a = caller(agencyA);
    expect((await a.syncRuns.list({ status: 'failed' })).items.map((run) => run.id)).toEqual([
      agencyA.runIds[1],
    ]);
    expect((await a.syncRuns.list({ syncDirection: 'outbound' })).items.map((run) => run.id)).toEqual([
      agencyA.runIds[4],
    ]);
    expect((await a.syncRuns.list({ syncDirection: 'inbound' })).totalCount).toBe(5);
    const window = await a.syncRuns.list({ from: '2026-11-20T01:00:00Z', to: '2026-11-20T03:00:00Z' });
    expect(window.items.map((run) => run.id)).toEqual([agencyA.runIds[2], agencyA.runIds[1]]);
    expect((await a.syncRuns.list({ from: '2026-11-20', to: '2026-11-20' })).totalCount).toBe(5);
    expect((await a.syncRuns.list({ to: '2026-11-19' })).totalCount).toBe(0);
    expect((await a.syncRuns.list({ connectionId: agencyB.connectionId })).totalCount).toBe(0);
  });

  it('accepts the paging direction tRPC infinite queries add to the input', async () => {
    const input = { limit: 2, cursor: null, direction: 'forward' } as Parameters<
      ReturnType<typeof caller>['syncRuns']['list']
    >[0];
    expect((await caller(agencyA).syncRuns.list(input)).items).toHaveLength(2);
  });

  it('refuses a page size above 200', async () => {
    await expectTrpcCode(caller(agencyA).syncRuns.list({ limit: 201 }), 'BAD_REQUEST');
  });

  it('shows one cycle with its errors, conflicts and paginated record log', async () => {
    const a = caller(agencyA, 'viewer');
    const detail = await a.syncRuns.get({ runId: agencyA.runIds[0]!, logLimit: 2 });
    expect(detail.run).toMatchObject({ id: agencyA.runIds[0], status: 'succeeded', conflictsCount: 1 });
    expect(detail.run.windowStart).toBe('2026-11-19T23:45:00.000Z');
    expect(detail.log.totalCount).toBe(3);
    expect(detail.log.items.map((entry) => entry.status)).toEqual(['created', 'updated']);
    expect(detail.conflicts.items.map((conflict) => conflict.id)).toEqual([agencyA.conflictId]);
    const rest = await a.syncRuns.log({ runId: agencyA.runIds[0]!, cursor: detail.log.nextCursor, limit: 2 });
    expect(rest.items).toEqual([
      expect.objectContaining({ status: 'error', errorCode: 'ADAPTER.VALIDATION', statusCode: 422 }),
    ]);
    expect(rest.nextCursor).toBeNull();

    const failed = await a.syncRuns.get({ runId: agencyA.runIds[1]! });
    expect(failed.run.errors).toEqual([
      expect.objectContaining({ code: 'ADAPTER.RATE_LIMITED', statusCode: 429, retryState: 'will_retry' }),
    ]);
  });

  it('gives records in, out and errors per cycle, oldest first', async () => {
    const history = await caller(agencyA).syncRuns.history({});
    expect(history.map((point) => point.runId)).toEqual(agencyA.runIds);
    expect(history[4]).toMatchObject({ recordsIn: 14, recordsOut: 3, errors: 0 });
    expect(history[1]).toMatchObject({ errors: 1, status: 'failed' });
  });
});

describe('conflicts, alerts and contacts', () => {
  it('shows a conflict with both versions, both timestamps, winner and rule per field', async () => {
    const conflict = await caller(agencyA, 'viewer').conflicts.get({ conflictId: agencyA.conflictId });
    expect(conflict).toMatchObject({
      contactName: `Jo ${agencyA.lastName}`,
      winner: 'mixed',
      crmModifiedAt: '2026-11-20T00:00:30.000Z',
      platformModifiedAt: '2026-11-19T23:59:00.000Z',
      differingFields: ['lastName', 'marketingConsent'],
    });
    expect(conflict.fields).toEqual([
      {
        field: 'lastName',
        crmValue: `${agencyA.lastName}-crm`,
        platformValue: agencyA.lastName,
        winner: 'crm',
        rule: 'crm_wins',
      },
      {
        field: 'marketingConsent',
        crmValue: 'granted',
        platformValue: 'denied',
        winner: 'platform',
        rule: 'deny_wins',
      },
    ]);
    expect((await caller(agencyA).conflicts.list({})).items.map((item) => item.id)).toEqual([
      agencyA.conflictId,
    ]);
  });

  it('lists and acknowledges the agency’s alerts', async () => {
    const a = caller(agencyA);
    const open = await a.alerts.list({ state: 'open' });
    expect(open.items.map((alert) => alert.id)).toEqual([agencyA.alertId]);
    expect(open.items[0]).toMatchObject({
      action: 'reconnect',
      kind: 'webhook_registration_failed',
      providerName: 'Reapit',
    });
    const acknowledged = await a.alerts.acknowledge({ alertId: agencyA.alertId });
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    expect((await a.alerts.list({ state: 'open' })).totalCount).toBe(0);
    expect((await a.alerts.list({ state: 'unresolved' })).totalCount).toBe(1);
  });

  it('looks a contact up by email, name or CRM id, with its provenance', async () => {
    const a = caller(agencyA, 'viewer');
    const [byEmail] = await a.contacts.lookup({ by: 'email', value: agencyA.email.toUpperCase() });
    expect(byEmail).toMatchObject({ id: agencyA.contactId, name: `Jo ${agencyA.lastName}` });
    expect(byEmail!.provenance).toMatchObject({
      provider: 'reapit',
      externalId: agencyA.externalId,
      matchedOn: ['email'],
    });
    expect(
      (await a.contacts.lookup({ by: 'name', value: agencyA.lastName.toLowerCase() })).map((c) => c.id),
    ).toEqual([agencyA.contactId]);
    expect(
      (await a.contacts.lookup({ by: 'externalId', value: agencyA.externalId })).map((c) => c.id),
    ).toEqual([agencyA.contactId]);
    // LIKE wildcards in the search text are literal.
    expect(await a.contacts.lookup({ by: 'name', value: '%' })).toEqual([]);
  });
});
