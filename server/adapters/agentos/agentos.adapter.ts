import { z } from 'zod';
import { VIEWING_VALUATION_AND_OFFER_TYPES } from '../adapter-kit/activity-kinds.ts';
import type { ProviderInfo } from '../../../shared/provider-catalog.ts';
import { PropsyncError } from '../../core/errors.ts';
import type {
  ContactChange,
  ContactPage,
  InboundWebhook,
  OutboundActivity,
  PageCheckpoint,
  SyncWindow,
} from '../../core/ports/crm-adapter.ts';
import { ConnectedAdapter, defineAdapter } from '../adapter-definition.ts';
import { API_KEY_FIELD, pageSizeSetting, pastedKeyCredentials } from '../adapter-kit/connection-settings.ts';
import {
  DeltaPosition,
  pageByModifiedTime,
  type DeltaKey,
  type DeltaPage,
} from '../adapter-kit/delta-pager.ts';
import { activitiesOf, contactsOf } from '../adapter-kit/record-mapping.ts';
import { propsyncReference } from '../adapter-kit/write-back-markers.ts';
import { nurtureFieldValues, type NurtureFields } from '../adapter-kit/nurture-fields.ts';
import { primaryPhoneAlternatives } from '../adapter-kit/contact-fields.ts';
import { AGENTOS_WEBHOOK_SUBSCRIPTIONS, AgentosWebhooks } from './agentos.webhooks.ts';
import {
  mapActivity,
  mapContact,
  parseExternalId,
  toAgentosPatch,
  toExternalId,
  type AgentosActivityKind,
} from './agentos.mapper.ts';
import {
  AGENTOS_CONTACT_TYPES,
  AgentosBranchSchema,
  AgentosContactSchema,
  AgentosLogEntrySchema,
  AgentosOrderingSchema,
  parseAgentosList,
  parseAgentosTime,
  type AgentosContactType,
} from './agentos.schemas.ts';

/** The registry's entry for agentos (limits and capabilities: docs/crms/agentos.md). */
export const AGENTOS_INFO = {
  id: 'agentos',
  displayName: 'agentOS',
  vendor: 'LetMC',
  authKind: 'api_key',
  rateLimits: { requests: 50, windowSeconds: 60 },
  rateLimitsDocumented: true,
  pagingStyle: 'offset',
  capabilities: {
    webhooks: true,
    etags: true,
    writeBack: 'contact log entries and engagement fields',
    // agentOS's webhooks announce contacts only: appointments and offers are polled.
    activities: {
      polledTypes: VIEWING_VALUATION_AND_OFFER_TYPES,
      webhooks: false,
      kinds: 'viewings, valuations and offers (polled; its webhooks announce contacts only)',
    },
  },
  connectFields: {
    credentials: [{ ...API_KEY_FIELD, hint: 'Generated in agentOS under Settings › API.' }],
    settings: [
      {
        name: 'shortName',
        label: 'Agency short name',
        required: true,
        hint: 'The name in your agentOS web address.',
      },
    ],
  },
} as const satisfies ProviderInfo;

/** agentOS caps `{count}` at 1,000. */
const MAX_PAGE_SIZE = 1000;
/** `ExternalReference` holds at most 100 characters. */
const MAX_REFERENCE_LENGTH = 100;

/** Where each contact list lives under `/v4/{tier}/{shortName}/`. */
const LIST_PATHS: Readonly<Record<AgentosContactType, string>> = {
  Tenant: 'lettings/tenants',
  Landlord: 'lettings/landlords',
  LettingsApplicant: 'lettings/applicants',
  SalesApplicant: 'sales/applicants',
  Vendor: 'sales/vendors',
};

const CredentialsSchema = pastedKeyCredentials(
  'apiKey',
  'the API key the agency generated in agentOS is required',
);
type Credentials = z.infer<typeof CredentialsSchema>;

