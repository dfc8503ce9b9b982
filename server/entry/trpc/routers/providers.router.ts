import { PROVIDER_INFOS } from '../../../adapters/registry.ts';
import { agencyProcedure, router } from '../trpc.ts';
import type { ProviderListing } from '../../../../shared/api/provider.dto.ts';

export const providersRouter = router({
  /**
   * The registry: every CRM Propsync can connect, its auth kind, limits, capabilities and the
   * fields its connect form asks for.
   */
  list: agencyProcedure.query(({ ctx }): ProviderListing[] =>
    PROVIDER_INFOS.map((info) => ({ ...info, oauthSignIn: ctx.services.oauth.isAvailable(info.id) })),
  ),
});
