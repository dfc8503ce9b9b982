import { Migration } from '@mikro-orm/migrations';

/**
 * Rate budgets shared by every process (server and workers) calling one CRM customer.
 *
 * - `rate_budget_slots`: one row per request, from when its slot was taken until a window after
 *   its answer (`finished_at`, null while in flight); taken under a transaction-scoped advisory
 *   lock on the key, and deleted by later acquisitions of the key once outside any window.
 *   `owner_pid` is the backend of the taking process's lock session: when that session is gone
 *   (the process died), its requests in flight stop counting as in flight at once.
 * - `rate_budgets`: per key, the Retry-After hold (`held_until`) and the requests of the UTC day
 *   `usage_day` (`day_requests`), which the connection card shows near a daily cap.
 */
export class Migration20261205100000RateBudgets extends Migration {
  override name = 'Migration20261205100000_rate_budgets';

  override up(): void {
    this.addSql(`
      create table rate_budget_slots (
        id bigint generated always as identity primary key,
        budget_key text not null,
        write boolean not null,
        started_at timestamptz not null,
        finished_at timestamptz,
        owner_pid integer);`);
    this.addSql(`create index rate_budget_slots_key_idx on rate_budget_slots (budget_key, started_at);`);
    this.addSql(`
      create table rate_budgets (
        budget_key text primary key,
        held_until timestamptz,
        usage_day date,
        day_requests integer not null default 0);`);
  }

  override down(): void {
    this.addSql(`drop table rate_budgets;`);
    this.addSql(`drop table rate_budget_slots;`);
  }
}