const SettingsSchema = z.object({
  /** The agency's short name in agentOS (part of every URL). */
  shortName: z
    .string()
    .trim()
    .min(1, 'the agency short name is required')
    .regex(/^[A-Za-z0-9_-]+$/, 'the short name has only letters, digits, hyphens and underscores'),
  /** The API tier the agency enabled for the key. */
  tier: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]+$/, 'the tier is a single word, e.g. advanced')
    .default('advanced'),
  /** Records per request (agentOS allows 1–1,000); smaller pages only for tests and debugging. */
  pageSize: pageSizeSetting(MAX_PAGE_SIZE),
});
type Settings = z.infer<typeof SettingsSchema>;

export const agentosAdapter = defineAdapter({
  info: AGENTOS_INFO,
  /** agentOS's API host: operator configuration (`PROPSYNC_AGENTOS_API_URL`), never the admin's form. */
  hosts: { api: 'https://live-api.letmc.com' },
  credentialsSchema: CredentialsSchema,
  // docs/crms/agentos.md: three phone fields, read in this order (the admin may choose the primary one).
  fieldAlternatives: primaryPhoneAlternatives('MobilePhone', 'HomePhone', 'WorkPhone'),
  settingsSchema: SettingsSchema,
  baseUrl: (settings, hosts) => `${hosts.api}/v4/${settings.tier}/${encodeURIComponent(settings.shortName)}/`,
  // The key itself authorises every request; there is nothing to exchange.
  authorise: (_grant, credentials) => ({ api_key: credentials.apiKey }),
  create: (context) => new AgentosAdapter(context),
});

/** The engagement values of an agentOS record (docs/crms/agentos.md). */
const ENGAGEMENT_FIELDS: NurtureFields = {
  score: ['EngagementScore', 'EngagementScoreDate'],
  hotLead: ['HotLead', 'HotLeadDate'],
};

/** A list read as part of one merged stream; its name prefixes its ids in the shared checkpoint. */
type DeltaList<N extends string> = { name: N; path: string };

const CONTACT_LISTS: ReadonlyArray<DeltaList<AgentosContactType>> = AGENTOS_CONTACT_TYPES.map((type) => ({
  name: type,
  path: LIST_PATHS[type],
}));

/** Where the activities live (docs/crms/agentos.md); the name is the kind in the activity's id. */
const ACTIVITY_LISTS: ReadonlyArray<DeltaList<AgentosActivityKind>> = [
  { name: 'appointment', path: 'diary/appointments' },
  { name: 'offer', path: 'sales/offers' },
];

/** One list's delta read, and what it read but has not handed out yet. */
type ListReader<N extends string> = {
  name: N;
  pages: AsyncIterator<DeltaPage<unknown>>;
  buffer: Array<{ key: DeltaKey; raw: unknown }>;
  exhausted: boolean;
  total: number | null;
};

/** A page of several lists merged in ModifiedDate order, with the checkpoint that resumes them all. */
type MergedPage<N extends string> = {
  records: Array<{ list: N; oid: string; raw: unknown }>;
  /** Records without a readable OID or ModifiedDate: reported, never skipped silently. */
  unreadable: Array<{ list: N; oid: string | null }>;
  checkpoint: PageCheckpoint | null;
  estimatedTotal: number;
};

/**
 * The agentOS adapter. agentOS keeps contacts in five lists (tenants, landlords, lettings and
 * sales applicants, vendors); each record is its own contact in Propsync with the external id
 * `<ContactType>:<OID>`, so a person on two lists arrives twice and Propsync's matching joins them.
 */
