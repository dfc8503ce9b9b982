import { createHash, randomUUID } from 'node:crypto';
import type { CanonicalContact } from '../../../shared/contact.ts';
import type { CrmProvider } from '../../../shared/providers.ts';
import { contactContentHash, nameKey } from '../../core/domain/contact-normalisation.ts';
import {
  DEFAULT_FIELD_POLICY,
  resolveContactFields,
  sameValue,
  type FieldPolicy,
  type FieldRule,
} from '../../core/domain/conflict-resolution.ts';
import {
  findMatch,
  type DedupMatch,
  type IdentityKeys,
  type MatchCandidate,
} from '../../core/domain/deduplication.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { ContactChange, OutboundActivity, PageCheckpoint } from '../../core/ports/crm-adapter.ts';
import type {
  OutboundOutcome,
  OutboundWork,
  PageResult,
  RunError,
  StartRunOutcome,
  SyncCursor,
  SyncRunHandle,
  SyncRunTrigger,
  SyncStore,
} from '../../core/ports/sync-store.ts';
import type { ConnectionLocks } from './connection-locks.ts';
import type { EntityManager } from './orm.ts';

/** Advisory-lock namespace serialising contact creation per agency (see applyContactPage). */
const DEDUP_LOCK_NAMESPACE = 0x5059_4444;

type ExistingLink = {
  external_id: string;
  contact_id: string;
  content_hash: string | null;
  crm_modified_at: string | null;
  reconciled_at: string;
  snapshot: Record<string, unknown> | null;
  /** Propsync's current values of the contact, for field-level conflict resolution. */
  current: Record<string, unknown>;
  field_modified_at: Record<string, string>;
};

/**
 * The sync cycle's persistence, written as set-based SQL: one transaction per page whatever its
 * size, with the page's checkpoint saved alongside its data. MikroORM's maintainers advise native
 * batch statements rather than the unit of work for imports of this kind.
 */
export class PostgresSyncStore implements SyncStore {
  readonly #em: EntityManager;
  readonly #locks: ConnectionLocks;
  /** Lock releases of the runs this process holds open, by run id. */
  readonly #releases = new Map<string, () => Promise<void>>();
  readonly #failingAlertAfterMs: number;

  constructor(em: EntityManager, locks: ConnectionLocks, options: { failingAlertAfterMs?: number } = {}) {
    this.#em = em;
    this.#locks = locks;
    this.#failingAlertAfterMs = options.failingAlertAfterMs ?? 60 * 60_000;
  }

  async startRun(
    connectionId: string,
    trigger: SyncRunTrigger,
    now: Date,
    overlapMs: number,
    scheduledFor: Date | null = null,
  ): Promise<StartRunOutcome> {
    const release = await this.#locks.tryAcquire(connectionId);
    if (!release) return { outcome: 'busy' };
    try {
      const outcome = await this.#openRun(connectionId, trigger, now, overlapMs, scheduledFor);
      if (outcome.outcome === 'started') this.#releases.set(outcome.run.runId, release);
      else await release();
      return outcome;
    } catch (error) {
      await release();
      throw error;
    }
  }

