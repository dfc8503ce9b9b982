import { describe, expect, it } from 'vitest';
import { namesOf } from './contact-fields.ts';
import { flagFromConsent, renamedNameFields } from './contact-writes.ts';

describe('flagFromConsent', () => {
  it('writes never asked as unset', () => {
    expect(flagFromConsent('granted')).toBe(true);
    expect(flagFromConsent('denied')).toBe(false);
    expect(flagFromConsent('not_asked')).toBeNull();
  });
});

describe('renamedNameFields', () => {
  const names = { title: 'Title', firstName: 'Forename', lastName: 'Surname' };

  it('renames only the fields given, clearing included', () => {
    expect(renamedNameFields({ firstName: 'Ada', lastName: null }, names)).toEqual({
      Forename: 'Ada',
      Surname: null,
    });
  });

  it('reads a record through the same table', () => {
    expect(namesOf({ Title: 'Dr', Forename: 'Ada', Surname: null, Other: 'x' }, names)).toEqual({
      title: 'Dr',
      firstName: 'Ada',
      lastName: null,
    });
  });

  it('never clears a field the CRM requires', () => {
    expect(renamedNameFields({ title: null, lastName: null }, names, ['lastName'])).toEqual({ Title: null });
  });
});
