import type { CrmProvider } from './provider.dto.ts';

/** Rows `contacts.erase` removed (or redacted) for the person, by kind. */
export type ErasureRemoved = {
  contacts: number;
  links: number;
  activities: number;
  outboundWrites: number;
  syncLogEntries: number;
  webhookDeliveries: number;
  hostEvents: number;
  alerts: number;
  /** Conflict-audit rows kept with the contact link and both versions emptied. */
  conflictAuditsRedacted: number;
  /** Sync runs whose error list named one of the person's CRM records (the id and message removed). */
  syncRunsRedacted: number;
  /** Stored sync cursors whose resume list named one of the person's CRM records (the id removed). */
  cursorsScrubbed: number;
};

/** A CRM record of the erased person: Propsync no longer holds it, the CRM may. */
export type ErasedCrmRecord = {
  provider: CrmProvider;
  providerName: string;
  connectionId: string;
  /** The record's id in that CRM, to find and erase it there. */
  externalId: string;
  /** False when the CRM had already deleted or archived the record. */
  active: boolean;
};

export type ContactErasureReport = {
  contactId: string;
  erasureId: string;
  erasedAt: string;
  removed: ErasureRemoved;
  /** Where the person may still be held: erase them in each of these CRMs too. */
  crmRecords: ErasedCrmRecord[];
  summary: string;
};
