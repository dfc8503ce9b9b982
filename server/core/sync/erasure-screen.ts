import type { CanonicalContact } from '../../../shared/contact.ts';
import { normaliseEmail, normalisePhone } from '../domain/contact-normalisation.ts';

/**
 * What a sync does with a record of a person erased from Propsync (`contacts.erase`), decided
 * without a database. The erasure keeps only keyed hashes of the person's identifiers (a
 * tombstone); a record matching one is not imported again, unless the CRM changed it after the
 * erasure (the person came back, or the agency updated them): then it is imported and that is
 * recorded.
 */

export type ErasureKeyKind = 'record' | 'email' | 'phone';

/** One identifier of a person, before hashing: a CRM record (connection and id), an email or a phone. */
export type ErasureKey = { kind: ErasureKeyKind; value: string };

/** The identifiers a tombstone keeps for a CRM record, and a sync looks up for a new one. */
export function erasureKeys(
  connectionId: string,
  record: { externalId: string; emails: readonly string[]; phones: readonly string[] },
): ErasureKey[] {
  return [
    recordErasureKey(connectionId, record.externalId),
    ...personErasureKeys(record.emails, record.phones),
  ];
}

/** A CRM record's key: its id is unique only within its connection. */
export function recordErasureKey(connectionId: string, externalId: string): ErasureKey {
  return { kind: 'record', value: `${connectionId}\u0000${externalId}` };
}

/** A person's emails and phones, normalised as deduplication compares them. */
export function personErasureKeys(emails: readonly string[], phones: readonly string[]): ErasureKey[] {
  const keys: ErasureKey[] = [];
  for (const email of new Set(emails.map(normaliseEmail))) {
    if (email) keys.push({ kind: 'email', value: email });
  }
  for (const phone of new Set(phones.map(normalisePhone))) {
    if (phone) keys.push({ kind: 'phone', value: phone });
  }
  return keys;
}

export type ErasureScreen = {
  /** Records to reconcile as usual. */
  admitted: CanonicalContact[];
  /** Records of an erased person the CRM has not changed since: not imported. */
  suppressed: CanonicalContact[];
  /** Admitted records of an erased person the CRM changed after the erasure. */
  reimported: CanonicalContact[];
};

/**
 * `erasedAt` answers, for a record without a link, the latest erasure one of its identifiers
 * matches (ISO time), or null.
 */
export function screenErased(
  records: readonly CanonicalContact[],
  erasedAt: (record: CanonicalContact) => string | null,
): ErasureScreen {
  const screen: ErasureScreen = { admitted: [], suppressed: [], reimported: [] };
  for (const record of records) {
    const erased = erasedAt(record);
    if (erased === null) {
      screen.admitted.push(record);
    } else if (Date.parse(record.provenance.modifiedAt) > Date.parse(erased)) {
      screen.admitted.push(record);
      screen.reimported.push(record);
    } else {
      screen.suppressed.push(record);
    }
  }
  return screen;
}
