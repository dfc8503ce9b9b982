import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { mapToCanonical } from './record-mapping.ts';

const RecordSchema = z.object({ id: z.string(), name: z.string() });
const WORDS = {
  unreadable: 'Test CRM contact did not match the expected shape',
  unmappable: 'Test CRM contact could not be mapped',
  whole: 'record',
};

describe('mapToCanonical', () => {
  it('says where a record does not match the CRM schema', () => {
    expect(mapToCanonical({ id: 'c-1' }, RecordSchema, () => ({}) as CanonicalContact, WORDS)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Test CRM contact did not match the expected shape: name \S/),
    });
    expect(mapToCanonical('not an object', RecordSchema, () => ({}) as CanonicalContact, WORDS)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Test CRM contact did not match the expected shape: record \S/),
    });
  });

  it('refuses what the mapper makes of it when that is not a canonical contact', () => {
    const mapped = mapToCanonical(
      { id: 'c-1', name: 'Ann' },
      RecordSchema,
      (record) => ({ firstName: record.name }) as unknown as CanonicalContact,
      WORDS,
    );
    expect(mapped).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Test CRM contact could not be mapped: \S+ \S/),
    });
  });
});
