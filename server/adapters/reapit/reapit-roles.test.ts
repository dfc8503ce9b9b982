import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmAdapter } from '../../core/ports/crm-adapter.ts';
import { adapterConnector } from '../../test-support/adapter-connections.ts';
import { toCanonicalContact } from './reapit.mapper.ts';
import { ReapitContactSchema, type ReapitContact } from './reapit.schemas.ts';
import { reapitOperatorConfig } from '../../../simulators/reapit/reapit.harness.ts';
import { REAPIT_DEMO_CLIENT } from '../../../simulators/reapit/reapit-constants.ts';
import {
  createReapitSimulator,
  type ReapitSimulator,
  type RunningReapitSimulator,
} from '../../../simulators/reapit/reapit-simulator.ts';

/** A contact as Reapit sends it with `embed=relationships`: roles carry type, id and archived only. */
function contactWith(relationships: ReapitContact['relationships']): ReapitContact {
  return {
    id: 'RPT20000001',
    modified: '2026-11-30T10:00:00Z',
    forename: 'Ada',
    surname: 'Lovelace',
    relationships,
  };
}

describe('Reapit roles and applicants → profile', () => {
  it('takes buying or renting from the applicant, and never guesses buyer when it was not read', () => {
    const renting = contactWith([
      { associatedType: 'applicant', associatedId: 'RPT40000001', fromArchive: false },
    ]);
    expect(toCanonicalContact(renting, new Map([['RPT40000001', 'renting']])).profile).toMatchObject({
      applicantType: 'tenant',
      propertyInterest: 'renting',
    });
    expect(toCanonicalContact(renting).profile).toMatchObject({
      applicantType: null,
      propertyInterest: null,
    });
    const buying = contactWith([{ associatedType: 'applicant', associatedId: 'RPT30000001' }]);
    expect(toCanonicalContact(buying, new Map([['RPT30000001', 'buying']])).profile.applicantType).toBe(
      'buyer',
    );
  });

  it('reads the roles from the top level or from _embedded, as a list or as a page, and ignores an odd _embedded', () => {
    const role = { associatedType: 'vendor', associatedId: 'RPT50000001', fromArchive: false };
    const base = { id: 'RPT20000001', modified: '2026-11-30T10:00:00.1234567Z' };
    const rolesOf = (raw: Record<string, unknown>) =>
      ReapitContactSchema.parse({ ...base, ...raw }).relationships;
    expect(rolesOf({ relationships: [role] })).toEqual([role]);
    expect(rolesOf({ _embedded: { relationships: [role] } })).toEqual([role]);
    expect(rolesOf({ relationships: [], _embedded: { relationships: [role] } })).toEqual([role]);
    expect(rolesOf({ _embedded: { relationships: { _embedded: [role], pageNumber: 1 } } })).toEqual([role]);
    expect(rolesOf({ _embedded: null })).toBeNull();
    expect(rolesOf({ _embedded: { relationships: 'unexpected' } })).toBeNull();
    expect(
      toCanonicalContact(ReapitContactSchema.parse({ ...base, _embedded: { relationships: [role] } })).profile
        .isVendor,
    ).toBe(true);
  });

  it('ignores archived roles: an archived tenancy is a former one, an archived landlord no landlord', () => {
    const profile = toCanonicalContact(
      contactWith([
        { associatedType: 'tenancy', associatedId: 'RPT70000001', fromArchive: true },
        { associatedType: 'landlord', associatedId: 'RPT60000001', fromArchive: true },
        { associatedType: 'vendor', associatedId: 'RPT50000001', fromArchive: false },
        { associatedType: 'applicant', associatedId: 'RPT40000001', fromArchive: true },
      ]),
      new Map([['RPT40000001', 'renting']]),
    ).profile;
    expect(profile).toMatchObject({
      tenancyStatus: 'former',
      isLandlord: false,
      isVendor: true,
      applicantType: null,
    });
    const current = contactWith([
      { associatedType: 'tenancy', associatedId: 'RPT70000001', fromArchive: false },
    ]);
    expect(toCanonicalContact(current).profile.tenancyStatus).toBe('active');
  });
});

describe('a Reapit sync reads what each applicant is after from the applicant', () => {
  let simulator: ReapitSimulator;
  let running: RunningReapitSimulator;
  let adapter: CrmAdapter;
  beforeAll(async () => {
    simulator = createReapitSimulator({ seed: 51, contactCount: 120, rateLimits: false });
    running = await simulator.listen(0);
    adapter = adapterConnector({ hostConfig: reapitOperatorConfig(running) })({
      provider: 'reapit',
      credentials: { clientId: REAPIT_DEMO_CLIENT.clientId, clientSecret: REAPIT_DEMO_CLIENT.clientSecret },
      settings: { customerId: REAPIT_DEMO_CLIENT.customerId, pageSize: 50 },
    });
  });
  afterAll(async () => simulator?.close());

  it('maps renting applicants to tenants and buying applicants to buyers', async () => {
    const profiles = new Map<string, { applicantType: string | null }>();
    for await (const page of adapter.syncContacts({
      modifiedFrom: null,
      modifiedTo: new Date(Date.now() + 60_000).toISOString(),
      resumeAfter: null,
    })) {
      for (const contact of page.contacts) profiles.set(contact.provenance.externalId, contact.profile);
    }
    const byRole = { renting: 0, buying: 0 };
    for (const id of simulator.contactIds()) {
      const categories = (simulator.getContact(id)?.categoryIds ?? []) as string[];
      const profile = profiles.get(id);
      if (categories.includes('BUY')) {
        byRole.buying++;
        expect(profile?.applicantType, id).toBe('buyer');
      } else if (categories.includes('REN')) {
        byRole.renting++;
        expect(profile?.applicantType, id).toBe('tenant');
      } else expect(profile?.applicantType ?? null, id).toBeNull();
    }
    expect(byRole.renting).toBeGreaterThan(0);
    expect(byRole.buying).toBeGreaterThan(0);
  });
});
