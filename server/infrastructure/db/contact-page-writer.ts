import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CATEGORY_FACTS } from '../../../shared/api/connection.dto.ts';
import { NurtureCategorySchema, type CanonicalContact } from '../../../shared/contact.ts';
import { nameKey } from '../../core/domain/contact-normalisation.ts';
import type { IdentityKeys } from '../../core/domain/deduplication.ts';
import type { IdentifierHasher } from '../../core/ports/erasure-store.ts';
import type { ContactPage, PageResult, SyncRunHandle } from '../../core/ports/sync-store.ts';
import { fieldPolicyFrom } from '../../core/sync/conflict-settlement.ts';
import {
  identityKeysToMatch,
  newestRecords,
  planPage,
  type ContactLink,
  type ContactValues,
  type PagePlan,
  type PlanInput,
} from '../../core/sync/reconcile-page.ts';
import { CRM_CONSENT_CHANNEL } from '../../core/domain/platform-changes.ts';
import { FIELD_RULES } from './entities/field-policy.entity.ts';
import { admittedContacts, recordScreen, screenPage } from './erasure-screening.ts';
import { sqlJson, type Sql, type SqlJson, type SqlParam } from './sql.ts';

/** Advisory-lock namespace serialising contact creation per agency (see writeContactPage). */
export const DEDUP_LOCK_NAMESPACE = 0x5059_4444;

/**
 * Reconciles one page in one transaction: reads what the plan needs (the page's links and the
 * field policy, then the dedup candidates), lets the core plan the page, and writes the plan in
 * one statement.
 */
export async function writeContactPage(
  sql: Sql,
  run: SyncRunHandle,
  incoming: ContactPage,
  hash: IdentifierHasher | null,
): Promise<PageResult> {
  return sql.transaction(async (tx) => {
    const { links, policy, categoryOverrides } = await readLinks(tx, run, incoming.contacts);
    // Records of people erased from Propsync stay out unless the CRM changed them since.
    const screen = hash ? await screenPage(tx, run, incoming.contacts, links, hash) : null;
    const page = screen ? { ...incoming, contacts: admittedContacts(incoming.contacts, screen) } : incoming;
    // Deduplication before any contact is created: the same person from another CRM is linked, not copied.
    // Pages of one agency that may create contacts take turns (until commit), or two CRMs' cycles
    // running at once would each create the same person. The lock was taken by the link lookup,
    // before this transaction wrote anything, so it cannot deadlock with row locks; the candidates
    // are read by a later statement, so they see what the previous holder committed.
    const candidates = await findCandidates(tx, run, identityKeysToMatch(page.contacts, links));
    const plan = planPage({
      page,
      links,
      candidates,
      policy,
      categoryOverrides,
      windowStart: run.window.start,
      newContactId: randomUUID,
      now: new Date(),
    });
    // One statement cannot change a row twice: merges into a contact the page also updates go first.
    if (plan.mergeApart)
      await tx.run(`with ${THIS_RUN} ${MERGE_INTO_EXISTING}`, [...thisRun(run), mergeRows(plan)]);
    await tx.run(PAGE_STATEMENT, pageParameters(run, page, plan));
    if (screen) await recordScreen(tx, run, screen, plan);
    return plan.result;
  });
}

/**
 * A jsonb object this statement built or Propsync stored, read as the core reads it (any fields).
 * Checked as an object without walking its keys: a page reads a hundred of these twice, and the
 * record check costs several times as much.
 */
const JsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'expected a JSON object',
);

/** The platform's newest consent of the channel CRMs hold, as PLATFORM_CONSENT reads it. */
const PlatformConsentColumn = z.object({ status: z.enum(['granted', 'denied']), at: z.string() }).nullable();

/** The subquery reading it for contact `c` (one parameter: the channel). */
const PLATFORM_CONSENT = `(select jsonb_build_object('status', p.status, 'at', p.occurred_at) from platform_changes p
  where p.contact_id = c.id and p.kind = 'consent' and p.channel = ?
  order by p.occurred_at desc, p.created_at desc limit 1) as platform_consent`;