  async #openRun(
    connectionId: string,
    trigger: SyncRunTrigger,
    now: Date,
    overlapMs: number,
    scheduledFor: Date | null,
  ): Promise<StartRunOutcome> {
    return this.#em.fork().transactional(async (em) => {
      const [connection] = await em.execute<
        {
          id: string;
          organisation_id: string;
          provider: CrmProvider;
          status: string;
          sync_cursor: SyncCursor | null;
        }[]
      >(
        `select id, organisation_id, provider, status, sync_cursor from crm_connections where id = ? for update`,
        [connectionId],
      );
      if (!connection) throw new PropsyncError('CONNECTION.NOT_FOUND', `No connection ${connectionId}`);
      if (connection.status === 'disconnected') {
        throw new PropsyncError(
          'CONNECTION.DISCONNECTED',
          'This connection is disconnected: reconnect it to sync again',
        );
      }
      if (scheduledFor) {
        const [ran] = await em.execute(
          `select 1 from sync_runs where connection_id = ? and scheduled_for = ?`,
          [connectionId, scheduledFor],
        );
        if (ran) return { outcome: 'slot_already_ran' as const };
      }
      // We hold the connection's lock, so a run still marked running belongs to a dead worker.
      const died: RunError & { at: string } = {
        code: 'SYNC.WORKER_DIED',
        message: 'The worker running this cycle stopped part-way; the next cycle re-ran the same window',
        statusCode: null,
        externalId: null,
        retryState: 'retry_scheduled',
        at: now.toISOString(),
      };
      await em.execute(
        `update sync_runs set status = 'failed', finished_at = ?, errors_count = errors_count + 1,
           errors = errors || ?::jsonb where connection_id = ? and status = 'running'`,
        [now, JSON.stringify([died]), connectionId],
      );
      const cursor: SyncCursor = connection.sync_cursor ?? { modifiedSince: null, pending: null };
      const resumed = cursor.pending !== null;
      const pending =
        cursor.pending ??
        ({
          windowStart: cursor.modifiedSince
            ? new Date(Date.parse(cursor.modifiedSince) - overlapMs).toISOString()
            : null,
          windowEnd: now.toISOString(),
          checkpoint: null,
        } satisfies SyncCursor['pending']);
      await em.execute(`update crm_connections set sync_cursor = ?::jsonb, updated_at = now() where id = ?`, [
        JSON.stringify({ ...cursor, pending }),
        connectionId,
      ]);
      const runId = randomUUID();
      await em.execute(
        `insert into sync_runs (id, connection_id, organisation_id, trigger, full_import, window_start, window_end, cursor_before,
           started_at, heartbeat_at, scheduled_for)
         values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)`,
        [
          runId,
          connectionId,
          connection.organisation_id,
          trigger,
          pending.windowStart === null,
          pending.windowStart,
          pending.windowEnd,
          JSON.stringify(cursor),
          now,
          now,
          scheduledFor,
        ],
      );
      const run: SyncRunHandle = {
        runId,
        connectionId,
        organisationId: connection.organisation_id,
        provider: connection.provider,
        window: { start: pending.windowStart, end: pending.windowEnd, resumeAfter: pending.checkpoint },
        resumed,
      };
      return { outcome: 'started' as const, run };
    });
  }

  async applyContactPage(
    run: SyncRunHandle,
    page: { contacts: CanonicalContact[]; rejected: Array<{ externalId: string | null; reason: string }> },
    checkpoint: PageCheckpoint | null,
    estimatedTotal: number | null,
  ): Promise<PageResult> {
    // The last occurrence of a record in a page is its newest state.
    const byExternalId = new Map(page.contacts.map((contact) => [contact.provenance.externalId, contact]));
    const incoming = [...byExternalId.values()];
    return this.#em.fork().transactional(async (em) => {
      // One round trip reads the page's links and, when some record is new, takes the agency's
      // dedup lock (see below). The links are read as before the lock: only this run writes them.
      const [lookup] = incoming.length
        ? await em.execute<{ links: ExistingLink[] | null }[]>(
            `with incoming as (select jsonb_array_elements_text(?::jsonb) as external_id),
             links as (
               select e.external_id, e.contact_id, e.content_hash, e.crm_modified_at, e.updated_at as reconciled_at, e.snapshot,
                 c.field_modified_at, jsonb_build_object('title', c.title, 'firstName', c.first_name, 'lastName', c.last_name,
                   'emails', c.emails, 'phones', c.phones, 'address', c.address, 'nurtureCategory', c.nurture_category,
                   'marketingConsent', c.marketing_consent, 'intentScore', c.intent_score, 'engagement', c.engagement,
                   'hotLeadAt', c.hot_lead_at) as current
               from contact_external_ids e join contacts c on c.id = e.contact_id
               where e.connection_id = ? and e.external_id in (select external_id from incoming)),
             dedup_lock as materialized (
               select pg_advisory_xact_lock(?, hashtext(?)) from incoming i
               where not exists (select 1 from links l where l.external_id = i.external_id) limit 1)
             select (select count(*) from dedup_lock) as locked, (select json_agg(links) from links) as links`,
            [
              JSON.stringify(incoming.map((contact) => contact.provenance.externalId)),
              run.connectionId,
              DEDUP_LOCK_NAMESPACE,
              run.organisationId,
            ],
          )
        : [];
      const existing = lookup?.links ?? [];
      const links = new Map(existing.map((link) => [link.external_id, link]));
      const fresh: Array<{ contact: CanonicalContact; hash: string }> = [];
      /** `stored` is what the contact row gets when several records of the page are one person. */
      const inserts: Array<{
        contactId: string;
        contact: CanonicalContact;
        hash: string;
        stored?: CanonicalContact;
      }> = [];
      const merges: Array<{ contactId: string; contact: CanonicalContact; hash: string; match: DedupMatch }> =
        [];
      const updates: Array<{
        contactId: string;
        contact: CanonicalContact;
        hash: string;
        link: ExistingLink;
        resolved?: CanonicalContact;
      }> = [];
      let unchanged = 0;
      for (const contact of incoming) {
        const hash = contactContentHash(contact);
        const link = links.get(contact.provenance.externalId);
        if (!link) {
          fresh.push({ contact, hash });
        } else if (
          link.content_hash === hash ||
          // Never let an older version of a record overwrite a newer one.
          (link.crm_modified_at !== null &&
            Date.parse(contact.provenance.modifiedAt) < new Date(link.crm_modified_at).getTime())
        ) {
          unchanged++;
        } else {
          updates.push({ contactId: link.contact_id, contact, hash, link });
        }
      }

      // Deduplication before any contact is created: the same person from another CRM is linked, not copied.
      // Pages of one agency that may create contacts take turns (until commit), or two CRMs' cycles
      // running at once would each create the same person. The lock was taken by the link lookup
      // above, before this transaction wrote anything, so it cannot deadlock with row locks; the
      // candidates are read by a later statement, so they see what the previous holder committed.
      const candidates = await findCandidates(
        em,
        run,
        fresh.map(({ contact }) => identityKeys(contact)),
      );
      // Records of this page can also be the same person (agentOS lists one person per list;
      // CRMs hold data-entry duplicates): earlier new records of the page are candidates too.
      const pageCandidates: MatchCandidate[] = [];
      const insertIndex = new Map<string, number>();
      for (const { contact, hash } of fresh) {
        const keys = identityKeys(contact);
        const match = findMatch(keys, [...candidates, ...pageCandidates]);
        if (!match) {
          const contactId = randomUUID();
          insertIndex.set(contactId, inserts.length);
          inserts.push({ contactId, contact, hash });
          pageCandidates.push({ ...keys, contactId });
          continue;
        }
        merges.push({ contactId: match.contactId, contact, hash, match });
        const pageInsert = insertIndex.get(match.contactId);
        if (pageInsert !== undefined) {
          const target = inserts[pageInsert]!;
          target.stored = foldContact(target.stored ?? target.contact, contact);
          const candidate = pageCandidates.find((entry) => entry.contactId === match.contactId)!;
          Object.assign(candidate, identityKeys(target.stored));
        }
      }
      // Another CRM (or an earlier page) brought this person first: keep its values, add what these records know besides.
      const mergedIntoExisting = new Map<string, CanonicalContact>();
      for (const merge of merges) {
        if (insertIndex.has(merge.contactId)) continue;
        const earlier = mergedIntoExisting.get(merge.contactId);
        mergedIntoExisting.set(
          merge.contactId,
          earlier ? foldContact(earlier, merge.contact) : merge.contact,
        );
      }
      const mergeRecords = [...mergedIntoExisting].map(([contactId, contact]) =>
        toContactRecord({ contactId, contact }),
      );
      // One statement cannot update a row twice: a contact this page both merges into and updates gets
      // the merge first, on its own. Otherwise the merge is part of the page's statement below.
      const mergeApart = updates.some((update) => mergedIntoExisting.has(update.contactId));
      if (mergeApart) {
        await em.execute(MERGE_INTO_EXISTING, [JSON.stringify(mergeRecords), run.organisationId]);
      }
      const conflicts = updates.length > 0 ? await this.#resolveConflicts(em, run, updates) : 0;
      const changed = [...inserts, ...updates, ...merges];
      const externalIdRows = changed.map(
        ({
          contactId,
          contact,
          hash,
          match,
        }: {
          contactId: string;
          contact: CanonicalContact;
          hash: string;
          match?: DedupMatch;
        }) => ({
          contact_id: contactId,
          matched_on: match?.matchedOn ?? null,
          external_id: contact.provenance.externalId,
          active: contact.active,
          crm_modified_at: contact.provenance.modifiedAt,
          etag: contact.provenance.etag,
          content_hash: hash,
          snapshot: snapshotOf(contact),
        }),
      );
      const logRows = [
        ...inserts.map(({ contactId, contact }) => logRow(contactId, contact, 'created')),
        ...updates.map(({ contactId, contact }) =>
          logRow(contactId, contact, contact.active ? 'updated' : 'deactivated'),
        ),
        ...merges.map(({ contactId, contact }) => logRow(contactId, contact, 'merged')),
        ...page.rejected.map((rejected) => ({
          internal_id: null,
          external_id: rejected.externalId,
          status: 'error',
          error_code: 'ADAPTER.BAD_RESPONSE',
          error: rejected.reason,
        })),
      ];
      // The host hears about changes after the first import (a full import would be a flood).
      const hostEventRows =
        run.window.start === null
          ? []
          : logRows.filter((row) => row.status !== 'error' && row.internal_id !== null);
      const rejectedErrors = page.rejected.map((rejected) => ({
        code: 'ADAPTER.BAD_RESPONSE',
        message: rejected.reason,
        statusCode: null,
        externalId: rejected.externalId,
        retryState: 'gave_up',
        at: new Date().toISOString(),
      }));

      // The rest of the page is one statement, to save round trips: each part writes other rows, and
      // foreign keys are checked at its end, so external ids may point at contacts it inserts.
      await em.execute(
        `with merged_contacts as (${MERGE_INTO_EXISTING}),
         inserted_contacts as (
           insert into contacts (id, organisation_id, title, first_name, last_name, emails, phones, address, postcode, uprn,
             udprn, nurture_category, marketing_consent, profile, name_key, field_modified_at)
           select x.id, ?, x.title, x.first_name, x.last_name, x.emails, x.phones, x.address, x.postcode, x.uprn, x.udprn,
             x.nurture_category, x.marketing_consent, x.profile, x.name_key, x.field_modified_at
           from jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})),
         updated_contacts as (
           update contacts c set title = x.title, first_name = x.first_name, last_name = x.last_name, emails = x.emails,
             phones = x.phones, address = x.address, postcode = x.postcode, uprn = x.uprn, udprn = x.udprn,
             nurture_category = x.nurture_category, marketing_consent = x.marketing_consent, profile = x.profile,
             name_key = x.name_key, field_modified_at = c.field_modified_at || x.field_modified_at, updated_at = now()
           from jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})
           where c.id = x.id and c.organisation_id = ?),
         external_ids as (
           insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id, active,
             crm_modified_at, etag, content_hash, snapshot, matched_on)
           select x.contact_id, ?, ?, ?, x.external_id, x.active, x.crm_modified_at, x.etag, x.content_hash, x.snapshot,
             coalesce(x.matched_on, '{}')
           from jsonb_to_recordset(?::jsonb) as x(contact_id uuid, external_id text, active boolean,
             crm_modified_at timestamptz, etag text, content_hash text, snapshot jsonb, matched_on text[])
           on conflict (connection_id, external_id) do update set active = excluded.active,
             crm_modified_at = excluded.crm_modified_at, etag = excluded.etag, content_hash = excluded.content_hash,
             snapshot = excluded.snapshot, updated_at = now()),
         sync_log as (
           insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
             internal_id, status, error_code, error)
           select ?, ?, ?, 'contact', 'inbound', x.external_id, x.internal_id, x.status, x.error_code, x.error
           from jsonb_to_recordset(?::jsonb) as x(external_id text, internal_id uuid, status text, error_code text, error text)),
         events as (
           insert into host_events (organisation_id, type, payload)
           select ?, 'contact.' || x.status, jsonb_build_object('contactId', x.internal_id, 'provider', ?::text, 'externalId', x.external_id)
           from jsonb_to_recordset(?::jsonb) as x(external_id text, internal_id uuid, status text)
           where exists (select 1 from organisations o where o.id = ? and o.host_webhook_url is not null)),
         counters as (
           update sync_runs set records_fetched = records_fetched + ?, records_written = records_written + ?,
             records_unchanged = records_unchanged + ?, conflicts_count = conflicts_count + ?,
             duplicates_suppressed = duplicates_suppressed + ?, errors_count = errors_count + ?, errors = errors || ?::jsonb,
             estimated_total = coalesce(estimated_total, ?), heartbeat_at = now()
           where id = ?)
         update crm_connections set sync_cursor = jsonb_set(sync_cursor, '{pending,checkpoint}', ?::jsonb)
         where ?::boolean and id = ? and sync_cursor -> 'pending' is not null and sync_cursor -> 'pending' <> 'null'::jsonb`,
        [
          // merged_contacts
          JSON.stringify(mergeApart ? [] : mergeRecords),
          run.organisationId,
          // inserted_contacts
          run.organisationId,
          JSON.stringify(
            inserts.map(({ contactId, contact, stored }) =>
              toContactRecord({ contactId, contact: stored ?? contact }),
            ),
          ),
          // updated_contacts
          JSON.stringify(
            updates.map((update) =>
              toContactRecord({ contactId: update.contactId, contact: update.resolved ?? update.contact }),
            ),
          ),
          run.organisationId,
          // external_ids
          run.organisationId,
          run.connectionId,
          run.provider,
          JSON.stringify(externalIdRows),
          // sync_log
          run.runId,
          run.connectionId,
          run.organisationId,
          JSON.stringify(logRows),
          // events
          run.organisationId,
          run.provider,
          JSON.stringify(hostEventRows),
          run.organisationId,
          // counters
          incoming.length + page.rejected.length,
          changed.length,
          unchanged,
          conflicts,
          merges.length,
          page.rejected.length,
          JSON.stringify(rejectedErrors),
          estimatedTotal,
          run.runId,
          // the checkpoint, saved only when the page has one
          JSON.stringify(checkpoint),
          checkpoint !== null,
          run.connectionId,
        ],
      );
      return {
        created: inserts.length,
        updated: updates.length,
        merged: merges.length,
        unchanged,
        rejected: page.rejected.length,
      };
    });
  }

  /**
   * Where Propsync changed a contact the CRM also changed, settles each field by policy, writes
   * the immutable audit row, and queues Propsync's surviving values for write-back.
   */
  async #resolveConflicts(
    em: EntityManager,
    run: SyncRunHandle,
    updates: Array<{
      contactId: string;
      contact: CanonicalContact;
      link: ExistingLink;
      resolved?: CanonicalContact;
    }>,
  ): Promise<number> {
    const policyRows = await em.execute<{ field: string; rule: FieldRule }[]>(
      `select field, rule from field_policies where organisation_id is null or organisation_id = ? order by organisation_id nulls first`,
      [run.organisationId],
    );
    const policy: FieldPolicy = {
      ...DEFAULT_FIELD_POLICY,
      ...Object.fromEntries(policyRows.map((row) => [row.field, row.rule])),
    };
    const audits: unknown[] = [];
    const pushes: unknown[] = [];
    for (const update of updates) {
      const { link, contact } = update;
      const base = link.snapshot ?? {};
      const crm = crmFieldsOf(contact);
      const reconciledAt = new Date(link.reconciled_at).getTime();
      const platformChangedAt = Object.fromEntries(
        Object.entries(link.field_modified_at ?? {}).filter(([field, at]) =>
          field in crm ? !sameValue(link.current[field], base[field]) : Date.parse(at) > reconciledAt,
        ),
      );
      if (Object.keys(platformChangedAt).length === 0) continue;
      const outcome = resolveContactFields({
        base,
        crm,
        platform: link.current,
        platformChangedAt,
        crmModifiedAt: contact.provenance.modifiedAt,
        policy,
      });
      update.resolved = { ...contact, ...(outcome.merged as Partial<CanonicalContact>) };
      if (outcome.conflict) {
        audits.push({
          contact_id: update.contactId,
          crm_version: crm,
          platform_version: link.current,
          crm_modified_at: contact.provenance.modifiedAt,
          platform_modified_at: Object.values(platformChangedAt).sort().at(-1),
          differing_fields: outcome.conflict.differingFields,
          resolutions: outcome.conflict.resolutions,
          winner: outcome.conflict.winner,
        });
      }
      if (outcome.platformFieldsToPush.length > 0) {
        const fields = Object.fromEntries(
          outcome.platformFieldsToPush.map((field) => [field, outcome.merged[field]]),
        );
        pushes.push({
          contact_id: update.contactId,
          idempotency_key: `contact-update:${contact.provenance.externalId}:${createHash('sha256').update(JSON.stringify(fields)).digest('base64url')}`,
          payload: { externalId: contact.provenance.externalId, etag: contact.provenance.etag, fields },
        });
      }
    }
    if (audits.length > 0) {
      await em.execute(
        `insert into conflict_audit (organisation_id, connection_id, contact_id, sync_run_id, crm_version, platform_version,
           crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
         select ?, ?, x.contact_id, ?, x.crm_version, x.platform_version, x.crm_modified_at, x.platform_modified_at,
           x.differing_fields, x.resolutions, x.winner
         from jsonb_to_recordset(?::jsonb) as x(contact_id uuid, crm_version jsonb, platform_version jsonb,
           crm_modified_at timestamptz, platform_modified_at timestamptz, differing_fields text[], resolutions jsonb, winner text)`,
        [run.organisationId, run.connectionId, run.runId, JSON.stringify(audits)],
      );
    }
    if (pushes.length > 0) {
      await em.execute(
        `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
         select ?, ?, x.contact_id, 'contact_update', x.idempotency_key, x.payload
         from jsonb_to_recordset(?::jsonb) as x(contact_id uuid, idempotency_key text, payload jsonb)
         on conflict (connection_id, idempotency_key) do nothing`,
        [run.organisationId, run.connectionId, JSON.stringify(pushes)],
      );
    }
    return audits.length;
  }

  async claimOutboundWrites(run: SyncRunHandle, limit: number): Promise<OutboundWork[]> {
    // The run holds the connection's lock, so rows left in flight belong to a worker that died.
    const rows = await this.#em
      .fork()
      .execute<{ id: string; kind: OutboundWork['kind']; attempts: number; payload: unknown }[]>(
        `update outbound_writes set status = 'in_flight', attempts = attempts + 1, updated_at = now()
       where id in (select id from outbound_writes where connection_id = ?
         and (status = 'pending' or (status = 'failed' and next_attempt_at <= now()) or status = 'in_flight')
         order by next_attempt_at, created_at limit ?)
       returning id, kind, attempts, payload`,
        [run.connectionId, limit],
      );
    return rows.map((row) =>
      row.kind === 'contact_update'
        ? { id: row.id, attempts: row.attempts, kind: row.kind, change: row.payload as ContactChange }
        : { id: row.id, attempts: row.attempts, kind: row.kind, activity: row.payload as OutboundActivity },
    );
  }

  async recordOutboundWrite(run: SyncRunHandle, work: OutboundWork, outcome: OutboundOutcome): Promise<void> {
    const entityType = work.kind === 'contact_update' ? 'contact' : work.kind;
    const externalId =
      work.kind === 'contact_update' ? work.change.externalId : work.activity.contactExternalId;
    await this.#em.fork().transactional(async (em) => {
      const [write] = await em.execute<{ contact_id: string | null }[]>(
        outcome.ok
          ? `update outbound_writes set status = 'done', external_ref = ?, last_error = null, last_error_code = null,
               last_status_code = null, updated_at = now() where id = ? returning contact_id`
          : `update outbound_writes set status = 'failed', last_error_code = ?, last_error = ?, last_status_code = ?,
               next_attempt_at = now() + make_interval(secs => ?), updated_at = now() where id = ? returning contact_id`,
        outcome.ok
          ? [outcome.result.externalRef, work.id]
          : [
              outcome.error.code,
              outcome.error.message,
              outcome.error.statusCode,
              outboundRetryDelaySeconds(work.attempts),
              work.id,
            ],
      );
      await em.execute(
        `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, internal_id,
           status, error_code, error, status_code)
         values (?, ?, ?, ?, 'outbound', ?, ?, ?, ?, ?, ?)`,
        [
          run.runId,
          run.connectionId,
          run.organisationId,
          entityType,
          externalId,
          write?.contact_id ?? null,
          outcome.ok ? 'updated' : 'error',
          outcome.ok ? null : outcome.error.code,
          outcome.ok ? null : outcome.error.message,
          outcome.ok ? null : outcome.error.statusCode,
        ],
      );
      await em.execute(
        outcome.ok
          ? `update sync_runs set records_pushed = records_pushed + 1, heartbeat_at = now() where id = ?`
          : `update sync_runs set errors_count = errors_count + 1, errors = errors || ?::jsonb, heartbeat_at = now() where id = ?`,
        outcome.ok
          ? [run.runId]
          : [JSON.stringify([{ ...outcome.error, externalId, at: new Date().toISOString() }]), run.runId],
      );
    });
  }

  async finishRun(
    run: SyncRunHandle,
    outcome: { succeeded: true } | { succeeded: false; error: RunError; permanent: boolean },
  ): Promise<void> {
    try {
      await this.#closeRun(run, outcome);
    } finally {
      const release = this.#releases.get(run.runId);
      this.#releases.delete(run.runId);
      await release?.();
    }
  }

  async openWebhookRun(connectionId: string): Promise<SyncRunHandle> {
    const [row] = await this.#em
      .fork()
      .execute<{ id: string; organisation_id: string; provider: CrmProvider }[]>(
        `insert into sync_runs (connection_id, organisation_id, trigger, full_import)
       select id, organisation_id, 'webhook', false from crm_connections where id = ? and status <> 'disconnected'
       returning id, organisation_id, (select provider from crm_connections where id = ?) as provider`,
        [connectionId, connectionId],
      );
    if (!row)
      throw new PropsyncError(
        'CONNECTION.DISCONNECTED',
        'This connection is disconnected: webhooks are not processed',
      );
    const now = new Date().toISOString();
    return {
      runId: row.id,
      connectionId,
      organisationId: row.organisation_id,
      provider: row.provider,
      window: { start: now, end: now, resumeAfter: null },
      resumed: false,
    };
  }

  async closeWebhookRun(run: SyncRunHandle, errors: RunError[]): Promise<void> {
    const stamped = errors.map((error) => ({ ...error, at: new Date().toISOString() }));
    await this.#em.fork().execute(
      `update sync_runs set status = case when ? then 'partial' else 'succeeded' end, finished_at = now(), heartbeat_at = now(),
         errors_count = errors_count + ?, errors = errors || ?::jsonb where id = ?`,
      [stamped.length > 0, stamped.length, JSON.stringify(stamped), run.runId],
    );
  }

  async deactivateLinks(run: SyncRunHandle, externalIds: string[]): Promise<number> {
    if (externalIds.length === 0) return 0;
    return this.#em.fork().transactional(async (em) => {
      const links = await em.execute<{ contact_id: string; external_id: string }[]>(
        `update contact_external_ids set active = false, updated_at = now()
         where connection_id = ? and external_id = any(array[?]::text[]) and active returning contact_id, external_id`,
        [run.connectionId, externalIds],
      );
      if (links.length > 0) {
        await em.execute(
          `insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id, internal_id, status)
           select ?, ?, ?, 'contact', 'inbound', x.external_id, x.contact_id, 'deactivated'
           from jsonb_to_recordset(?::jsonb) as x(external_id text, contact_id uuid)`,
          [run.runId, run.connectionId, run.organisationId, JSON.stringify(links)],
        );
      }
      return links.length;
    });
  }

  async #closeRun(
    run: SyncRunHandle,
    outcome: { succeeded: true } | { succeeded: false; error: RunError; permanent: boolean },
  ): Promise<void> {
    await this.#em.fork().transactional(async (em) => {
      if (outcome.succeeded) {
        const cursor: SyncCursor = { modifiedSince: run.window.end, pending: null };
        await em.execute(
          `update sync_runs set status = case when errors_count > 0 then 'partial' else 'succeeded' end,
             finished_at = now(), heartbeat_at = now(), cursor_after = ?::jsonb where id = ?`,
          [JSON.stringify(cursor), run.runId],
        );
        await em.execute(
          `update crm_connections set sync_cursor = ?::jsonb, last_synced_at = now(), status = 'active',
             failing_since = null, updated_at = now() where id = ? and status <> 'disconnected'`,
          [JSON.stringify(cursor), run.connectionId],
        );
        return;
      }
      const error = { ...outcome.error, at: new Date().toISOString() };
      await em.execute(
        `update sync_runs set status = 'failed', finished_at = now(), heartbeat_at = now(), errors_count = errors_count + 1,
           errors = errors || ?::jsonb where id = ?`,
        [JSON.stringify([error]), run.runId],
      );
      // The pending window stays in the cursor, so the next cycle resumes it.
      await em.execute(
        `update crm_connections set last_error_at = now(), last_error_message = ?,
           status = case when ? and status <> 'disconnected' then 'error' else status end,
           failing_since = coalesce(failing_since, now()), updated_at = now() where id = ?`,
        [outcome.error.message, outcome.permanent, run.connectionId],
      );
      // Transient failures that go on too long still need a person: one alert per failing spell.
      const [failing] = await em.execute<{ failing_since: Date }[]>(
        `select failing_since from crm_connections where id = ?`,
        [run.connectionId],
      );
      if (
        !outcome.permanent &&
        failing &&
        Date.now() - new Date(failing.failing_since).getTime() >= this.#failingAlertAfterMs
      ) {
        await em.execute(
          `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
           values (?, ?, 'connection_failing', 'warning', ?, 'retry_sync', ?)
           on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null
           do update set message = excluded.message`,
          [
            run.organisationId,
            run.connectionId,
            `Syncing has failed since ${new Date(failing.failing_since).toISOString()}: ${outcome.error.message}`,
            `connection_failing:${run.connectionId}`,
          ],
        );
      }
      if (outcome.permanent) {
        const alert = alertFor(outcome.error);
        await em.execute(
          `insert into alerts (organisation_id, connection_id, kind, severity, message, action, dedupe_key)
           values (?, ?, ?, 'critical', ?, ?, ?)
           on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null
           do update set message = excluded.message`,
          [
            run.organisationId,
            run.connectionId,
            alert.kind,
            outcome.error.message,
            alert.action,
            `${alert.kind}:${run.connectionId}`,
          ],
        );
      }
    });
  }
}

