import { z } from 'zod';
import { Sql } from '../../infrastructure/db/sql.ts';
import type { Services } from '../services.ts';
import { createContextInner } from '../trpc/context.ts';
import { appRouter } from '../trpc/routers/_app.ts';

export const DEMO_ORGANISATION_NAME = 'Harbour & Hale Estate Agents';
/** The demo host's own id for its agency: `agencies.create` is idempotent on it. */
export const DEMO_EXTERNAL_REF = 'propsync-demo';

/**
 * The demo agency every `npm start` shows, provisioned the way any host provisions an agency:
 * `agencies.create` with a host session. The first start creates it; later starts get its id.
 */
export async function ensureDemoOrganisation(services: Services): Promise<string> {
  const host = appRouter.createCaller(createContextInner(services, { role: 'host' }));
  const { id } = await host.agencies.create({ name: DEMO_ORGANISATION_NAME, externalRef: DEMO_EXTERNAL_REF });
  return id;
}

/** The demo agency's id and name, when it has been provisioned and not offboarded. */
export async function findDemoOrganisation(services: Services): Promise<{ id: string; name: string } | null> {
  const organisation = await new Sql(services.orm.em).first(
    z.object({ id: z.string(), name: z.string() }),
    `select id, name from organisations where external_ref = ? and offboarded_at is null`,
    [DEMO_EXTERNAL_REF],
  );
  return organisation ?? null;
}
