import {
  intentScore,
  scoreChange,
  scoreReasons,
  scoringPolicyFrom,
  type ScoreReason,
  type ScoringPolicy,
} from '../../core/domain/intent-scoring.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../../infrastructure/logger.ts';
import type { OutboundActivity } from '../../core/ports/crm-adapter.ts';
import type {
  EngagementContactView,
  EngagementSignal,
  EngagementStore,
  SavedScore,
} from '../../core/ports/engagement-store.ts';

export type { EngagementSignal };

export type EmailEvent = {
  contactId: string;
  event: 'sent' | 'opened' | 'clicked';
  /** The host's id for the message: reporting the same message and event twice records it once. */
  messageId: string;
  subject?: string;
  occurredAt?: string;
};

/** What the admin reads behind a score: its three largest parts, e.g. "offer progressed 2 days ago (+41)". */
export function describeReasons(reasons: readonly ScoreReason[], now?: Date): string {
  const at = now ?? new Date();
  return reasons
    .slice(0, 3)
    .map((reason) => {
      const days = Math.max(0, Math.round((at.getTime() - Date.parse(reason.occurredAt)) / 86_400_000));
      const when = days === 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
      return `${reason.type.replace('_', ' ')} ${when} (+${Math.round(reason.contribution)})`;
    })
    .join(', ');
}

/** An event for the agency's host, queued with the rescoring that caused it. */
type HostEvent = { type: string; payload: Record<string, unknown> };

/** Signals older than this no longer move a score (a year at a 14-day half-life is ~0). */
const SCORING_HORIZON_DAYS = 365;

/** Left-over pending contacts one cycle catches up; more wait for the next cycle or the scheduled rescoring. */
const PENDING_RESCORES_PER_CYCLE = 1_000;

/**
 * Turns engagement into outcomes: activities stored once, a decayed intent score per contact,
 * and, when the score changes, the writes that carry it to every CRM the contact is linked to
 * (a log entry per email sent, the score coalesced into one pending write, the hot-lead flag
 * once), plus a hot-lead alert and an event for the host. Writes are queued, then pushed by the
 * connection's cycle, inside each provider's rate limits.
 */