export class AgentosAdapter extends ConnectedAdapter<Credentials, Settings> {
  protected readonly webhookSubscriptions = AGENTOS_WEBHOOK_SUBSCRIPTIONS;
  readonly #webhooks = new AgentosWebhooks(
    this.settings.shortName,
    this.webhookSecret,
    this.fieldChoices.phones,
  );

  async verifyConnection() {
    const branches = parseAgentosList(
      (await this.http.request('GET', 'company/branches/0/1000')).body,
      'branch',
    );
    const names = branches.Data.map((raw) => AgentosBranchSchema.safeParse(raw)).flatMap((parsed) =>
      parsed.success && parsed.data.Name ? [parsed.data.Name] : [],
    );
    let contactCount = 0;
    // `Count` is each list's total: one single-record request per list is enough.
    for (const type of AGENTOS_CONTACT_TYPES) {
      contactCount += parseAgentosList(
        (await this.http.request('GET', `${LIST_PATHS[type]}/0/1`)).body,
        type,
      ).Count;
    }
    const label =
      names.length === 0
        ? this.settings.shortName
        : `${this.settings.shortName} (${names.slice(0, 4).join(', ')}${names.length > 4 ? '…' : ''})`;
    return { accountLabel: label, contactCount };
  }

  async *syncContacts(window: SyncWindow, options?: { signal?: AbortSignal }) {
    for await (const page of this.#readMerged(CONTACT_LISTS, window, options?.signal)) {
      const read = contactsOf(
        page.records,
        ({ list, raw }) => mapContact(raw, list, this.fieldChoices.phones),
        contactIdOf,
      );
      const rejected = [...read.rejected, ...unreadableRejections(page, contactIdOf)];
      yield {
        contacts: read.contacts,
        rejected,
        checkpoint: page.checkpoint,
        estimatedTotal: page.estimatedTotal,
      };
    }
  }

  /**
   * Diary appointments and sales offers changed in the window, as engagement signals
   * (docs/crms/agentos.md): agentOS announces neither by webhook, so this is how they arrive. One
   * record is one activity, `<kind>:<OID>`, at the stage it has reached; cancelled appointments,
   * inspections, rejected and withdrawn offers are no signal.
   */
  async *syncActivities(window: SyncWindow, options?: { signal?: AbortSignal }) {
    for await (const page of this.#readMerged(ACTIVITY_LISTS, window, options?.signal)) {
      const read = activitiesOf(page.records, ({ list, raw }) => mapActivity(list, raw), activityIdOf);
      yield {
        activities: read.activities,
        rejected: [...read.rejected, ...unreadableRejections(page, activityIdOf)],
        checkpoint: page.checkpoint,
      };
    }
  }

  /**
   * Several lists merged into one stream ordered by ModifiedDate, so one checkpoint (the last
   * modification time handed out and the `<list>:<OID>` ids handed out at it) resumes them all.
   */
  async *#readMerged<N extends string>(
    lists: ReadonlyArray<DeltaList<N>>,
    window: SyncWindow,
    signal?: AbortSignal,
  ): AsyncGenerator<MergedPage<N>> {
    const pageSize = this.settings.pageSize;
    const position = DeltaPosition.start(window);
    const resume = window.resumeAfter;
    const readers: Array<ListReader<N>> = lists.map(({ name, path }) => {
      // Each list resumes from the shared checkpoint, skipping only its own records.
      const prefix = `${name}:`;
      const ids = (resume?.idsAtModifiedAt ?? []).flatMap((id) =>
        id.startsWith(prefix) ? [id.slice(prefix.length)] : [],
      );
      const listWindow = {
        modifiedFrom: window.modifiedFrom,
        resumeAfter: resume && { ...resume, idsAtModifiedAt: ids },
      };
      const pages = this.#readList(path, name, listWindow, window.modifiedTo, signal);
      return { name, pages, buffer: [], exhausted: false, total: null };
    });
    let unreadable: MergedPage<N>['unreadable'] = [];
    const pull = async (reader: ListReader<N>) => {
      const next = await reader.pages.next();
      if (next.done) {
        reader.exhausted = true;
        return;
      }
      reader.total ??= next.value.total;
      for (const { record, key } of next.value.records) {
        if (key !== null) reader.buffer.push({ key, raw: record });
        else unreadable.push({ list: reader.name, oid: oidOf(record) });
      }
    };
    for (const reader of readers) await pull(reader);
    const estimatedTotal = readers.reduce((sum, reader) => sum + (reader.total ?? 0), 0);
    let yielded = false;
    for (;;) {
      const records: MergedPage<N>['records'] = [];
      for (let taken = 0; taken < pageSize; taken++) {
        for (const reader of readers) {
          while (reader.buffer.length === 0 && !reader.exhausted) await pull(reader);
        }
        let next: ListReader<N> | null = null;
        for (const reader of readers) {
          const head = reader.buffer[0];
          if (head !== undefined && (next === null || head.key.modifiedMs < next.buffer[0]!.key.modifiedMs))
            next = reader;
        }
        if (next === null) break;
        const { key, raw } = next.buffer.shift()!;
        records.push({ list: next.name, oid: key.id, raw });
        position.advance({ id: `${next.name}:${key.id}`, modifiedMs: key.modifiedMs });
      }
      const pageUnreadable = unreadable;
      unreadable = [];
      const done = readers.every((reader) => reader.exhausted && reader.buffer.length === 0);
      if (yielded && records.length === 0 && pageUnreadable.length === 0) return;
      yield { records, unreadable: pageUnreadable, checkpoint: position.checkpoint(), estimatedTotal };
      yielded = true;
      if (done) return;
    }
  }

  /** One list's records changed in the window, by keyset paging (adapter-kit/delta-pager.ts). */
  #readList(
    path: string,
    label: string,
    window: { modifiedFrom: string | null; resumeAfter: PageCheckpoint | null },
    modifiedTo: string,
    signal?: AbortSignal,
  ): AsyncGenerator<DeltaPage<unknown>> {
    const pageSize = this.settings.pageSize;
    return pageByModifiedTime<unknown>({
      window,
      pageSize,
      signal,
      // More than a page of records at one instant (a bulk edit, a diary import) is read instant by
      // instant: paging on through it would skip a record whenever one of the group is edited (and
      // moves to the end) meanwhile. agentOS allows it: modifiedUntil is inclusive and Count totals
      // the query (docs/crms/agentos.md).
      crowdedInstant: 'isolate',
      listing: `agentOS's ${path} list`,
      fetchPage: async ({ modifiedFrom, pageIndex, onlyAtModifiedFrom }) => {
        const response = await this.http.request('GET', `${path}/${pageIndex * pageSize}/${pageSize}`, {
          query: {
            modifiedSince: modifiedFrom,
            modifiedUntil: onlyAtModifiedFrom ? modifiedFrom : modifiedTo,
          },
        });
        const list = parseAgentosList(response.body, label);
        return { records: list.Data, isLast: list.Data.length < pageSize, total: list.Count };
      },
      keyOf: (raw) => {
        const ordering = AgentosOrderingSchema.safeParse(raw);
        return ordering.success
          ? { id: ordering.data.OID, modifiedMs: parseAgentosTime(ordering.data.ModifiedDate) }
          : null;
      },
    });
  }

  async pushActivity(activity: OutboundActivity) {
    const { type, oid } = targetOf(activity.contactExternalId);
    const contactPath = `${LIST_PATHS[type]}/${encodeURIComponent(oid)}`;
    if (activity.kind === 'email_sent') {
      const reference = propsyncReference(activity.idempotencyKey, MAX_REFERENCE_LENGTH);
      // agentOS has no idempotency key: look for our reference first, so a retried push is not doubled.
      const existing = await this.http.request('GET', `${contactPath}/logentries/0/1`, {
        query: { externalReference: reference },
      });
      const found = parseAgentosList(existing.body, 'log entry').Data[0];
      if (found !== undefined) return { externalRef: AgentosLogEntrySchema.parse(found).OID, etag: null };
      const created = await this.http.request('POST', `${contactPath}/logentries`, {
        body: {
          Type: 'Email',
          Subject: truncate(activity.summary.trim() || 'Email sent by Propsync', 200),
          Notes: truncate(describeDetails(activity), 4000),
          DateTime: activity.occurredAt,
          ExternalReference: reference,
        },
      });
      const entry = AgentosLogEntrySchema.safeParse(created.body);
      return { externalRef: entry.success ? entry.data.OID : reference, etag: null };
    }
    // Scores and hot-lead flags live in the record's engagement values; a PATCH is naturally idempotent.
    const body = nurtureFieldValues(activity, ENGAGEMENT_FIELDS, () => scoreOf(activity));
    await this.http.request('PATCH', `${contactPath}/engagement`, { body });
    return { externalRef: activity.contactExternalId, etag: null };
  }

  async pushContact(change: ContactChange) {
    const { type, oid } = targetOf(change.externalId);
    const path = `${LIST_PATHS[type]}/${encodeURIComponent(oid)}`;
    const body = toAgentosPatch(change.fields, this.fieldChoices.phones);
    if (change.metadata !== undefined) {
      // agentOS records have no free-form metadata; nurture outcomes go through pushActivity.
      this.logger.debug(
        { externalId: change.externalId },
        'agentOS has no place for contact metadata; ignored',
      );
    }
    let etag = change.etag;
    if (etag === null) {
      const current = await this.http.request('GET', path);
      const parsed = AgentosContactSchema.safeParse(current.body);
      etag = (parsed.success ? parsed.data.ETag : null) ?? unquote(current.headers.get('etag'));
      if (!etag) throw new PropsyncError('ADAPTER.BAD_RESPONSE', 'agentOS returned a record without an ETag');
    }
    if (Object.keys(body).length === 0) return { externalRef: change.externalId, etag };
    const response = await this.http.request('PATCH', path, { headers: { 'if-match': `"${etag}"` }, body });
    const updated = AgentosContactSchema.safeParse(response.body);
    return {
      externalRef: change.externalId,
      etag: (updated.success ? updated.data.ETag : null) ?? unquote(response.headers.get('etag')),
    };
  }

  ingestWebhook(delivery: InboundWebhook) {
    return this.#webhooks.ingest(delivery);
  }
}

