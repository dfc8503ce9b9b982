import type { ActivityType } from '../../../shared/activity.ts';
import type { EntityManager } from '../../infrastructure/db/orm.ts';
import {
  becomesHotLead,
  intentScore,
  scoringPolicyFrom,
  type ScoringPolicy,
} from '../../core/domain/intent-scoring.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { OutboundActivity } from '../../core/ports/crm-adapter.ts';

/** An engagement signal for one Propsync contact, from a CRM or from the host's email platform. */
export type EngagementSignal = {
  contactId: string;
  connectionId: string | null;
  type: ActivityType;
  source: string;
  externalId: string;
  occurredAt: string;
  details: Record<string, unknown>;
};

export type EmailEvent = {
  contactId: string;
  event: 'sent' | 'opened' | 'clicked';
  /** The host's id for the message: reporting the same message and event twice records it once. */
  messageId: string;
  subject?: string;
  occurredAt?: string;
};

/** Signals older than this no longer move a score (a year at a 14-day half-life is ~0). */
const SCORING_HORIZON_DAYS = 365;

/**
 * Turns engagement into outcomes: activities stored once, a decayed intent score per contact,
 * and, when the score changes, the writes that carry it to every CRM the contact is linked to
 * (a log entry per email sent, the score coalesced into one pending write, the hot-lead flag
 * once), plus a hot-lead alert and an event for the host. Writes are queued, then pushed by the
 * connection's cycle, inside each provider's rate limits.
 */
