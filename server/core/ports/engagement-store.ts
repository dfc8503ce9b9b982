import type { ActivityType, CanonicalActivity } from '../../../shared/activity.ts';
import type { EngagementContact } from '../../../shared/api/engagement.dto.ts';
import type { ScoreReason } from '../domain/intent-scoring.ts';
import type { OutboundActivity } from './crm-adapter.ts';

/** An engagement signal for one Propsync contact, from a CRM or from the host's email platform. */
export type EngagementSignal = {
  contactId: string;
  connectionId: string | null;
  type: ActivityType;
  source: string;
  externalId: string;
  occurredAt: string;
  details: Record<string, unknown>;
  /** The CRM record will not happen (cancelled, no-show, withdrawn, rejected): it stops counting. */
  withdrawn?: boolean;
};

/** The signal a CRM activity gives the Propsync contact it was matched to, through one connection. */
export function signalOf(
  activity: CanonicalActivity,
  contactId: string,
  connectionId: string,
): EngagementSignal {
  return {
    contactId,
    connectionId,
    type: activity.type,
    source: activity.source,
    externalId: activity.externalId,
    occurredAt: activity.occurredAt,
    details: activity.details,
    withdrawn: activity.withdrawn,
  };
}

/** A contact as the host sees it: identity, score, hot-lead time and provenance per CRM. */
export type EngagementContactView = EngagementContact;

/** What scoring one contact needs: its current score and hot-lead time, and its recent signals. */
export type ScoringInput = {
  id: string;
  intentScore: number;
  hotLeadAt: Date | null;
  /** The score last queued for the CRMs, null when none was. */
  writtenScore: number | null;
  name: string;
  signals: Array<{ type: ActivityType; occurredAt: string }>;
  /** The pending-rescoring mark as read (opaque; null when none): cleared only if still the same. */
  pendingMark: string | null;
};

export type SavedScore = {
  value: number;
  scoredAt: Date;
  signals: number;
  hotLead: 'set' | 'cleared' | null;
  /** The score queued for the CRMs (unchanged when this rescoring writes nothing back). */
  writtenScore: number | null;
  reasons: ScoreReason[];
};

/** Storage of activities, intent scores and what they cause (write-backs, alerts, host events). */
/** One engagement write-back for a contact, to each of its connections (the payload may differ per CRM). */
export type OutboundWriteRequest = {
  organisationId: string;
  contactId: string;
  kind: 'journal_entry' | 'metadata';
  idempotencyKey: string;
  perConnection: Array<{ connectionId: string; payload: OutboundActivity }>;
  replacePending: boolean;
};

export interface EngagementStore {
  /**
   * Stores each signal once (source, external id and stage family make it unique; a later stage
   * replaces an earlier one; a withdrawal marks it withdrawn for good), ignoring contacts of other
   * agencies; answers the contact of every signal that was new, moved on or was withdrawn.
   */
  recordActivities(organisationId: string, signals: readonly EngagementSignal[]): Promise<string[]>;
  /**
   * Withdraws the signals stored for these records of the connection's CRM (same agency, source
   * and external id), whatever their stage, when the CRM no longer has the records; ids never
   * stored change nothing. Answers the contacts whose signals were withdrawn, marked for rescoring.
   */
  withdrawRecords(
    organisationId: string,
    connectionId: string,
    externalIds: readonly string[],
  ): Promise<string[]>;
  contactExists(organisationId: string, contactId: string): Promise<boolean>;
  intentScore(contactId: string): Promise<number>;
  contactView(organisationId: string, contactId: string): Promise<EngagementContactView | null>;
  /** The agency's stored scoring overrides, unparsed (null when it has none). */
  scoringPolicy(organisationId: string): Promise<unknown>;
  /** The agency's contacts among `contactIds`, with their signals of the `horizonDays` before `now`. */
  scoringInputs(
    organisationId: string,
    contactIds: readonly string[],
    window: { now: Date; horizonDays: number },
  ): Promise<ScoringInput[]>;
  /**
   * Runs `work` for the agency's contacts among `contactIds`, a batch at a time: one transaction
   * per batch holds the row locks of its contacts, and their scoring inputs are read under the
   * locks. Two rescorings of one contact (two processes) run one after the other, the second
   * reading what the first saved, and a signal stored meanwhile waits. A batch never waits for a
   * contact another transaction holds (a page being written): it leaves it out, and that contact
   * gets a transaction of its own afterwards, which waits. `store` writes inside the transaction.
   */
  forEachBatchLocked(
    organisationId: string,
    contactIds: readonly string[],
    window: { now: Date; horizonDays: number },
    work: (inputs: ScoringInput[], store: EngagementStore) => Promise<void>,
  ): Promise<void>;
  /** Stores new scores with their reasons; the hot-lead time is set or cleared where the flag changed. */
  saveScores(scores: ReadonlyArray<{ contactId: string; score: SavedScore }>): Promise<void>;
  /**
   * Clears the pending-rescoring marks these inputs were read with; a mark set since (a newer
   * signal) stays for the next rescoring.
   */
  clearPendingMarks(inputs: readonly ScoringInput[]): Promise<void>;
  /** Up to `limit` of the agency's contacts whose new signals no rescoring has read yet (a crash in between). */
  pendingRescores(organisationId: string, limit: number): Promise<string[]>;
  /**
   * Claims up to `limit` contacts (of any agency) that are scored and not rescored since
   * `dueBefore`, or marked pending, marking them rescored at `now` in the same statement: however
   * many processes ask at once, each contact is claimed once per period.
   */
  claimDueForRescoring(
    now: Date,
    dueBefore: Date,
    limit: number,
  ): Promise<Array<{ organisationId: string; contactId: string }>>;
  /** Closes the contact's open hot-lead alert (the flag was cleared). */
  resolveHotLeadAlert(organisationId: string, contactId: string): Promise<void>;
  /** Raises the contact's hot-lead alert unless one is already open. */
  raiseHotLeadAlert(organisationId: string, contactId: string, message: string): Promise<void>;
  /** Queues an event for the agency's host, when the agency has a host webhook. */
  queueHostEvent(organisationId: string, type: string, payload: Record<string, unknown>): Promise<void>;
  /** Each contact's active link per connected CRM (its most recently modified one); none: no entry. */
  activeLinks(
    organisationId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, Array<{ connectionId: string; externalId: string }>>>;
  /**
   * Queues one outbound write per request and connection; answers the connections that got a new
   * (or, with `replacePending`, a changed pending) write.
   */
  queueOutboundWrites(writes: readonly OutboundWriteRequest[]): Promise<string[]>;
}
