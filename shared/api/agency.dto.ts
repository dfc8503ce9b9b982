/** Agencies as the host's backend provisions them (host-token procedures, `agencies.*`). */
import type { AccessAtProvider } from './connection.dto.ts';
import type { CrmProvider } from './provider.dto.ts';

/** `created` is false when `externalRef` was already provisioned (the same id answers). */
export type AgencyCreated = { id: string; created: boolean };

export type AgencyStatus = 'active' | 'offboarded';

export type AgencySummary = {
  id: string;
  name: string;
  externalRef: string | null;
  status: AgencyStatus;
  createdAt: string;
  offboardedAt: string | null;
  /** Connections not disconnected. */
  activeConnections: number;
};

/** What offboarding removes, per kind of record (counts only). */
export type OffboardingRemoved = {
  contacts: number;
  /** Links between a contact and its record in a CRM (external ids). */
  links: number;
  activities: number;
  /** Contacts that carried an intent score or a hot-lead time. */
  scores: number;
  syncLogEntries: number;
  outboundWrites: number;
  webhookDeliveries: number;
  hostEvents: number;
  alerts: number;
  signInsInProgress: number;
  fieldPolicies: number;
};

export type OffboardingReport = {
  agencyId: string;
  agencyName: string;
  dryRun: boolean;
  /** Every connection that was (or would be) disconnected, and what the CRM revoked. */
  connections: Array<{
    id: string;
    provider: CrmProvider;
    providerName: string;
    /** Whether the CRM's API can revoke Propsync's access (else an admin deletes the key there). */
    revokesAccess: boolean;
    /** What disconnecting did at the CRM; null in a dry run. */
    accessAtProvider: AccessAtProvider | null;
  }>;
  removed: OffboardingRemoved;
  /** What stays, without personal data: the audit trail, as counts and rules. */
  kept: {
    /** Sync cycles: counts, windows and error codes; error messages, record ids and cursors removed. */
    syncRuns: number;
    /** Conflicts: fields that differed, winner, rule, times; the contact and both versions removed. */
    conflictAudits: number;
    /** Connection records (disconnected, no credentials), which the cycles refer to. */
    connections: number;
  };
  summary: string;
};
