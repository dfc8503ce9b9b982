/**
 * Deciding whether an incoming CRM record is a person Propsync already knows. Matching runs in
 * order of strength: email, then phone plus name, then name plus postcode (or UPRN/UDPRN).
 * A name alone never matches, so two different people who share a name stay two.
 */

export type IdentityKeys = {
  emails: string[];
  phones: string[];
  /** From nameKey(): accents, punctuation and case removed. */
  nameKey: string | null;
  postcode: string | null;
  uprn: string | null;
  udprn: string | null;
};

export type MatchCandidate = IdentityKeys & { contactId: string };

export type MatchField = 'email' | 'phone' | 'name' | 'postcode' | 'uprn' | 'udprn';

export type DedupMatch = { contactId: string; matchedOn: MatchField[] };

/**
 * The existing contact an incoming record belongs to, or null. Guards against the usual false
 * friends: a shared family inbox (email match, different person) needs compatible names, and a
 * weaker match is refused when both sides have emails and share none.
 */
export function findMatch(incoming: IdentityKeys, candidates: MatchCandidate[]): DedupMatch | null {
  let best: { match: DedupMatch; strength: number } | null = null;
  for (const candidate of candidates) {
    const match = matchStrength(incoming, candidate);
    if (match && (!best || match.strength > best.strength))
      best = { match: { contactId: candidate.contactId, matchedOn: match.fields }, strength: match.strength };
  }
  return best?.match ?? null;
}

function matchStrength(
  incoming: IdentityKeys,
  candidate: MatchCandidate,
): { strength: number; fields: MatchField[] } | null {
  // Cheapest tests first, each only where it can decide: a page weighs every record against every
  // candidate, and most pairs share nothing.
  const sharedEmail = incoming.emails.some((email) => candidate.emails.includes(email));
  const sameName = incoming.nameKey !== null && incoming.nameKey === candidate.nameKey;
  const sharedPhone = () => incoming.phones.some((phone) => candidate.phones.includes(phone));
  if (sharedEmail) {
    const namesCompatible =
      incoming.nameKey === null ||
      candidate.nameKey === null ||
      namesAgree(incoming.nameKey, candidate.nameKey);
    if (namesCompatible) {
      return {
        strength: 3,
        fields: [
          'email',
          ...(sharedPhone() ? (['phone'] as const) : []),
          ...(sameName ? (['name'] as const) : []),
        ],
      };
    }
  }
  const emailsDisagree = incoming.emails.length > 0 && candidate.emails.length > 0 && !sharedEmail;
  // The weaker matches below both need the same name.
  if (emailsDisagree || !sameName) return null;
  if (sharedPhone()) return { strength: 2, fields: ['phone', 'name'] };
  const samePlace =
    (incoming.uprn !== null && incoming.uprn === candidate.uprn) ||
    (incoming.udprn !== null && incoming.udprn === candidate.udprn) ||
    (incoming.postcode !== null && incoming.postcode === candidate.postcode);
  if (samePlace) return { strength: 1, fields: ['name', placeField(incoming, candidate)] };
  return null;
}

/**
 * Same surname, and one first name a shortening of the other ("Rob"/"Robert"); "Jane" and "John"
 * Smith sharing an inbox stay apart. Accents and case are already gone from name keys.
 */
function namesAgree(left: string, right: string): boolean {
  if (left === right) return true;
  const [leftFirst = '', ...leftRest] = left.split(' ');
  const [rightFirst = '', ...rightRest] = right.split(' ');
  const [shorter, longer] =
    leftFirst.length <= rightFirst.length ? [leftFirst, rightFirst] : [rightFirst, leftFirst];
  return leftRest.at(-1) === rightRest.at(-1) && shorter.length >= 2 && longer.startsWith(shorter);
}

function placeField(incoming: IdentityKeys, candidate: MatchCandidate): MatchField {
  if (incoming.uprn !== null && incoming.uprn === candidate.uprn) return 'uprn';
  if (incoming.udprn !== null && incoming.udprn === candidate.udprn) return 'udprn';
  return 'postcode';
}
