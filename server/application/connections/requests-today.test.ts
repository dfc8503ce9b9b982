import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapitDemoConnection } from '../../test-support/demo-connections.ts';
import { startReapitWorld, type ReapitWorld } from '../../test-support/reapit-services.ts';
import { createOrganisation } from '../../test-support/test-services.ts';

let world: ReapitWorld;

beforeAll(async () => {
  world = await startReapitWorld({ seed: 41, contactCount: 5 });
});
afterAll(async () => world?.close());

describe("a CRM customer's requests today", () => {
  it('are one count for every agency connected to the customer, on each card, against the documented daily limit', async () => {
    const { services } = world;
    const first = await createOrganisation(services, 'Budget Lettings North');
    const second = await createOrganisation(services, 'Budget Lettings South');
    const firstConnection = await services.connections.connect(first, 'reapit', reapitDemoConnection());
    await services.connections.connect(second, 'reapit', reapitDemoConnection());

    const [firstCard] = await services.connections.list(first);
    const [secondCard] = await services.connections.list(second);
    // Both verifications (token, a first read) counted against the one customer.
    expect(firstCard!.requestsToday).toEqual({ used: expect.any(Number), limit: 250_000 });
    expect(firstCard!.requestsToday!.used).toBeGreaterThanOrEqual(4);
    expect(secondCard!.requestsToday).toEqual(firstCard!.requestsToday);

    await services.orm.em
      .fork()
      .execute(`update rate_budgets set day_requests = 212480 where budget_key = 'reapit:customer:SBOX'`);
    expect((await services.connections.get(first, firstConnection.id)).requestsToday).toEqual({
      used: 212_480,
      limit: 250_000,
    });
  });

  it('are kept per connection where the settings name no account the CRM counts by', () => {
    const { adapters } = world.services;
    expect(adapters.budgetKeyOf({ id: 'c1', provider: 'reapit', settings: { customerId: 'sbox' } })).toBe(
      'reapit:customer:SBOX',
    );
    expect(adapters.budgetKeyOf({ id: 'c1', provider: 'alto', settings: {} })).toBe('alto:connection:c1');
  });
});
