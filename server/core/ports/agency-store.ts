import type { OffboardingRemoved } from '../../../shared/api/agency.dto.ts';
import type { CrmProvider } from '../../../shared/providers.ts';

export type AgencyRecord = {
  id: string;
  name: string;
  externalRef: string | null;
  createdAt: Date;
  offboardedAt: Date | null;
  /** Connections not disconnected. */
  activeConnections: number;
};

/** What offboarding removes, and the audit it keeps without personal data. */
export type AgencyDataCounts = { removed: OffboardingRemoved; syncRuns: number; conflictAudits: number };

/** Storage of agencies (organisations) and of everything offboarding removes or redacts. */
export interface AgencyStore {
  /** Inserts the agency unless an active one has this `externalRef`; answers the new id, or null. */
  insertUnlessProvisioned(name: string, externalRef: string | null): Promise<string | null>;
  /** The active (not offboarded) agency with this reference. */
  activeIdByExternalRef(externalRef: string | null): Promise<string | null>;
  list(): Promise<AgencyRecord[]>;
  find(id: string): Promise<AgencyRecord | null>;
  rename(id: string, name: string): Promise<void>;
  /** Null when no such agency was provisioned. */
  offboardedAt(id: string): Promise<{ offboardedAt: Date | null } | null>;
  /** Marks the agency offboarded (the first time is kept): its tokens are refused from now on. */
  markOffboarded(id: string): Promise<void>;
  connectionsOf(id: string): Promise<Array<{ id: string; provider: CrmProvider; status: string }>>;
  /** What removing the agency's data would remove and keep, changing nothing. */
  countData(id: string): Promise<AgencyDataCounts>;
  /**
   * In one transaction: waits (at most `lockTimeoutMs`, then AGENCY.BUSY) for running cycles of
   * `connectionIds`, then deletes the agency's personal data and redacts the audit it keeps.
   * Answers null, changing nothing, when a connection other than these, or one not disconnected, exists.
   */
  removeData(
    id: string,
    connectionIds: readonly string[],
    lockTimeoutMs: number,
  ): Promise<AgencyDataCounts | null>;
}
