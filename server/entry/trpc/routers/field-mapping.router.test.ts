import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionStatusRows } from '../../cli/cli-queries.ts';
import { reapitDemoConnection } from '../../../test-support/demo-connections.ts';
import { startReapitWorld, type ReapitWorld } from '../../../test-support/reapit-services.ts';
import { createOrganisation } from '../../../test-support/test-services.ts';
import { createContextInner } from '../context.ts';
import { appRouter } from './_app.ts';

/**
 * The mapping review (issue 14, part 5) over tRPC on a real PostgreSQL: until an admin confirms a
 * connection's field mapping it imports but writes nothing back; overrides re-categorise; every
 * confirmation and change is audited. These services leave connections unconfirmed, as production does.
 */

let world: ReapitWorld;
beforeAll(async () => {
  world = await startReapitWorld({ seed: 3, contactCount: 60 }, { confirmMappings: false });
});
afterAll(() => world?.close());

const query = <T>(sql: string, params: unknown[] = []) =>
  world.services.orm.em.fork().execute<T[]>(sql, params);

function callers(organisationId: string) {
  const as = (role: 'admin' | 'viewer', subject?: string) =>
    appRouter.createCaller(
      createContextInner(world.services, { organisationId, role, ...(subject ? { subject } : {}) }),
    );
  return {
    admin: as('admin', 'jane.admin@harbour.example'),
    anonymousAdmin: as('admin'),
    viewer: as('viewer'),
  };
}

/** An agency connected to the Reapit simulator through `connections.connect`, its first import done. */
async function connectedAgency(name: string) {
  const organisationId = await createOrganisation(world.services, name);
  const callersOf = callers(organisationId);
  const connection = await callersOf.admin.connections.connect({
    provider: 'reapit',
    ...reapitDemoConnection({ pageSize: '25' }),
  });
  await world.services.whenIdle();
  return { organisationId, connectionId: connection.id, connection, ...callersOf };
}

/** Requests that would change something at the CRM: Propsync's write-backs. */
function writesAtTheCrm() {
  return world.reapit.requestLog
    .entries()
    .filter((entry) => entry.method !== 'GET' && /^\/(contacts|journalEntries)/.test(entry.path));
}

async function linkOf(connectionId: string, where: string) {
  const [link] = await query<{ contact_id: string; external_id: string }>(
    `select contact_id, external_id from contact_external_ids where connection_id = ? and active and ${where}
     order by external_id limit 1`,
    [connectionId],
  );
  return link!;
}

describe('the field-mapping summary an admin reviews before going live', () => {
  it("counts what this CRM's own records filled and the suggested categories, then records the confirmation", async () => {
    const { connectionId, admin, viewer } = await connectedAgency('Mapping Review Lettings');
    const summary = await viewer.connections.fieldMapping({ connectionId });
    expect(summary.records).toBe(
      world.reapit.contactCount() -
        (
          await query<{ n: number }>(
            `select count(*)::int as n from contact_external_ids where connection_id = ? and not active`,
            [connectionId],
          )
        )[0]!.n,
    );
    const filled = Object.fromEntries(summary.fields.map((entry) => [entry.field, entry.filled]));
    expect(filled.lastName).toBe(summary.records);
    expect(filled.emails).toBeGreaterThan(summary.records * 0.8);
    expect(filled.phones).toBeGreaterThan(summary.records * 0.8);
    expect(summary.categories.reduce((sum, entry) => sum + entry.records, 0)).toBe(summary.records);
    expect(summary.categories.some((entry) => entry.category !== 'Unknown')).toBe(true);
    expect(summary.confirmedAt).toBeNull();
    // Reapit declares three phone fields for the canonical phones; the first is the default.
    expect(summary.fieldAlternatives).toEqual([
      expect.objectContaining({ field: 'phones', defaultChoice: 'mobilePhone', chosen: 'mobilePhone' }),
    ]);
    expect(summary.categoryRules).toContainEqual({
      fact: 'applicantType:buyer',
      label: 'Applicant buying',
      suggested: 'Buyer',
      override: null,
    });
    await expect(viewer.connections.confirmFieldMapping({ connectionId })).rejects.toThrow(/admin/);
    const confirmed = await admin.connections.confirmFieldMapping({ connectionId });
    expect(confirmed.confirmedAt).not.toBeNull();
    const stranger = callers(await createOrganisation(world.services, 'Other')).admin;
    await expect(stranger.connections.fieldMapping({ connectionId })).rejects.toThrow(/No such connection/);
    await expect(stranger.connections.mappingHistory({ connectionId })).rejects.toThrow(/No such connection/);
  });
});

