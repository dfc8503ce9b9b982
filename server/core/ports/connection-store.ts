import type { ConnectionSummary } from '../../../shared/api/connection.dto.ts';
import type { ConnectionStatus, CrmProvider } from '../../../shared/providers.ts';
import type { WebhookRegistration } from './crm-adapter.ts';

/** What building a connection's adapter needs; credentials and webhook secret as the vault sealed them. */
export type ConnectionSecrets = {
  id: string;
  organisationId: string;
  provider: CrmProvider;
  status: ConnectionStatus;
  settings: Record<string, unknown>;
  credentials: unknown;
  webhookSecret: unknown;
  /** The admin's choices among the CRM's field alternatives (the mapping review). */
  fieldChoices: Record<string, string>;
};

/** A stored connection with what its summary shows. */
export type StoredConnection = ConnectionSecrets & {
  lastSyncedAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorMessage: string | null;
  /** Its own interval, or the agency's. */
  syncIntervalMinutes: number;
  /** Active links to contacts. */
  contactCount: number;
  webhookRegistration: WebhookRegistration | null;
  currentSync: ConnectionSummary['currentSync'];
  /** Null until the admin confirms the field mapping: no write-back until then. */
  fieldMappingConfirmedAt: Date | null;
};

/** Verified credentials to store: sealed by the vault; the grant already sealed as JSON text (or none). */
export type VerifiedConnection = {
  connectionId: string;
  organisationId: string;
  settings: Record<string, unknown>;
  sealedCredentials: unknown;
  sealedGrantJson: string | null;
};

/** Storage of agencies' CRM connections: credentials only ever as sealed envelopes. */
export interface ConnectionStore {
  list(organisationId: string): Promise<StoredConnection[]>;
  /** Null as well when the connection is another agency's. */
  find(organisationId: string, connectionId: string): Promise<StoredConnection | null>;
  /** The agency's connection to this CRM, in whatever state (one per agency and CRM). */
  findByProvider(
    organisationId: string,
    provider: CrmProvider,
  ): Promise<{ id: string; status: ConnectionStatus } | null>;
  /** Stores a new connection, or makes a disconnected one active again with new credentials. */
  saveConnected(provider: CrmProvider, connection: VerifiedConnection): Promise<void>;
  /** Replaces the credentials of an existing connection and resolves its open credential alerts, at once. */
  saveReconnected(connection: VerifiedConnection): Promise<void>;
  /** Deletes every credential and stops scheduling it. */
  markDisconnected(organisationId: string, connectionId: string): Promise<void>;
  /** Its own interval (null: the agency's); the next slot is measured from the last sync. */
  setInterval(organisationId: string, connectionId: string, intervalMinutes: number | null): Promise<void>;
  /** The agency's interval, and the next slot of every connection that follows it, at once. */
  setAgencyInterval(organisationId: string, intervalMinutes: number): Promise<void>;
  /** The next scheduled slot, one interval from now. */
  scheduleNextAfterNow(connectionId: string): Promise<void>;
  secretsOf(connectionId: string): Promise<ConnectionSecrets | null>;
  /**
   * The agency of a live connection to this CRM, and a version that changes whenever the row does
   * (reconnect, disconnect, settings); null when there is none.
   */
  liveVersion(
    provider: string,
    connectionId: string,
  ): Promise<{ organisationId: string; version: string } | null>;
  saveWebhookRegistration(
    connectionId: string,
    registration: { ids: string[]; url: string },
    sealedSecret: unknown,
  ): Promise<void>;
  /** Raises the connection's webhook-registration alert unless one is open. */
  raiseWebhookRegistrationAlert(organisationId: string, connectionId: string, message: string): Promise<void>;
}
