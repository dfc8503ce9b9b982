import type { TimedRecord } from './timed-collection.ts';
import type { UkPerson } from './uk-people.ts';

/**
 * A CRM record made from one of the shared UK people. Generated records keep only their person
 * and compute their fields on read (a million built records would not fit comfortably); the
 * first write materialises them into `fields`. Records created through the API have no person.
 */
export interface GeneratedRecord<Fields> extends TimedRecord {
  person: UkPerson | null;
  fields: Fields | null;
}

/** The person a record with no fields of its own is computed from (neither is a bug). */
export function personOf(record: GeneratedRecord<unknown>): UkPerson {
  if (record.person === null) throw new Error(`record ${record.seq} has neither fields nor a person`);
  return record.person;
}
