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

/** What one CRM's records filled, field by field, and the nurture categories suggested. */
export type FieldMappingSummary = {
  connectionId: string;
  records: number;
  /** How many of this CRM's records filled each canonical field: a mapping that never fills a field shows 0. */
  fields: Array<{ field: string; label: string; filled: number }>;
  /** The nurture categories suggested from the property fields, for the admin to confirm. */
  categories: Array<{ category: string; records: number }>;
  confirmedAt: string | null;
};

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
