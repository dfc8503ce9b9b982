import { describe, expect, it } from 'vitest';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { erasureKeys, recordErasureKey, screenErased } from './erasure-screen.ts';

describe('erasureKeys', () => {
  it('keys the record by connection and id, and its emails and phones normalised', () => {
    expect(
      erasureKeys('conn-1', {
        externalId: 'C1',
        emails: [' Ada@Example.COM ', 'not an email'],
        phones: ['07700 900123'],
      }),
    ).toEqual([
      recordErasureKey('conn-1', 'C1'),
      { kind: 'email', value: 'ada@example.com' },
      { kind: 'phone', value: '+447700900123' },
    ]);
  });
});

describe('screenErased', () => {
  const erasedAt = '2026-12-04T10:00:00.000Z';
  const at = (externalId: string, modifiedAt: string) => {
    const person = canonicalPerson('custom', externalId);
    return { ...person, provenance: { ...person.provenance, modifiedAt } };
  };

  it('keeps out a record of an erased person the CRM has not changed since, and admits one it changed after', () => {
    const unchanged = at('old', '2026-12-04T09:59:59.000Z');
    const changed = at('new', '2026-12-04T10:00:01.000Z');
    const stranger = at('other', '2026-12-01T00:00:00.000Z');
    const screen = screenErased([unchanged, changed, stranger], (record) =>
      record.provenance.externalId === 'other' ? null : erasedAt,
    );
    expect(screen.suppressed).toEqual([unchanged]);
    expect(screen.admitted).toEqual([changed, stranger]);
    expect(screen.reimported).toEqual([changed]);
  });
});
