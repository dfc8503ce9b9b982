import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunError } from '../../core/ports/sync-store.ts';
import { useTestOrganisation } from '../../test-support/connected-agency.ts';
import { createBareConnection } from '../../test-support/test-services.ts';
import { PostgresConnectionStore } from './connection-store.ts';
import { Sql, sqlTimestamp } from './sql.ts';

/**
 * `crm_connections.updated_at` says when the connection itself changed (settings, credentials,
 * status), and versions the webhook adapters built from the row (connection-service.ts): a sync
 * cycle's own bookkeeping (its cursor, its last sync time) does not move it.
 */
const agency = useTestOrganisation('Quiet Row Lettings');

const failure = (permanent: boolean) => ({
  succeeded: false as const,
  permanent,
  error: {
    code: permanent ? 'ADAPTER.AUTH_FAILED' : 'ADAPTER.PROVIDER_UNAVAILABLE',
    message: permanent ? 'Reapit refused the credentials' : 'Reapit answered 503',
    statusCode: permanent ? 401 : 503,
    externalId: null,
    retryState: permanent ? 'needs_reconnect' : 'retry_scheduled',
  } satisfies RunError,
});

async function cycle(
  connectionId: string,
  outcome: Parameters<typeof agency.services.syncStore.finishRun>[1],
) {
  const started = await agency.services.syncStore.startRun(connectionId, 'manual', new Date(), 0);
  if (started.outcome !== 'started') throw new Error(`run not started: ${started.outcome}`);
  await agency.services.syncStore.finishRun(started.run, outcome);
}

const rowOf = async (connectionId: string) =>
  (await new Sql(agency.services.orm.em).first(
    z.object({
      updated_at: z.string(),
      status: z.string(),
      last_synced_at: sqlTimestamp.nullable(),
      has_cursor: z.boolean(),
    }),
    `select updated_at::text, status, last_synced_at, sync_cursor is not null as has_cursor from crm_connections where id = ?`,
    [connectionId],
  ))!;

describe("a sync cycle and the connection's updated_at", () => {
  it('leaves it alone for cycles that change only bookkeeping, and moves it when the status changes', async () => {
    const connectionId = await createBareConnection(agency.services, agency.organisationId);
    const store = new PostgresConnectionStore(agency.services.orm.em);
    const before = await rowOf(connectionId);
    const version = await store.liveVersion('reapit', connectionId);

    // A cycle that succeeds: cursor and last sync time written, nothing about the connection changed.
    await cycle(connectionId, { succeeded: true });
    const synced = await rowOf(connectionId);
    expect(synced.has_cursor).toBe(true);
    expect(synced.last_synced_at).not.toBeNull();
    expect(synced.updated_at).toBe(before.updated_at);

    // A transient failure keeps the connection active: still no change to the connection.
    await cycle(connectionId, failure(false));
    expect(await rowOf(connectionId)).toMatchObject({ status: 'active', updated_at: before.updated_at });

    // The webhook adapter built before the cycles is still current.
    expect(await store.liveVersion('reapit', connectionId)).toEqual(version);

    // Credentials refused for good: the status changes, and so does updated_at.
    await cycle(connectionId, failure(true));
    const failed = await rowOf(connectionId);
    expect(failed.status).toBe('error');
    expect(failed.updated_at > before.updated_at).toBe(true);

    // A second refusal changes nothing more; the recovery does.
    await cycle(connectionId, failure(true));
    expect((await rowOf(connectionId)).updated_at).toBe(failed.updated_at);
    await cycle(connectionId, { succeeded: true });
    const recovered = await rowOf(connectionId);
    expect(recovered.status).toBe('active');
    expect(recovered.updated_at > failed.updated_at).toBe(true);
  });
});
