import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';
import type { CrmAdapter } from '../../core/ports/crm-adapter.ts';
import { reconcileDue } from '../../core/sync/reconcile-connection.ts';
import { useTestOrganisation } from '../../test-support/connected-agency.ts';
import { createBareConnection } from '../../test-support/test-services.ts';
import { Sql, sqlTimestamp } from './sql.ts';

/**
 * The reconciliation's schedule in the database: a claim moves the next time a full interval on,
 * a run that failed for a passing reason brings it forward with a growing backoff, and a success
 * leaves the full interval and forgets the failures. Due times are moved on the database's clock,
 * as the scheduling tests do.
 */
const agency = useTestOrganisation('Flaky CRM Lettings');
const HOUR = 60 * 60_000;
const INTERVAL = 24 * HOUR;

/** An adapter that lists nothing, or fails with the CRM unavailable. */
const adapter = (failing: boolean): CrmAdapter =>
  ({
    // eslint-disable-next-line require-yield -- a listing that fails before its first page
    async *syncContacts() {
      if (failing) throw new PropsyncError('ADAPTER.PROVIDER_UNAVAILABLE', 'The CRM answered 503');
    },
  }) as unknown as CrmAdapter;

describe('a reconciliation that failed', () => {
  it('is retried after minutes, later with each failure in a row, and a success goes back to the interval', async () => {
    const sql = new Sql(agency.services.orm.em);
    const connectionId = await createBareConnection(agency.services, agency.organisationId);
    const schedule = async () =>
      (await sql.first(
        z.object({ next_reconcile_at: sqlTimestamp, reconcile_failures: z.number() }),
        `select next_reconcile_at, reconcile_failures from crm_connections where id = ?`,
        [connectionId],
      ))!;
    const makeDue = () =>
      sql.run(`update crm_connections set next_reconcile_at = now() - interval '1 second' where id = ?`, [
        connectionId,
      ]);
    const run = async (failing: boolean) => {
      await makeDue();
      const before = Date.now();
      await reconcileDue(
        { ...agency.services.reconciliation, adapterFor: async () => adapter(failing) },
        INTERVAL,
      );
      const after = await schedule();
      return { ...after, waitMs: after.next_reconcile_at.getTime() - before };
    };
    const near = (expectedMs: number) => expect.closeTo(expectedMs, -4); // within 5 s

    const first = await run(true);
    expect(first.reconcile_failures).toBe(1);
    expect(first.waitMs).toEqual(near(5 * 60_000));

    const second = await run(true);
    expect(second.reconcile_failures).toBe(2);
    expect(second.waitMs).toEqual(near(10 * 60_000));

    const recovered = await run(false);
    expect(recovered.reconcile_failures).toBe(0);
    expect(recovered.waitMs).toEqual(near(INTERVAL));

    // The next failure starts the backoff again from its first step.
    expect((await run(true)).waitMs).toEqual(near(5 * 60_000));
  });
});
