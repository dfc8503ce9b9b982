import type { CanonicalContact } from '../../shared/contact.ts';
import { contactContentHash, nameKey } from '../../server/core/domain/contact-normalisation.ts';
import { crmFieldsOf } from '../../server/core/sync/conflict-settlement.ts';
import { Contact } from '../../server/infrastructure/db/entities/contact.entity.ts';
import { ContactExternalId } from '../../server/infrastructure/db/entities/contact-external-id.entity.ts';
import {
  connectAgency,
  runInitialImport,
  withSimulatorBench,
  type SimulatorBench,
} from '../bench-fixture.ts';
import type { BenchServices } from '../bench-services.ts';
import type { BenchContext, BenchRowResult } from '../bench-row.ts';
import { fmt, timed } from '../measure.ts';

const CONTACTS = 5_000;

/**
 * Row 2: the same import written the naive way — for each contact the simulator returns, one
 * MikroORM Contact and its ContactExternalId created and flushed on their own — against the real
 * (set-based) cycle importing the same contacts from the same simulator, both in this row.
 */
export async function naiveImportRow(context: BenchContext): Promise<BenchRowResult[]> {
  const contacts = context.quick ? 1_000 : CONTACTS;
  const simulator = { provider: 'reapit', contacts, rateLimits: false } as const;
  return withSimulatorBench(context, { label: 'naive', simulator }, async (bench) => {
    const real = await importWithCycle(bench);
    const naive = await importNaively(bench);
    context.log(`naive: ${fmt(naive.ms)} ms; cycle: ${fmt(real.ms)} ms for ${fmt(contacts)} contacts`);
    const naiveRate = naive.contacts / (naive.ms / 1000);
    const realRate = contacts / (real.ms / 1000);
    return [
      {
        row: `2. Naive ORM import (${fmt(contacts / 1000)}k, extrapolated to 100k) vs real cycle`,
        measured: `${fmt(naiveRate)} contacts/s (100k ≈ ${fmt(100_000 / naiveRate / 60, 1)} min)`,
        baseline: `${fmt(realRate)} contacts/s real cycle`,
        ratio: naiveRate / realRate,
        ratioLabel: `${fmt(realRate / naiveRate, 1)}× slower`,
        target: 'shows the gap',
        met: null,
        notes:
          `${fmt(contacts)} contacts, same simulator (child process) and adapter for both; naive = per contact a ` +
          `findOne on the external id, em.create(Contact) + flush, em.create(ContactExternalId) + flush — no dedup, ` +
          `no sync log; 100k time extrapolated linearly from ${fmt(contacts)}`,
        details: {
          contacts,
          naiveMs: Math.round(naive.ms),
          naiveRate: Math.round(naiveRate),
          realMs: Math.round(real.ms),
          realRate: Math.round(realRate),
          extrapolated100kMinutes: Number((100_000 / naiveRate / 60).toFixed(2)),
        },
      },
    ];
  });
}

/** Each import gets an agency of its own, on pages of 100 (Reapit's largest). */
const CONNECT_OPTIONS = { settings: { pageSize: '100' }, withoutWebhooks: true };

async function importWithCycle(bench: SimulatorBench) {
  const { connectionId } = await connectAgency(bench, 'Bench Cycle Estates', CONNECT_OPTIONS);
  const { ms } = await runInitialImport(bench.services, connectionId, 'cycle');
  return { ms };
}

async function importNaively(bench: SimulatorBench) {
  const { services } = bench;
  const { organisationId, connectionId } = await connectAgency(bench, 'Bench Naive Estates', CONNECT_OPTIONS);
  const adapter = await services.connections.adapterFor(connectionId);
  let contacts = 0;
  const { ms } = await timed(async () => {
    const pages = adapter.syncContacts({
      modifiedFrom: null,
      modifiedTo: new Date().toISOString(),
      resumeAfter: null,
    });
    for await (const page of pages) {
      for (const contact of page.contacts) {
        await storeOne(services, organisationId, connectionId, contact);
        contacts++;
      }
    }
  });
  return { ms, contacts };
}

async function storeOne(
  services: BenchServices,
  organisationId: string,
  connectionId: string,
  contact: CanonicalContact,
): Promise<void> {
  const em = services.orm.em.fork();
  const existing = await em.findOne(ContactExternalId, {
    connectionId,
    externalId: contact.provenance.externalId,
  });
  if (existing) return;
  const { provenance, ...fields } = contact;
  const stored = em.create(Contact, {
    organisationId,
    ...crmFieldsOf(contact),
    postcode: contact.address?.postcode ?? null,
    uprn: contact.address?.uprn ?? null,
    udprn: contact.address?.udprn ?? null,
    profile: contact.profile,
    engagement: {},
    nameKey: nameKey(contact.firstName, contact.lastName),
    fieldModifiedAt: {},
  });
  // The entities hold the contact id as a plain column (no relation), so the unit of work cannot
  // order the two inserts: the contact is flushed first, then its external id.
  await em.flush();
  em.create(ContactExternalId, {
    contactId: stored.id,
    organisationId,
    connectionId,
    provider: provenance.provider,
    externalId: provenance.externalId,
    active: contact.active,
    crmModifiedAt: new Date(provenance.modifiedAt),
    etag: provenance.etag,
    contentHash: contactContentHash(contact),
    snapshot: fields,
    matchedOn: [],
  });
  await em.flush();
}