export class EngagementService {
  readonly #em: EntityManager;
  readonly #requestPush: (connectionIds: string[]) => Promise<void>;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(deps: {
    em: EntityManager;
    requestPush: (connectionIds: string[]) => Promise<void>;
    logger: Logger;
    now?: () => Date;
  }) {
    this.#em = deps.em;
    this.#requestPush = deps.requestPush;
    this.#logger = deps.logger;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Stores signals (each once) and rescores the contacts that got new ones. */
  async recordSignals(
    organisationId: string,
    signals: EngagementSignal[],
  ): Promise<{ recorded: number; hotLeads: string[] }> {
    if (signals.length === 0) return { recorded: 0, hotLeads: [] };
    const inserted = await this.#em.fork().execute<{ contact_id: string }[]>(
      `insert into activities (organisation_id, contact_id, connection_id, type, source, external_id, occurred_at, details)
       select ?, x.contact_id, x.connection_id, x.type, x.source, x.external_id, x.occurred_at, coalesce(x.details, '{}'::jsonb)
       from jsonb_to_recordset(?::jsonb) as x(contact_id uuid, connection_id uuid, type text, source text, external_id text,
         occurred_at timestamptz, details jsonb)
       where exists (select 1 from contacts c where c.id = x.contact_id and c.organisation_id = ?)
       on conflict (organisation_id, source, external_id, type) do nothing
       returning contact_id`,
      [
        organisationId,
        JSON.stringify(
          signals.map((signal) => ({
            contact_id: signal.contactId,
            connection_id: signal.connectionId,
            type: signal.type,
            source: signal.source,
            external_id: signal.externalId,
            occurred_at: signal.occurredAt,
            details: signal.details,
          })),
        ),
        organisationId,
      ],
    );
    if (inserted.length === 0) return { recorded: 0, hotLeads: [] };
    const { hotLeads } = await this.rescore(organisationId, [
      ...new Set(inserted.map((row) => row.contact_id)),
    ]);
    return { recorded: inserted.length, hotLeads };
  }

  /** The host reports an email it sent, or its open or click. Sent emails are logged in each linked CRM. */
  async reportEmail(
    organisationId: string,
    email: EmailEvent,
  ): Promise<{ recorded: boolean; intentScore: number }> {
    const occurredAt = email.occurredAt ?? this.#now().toISOString();
    const [contact] = await this.#em
      .fork()
      .execute<{ id: string }[]>(`select id from contacts where id = ? and organisation_id = ?`, [
        email.contactId,
        organisationId,
      ]);
    // Another agency's contact is indistinguishable from a missing one.
    if (!contact) throw new PropsyncError('CONTACT.NOT_FOUND', 'No such contact for this agency');
    const type = `email_${email.event}` as const;
    const details = { messageId: email.messageId, ...(email.subject ? { subject: email.subject } : {}) };
    const { recorded } = await this.recordSignals(organisationId, [
      {
        contactId: email.contactId,
        connectionId: null,
        type,
        source: 'propsync',
        externalId: email.messageId,
        occurredAt,
        details,
      },
    ]);
    if (email.event === 'sent') {
      const summary = `Nurture email sent${email.subject ? `: "${email.subject}"` : ''}`;
      const queued = await this.#queueForEveryLink(
        organisationId,
        email.contactId,
        'journal_entry',
        `email-sent:${email.messageId}`,
        (link) => ({
          kind: 'email_sent',
          idempotencyKey: `email-sent:${email.messageId}`,
          contactExternalId: link.externalId,
          occurredAt,
          summary,
          details,
        }),
        false,
      );
      await this.#requestPush(queued);
    }
    const [scored] = await this.#em
      .fork()
      .execute<{ intent_score: string }[]>(`select intent_score from contacts where id = ?`, [
        email.contactId,
      ]);
    return { recorded: recorded > 0, intentScore: Number(scored?.intent_score ?? 0) };
  }

  /** A contact as the host sees it: identity, score, hot-lead time and provenance per CRM. */
  async contact(organisationId: string, contactId: string) {
    const [row] = await this.#em.fork().execute<
      {
        id: string;
        title: string | null;
        first_name: string | null;
        last_name: string | null;
        emails: string[];
        phones: string[];
        nurture_category: string;
        marketing_consent: string;
        intent_score: string;
        hot_lead_at: Date | null;
        external_ids: Array<{
          provider: string;
          externalId: string;
          active: boolean;
          crmModifiedAt: string | null;
        }>;
      }[]
    >(
      `select c.id, c.title, c.first_name, c.last_name, c.emails, c.phones, c.nurture_category, c.marketing_consent,
         c.intent_score, c.hot_lead_at,
         coalesce((select jsonb_agg(jsonb_build_object('provider', e.provider, 'externalId', e.external_id, 'active', e.active,
             'crmModifiedAt', e.crm_modified_at) order by e.provider, e.external_id)
           from contact_external_ids e where e.contact_id = c.id), '[]'::jsonb) as external_ids
       from contacts c where c.id = ? and c.organisation_id = ?`,
      [contactId, organisationId],
    );
    if (!row) throw new PropsyncError('CONTACT.NOT_FOUND', 'No such contact for this agency');
    return {
      id: row.id,
      title: row.title,
      firstName: row.first_name,
      lastName: row.last_name,
      emails: row.emails,
      phones: row.phones,
      nurtureCategory: row.nurture_category,
      marketingConsent: row.marketing_consent,
      intentScore: Number(row.intent_score),
      hotLeadAt: row.hot_lead_at ? new Date(row.hot_lead_at).toISOString() : null,
      externalIds: row.external_ids,
    };
  }

  /** Recomputes scores; changed scores and new hot leads are queued for every linked CRM. */
  async rescore(organisationId: string, contactIds: string[]): Promise<{ hotLeads: string[] }> {
    if (contactIds.length === 0) return { hotLeads: [] };
    const now = this.#now();
    const em = this.#em.fork();
    const [organisation] = await em.execute<{ scoring_policy: unknown }[]>(
      `select scoring_policy from organisations where id = ?`,
      [organisationId],
    );
    const policy: ScoringPolicy = scoringPolicyFrom(organisation?.scoring_policy);
    const rows = await em.execute<
      {
        id: string;
        intent_score: string;
        hot_lead_at: Date | null;
        name: string;
        signals: Array<{ type: ActivityType; occurredAt: string }> | null;
      }[]
    >(
      `select c.id, c.intent_score, c.hot_lead_at, concat_ws(' ', c.first_name, c.last_name) as name,
         (select jsonb_agg(jsonb_build_object('type', a.type, 'occurredAt', a.occurred_at)) from activities a
           where a.contact_id = c.id and a.occurred_at > ?::timestamptz - make_interval(days => ?)) as signals
       from contacts c where c.organisation_id = ? and c.id = any(array[?]::uuid[])`,
      [now, SCORING_HORIZON_DAYS, organisationId, contactIds],
    );
    const hotLeads: string[] = [];
    const connections = new Set<string>();
    for (const row of rows) {
      const score = intentScore(row.signals ?? [], now, policy);
      const hot = becomesHotLead(score, row.hot_lead_at !== null, policy);
      if (Math.abs(score - Number(row.intent_score)) < 0.005 && !hot) continue;
      await em.execute(
        `update contacts set intent_score = ?, hot_lead_at = case when ? then ? else hot_lead_at end,
           engagement = engagement || jsonb_build_object('scoredAt', ?::text, 'signals', ?::int),
           field_modified_at = field_modified_at || jsonb_build_object('intentScore', ?::text), updated_at = now()
         where id = ?`,
        [score, hot, now, now.toISOString(), row.signals?.length ?? 0, now.toISOString(), row.id],
      );
      // One pending score write per contact and CRM: a burst of signals becomes one write of the latest score.
      for (const id of await this.#queueForEveryLink(
        organisationId,
        row.id,
        'metadata',
        `engagement-score:${row.id}`,
        (link) => ({
          kind: 'engagement_score',
          idempotencyKey: `engagement-score:${row.id}:${score}`,
          contactExternalId: link.externalId,
          occurredAt: now.toISOString(),
          summary: `Propsync engagement score ${score}`,
          details: { score },
        }),
        true,
      )) {
        connections.add(id);
      }
      if (!hot) continue;
      hotLeads.push(row.id);
      const message = `${row.name || 'A contact'} is a hot lead (engagement score ${score})`;
      for (const id of await this.#queueForEveryLink(
        organisationId,
        row.id,
        'metadata',
        `hot-lead:${row.id}`,
        (link) => ({
          kind: 'hot_lead',
          idempotencyKey: `hot-lead:${row.id}`,
          contactExternalId: link.externalId,
          occurredAt: now.toISOString(),
          summary: message,
          details: { score, hotLeadAt: now.toISOString() },
        }),
        false,
      )) {
        connections.add(id);
      }
      await em.execute(
        `insert into alerts (organisation_id, contact_id, kind, severity, message, action, dedupe_key)
         values (?, ?, 'hot_lead', 'warning', ?, 'view_contact', ?)
         on conflict (organisation_id, dedupe_key) where resolved_at is null and dedupe_key is not null do nothing`,
        [organisationId, row.id, message, `hot_lead:${row.id}`],
      );
      await em.execute(
        `insert into host_events (organisation_id, type, payload)
         select id, 'contact.hot_lead', ?::jsonb from organisations where id = ? and host_webhook_url is not null`,
        [
          JSON.stringify({ contactId: row.id, intentScore: score, hotLeadAt: now.toISOString() }),
          organisationId,
        ],
      );
      this.#logger.info({ organisationId, contactId: row.id, score }, 'hot lead');
    }
    await this.#requestPush([...connections]);
    return { hotLeads };
  }

  /**
   * Queues one write per active CRM link of the contact; returns the connections that got one.
   * `replacePending` coalesces: a newer value replaces a write that has not gone out yet.
   */
  async #queueForEveryLink(
    organisationId: string,
    contactId: string,
    kind: 'journal_entry' | 'metadata',
    idempotencyKey: string,
    payloadFor: (link: { externalId: string }) => OutboundActivity,
    replacePending: boolean,
  ): Promise<string[]> {
    const links = await this.#em.fork().execute<{ connection_id: string; external_id: string }[]>(
      `select distinct on (e.connection_id) e.connection_id, e.external_id from contact_external_ids e
         join crm_connections c on c.id = e.connection_id and c.status <> 'disconnected'
       where e.contact_id = ? and e.organisation_id = ? and e.active
       order by e.connection_id, e.crm_modified_at desc nulls last`,
      [contactId, organisationId],
    );
    if (links.length === 0) return [];
    const queued = await this.#em.fork().execute<{ connection_id: string }[]>(
      `insert into outbound_writes (organisation_id, connection_id, contact_id, kind, idempotency_key, payload)
       select ?, x.connection_id, ?, ?, ?, x.payload from jsonb_to_recordset(?::jsonb) as x(connection_id uuid, payload jsonb)
       on conflict (connection_id, idempotency_key) do ${
         replacePending
           ? `update set payload = excluded.payload, status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
              where outbound_writes.payload is distinct from excluded.payload`
           : 'nothing'
       }
       returning connection_id`,
      [
        organisationId,
        contactId,
        kind,
        idempotencyKey,
        JSON.stringify(
          links.map((link) => ({
            connection_id: link.connection_id,
            payload: payloadFor({ externalId: link.external_id }),
          })),
        ),
      ],
    );
    return queued.map((row) => row.connection_id);
  }
}