describe('write-back before and after the mapping is confirmed', () => {
  it('writes nothing back before the confirmation, keeps what was queued, and writes the current score after it', async () => {
    const { organisationId, connectionId, connection, admin, anonymousAdmin } =
      await connectedAgency('Paused Write-back Estates');
    expect(connection.writeBackPaused).toBe(true);
    const target = await linkOf(connectionId, 'true');
    world.reapit.requestLog.clear();

    // The host reports engagement twice: each moves the score, which is queued (the second replacing the first).
    await admin.engagement.reportEmail({
      contactId: target.contact_id,
      event: 'clicked',
      messageId: 'gate-1',
    });
    const { intentScore } = await admin.engagement.reportEmail({
      contactId: target.contact_id,
      event: 'clicked',
      messageId: 'gate-2',
    });
    expect(intentScore).toBeGreaterThan(0);
    await world.services.whenIdle();
    await world.services.runSyncCycle(connectionId, 'manual');

    expect(writesAtTheCrm()).toEqual([]);
    expect(world.reapit.getContact(target.external_id)!.metadata ?? {}).not.toHaveProperty(
      'propsyncEngagementScore',
    );
    const paused = await admin.connections.fieldMapping({ connectionId });
    expect(paused.pendingWrites).toBeGreaterThan(0);
    expect((await admin.connections.get({ connectionId })).writeBackPaused).toBe(true);
    // Operators see it in `propsync status` (and its --json).
    expect(
      (await connectionStatusRows(world.services.orm.em)).find((row) => row.connectionId === connectionId),
    ).toMatchObject({ writeBackPaused: true, pendingWrites: paused.pendingWrites });

    const confirmed = await anonymousAdmin.connections.confirmFieldMapping({ connectionId });
    expect(confirmed.confirmedAt).not.toBeNull();
    // The confirmation queued a cycle for the held writes.
    await world.services.whenIdle();

    expect(world.reapit.getContact(target.external_id)!.metadata).toMatchObject({
      propsyncEngagementScore: intentScore,
    });
    expect(writesAtTheCrm().length).toBeGreaterThan(0);
    const [waiting] = await query<{ n: number }>(
      `select count(*)::int as n from outbound_writes where connection_id = ? and status <> 'done'`,
      [connectionId],
    );
    expect(waiting!.n).toBe(0);
    expect((await admin.connections.get({ connectionId })).writeBackPaused).toBe(false);
    const [entry] = await admin.connections.mappingHistory({ connectionId });
    // A token without `sub` is recorded as an admin, unnamed.
    expect(entry).toMatchObject({ action: 'confirmed', actor: 'admin', changes: [] });
    expect(organisationId).toBeTruthy();
  });
});