/** A link as json_agg writes it: its timestamps arrive as text, which is what the core keeps. */
const LinkRow = z
  .object({
    external_id: z.string(),
    contact_id: z.string(),
    content_hash: z.string().nullable(),
    crm_modified_at: z.string().nullable(),
    reconciled_at: z.string(),
    snapshot: JsonObject.nullable(),
    current: JsonObject,
    field_modified_at: z.record(z.string(), z.string()),
    platform_consent: PlatformConsentColumn,
  })
  .transform((row): ContactLink => ({
    externalId: row.external_id,
    contactId: row.contact_id,
    contentHash: row.content_hash,
    crmModifiedAt: row.crm_modified_at,
    reconciledAt: row.reconciled_at,
    snapshot: row.snapshot,
    current: row.current,
    fieldModifiedAt: row.field_modified_at,
    platformConsent: row.platform_consent,
  }));

const PageLookupRow = z.object({
  links: z.array(LinkRow).nullable(),
  policy: z.array(z.object({ field: z.string(), rule: z.enum(FIELD_RULES) })).nullable(),
  category_overrides: z.partialRecord(z.enum(CATEGORY_FACTS), NurtureCategorySchema).nullable(),
});

/**
 * One round trip reads the page's links and the agency's field policy and, when some record is
 * new, takes the agency's dedup lock. The links are read as before the lock: only this run writes them.
 */
async function readLinks(tx: Sql, run: SyncRunHandle, contacts: CanonicalContact[]) {
  const externalIds = newestRecords(contacts).map((contact) => contact.provenance.externalId);
  if (externalIds.length === 0) return { links: [], policy: fieldPolicyFrom([]), categoryOverrides: {} };
  const lookup = await tx.first(
    PageLookupRow,
    `with incoming as (select jsonb_array_elements_text(?::jsonb) as external_id),
     links as (
       select e.external_id, e.contact_id, e.content_hash, e.crm_modified_at, e.updated_at as reconciled_at, e.snapshot,
         c.field_modified_at, jsonb_build_object('title', c.title, 'firstName', c.first_name, 'lastName', c.last_name,
           'emails', c.emails, 'phones', c.phones, 'address', c.address, 'nurtureCategory', c.nurture_category,
           'marketingConsent', c.marketing_consent, 'intentScore', c.intent_score, 'engagement', c.engagement,
           'hotLeadAt', c.hot_lead_at) as current, ${PLATFORM_CONSENT}
       from contact_external_ids e join contacts c on c.id = e.contact_id
       where e.connection_id = ? and e.external_id in (select external_id from incoming)),
     dedup_lock as materialized (
       select pg_advisory_xact_lock(?, hashtext(?)) from incoming i
       where not exists (select 1 from links l where l.external_id = i.external_id) limit 1)
     select (select count(*) from dedup_lock) as locked, (select json_agg(links) from links) as links,
       (select json_agg(json_build_object('field', p.field, 'rule', p.rule) order by p.organisation_id nulls first)
        from field_policies p where p.organisation_id is null or p.organisation_id = ?) as policy,
       (select field_mapping_overrides -> 'categories' from crm_connections where id = ?) as category_overrides`,
    [
      sqlJson(externalIds),
      CRM_CONSENT_CHANNEL,
      run.connectionId,
      DEDUP_LOCK_NAMESPACE,
      run.organisationId,
      run.organisationId,
      run.connectionId,
    ],
  );
  return {
    links: lookup?.links ?? [],
    policy: fieldPolicyFrom(lookup?.policy ?? []),
    categoryOverrides: lookup?.category_overrides ?? {},
  };
}

const CandidateRow = z
  .object({
    id: z.string(),
    emails: z.array(z.string()),
    phones: z.array(z.string()),
    name_key: z.string().nullable(),
    postcode: z.string().nullable(),
    uprn: z.string().nullable(),
    udprn: z.string().nullable(),
    platform_consent: PlatformConsentColumn,
  })
  .transform((row): PlanInput['candidates'][number] => ({
    contactId: row.id,
    emails: row.emails,
    phones: row.phones,
    nameKey: row.name_key,
    postcode: row.postcode,
    uprn: row.uprn,
    udprn: row.udprn,
    platformConsent: row.platform_consent,
  }));

/**
 * Existing contacts of the agency that could be any of the incoming people, found through the
 * email, phone and name indexes (never a scan). A contact already linked to this CRM is still a
 * candidate: the CRM may hold the same person twice.
 */
