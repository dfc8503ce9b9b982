import { APPLICANT_TYPES, TENANCY_STATUSES, type NurtureCategory } from './contact.dto.ts';
import type { ConnectionStatus, CrmProvider } from './provider.dto.ts';

/** What the admin UI shows of a connection. Never carries credential material. */
export type ConnectionSummary = {
  id: string;
  provider: CrmProvider;
  providerName: string;
  status: ConnectionStatus;
  contactCount: number;
  lastSyncedAt: string | null;
  lastErrorAt: string | null;
  lastErrorMessage: string | null;
  syncIntervalMinutes: number;
  /** Whether disconnecting revokes Propsync's access at the CRM (else an admin deletes the key there). */
  revokesAccess: boolean;
  /** Which engagement signals Propsync reads from this CRM and how, in words (its API may list only some). */
  signals: string;
  /** The cycle running now, if any: records so far of the CRM's estimated total (progress bars). */
  currentSync: { runId: string; fetched: number; estimatedTotal: number | null; startedAt: string } | null;
  /**
   * True until an admin confirms the field mapping: the connection imports, but nothing is written
   * back to the CRM (the writes wait, and go out once it is confirmed).
   */
  writeBackPaused: boolean;
  /**
   * Requests counted today (UTC) against the CRM customer's daily limit, by every Propsync process;
   * only where the CRM documents one (Reapit: 250,000 a day).
   */
  requestsToday?: { used: number; limit: number };
};

/** What became of Propsync's access at the CRM when a connection was disconnected. */
export type AccessAtProvider =
  'revoked' | 'token_revoked' | 'remove_in_crm' | 'revocation_failed' | 'already_disconnected';

/** `connections.disconnect`: the connection as it is now, and what the CRM revoked. */
export type DisconnectResult = ConnectionSummary & { accessAtProvider: AccessAtProvider };

/** `connections.startOAuth`: where the browser goes to sign in at the CRM. */
export type OAuthStart = { authorizeUrl: string };

/** `connections.finishOAuth`: the connection the sign-in made or renewed. */
export type OAuthFinish = { connection: ConnectionSummary; reconnected: boolean };

/** `connections.syncNow`: a cycle is queued. */
export type SyncQueued = { queued: true };

/** `connections.setAgencySchedule`: the agency's interval now. */
export type AgencySchedule = { intervalMinutes: number };

/** The property facts whose suggested nurture category an admin may override (docs/product-rules.md). */
export type CategoryFact =
  `applicantType:${(typeof APPLICANT_TYPES)[number]}` | `tenancyStatus:${(typeof TENANCY_STATUSES)[number]}`;
export const CATEGORY_FACTS = [
  ...APPLICANT_TYPES.map((type) => `applicantType:${type}` as const),
  ...TENANCY_STATUSES.map((status) => `tenancyStatus:${status}` as const),
] as [CategoryFact, ...CategoryFact[]];

/**
 * An admin's corrections to a connection's mapping: the nurture category per applicant type or
 * tenancy status, and, where the CRM has several fields for one canonical field, which one comes
 * first (e.g. `{ phones: 'homePhone' }`). What is absent follows the suggestion.
 */
export type MappingOverrides = {
  categories: Partial<Record<CategoryFact, NurtureCategory>>;
  fields: Record<string, string>;
};

/** A canonical field the CRM fills from one of several of its own fields, and the admin's choice. */
export type FieldAlternative = {
  field: string;
  label: string;
  choices: Array<{ value: string; label: string }>;
  /** The choice used when the admin has made none. */
  defaultChoice: string;
  chosen: string;
};

/** What one CRM's records filled, field by field, and the nurture categories suggested. */
export type FieldMappingSummary = {
  connectionId: string;
  records: number;
  /** How many of this CRM's records filled each canonical field: a mapping that never fills a field shows 0. */
  fields: Array<{ field: string; label: string; filled: number }>;
  /** The nurture categories the records have (suggested, or as overridden), for the admin to confirm. */
  categories: Array<{ category: string; records: number }>;
  /** Each overridable fact, the category it suggests, and the admin's override if any. */
  categoryRules: Array<{
    fact: CategoryFact;
    label: string;
    suggested: NurtureCategory;
    override: NurtureCategory | null;
  }>;
  fieldAlternatives: FieldAlternative[];
  overrides: MappingOverrides;
  confirmedAt: string | null;
  /** Writes held back until the mapping is confirmed (they go out then, with the latest values). */
  pendingWrites: number;
};

/** One audited change of a connection's mapping: a confirmation or a change of overrides. */
export type MappingHistoryEntry = {
  id: string;
  action: 'confirmed' | 'overrides_changed';
  /** Who: `admin:<the embed token's sub>`, `admin` (a token without `sub`), `migration` or `demo`. */
  actor: string;
  at: string;
  /** What changed, each override from → to (null: the suggestion); for a confirmation, since the last one. */
  changes: Array<{ key: string; from: string | null; to: string | null }>;
};

export type SetMappingOverridesInput = ConnectionIdInput & { overrides: MappingOverrides };

export type ConnectionIdInput = { connectionId: string };
/** Credential fields depend on the provider (e.g. Reapit: clientId, clientSecret, customerId). */
export type ConnectInput = {
  provider: CrmProvider;
  credentials: Record<string, string>;
  settings?: Record<string, string>;
};
/** `returnTo`: a page of Propsync or of an allowed host origin; `connectionId` to reconnect. */
export type StartOAuthInput = {
  provider: CrmProvider;
  settings?: Record<string, string>;
  returnTo: string;
  connectionId?: string;
};
export type FinishOAuthInput = { signInId: string };
/** Minutes between cycles (1–1440), or null to follow the agency's interval. */
export type SetScheduleInput = ConnectionIdInput & { intervalMinutes: number | null };
export type ReconnectInput = ConnectionIdInput & {
  credentials: Record<string, string>;
  settings?: Record<string, string>;
};
