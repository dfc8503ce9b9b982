import { describe, expect, it } from 'vitest';
import { findMatch, type IdentityKeys, type MatchCandidate } from './deduplication.ts';

const keys = (overrides: Partial<IdentityKeys>): IdentityKeys => ({
  emails: [],
  phones: [],
  nameKey: null,
  postcode: null,
  uprn: null,
  udprn: null,
  ...overrides,
});
const candidate = (contactId: string, overrides: Partial<IdentityKeys>): MatchCandidate => ({
  contactId,
  ...keys(overrides),
});

/** A record's match against one stored contact, `c1`, with the very same keys. */
const matchWithTwin = (identity: Partial<IdentityKeys>) =>
  findMatch(keys(identity), [candidate('c1', identity)]);

describe('findMatch', () => {
  it('matches on a shared email first', () => {
    const match = findMatch(keys({ emails: ['ada@example.com'], nameKey: 'ada lovelace' }), [
      candidate('by-name-postcode', { nameKey: 'ada lovelace', postcode: 'N1 9GU' }),
      candidate('by-email', { emails: ['ada@example.com'], nameKey: 'ada lovelace' }),
    ]);
    expect(match).toEqual({ contactId: 'by-email', matchedOn: ['email', 'name'] });
  });

  it('matches on phone plus name when emails are missing', () => {
    expect(matchWithTwin({ phones: ['+447700900123'], nameKey: 'ada lovelace' })).toEqual({
      contactId: 'c1',
      matchedOn: ['phone', 'name'],
    });
  });

  it('matches on name plus postcode, or UPRN, as the weakest rule', () => {
    expect(matchWithTwin({ nameKey: 'ada lovelace', postcode: 'N1 9GU' })).toEqual({
      contactId: 'c1',
      matchedOn: ['name', 'postcode'],
    });
    expect(matchWithTwin({ nameKey: 'ada lovelace', uprn: '100023336956' })).toEqual({
      contactId: 'c1',
      matchedOn: ['name', 'uprn'],
    });
  });

  it('never merges on a name alone: two people who share a name stay two', () => {
    expect(
      findMatch(keys({ nameKey: 'john smith', postcode: 'M1 1AE' }), [
        candidate('c1', { nameKey: 'john smith', postcode: 'LS1 4DY' }),
      ]),
    ).toBeNull();
  });

  it('does not merge different people who share a family inbox', () => {
    expect(
      findMatch(keys({ emails: ['thesmiths@example.com'], nameKey: 'jane smith' }), [
        candidate('c1', { emails: ['thesmiths@example.com'], nameKey: 'john smith' }),
      ]),
    ).toBeNull();
  });

  it('refuses a weaker match when both sides have different emails', () => {
    expect(
      findMatch(keys({ emails: ['a@example.com'], phones: ['+447700900123'], nameKey: 'ada lovelace' }), [
        candidate('c1', { emails: ['b@example.com'], phones: ['+447700900123'], nameKey: 'ada lovelace' }),
      ]),
    ).toBeNull();
  });
});
