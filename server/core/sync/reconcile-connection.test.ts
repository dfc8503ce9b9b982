import { describe, expect, it } from 'vitest';
import { canonicalPerson } from '../../test-support/contacts.ts';
import type { CrmAdapter } from '../ports/crm-adapter.ts';
import type { CoreLogger } from '../ports/logger.ts';
import type { ReconciliationStore } from '../ports/reconciliation-store.ts';
import type { ReconciliationDecision } from './reconciliation.ts';
import { reconcileDue } from './reconcile-connection.ts';

const silent: CoreLogger = {
  child: () => silent,
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A store holding links a1 (missed once) and a2, where `busy` connections are held by a cycle. */
function fakeStore(claims: string[], busy: string[] = []) {
  const applied: Array<[string, ReconciliationDecision]> = [];
  const retried: string[] = [];
  const store: ReconciliationStore = {
    claimDue: async () => claims.map((connectionId) => ({ connectionId })),
    retryAt: async (connectionId) => void retried.push(connectionId),
    hold: async (connectionId) => (busy.includes(connectionId) ? null : async () => {}),
    heldLinks: async () => [
      { externalId: 'a1', misses: 1 },
      { externalId: 'a2', misses: 0 },
    ],
    apply: async (connectionId, decision) => {
      applied.push([connectionId, decision]);
      return decision.deactivate.length;
    },
  };
  return { store, applied, retried };
}

/** An adapter listing a2 only, or failing after its first page. */
function fakeAdapter(failing: boolean): CrmAdapter {
  return {
    async *syncContacts() {
      yield {
        contacts: [canonicalPerson('custom', 'a2')],
        rejected: [],
        checkpoint: null,
        estimatedTotal: 2,
      };
      if (failing) throw new Error('page 2 failed');
    },
  } as unknown as CrmAdapter;
}

describe('reconcileDue', () => {
  it('reconciles each claimed connection, leaves a failed listing without effect, and retries a busy one later', async () => {
    const { store, applied, retried } = fakeStore(['ok', 'failing', 'busy'], ['busy']);
    const result = await reconcileDue(
      { store, logger: silent, adapterFor: async (id) => fakeAdapter(id === 'failing') },
      60_000,
    );
    expect(result).toEqual({ reconciled: 2 });
    expect(applied).toEqual([
      ['ok', { deactivate: ['a1'], misses: [{ externalId: 'a1', misses: 0 }] }],
      ['failing', { deactivate: [], misses: [] }],
    ]);
    expect(retried).toEqual(['busy']);
  });

  it('goes on with the next connection when one cannot be read from the database', async () => {
    const { store, applied } = fakeStore(['broken', 'ok']);
    const heldLinks = store.heldLinks;
    store.heldLinks = async (connectionId, before) => {
      if (connectionId === 'broken') throw new Error('connection lost');
      return heldLinks(connectionId, before);
    };
    const result = await reconcileDue(
      { store, logger: silent, adapterFor: async () => fakeAdapter(false) },
      60_000,
    );
    expect(result).toEqual({ reconciled: 1 });
    expect(applied.map(([connectionId]) => connectionId)).toEqual(['ok']);
  });
});