/** Failed writes wait 30 s, 1, 2, 4… minutes, capped at six hours, before the next cycle retries them. */
function outboundRetryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 6 * 60 * 60);
}

/** Permanent failures become one open, actionable alert per connection and kind. */
function alertFor(error: RunError): { kind: string; action: string } {
  if (error.code === 'ADAPTER.AUTH_INVALID') return { kind: 'credentials_rejected', action: 'reconnect' };
  if (error.code === 'ADAPTER.PERMISSION_DENIED')
    return { kind: 'permission_denied', action: 'check_permissions' };
  return { kind: 'sync_failed', action: 'retry_sync' };
}

const CONTACT_RECORD_COLUMNS = `id uuid, title text, first_name text, last_name text, emails text[], phones text[],
  address jsonb, postcode text, uprn text, udprn text, nurture_category text, marketing_consent text, profile jsonb,
  name_key text, field_modified_at jsonb`;

/** Folds a person's records into a contact that already exists: its values win, emails and phones unite. */
const MERGE_INTO_EXISTING = `update contacts c set emails = array(select distinct unnest(c.emails || x.emails)),
    phones = array(select distinct unnest(c.phones || x.phones)), title = coalesce(c.title, x.title),
    first_name = coalesce(c.first_name, x.first_name), last_name = coalesce(c.last_name, x.last_name),
    address = coalesce(c.address, x.address), postcode = coalesce(c.postcode, x.postcode),
    uprn = coalesce(c.uprn, x.uprn), udprn = coalesce(c.udprn, x.udprn),
    name_key = coalesce(c.name_key, x.name_key), updated_at = now()
  from jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})
  where c.id = x.id and c.organisation_id = ?`;

