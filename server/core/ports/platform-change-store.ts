import type { ConsentChannel } from '../../../shared/platform-changes.ts';
import type { FieldRule } from '../domain/conflict-resolution.ts';

/** A change the host platform makes to a contact: a consent, or new values for fields it owns. */
export type PlatformChange = {
  organisationId: string;
  contactId: string;
  /** The consent's channel and status; absent for a change of fields. */
  consent: { channel: ConsentChannel; status: 'granted' | 'denied' } | null;
  /** Canonical contact fields to set and write to the CRMs (empty for a channel no CRM holds). */
  fields: Record<string, unknown>;
  source: string;
  /** Who made it: the role of the token. */
  actor: string;
  /** When it happened: the consent's `at`, or now. */
  occurredAt: string;
};

export type RecordedChange = { changeId: string; applied: boolean; queuedConnectionIds: string[] };

/** Storage of the platform's own changes: the contact, the writes to its CRMs and the audit, together. */
export interface PlatformChangeStore {
  /** The agency's field-policy rows (deployment defaults first, then the agency's own). */
  fieldPolicy(organisationId: string): Promise<Array<{ field: string; rule: FieldRule }>>;
  /**
   * In one transaction: appends the audit row and, unless a newer consent of the same channel was
   * recorded before (then `applied` is false), sets the fields on the contact and queues one write
   * of them to each CRM the contact is actively linked to, taking those fields out of older writes
   * still pending. Null when the agency has no such contact.
   */
  record(change: PlatformChange): Promise<RecordedChange | null>;
}