describe('overrides', () => {
  it('change the category of the imported contacts, apply to later syncs, and are audited with who, when and what changed', async () => {
    const { connectionId, admin, viewer } = await connectedAgency('Override Lettings');
    const buyer = await linkOf(
      connectionId,
      `snapshot -> 'profile' ->> 'applicantType' = 'buyer' and snapshot ->> 'nurtureCategory' = 'Buyer'`,
    );
    const categoryOf = async (contactId: string) =>
      (
        await query<{ nurture_category: string }>(`select nurture_category from contacts where id = ?`, [
          contactId,
        ])
      )[0]!.nurture_category;
    expect(await categoryOf(buyer.contact_id)).toBe('Buyer');

    await expect(
      viewer.connections.setMappingOverrides({
        connectionId,
        overrides: { categories: { 'applicantType:buyer': 'Applicant' }, fields: {} },
      }),
    ).rejects.toThrow(/admin/);
    await expect(
      admin.connections.setMappingOverrides({
        connectionId,
        overrides: { categories: {}, fields: { phones: 'faxNumber' } },
      }),
    ).rejects.toThrow(
      /"faxNumber" is not one of this CRM's fields for phones: mobilePhone, homePhone, workPhone/,
    );

    const before = Date.now();
    const overridden = await admin.connections.setMappingOverrides({
      connectionId,
      overrides: { categories: { 'applicantType:buyer': 'Applicant' }, fields: { phones: 'homePhone' } },
    });
    expect(await categoryOf(buyer.contact_id)).toBe('Applicant');
    expect(overridden.categories.find((entry) => entry.category === 'Buyer')).toBeUndefined();
    expect(overridden.categoryRules).toContainEqual(
      expect.objectContaining({ fact: 'applicantType:buyer', suggested: 'Buyer', override: 'Applicant' }),
    );
    expect(overridden.fieldAlternatives[0]).toMatchObject({ field: 'phones', chosen: 'homePhone' });

    // The CRM changes the record: the sync maps it with the overrides (its home phone now the
    // primary one), and finds no conflict in the category.
    world.reapit.controls.modifyContacts({
      ids: [buyer.external_id],
      fields: { title: 'Dr', mobilePhone: '07700 900999', homePhone: '020 7946 0999' },
    });
    await world.services.runSyncCycle(connectionId, 'manual');
    expect(await categoryOf(buyer.contact_id)).toBe('Applicant');
    const [snapshot] = await query<{ phones: string[] }>(
      `select snapshot -> 'phones' as phones from contact_external_ids where connection_id = ? and external_id = ?`,
      [connectionId, buyer.external_id],
    );
    expect(snapshot!.phones.slice(0, 2)).toEqual(['+442079460999', '+447700900999']);
    const [audits] = await query<{ n: number }>(
      `select count(*)::int as n from conflict_audit where contact_id = ? and 'nurtureCategory' = any(differing_fields)`,
      [buyer.contact_id],
    );
    expect(audits!.n).toBe(0);

    await admin.connections.confirmFieldMapping({ connectionId });
    // After the confirmation, a change is audited too; taking an override away restores the suggestion.
    await admin.connections.setMappingOverrides({
      connectionId,
      overrides: { categories: {}, fields: { phones: 'homePhone' } },
    });
    expect(await categoryOf(buyer.contact_id)).toBe('Buyer');

    const history = await viewer.connections.mappingHistory({ connectionId });
    expect(history.map((entry) => entry.action)).toEqual([
      'overrides_changed',
      'confirmed',
      'overrides_changed',
    ]);
    const [removed, confirmation, first] = history;
    expect(first).toMatchObject({
      actor: 'admin:jane.admin@harbour.example',
      changes: [
        { key: 'category.applicantType:buyer', from: null, to: 'Applicant' },
        { key: 'field.phones', from: null, to: 'homePhone' },
      ],
    });
    expect(Date.parse(first!.at)).toBeGreaterThanOrEqual(before - 1_000);
    // What the confirmation accepted: everything changed since the last one (here, the first).
    expect(confirmation).toMatchObject({
      actor: 'admin:jane.admin@harbour.example',
      changes: first!.changes,
    });
    expect(removed).toMatchObject({
      changes: [{ key: 'category.applicantType:buyer', from: 'Applicant', to: null }],
    });
  });
});
