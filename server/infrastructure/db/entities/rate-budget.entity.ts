import { defineEntity, p } from '@mikro-orm/core';

/** A request's slot in its CRM customer's rate budget (migration 20261205100000). */
export const RateBudgetSlot = defineEntity({
  name: 'RateBudgetSlot',
  tableName: 'rate_budget_slots',
  properties: {
    id: p.bigint('number').primary().autoincrement().generated('identity'),
    budgetKey: p.text(),
    write: p.boolean(),
    startedAt: p.datetime(),
    /** Null while the request is in flight. */
    finishedAt: p.datetime().nullable(),
    /** The taking process's lock-session backend: gone means the process died mid-request. */
    ownerPid: p.integer().nullable(),
  },
  indexes: [{ name: 'rate_budget_slots_key_idx', properties: ['budgetKey', 'startedAt'] }],
});

/** Per budget key: the Retry-After hold and the requests of one UTC day. */
export const RateBudgetState = defineEntity({
  name: 'RateBudgetState',
  tableName: 'rate_budgets',
  properties: {
    budgetKey: p.text().primary(),
    heldUntil: p.datetime().nullable(),
    usageDay: p.date().nullable(),
    dayRequests: p.integer().default(0),
  },
});
