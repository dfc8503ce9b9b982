import type { Services } from '../services.ts';

export const DEMO_ORGANISATION_NAME = 'Harbour & Hale Estate Agents';

/** The demo agency every `npm start` shows, created once and then reused. */
export async function ensureDemoOrganisation(services: Services): Promise<string> {
  const em = services.orm.em.fork();
  const [existing] = await em.execute<{ id: string }[]>(
    `select id from organisations where name = ? order by created_at limit 1`,
    [DEMO_ORGANISATION_NAME],
  );
  if (existing) return existing.id;
  const [created] = await em.execute<{ id: string }[]>(
    `insert into organisations (name) values (?) returning id`,
    [DEMO_ORGANISATION_NAME],
  );
  return created!.id;
}