export class EngagementService {
  readonly #store: EngagementStore;
  readonly #requestPush: (connectionIds: string[]) => Promise<void>;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(deps: {
    store: EngagementStore;
    requestPush: (connectionIds: string[]) => Promise<void>;
    logger: Logger;
    now?: () => Date;
  }) {
    this.#store = deps.store;
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
    const inserted = await this.#store.recordActivities(organisationId, signals);
    if (inserted.length === 0) return { recorded: 0, hotLeads: [] };
    const { hotLeads } = await this.rescore(organisationId, [...new Set(inserted)]);
    return { recorded: inserted.length, hotLeads };
  }

  /**
   * Records of a connection's CRM that the CRM no longer has (deleted: its contact and stage are
   * unknown now): whatever was stored for them stops counting, and their contacts are rescored at
   * once, like any withdrawal. An id never stored changes nothing.
   */
  async withdrawRecords(
    organisationId: string,
    connectionId: string,
    externalIds: readonly string[],
  ): Promise<{ withdrawn: number; hotLeads: string[]; cleared: string[] }> {
    if (externalIds.length === 0) return { withdrawn: 0, hotLeads: [], cleared: [] };
    const contacts = await this.#store.withdrawRecords(organisationId, connectionId, externalIds);
    if (contacts.length === 0) return { withdrawn: 0, hotLeads: [], cleared: [] };
    return { withdrawn: contacts.length, ...(await this.rescore(organisationId, contacts)) };
  }

  /** The host reports an email it sent, or its open or click. Sent emails are logged in each linked CRM. */
  async reportEmail(
    organisationId: string,
    email: EmailEvent,
  ): Promise<{ recorded: boolean; intentScore: number }> {
    const occurredAt = email.occurredAt ?? this.#now().toISOString();
    // Another agency's contact is indistinguishable from a missing one.
    if (!(await this.#store.contactExists(organisationId, email.contactId)))
      throw new PropsyncError('CONTACT.NOT_FOUND', 'No such contact for this agency');
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
        this.#store,
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
    return { recorded: recorded > 0, intentScore: await this.#store.intentScore(email.contactId) };
  }

  /** A contact as the host sees it: identity, score, hot-lead time and provenance per CRM. */
  async contact(organisationId: string, contactId: string): Promise<EngagementContactView> {
    const contact = await this.#store.contactView(organisationId, contactId);
    if (!contact) throw new PropsyncError('CONTACT.NOT_FOUND', 'No such contact for this agency');
    return contact;
  }

  /**
   * Recomputes scores (after new signals, and on schedule as they decay). A score that moved is
   * saved with its reasons; one that moved materially is queued for every linked CRM; the hot-lead
   * flag is set at the threshold and cleared, with hysteresis, well below it. Both flag changes
   * reach the CRMs, the admin's alerts and the host.
   */
  async rescore(
    organisationId: string,
    contactIds: string[],
    options: { pushingConnectionId?: string } = {},
  ): Promise<{ hotLeads: string[]; cleared: string[] }> {
    if (contactIds.length === 0) return { hotLeads: [], cleared: [] };
    const now = this.#now();
    const policy: ScoringPolicy = scoringPolicyFrom(await this.#store.scoringPolicy(organisationId));
    const hotLeads: string[] = [];
    const cleared: string[] = [];
    const connections = new Set<string>();
    const window = { now, horizonDays: SCORING_HORIZON_DAYS };
    // A batch of contacts at a time, in one transaction holding their row locks: each contact's
    // score, writes, alert and event land together with the rest of its batch, or none of them.
    await this.#store.forEachBatchLocked(organisationId, contactIds, window, async (rows, store) => {
      const saved: Array<{ contactId: string; score: SavedScore }> = [];
      const outcomes: Array<{
        contactId: string;
        pendingKey: string;
        outcome: Omit<OutboundActivity, 'contactExternalId' | 'occurredAt'>;
      }> = [];
      const flagChanges: Array<{
        contactId: string;
        hot: boolean;
        score: number;
        message: string;
        event: HostEvent;
      }> = [];
      for (const row of rows) {
        const score = intentScore(row.signals, now, policy);
        const change = scoreChange(
          { score: row.intentScore, hotLead: row.hotLeadAt !== null, writtenScore: row.writtenScore },
          score,
          policy,
        );
        if (!change.save && !change.writeBack) continue;
        const reasons = scoreReasons(row.signals, now, policy);
        // One pending score write per contact and CRM: a burst of signals becomes one write of the latest score.
        if (change.writeBack) {
          outcomes.push({
            contactId: row.id,
            pendingKey: `engagement-score:${row.id}`,
            outcome: {
              kind: 'engagement_score',
              idempotencyKey: `engagement-score:${row.id}:${score}`,
              summary: `Propsync engagement score ${score}`,
              details: { score },
            },
          });
        }
        if (change.hotLead !== null) {
          const hot = change.hotLead === 'set';
          const message = hot
            ? `${row.name || 'A contact'} is a hot lead (engagement score ${score}): ${describeReasons(reasons, now)}`
            : `${row.name || 'A contact'} is no longer a hot lead (engagement score ${score}, below ${policy.hotLeadClearBelow} as signals aged)`;
          // The flag's latest state replaces a pending write of the other state: the CRM gets where it ended.
          outcomes.push({
            contactId: row.id,
            pendingKey: `hot-lead:${row.id}`,
            outcome: {
              kind: 'hot_lead',
              idempotencyKey: `hot-lead:${row.id}:${hot ? 'set' : 'cleared'}:${now.toISOString()}`,
              summary: message,
              details: {
                hotLead: hot,
                score,
                ...(hot ? { hotLeadAt: now.toISOString() } : { clearedAt: now.toISOString() }),
              },
            },
          });
          flagChanges.push({
            contactId: row.id,
            hot,
            score,
            message,
            event: hot
              ? {
                  type: 'contact.hot_lead',
                  payload: { contactId: row.id, intentScore: score, hotLeadAt: now.toISOString(), reasons },
                }
              : {
                  type: 'contact.hot_lead_cleared',
                  payload: {
                    contactId: row.id,
                    intentScore: score,
                    clearedAt: now.toISOString(),
                    threshold: policy.hotLeadClearBelow,
                    reasons,
                  },
                },
          });
        }
        saved.push({
          contactId: row.id,
          score: {
            value: score,
            scoredAt: now,
            signals: row.signals.length,
            hotLead: change.hotLead,
            writtenScore: change.writeBack ? score : row.writtenScore,
            reasons,
          },
        });
      }
      // A nurture outcome for each CRM link, now; it replaces the pending write under its key.
      const links = await store.activeLinks(organisationId, [
        ...new Set(outcomes.map((each) => each.contactId)),
      ]);
      const queued = await store.queueOutboundWrites(
        outcomes.map(({ contactId, pendingKey, outcome }) => ({
          organisationId,
          contactId,
          kind: 'metadata',
          idempotencyKey: pendingKey,
          perConnection: (links.get(contactId) ?? []).map((link) => ({
            connectionId: link.connectionId,
            payload: { ...outcome, contactExternalId: link.externalId, occurredAt: now.toISOString() },
          })),
          replacePending: true,
        })),
      );
      for (const { contactId, hot, message, event } of flagChanges) {
        if (hot) await store.raiseHotLeadAlert(organisationId, contactId, message);
        else await store.resolveHotLeadAlert(organisationId, contactId);
        await store.queueHostEvent(organisationId, event.type, event.payload);
      }
      // In the batch's transaction with its writes, alerts and events: all of them land, or none.
      await store.saveScores(saved);
      // Scored from the signals they had: their pending marks can go (a newer one stays).
      await store.clearPendingMarks(rows);
      // Told only once the batch's work is done: a batch rolled back (and redone) tells nothing twice.
      for (const id of queued) connections.add(id);
      for (const { contactId, hot, score } of flagChanges) {
        (hot ? hotLeads : cleared).push(contactId);
        this.#logger.info(
          { organisationId, contactId, score, hotLead: hot ? 'set' : 'cleared' },
          'hot lead changed',
        );
      }
    });
    // A cycle that rescored after its activities pushes its own connection's writes next.
    connections.delete(options.pushingConnectionId ?? '');
    await this.#requestPush([...connections]);
    return { hotLeads, cleared };
  }

  /**
   * After a cycle stored activities: rescores the contacts that got new signals, and any of the
   * agency's contacts still marked pending (a process stopped between storing and rescoring).
   */
  async rescoreAfterActivities(
    organisationId: string,
    contactIds: readonly string[],
    options: { pushingConnectionId?: string } = {},
  ): Promise<{ hotLeads: string[]; cleared: string[] }> {
    const pending = await this.#store.pendingRescores(organisationId, PENDING_RESCORES_PER_CYCLE);
    return this.rescore(organisationId, [...new Set([...contactIds, ...pending])], options);
  }

  /**
   * The scheduled rescoring: scores decay with time, so every scored contact is rescored once per
   * period (claimed in the database, so across processes each contact is claimed once), in batches.
   */
  async rescoreDue(periodMs: number, batchSize = 500): Promise<{ rescored: number }> {
    const now = this.#now();
    let rescored = 0;
    for (;;) {
      const claimed = await this.#store.claimDueForRescoring(
        now,
        new Date(now.getTime() - periodMs),
        batchSize,
      );
      if (claimed.length === 0) return { rescored };
      const byAgency = new Map<string, string[]>();
      for (const { organisationId, contactId } of claimed) {
        byAgency.set(organisationId, [...(byAgency.get(organisationId) ?? []), contactId]);
      }
      for (const [organisationId, contactIds] of byAgency) await this.rescore(organisationId, contactIds);
      rescored += claimed.length;
    }
  }

  /**
   * Queues one write per active CRM link of the contact; returns the connections that got one.
   * `replacePending` coalesces: a newer value replaces a write that has not gone out yet.
   */
  async #queueForEveryLink(
    store: EngagementStore,
    organisationId: string,
    contactId: string,
    kind: 'journal_entry' | 'metadata',
    idempotencyKey: string,
    payloadFor: (link: { externalId: string }) => OutboundActivity,
    replacePending: boolean,
  ): Promise<string[]> {
    const links = (await store.activeLinks(organisationId, [contactId])).get(contactId) ?? [];
    return store.queueOutboundWrites([
      {
        organisationId,
        contactId,
        kind,
        idempotencyKey,
        perConnection: links.map((link) => ({
          connectionId: link.connectionId,
          payload: payloadFor({ externalId: link.externalId }),
        })),
        replacePending,
      },
    ]);
  }
}
