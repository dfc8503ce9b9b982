import type { CrmProvider } from './provider.dto.ts';

/** A write-back the CRM refused for good: it is not retried until an admin asks. */
export type FailedWriteView = {
  id: string;
  connectionId: string;
  provider: CrmProvider;
  providerName: string;
  contactId: string | null;
  /** The contact's name in Propsync, when it has one. */
  contactName: string | null;
  /** The record's id in the CRM. */
  contactExternalId: string;
  kind: 'contact_update' | 'journal_entry' | 'note' | 'metadata';
  /** What was being written, in an admin's words. */
  description: string;
  /** The CRM's reason, as the adapter reported it. */
  reason: string;
  statusCode: number | null;
  attempts: number;
  refusedAt: string;
};

/** `failedWrites.list`: refused writes, newest first, for one connection or the whole agency. */
export type FailedWriteListInput = { connectionId?: string; limit?: number };
export type FailedWriteIdInput = { writeId: string };

/** `failedWrites.retry` / `dismiss`: what became of the write. */
export type FailedWriteActionResult = { writeId: string; status: 'pending' | 'dismissed' };

/** What needs an admin's eye per connection; the card shows the counts that are not zero. */
export type ConnectionIssueCounts = {
  connectionId: string;
  /** Webhook deliveries waiting to be applied again. */
  parked: number;
  /** Webhook deliveries given up on whose alert is not acknowledged yet. */
  deadLettered: number;
  /** Write-backs the CRM refused for good, not yet retried or dismissed. */
  failedWrites: number;
};
