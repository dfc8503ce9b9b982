/*
 * One process of the shared rate-budget test (server/infrastructure/db/rate-budget-store.test.ts):
 * paces REQUESTS pretend requests through the PostgreSQL budget of BUDGET_KEY and reports when
 * each one held its slot. Started with an IPC channel; waits for "go" so every process starts together.
 */
import { PostgresRateBudget } from '../infrastructure/db/rate-budget-store.ts';
import { createOrm } from '../infrastructure/db/orm.ts';
import { RequestPacer } from '../adapters/adapter-kit/request-pacer.ts';
import type { RateLimits } from '../../shared/provider-catalog.ts';

const orm = await createOrm(process.env.DATABASE_URL!, { poolSize: 2 });
const limits = JSON.parse(process.env.BUDGET_LIMITS!) as RateLimits;
const pacer = new RequestPacer(limits, {
  budget: new PostgresRateBudget(orm.em),
  key: process.env.BUDGET_KEY!,
});
const requests = Number(process.env.REQUESTS);
const clock = () => performance.timeOrigin + performance.now();

process.once('message', async () => {
  const spans: Array<{ start: number; finish: number }> = [];
  // Two at once, as an adapter pages and writes: this process competes with itself too.
  const lane = async (count: number) => {
    for (let index = 0; index < count; index++) {
      await pacer.run(async () => {
        const start = clock();
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 100));
        spans.push({ start, finish: clock() });
      });
    }
  };
  await Promise.all([lane(Math.ceil(requests / 2)), lane(Math.floor(requests / 2))]);
  process.send!({ spans }, async () => {
    await orm.close(true);
    process.exit(0);
  });
});
process.send!('ready');
