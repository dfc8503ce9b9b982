import type { CrmProvider } from '../../../shared/providers.ts';
import type { ErasureRemoved } from '../../../shared/api/erasure.dto.ts';
import type { ErasureKey } from '../sync/erasure-screen.ts';

/**
 * A keyed one-way hash of an identifier (HMAC with a server secret), so a tombstone table that
 * leaks cannot be reversed by hashing a list of emails or phone numbers.
 */
export type IdentifierHasher = (key: ErasureKey) => string;

export type ErasureOutcome = {
  erasureId: string;
  erasedAt: Date;
  removed: ErasureRemoved;
  /** The person's CRM records, which the CRMs may still hold. */
  crmRecords: Array<{ provider: CrmProvider; connectionId: string; externalId: string; active: boolean }>;
};

export interface ErasureStore {
  /**
   * Erases the agency's contact in one transaction: its personal data goes from every table (the
   * conflict audit is redacted, not deleted), a tombstone of hashed identifiers stays, and the
   * host hears `contact.erased`. Null when the agency has no such contact.
   */
  erase(organisationId: string, contactId: string): Promise<ErasureOutcome | null>;
}
