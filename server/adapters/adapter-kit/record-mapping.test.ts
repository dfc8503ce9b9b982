import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../../shared/contact.ts';
import { activitiesOf, contactsOf, mapToCanonical } from './record-mapping.ts';

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

describe('contactsOf and activitiesOf', () => {
  const records = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  it('rejects what cannot be read with its id and reason, asking the id only then', () => {
    const asked: string[] = [];
    const idOf = (record: { id: string }) => {
      asked.push(record.id);
      return `list:${record.id}`;
    };
    const page = contactsOf(
      records,
      (record) =>
        record.id === 'b'
          ? { ok: false, reason: 'unreadable' }
          : { ok: true, contact: { firstName: record.id } as CanonicalContact },
      idOf,
    );
    expect(page.contacts.map((contact) => contact.firstName)).toEqual(['a', 'c']);
    expect(page.rejected).toEqual([{ externalId: 'list:b', reason: 'unreadable' }]);
    expect(asked).toEqual(['b']);
  });

  it('rejects a record whose mapping throws on its own, keeping the rest of the page', () => {
    const page = activitiesOf(
      records,
      (record) => {
        if (record.id === 'b') new Date(Number.NaN).toISOString();
        return { ok: true, activity: { externalId: record.id } as never };
      },
      (record) => `list:${record.id}`,
    );
    expect(page.activities).toEqual([{ externalId: 'a' }, { externalId: 'c' }]);
    expect(page.rejected).toEqual([
      { externalId: 'list:b', reason: 'The record could not be mapped (the mapping failed with RangeError)' },
    ]);
    const contacts = contactsOf(
      records,
      (record) => {
        if (record.id === 'c') throw new TypeError('secret detail');
        return { ok: true, contact: { firstName: record.id } as CanonicalContact };
      },
      (record) => record.id,
    );
    expect(contacts.contacts.map((contact) => contact.firstName)).toEqual(['a', 'b']);
    expect(contacts.rejected).toEqual([
      { externalId: 'c', reason: 'The record could not be mapped (the mapping failed with TypeError)' },
    ]);
  });

  it('keeps only the activities that signal something', () => {
    const page = activitiesOf(
      records,
      (record) =>
        record.id === 'a'
          ? { ok: true, activity: null }
          : record.id === 'b'
            ? { ok: false, reason: 'unreadable' }
            : { ok: true, activity: { externalId: record.id } as never },
      (record) => record.id,
    );
    expect(page.activities).toEqual([{ externalId: 'c' }]);
    expect(page.rejected).toEqual([{ externalId: 'b', reason: 'unreadable' }]);
  });
});