async function findCandidates(
  tx: Sql,
  run: SyncRunHandle,
  incoming: IdentityKeys[],
): Promise<PlanInput['candidates']> {
  if (incoming.length === 0) return [];
  return tx.rows(
    CandidateRow,
    // Each branch is bounded by its own index and the agency, and returns the columns itself: an
    // outer "id in (…)" would make PostgreSQL scan every contact of the agency on every page.
    // While an import fills a table not yet analysed, the planner thinks an agency has few contacts
    // and would read all of them on every page; OFFSET 0 subqueries keep each incoming record's
    // lookup on its own index: the email one on the GIN index (the agency filtered after), the name
    // one on (organisation, name key).
    `with incoming as (
       select * from jsonb_to_recordset(?::jsonb) as x(emails text[], phones text[], name_key text, postcode text, uprn text, udprn text)),
     found as (
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
       where i.name_key is not null)
     select c.*, ${PLATFORM_CONSENT} from found c`,
    [
      sqlJson(
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
      CRM_CONSENT_CHANNEL,
    ],
  );
}

/** The run the statements write for, named once instead of repeated as parameters. */
const THIS_RUN = `this_run as (select ?::uuid as id, ?::uuid as connection_id, ?::uuid as organisation_id, ?::text as provider)`;

function thisRun(run: SyncRunHandle): SqlParam[] {
  return [run.runId, run.connectionId, run.organisationId, run.provider];
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
  from this_run r, jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})
  where c.id = x.id and c.organisation_id = r.organisation_id`;

/**
 * The page as one statement, to save round trips: each part writes other rows, and foreign keys
 * are checked at its end, so external ids may point at contacts it inserts.
 */
const PAGE_STATEMENT = `with ${THIS_RUN},
 merged_contacts as (${MERGE_INTO_EXISTING}),
 inserted_contacts as (
   insert into contacts (id, organisation_id, title, first_name, last_name, emails, phones, address, postcode, uprn,
     udprn, nurture_category, marketing_consent, profile, name_key, field_modified_at)
   select x.id, r.organisation_id, x.title, x.first_name, x.last_name, x.emails, x.phones, x.address, x.postcode, x.uprn,
     x.udprn, x.nurture_category, x.marketing_consent, x.profile, x.name_key, x.field_modified_at
   from this_run r, jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})),
 updated_contacts as (
   update contacts c set title = x.title, first_name = x.first_name, last_name = x.last_name, emails = x.emails,
     phones = x.phones, address = x.address, postcode = x.postcode, uprn = x.uprn, udprn = x.udprn,
     nurture_category = x.nurture_category, marketing_consent = x.marketing_consent, profile = x.profile,
     name_key = x.name_key, field_modified_at = c.field_modified_at || x.field_modified_at, updated_at = now()
   from this_run r, jsonb_to_recordset(?::jsonb) as x(${CONTACT_RECORD_COLUMNS})
   where c.id = x.id and c.organisation_id = r.organisation_id),
 external_ids as (
   insert into contact_external_ids (contact_id, organisation_id, connection_id, provider, external_id, active,
     crm_modified_at, etag, content_hash, snapshot, matched_on)
   select x.contact_id, r.organisation_id, r.connection_id, r.provider, x.external_id, x.active, x.crm_modified_at, x.etag,
     x.content_hash, x.snapshot, coalesce(x.matched_on, '{}')
   from this_run r, jsonb_to_recordset(?::jsonb) as x(contact_id uuid, external_id text, active boolean,
     crm_modified_at timestamptz, etag text, content_hash text, snapshot jsonb, matched_on text[])
   on conflict (connection_id, external_id) do update set active = excluded.active,
     crm_modified_at = excluded.crm_modified_at, etag = excluded.etag, content_hash = excluded.content_hash,
     snapshot = excluded.snapshot, updated_at = now()),
 sync_log as (
   insert into crm_sync_log (sync_run_id, connection_id, organisation_id, entity_type, direction, external_id,
     internal_id, status, error_code, error)
   select r.id, r.connection_id, r.organisation_id, 'contact', 'inbound', x.external_id, x.internal_id, x.status,
     x.error_code, x.error
   from this_run r, jsonb_to_recordset(?::jsonb) as x(external_id text, internal_id uuid, status text, error_code text, error text)),
 events as (
   insert into host_events (organisation_id, type, payload)
   select r.organisation_id, x.type, jsonb_build_object('contactId', x.contact_id, 'provider', r.provider, 'externalId', x.external_id)
   from this_run r, jsonb_to_recordset(?::jsonb) as x(type text, contact_id uuid, external_id text)
   where exists (select 1 from organisations o where o.id = r.organisation_id and o.host_webhook_url is not null)),
 conflict_audits as (
   insert into conflict_audit (organisation_id, connection_id, contact_id, sync_run_id, crm_version, platform_version,
     crm_modified_at, platform_modified_at, differing_fields, resolutions, winner)
   select r.organisation_id, r.connection_id, x.contact_id, r.id, x.crm_version, x.platform_version, x.crm_modified_at,
     x.platform_modified_at, x.differing_fields, x.resolutions, x.winner
   from this_run r, jsonb_to_recordset(?::jsonb) as x(contact_id uuid, crm_version jsonb, platform_version jsonb,
     crm_modified_at timestamptz, platform_modified_at timestamptz, differing_fields text[], resolutions jsonb, winner text)),
 write_backs as (
   insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
   select r.organisation_id, r.connection_id, x.contact_id, 'contact_update', x.idempotency_key, x.payload
   from this_run r, jsonb_to_recordset(?::jsonb) as x(contact_id uuid, idempotency_key text, payload jsonb)
   on conflict (connection_id, idempotency_key) do nothing),
 page_totals as (
   select * from jsonb_to_record(?::jsonb) as k(fetched int, written int, unchanged int, conflicts int,
     duplicates_suppressed int, errors_count int, errors jsonb, estimated_total int, checkpoint jsonb)),
 counters as (
   update sync_runs s set records_fetched = s.records_fetched + k.fetched, records_written = s.records_written + k.written,
     records_unchanged = s.records_unchanged + k.unchanged, conflicts_count = s.conflicts_count + k.conflicts,
     duplicates_suppressed = s.duplicates_suppressed + k.duplicates_suppressed,
     errors_count = s.errors_count + k.errors_count, errors = s.errors || k.errors,
     estimated_total = coalesce(s.estimated_total, k.estimated_total), heartbeat_at = now()
   from this_run r, page_totals k where s.id = r.id)
 update crm_connections c set sync_cursor = jsonb_set(c.sync_cursor, '{pending,checkpoint}', k.checkpoint)
 from this_run r, page_totals k
 where k.checkpoint is not null and c.id = r.connection_id and c.sync_cursor -> 'pending' is not null
   and c.sync_cursor -> 'pending' <> 'null'::jsonb`;

/** The page statement's parameters, one per part, in its order. */
function pageParameters(run: SyncRunHandle, page: ContactPage, plan: PagePlan): SqlParam[] {
  return [
    ...thisRun(run),
    // merged_contacts: written apart, before this statement, when the page also updates one of them
    plan.mergeApart ? sqlJson([]) : mergeRows(plan),
    sqlJson(plan.inserts.map(contactRecord)),
    sqlJson(plan.updates.map(contactRecord)),
    sqlJson(
      plan.links.map((link) => ({
        contact_id: link.contactId,
        external_id: link.externalId,
        active: link.active,
        crm_modified_at: link.crmModifiedAt,
        etag: link.etag,
        content_hash: link.contentHash,
        snapshot: link.snapshot,
        matched_on: link.matchedOn,
      })),
    ),
    sqlJson(
      plan.logRows.map((row) => ({
        external_id: row.externalId,
        internal_id: row.contactId,
        status: row.status,
        error_code: row.errorCode,
        error: row.error,
      })),
    ),
    sqlJson(
      plan.hostEvents.map((event) => ({
        type: event.type,
        contact_id: event.contactId,
        external_id: event.externalId,
      })),
    ),
    sqlJson(
      plan.audits.map((audit) => ({
        contact_id: audit.contactId,
        crm_version: audit.crmVersion,
        platform_version: audit.platformVersion,
        crm_modified_at: audit.crmModifiedAt,
        platform_modified_at: audit.platformModifiedAt,
        differing_fields: audit.differingFields,
        resolutions: audit.resolutions,
        winner: audit.winner,
      })),
    ),
    sqlJson(
      plan.pushes.map((push) => ({
        contact_id: push.contactId,
        idempotency_key: push.idempotencyKey,
        payload: push.payload,
      })),
    ),
    sqlJson({
      fetched: plan.counters.fetched,
      written: plan.counters.written,
      unchanged: plan.counters.unchanged,
      conflicts: plan.counters.conflicts,
      duplicates_suppressed: plan.counters.duplicatesSuppressed,
      errors_count: plan.counters.errors,
      errors: plan.errors,
      estimated_total: page.estimatedTotal,
      // Saved only when the page has one.
      checkpoint: page.checkpoint,
    }),
  ];
}

function mergeRows(plan: PagePlan): SqlJson {
  return sqlJson(plan.merges.map(contactRecord));
}

function contactRecord({ contactId, contact }: ContactValues) {
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
