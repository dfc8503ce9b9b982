import { describe, expect, it } from 'vitest';
import type { RunError } from '../../core/ports/sync-store.ts';
import { useTestOrganisation } from '../../test-support/connected-agency.ts';
import { createBareConnection, createOrganisation } from '../../test-support/test-services.ts';
import { PostgresConnectionStore } from './connection-store.ts';

const agency = useTestOrganisation('Reconnected Mid-Cycle Lettings');

const rejected: RunError = {
  code: 'ADAPTER.AUTH_FAILED',
  message: 'Reapit refused the credentials',
  statusCode: 401,
  externalId: null,
  retryState: 'needs_reconnect',
};

const connectionState = async (connectionId: string) =>
  (
    await agency.services.orm.em.fork().execute<{ status: string; alerts: number; failing: boolean }[]>(
      `select c.status, (select count(*)::int from alerts a where a.connection_id = c.id) as alerts,
         c.failing_since is not null as failing
       from crm_connections c where c.id = ?`,
      [connectionId],
    )
  )[0]!;

/** A run of the connection, failed for good with rejected credentials after `meanwhile`. */
async function runFailingAfter(
  connectionId: string,
  meanwhile: () => Promise<void>,
  cycleClock = new Date(),
) {
  const started = await agency.services.syncStore.startRun(connectionId, 'manual', cycleClock, 0);
  if (started.outcome !== 'started') throw new Error(`run not started: ${started.outcome}`);
  await meanwhile();
  await agency.services.syncStore.finishRun(started.run, {
    succeeded: false,
    error: rejected,
    permanent: true,
  });
  return started.run.runId;
}

describe('a cycle that fails with credentials the admin has since replaced', () => {
  it('records its own failure but leaves the reconnected connection active, with no alert', async () => {
    const connectionId = await createBareConnection(agency.services, agency.organisationId);
    const runId = await runFailingAfter(connectionId, () =>
      new PostgresConnectionStore(agency.services.orm.em).saveReconnected({
        connectionId,
        organisationId: agency.organisationId,
        settings: {},
        sealedCredentials: { sealed: 'new credentials' },
        sealedGrantJson: null,
      }),
    );

    expect(await connectionState(connectionId)).toEqual({ status: 'active', alerts: 0, failing: false });
    const [run] = await agency.services.orm.em
      .fork()
      .execute<{ status: string }[]>(`select status from sync_runs where id = ?`, [runId]);
    expect(run!.status).toBe('failed');
  });

  it('still puts the connection in error when its credentials did not change during the cycle, whatever its clock', async () => {
    const otherAgency = await createOrganisation(agency.services, 'Rejected Credentials Lettings');
    const connectionId = await createBareConnection(agency.services, otherAgency);
    await new PostgresConnectionStore(agency.services.orm.em).saveReconnected({
      connectionId,
      organisationId: otherAgency,
      settings: {},
      sealedCredentials: { sealed: 'current credentials' },
      sealedGrantJson: null,
    });
    // The cycle's clock (a test's, or a host's that is behind) is a year before the database's.
    await runFailingAfter(connectionId, async () => {}, new Date(Date.now() - 365 * 24 * 60 * 60_000));

    expect(await connectionState(connectionId)).toMatchObject({ status: 'error', failing: true });
    expect((await connectionState(connectionId)).alerts).toBeGreaterThan(0);
  });
});
