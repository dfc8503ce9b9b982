import type { EntityManager } from './orm.ts';
import { Sql } from './sql.ts';

/**
 * Writes the code's provider registry into `crm_providers` (the table connections reference), so
 * a newly registered CRM can be connected without a migration. Rows of providers no longer
 * registered stay: old connections and audit rows still name them.
 */
export async function registerProviders(
  em: EntityManager,
  providers: ReadonlyArray<{ id: string; displayName: string }>,
): Promise<void> {
  if (providers.length === 0) return;
  await new Sql(em).run(
    `insert into crm_providers (id, display_name) values ${providers.map(() => '(?, ?)').join(', ')}
     on conflict (id) do update set display_name = excluded.display_name
     where crm_providers.display_name is distinct from excluded.display_name`,
    providers.flatMap((provider) => [provider.id, provider.displayName]),
  );
}