function toContactRecord({ contactId, contact }: { contactId: string; contact: CanonicalContact }) {
  return {
    id: contactId,
    title: contact.title,
    first_name: contact.firstName,
    last_name: contact.lastName,
    emails: contact.emails,
    phones: contact.phones,
    address: contact.address,
    postcode: contact.address?.postcode ?? null,
    uprn: contact.address?.uprn ?? null,
    udprn: contact.address?.udprn ?? null,
    nurture_category: contact.nurtureCategory,
    marketing_consent: contact.marketingConsent,
    profile: contact.profile,
    name_key: nameKey(contact.firstName, contact.lastName),
    // Only Propsync's own edits are timed here: they are what conflict detection looks for.
    field_modified_at: {},
  };
}

/** The contact fields a CRM carries, as the conflict resolver compares them. */
function crmFieldsOf(contact: CanonicalContact): Record<string, unknown> {
  return {
    title: contact.title,
    firstName: contact.firstName,
    lastName: contact.lastName,
    emails: contact.emails,
    phones: contact.phones,
    address: contact.address,
    nurtureCategory: contact.nurtureCategory,
    marketingConsent: contact.marketingConsent,
  };
}

/** The CRM's version as last reconciled: the base for detecting which side changed a field. */
function snapshotOf(contact: CanonicalContact): Record<string, unknown> {
  const { provenance: _provenance, ...fields } = contact;
  return fields;
}

