import { emailElsewhere, movedAddress, restyledPhone } from '../toolkit/random-edits.ts';
import type { SeededRandom } from '../toolkit/seeded-random.ts';
import { SURNAMES } from '../toolkit/uk-reference-data.ts';
import type { LoopContactFields } from './loop-contact.model.ts';
import type { ContactPatch } from './loop-http.ts';

const NEXT_CONSENT = { optedIn: 'optedOut', optedOut: 'notAsked', notAsked: 'optedIn' } as const;

/** A plausible edit an agent might make in Loop, to the contact's current fields. */
export function randomChange(fields: LoopContactFields, random: SeededRandom): ContactPatch {
  switch (random.int(0, 4)) {
    case 0: {
      const current = fields.emailAddresses.find((email) => email.isPrimary)?.address;
      const address = emailElsewhere(random, current, fields.firstName);
      return { emailAddresses: [{ address, isPrimary: true }] };
    }
    case 1: {
      const mobile = fields.phoneNumbers.find((phone) => phone.type === 'mobile');
      const others = fields.phoneNumbers.filter((phone) => phone !== mobile);
      return {
        phoneNumbers: [
          { number: restyledPhone(random, mobile?.number), type: 'mobile', isPrimary: true },
          ...others.map((phone) => ({ ...phone, isPrimary: false })),
        ],
      };
    }
    case 2:
      return { marketingConsent: { status: NEXT_CONSENT[fields.marketingConsent.status] } };
    case 3: {
      const moved = movedAddress(random, fields.address?.postcode);
      const line2 = fields.address?.line2 ?? null;
      return { address: { line1: `${moved.number} ${moved.street}`, line2, postcode: moved.postcode } };
    }
    default:
      return { lastName: random.pick(SURNAMES) };
  }
}