function targetOf(externalId: string): { type: AgentosContactType; oid: string } {
  const target = parseExternalId(externalId);
  if (target === null) {
    throw new PropsyncError(
      'ADAPTER.VALIDATION',
      `${externalId} is not an agentOS record id (expected <ContactType>:<OID>, e.g. Tenant:…)`,
    );
  }
  return target;
}

/** A contact's id in Propsync: `<ContactType>:<OID>`. */
function contactIdOf(record: { list: AgentosContactType; oid: string }): string {
  return toExternalId(record.list, record.oid);
}

/** An activity's id in Propsync: `<kind>:<OID>`. */
function activityIdOf(record: { list: AgentosActivityKind; oid: string }): string {
  return `${record.list}:${record.oid}`;
}

/** A merged page's unreadable records as rejections, with the id the record would have had. */
function unreadableRejections<N extends string>(
  page: MergedPage<N>,
  idOf: (record: { list: N; oid: string }) => string,
): ContactPage['rejected'] {
  return page.unreadable.map(({ list, oid }) => ({
    externalId: oid === null ? null : idOf({ list, oid }),
    reason: `agentOS ${list} record has no readable OID or ModifiedDate`,
  }));
}

function oidOf(raw: unknown): string | null {
  const oid = raw && typeof raw === 'object' ? (raw as { OID?: unknown }).OID : null;
  return typeof oid === 'string' && oid.length > 0 ? oid : null;
}

function scoreOf(activity: OutboundActivity): number {
  const score = activity.details.score;
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new PropsyncError('ADAPTER.VALIDATION', 'an engagement score push needs a numeric details.score');
  }
  // agentOS keeps scores between 0 and 100.
  return Math.min(100, Math.max(0, Math.round(score * 10) / 10));
}

function describeDetails(activity: OutboundActivity): string {
  const lines = [activity.summary.trim()];
  for (const [key, value] of Object.entries(activity.details)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      lines.push(`${key}: ${value}`);
  }
  lines.push('Sent by Propsync');
  return lines.filter(Boolean).join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function unquote(value: string | null): string | null {
  if (value === null) return null;
  return (
    value
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1') || null
  );
}
