import { z } from 'zod';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { IdentifierHasher } from '../../core/ports/erasure-store.ts';
import type { SyncRunHandle } from '../../core/ports/sync-store.ts';
import { erasureKeys, screenErased, type ErasureScreen } from '../../core/sync/erasure-screen.ts';
import type { ContactLink, PagePlan } from '../../core/sync/reconcile-page.ts';
import { newestRecords } from '../../core/sync/reconcile-page.ts';
import { sqlJson, sqlTimestamp, type Sql } from './sql.ts';

export type PageScreen = ErasureScreen & { hashesOf: Map<string, string[]> };

const TombstoneRow = z.object({ key_hash: z.string(), erased_at: sqlTimestamp });

/**
 * Looks the page's new records (those without a link) up among the agency's erasure tombstones,
 * by the keyed hashes of their CRM id, emails and phones, and lets the core screen them.
 */
export async function screenPage(
  tx: Sql,
  run: SyncRunHandle,
  contacts: CanonicalContact[],
  links: ContactLink[],
  hash: IdentifierHasher,
): Promise<PageScreen> {
  const linked = new Set(links.map((link) => link.externalId));
  const fresh = newestRecords(contacts).filter((record) => !linked.has(record.provenance.externalId));
  const hashesOf = new Map(
    fresh.map((record) => [
      record.provenance.externalId,
      erasureKeys(run.connectionId, {
        externalId: record.provenance.externalId,
        emails: record.emails,
        phones: record.phones,
      }).map(hash),
    ]),
  );
  const everyHash = [...hashesOf.values()].flat();
  const tombstones =
    everyHash.length === 0
      ? []
      : await tx.rows(
          TombstoneRow,
          `select key_hash, max(erased_at) as erased_at from erasure_tombstones
           where organisation_id = ? and key_hash in (select jsonb_array_elements_text(?::jsonb)) group by key_hash`,
          [run.organisationId, sqlJson(everyHash)],
        );
  const erasedAtOf = new Map(tombstones.map((row) => [row.key_hash, row.erased_at.getTime()]));
  const screen = screenErased(fresh, (record) => {
    const times = (hashesOf.get(record.provenance.externalId) ?? []).flatMap(
      (keyHash) => erasedAtOf.get(keyHash) ?? [],
    );
    return times.length === 0 ? null : new Date(Math.max(...times)).toISOString();
  });
  return { ...screen, hashesOf };
}

/** The records the page may reconcile: every record but those of erased people left out. */
export function admittedContacts(contacts: CanonicalContact[], screen: PageScreen): CanonicalContact[] {
  if (screen.suppressed.length === 0) return contacts;
  const suppressed = new Set(screen.suppressed.map((record) => record.provenance.externalId));
  return contacts.filter((record) => !suppressed.has(record.provenance.externalId));
}

/**
 * Records what the screen decided: a record kept out is logged without its id (it belongs to an
 * erased person); a record imported again is logged as `reimported` and marks the tombstones it matched.
 */
export async function recordScreen(
  tx: Sql,
  run: SyncRunHandle,
  screen: PageScreen,
  plan: PagePlan,
): Promise<void> {
  if (screen.suppressed.length === 0 && screen.reimported.length === 0) return;
  const contactOf = new Map(plan.links.map((link) => [link.externalId, link.contactId]));
  const rows = [
    ...screen.suppressed.map(() => ({
      external_id: null,
      internal_id: null,
      status: 'skipped',
      error_code: 'CONTACT.ERASED',
      error: 'A record of a person erased from Propsync, unchanged in the CRM since: not imported',
    })),
    ...screen.reimported.map((record) => ({
      external_id: record.provenance.externalId,
      internal_id: contactOf.get(record.provenance.externalId) ?? null,
      status: 'reimported',
      error_code: null,
      error: null,
    })),
  ];
  await tx.run(
    `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
       internal_id, status, error_code, error)
     select ?, ?, ?, 'contact', 'inbound', x.external_id, x.internal_id, x.status, x.error_code, x.error
     from jsonb_to_recordset(?::jsonb) as x(external_id text, internal_id uuid, status text, error_code text, error text)`,
    [run.runId, run.connectionId, run.organisationId, sqlJson(rows)],
  );
  const reimportedHashes = screen.reimported.flatMap(
    (record) => screen.hashesOf.get(record.provenance.externalId) ?? [],
  );
  if (reimportedHashes.length > 0) {
    await tx.run(
      `update erasure_tombstones set reimported_at = now()
       where organisation_id = ? and key_hash in (select jsonb_array_elements_text(?::jsonb)) and reimported_at is null`,
      [run.organisationId, sqlJson(reimportedHashes)],
    );
  }
}
