import { describe, expect, it } from 'vitest';
import { canonicalPerson } from '../../test-support/contacts.ts';
import { PropsyncError } from '../errors.ts';
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

/**
 * A store holding links a1 (missed once) and a2, where `busy` connections are held by a cycle and
 * `failures` says how many runs in a row failed before this claim.
 */
function fakeStore(claims: string[], busy: string[] = [], failures: Record<string, number> = {}) {
  const applied: Array<[string, ReconciliationDecision]> = [];
  const retried: string[] = [];
  const outcomes: Array<[string, Date | null]> = [];
  const store: ReconciliationStore = {
    claimDue: async () =>
      claims.map((connectionId) => ({ connectionId, failures: failures[connectionId] ?? 0 })),
    retryAt: async (connectionId) => void retried.push(connectionId),
    recordOutcome: async (connectionId, retryAt) => void outcomes.push([connectionId, retryAt]),
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
  return { store, applied, retried, outcomes };
}

/** An adapter listing a2 only, or failing after its first page (with `failure`, or a plain error). */
function fakeAdapter(failing: boolean | Error): CrmAdapter {
  return {
    async *syncContacts() {
      yield {
        contacts: [canonicalPerson('custom', 'a2')],
        rejected: [],
        checkpoint: null,
        estimatedTotal: 2,
      };
      if (failing) throw failing instanceof Error ? failing : new Error('page 2 failed');
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

describe('reconcileDue after a failed run', () => {
  const NOW = new Date('2026-12-05T03:00:00.000Z');
  const DAY = 24 * 60 * 60_000;
  const minutesAfterNow = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
  const unavailable = new PropsyncError('ADAPTER.PROVIDER_UNAVAILABLE', 'The CRM answered 503');

  it('retries a passing failure after minutes, growing with the failures in a row, and a success keeps the interval', async () => {
    const { store, outcomes } = fakeStore(['first', 'third', 'ok', 'socket'], [], {
      first: 0,
      third: 2,
      ok: 3,
    });
    const adapters: Record<string, CrmAdapter> = {
      first: fakeAdapter(unavailable),
      third: fakeAdapter(unavailable),
      ok: fakeAdapter(false),
      // Not one of Propsync's errors (a reset socket): taken to pass.
      socket: fakeAdapter(true),
    };
    await reconcileDue(
      { store, logger: silent, now: () => NOW, adapterFor: async (id) => adapters[id]! },
      DAY,
    );
    expect(outcomes).toEqual([
      ['first', minutesAfterNow(5)],
      ['third', minutesAfterNow(20)],
      ['ok', null],
      ['socket', minutesAfterNow(5)],
    ]);
  });

  it('waits the normal interval after a failure that would come again at once', async () => {
    const { store, outcomes } = fakeStore(['refused', 'unidentified'], [], { refused: 1 });
    const unidentified = {
      async *syncContacts() {
        yield {
          contacts: [],
          rejected: [{ externalId: null, reason: 'no id' }],
          checkpoint: null,
          estimatedTotal: 1,
        };
      },
    } as unknown as CrmAdapter;
    const adapters: Record<string, CrmAdapter> = {
      refused: fakeAdapter(new PropsyncError('ADAPTER.AUTH_INVALID', 'The CRM refused the credentials')),
      unidentified,
    };
    await reconcileDue(
      { store, logger: silent, now: () => NOW, adapterFor: async (id) => adapters[id]! },
      DAY,
    );
    expect(outcomes).toEqual([
      ['refused', null],
      ['unidentified', null],
    ]);
  });

  it('retries a run the database failed, and leaves a busy one to its own retry', async () => {
    const { store, outcomes, retried } = fakeStore(['broken', 'busy'], ['busy'], { broken: 4 });
    store.heldLinks = async () => {
      throw new Error('connection lost');
    };
    await reconcileDue(
      { store, logger: silent, now: () => NOW, adapterFor: async () => fakeAdapter(false) },
      DAY,
    );
    expect(outcomes).toEqual([['broken', minutesAfterNow(80)]]);
    expect(retried).toEqual(['busy']);
  });
});
