import { PROVIDER_CATALOG } from '../../../shared/provider-catalog.ts';
import { agencyProcedure, router } from '../trpc.ts';

export const providersRouter = router({
  /** The registry: every CRM Propsync can connect, its auth kind, limits and capabilities. */
  list: agencyProcedure.query(({ ctx }) =>
    Object.values(PROVIDER_CATALOG).map((provider) => ({
      ...provider,
      available: ctx.services.adapters.isAvailable(provider.id),
    })),
  ),
});