/** One person seen twice: the first record's values win, emails and phones are the union. */
function foldContact(first: CanonicalContact, second: CanonicalContact): CanonicalContact {
  return {
    ...first,
    title: first.title ?? second.title,
    firstName: first.firstName ?? second.firstName,
    lastName: first.lastName ?? second.lastName,
    emails: [...new Set([...first.emails, ...second.emails])],
    phones: [...new Set([...first.phones, ...second.phones])],
    address: first.address ?? second.address,
  };
}

function identityKeys(contact: CanonicalContact): IdentityKeys {
  return {
    emails: contact.emails,
    phones: contact.phones,
    nameKey: nameKey(contact.firstName, contact.lastName),
    postcode: contact.address?.postcode ?? null,
    uprn: contact.address?.uprn ?? null,
    udprn: contact.address?.udprn ?? null,
  };
}

/**
 * Existing contacts of the agency that could be any of the incoming people, found through the
 * email, phone and name indexes (never a scan). A contact already linked to this CRM is still a
 * candidate: the CRM may hold the same person twice.
 */
async function findCandidates(
  em: EntityManager,
  run: SyncRunHandle,
  incoming: IdentityKeys[],
): Promise<MatchCandidate[]> {
  if (incoming.length === 0) return [];
  const rows = await em.execute<
    {
      id: string;
      emails: string[];
      phones: string[];
      name_key: string | null;
      postcode: string | null;
      uprn: string | null;
      udprn: string | null;
    }[]
  >(
    // Each branch is bounded by its own index and the agency, and returns the columns itself: an
    // outer "id in (…)" would make PostgreSQL scan every contact of the agency on every page.
    // While an import fills a table not yet analysed, the planner thinks an agency has few contacts
    // and would read all of them on every page; OFFSET 0 subqueries keep each incoming record's
    // lookup on its own index: the email one on the GIN index (the agency filtered after), the name
    // one on (organisation, name key).
    `with incoming as (
       select * from jsonb_to_recordset(?::jsonb) as x(emails text[], phones text[], name_key text, postcode text, uprn text, udprn text))
     select c.id, c.emails, c.phones, c.name_key, c.postcode, c.uprn, c.udprn
       from incoming i cross join lateral (
         select c.id, c.organisation_id, c.emails, c.phones, c.name_key, c.postcode, c.uprn, c.udprn
         from contacts c where c.emails && i.emails offset 0) c
       where cardinality(i.emails) > 0 and c.organisation_id = ?
     union
     select c.id, c.emails, c.phones, c.name_key, c.postcode, c.uprn, c.udprn
       from incoming i join contacts c on c.phones && i.phones
       where i.name_key is not null and cardinality(i.phones) > 0 and c.organisation_id = ? and c.name_key = i.name_key
     union
     select c.id, c.emails, c.phones, c.name_key, c.postcode, c.uprn, c.udprn
       from incoming i cross join lateral (
         select c.id, c.emails, c.phones, c.name_key, c.postcode, c.uprn, c.udprn from contacts c
         where c.organisation_id = ? and c.name_key = i.name_key
           and (c.postcode = i.postcode or c.uprn = i.uprn or c.udprn = i.udprn) offset 0) c
       where i.name_key is not null`,
    [
      JSON.stringify(
        incoming.map((keys) => ({
          emails: keys.emails,
          phones: keys.phones,
          name_key: keys.nameKey,
          postcode: keys.postcode,
          uprn: keys.uprn,
          udprn: keys.udprn,
        })),
      ),
      run.organisationId,
      run.organisationId,
      run.organisationId,
    ],
  );
  return rows.map((row) => ({
    contactId: row.id,
    emails: row.emails,
    phones: row.phones,
    nameKey: row.name_key,
    postcode: row.postcode,
    uprn: row.uprn,
    udprn: row.udprn,
  }));
}

function logRow(
  contactId: string,
  contact: CanonicalContact,
  status: 'created' | 'updated' | 'merged' | 'deactivated',
) {
  return {
    internal_id: contactId,
    external_id: contact.provenance.externalId,
    status,
    error_code: null,
    error: null,
  };
}
