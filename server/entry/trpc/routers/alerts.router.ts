import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AlertQueries } from '../../../infrastructure/db/read-side/alert-queries.ts';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import { filtersAndPage, PageInput } from '../../../infrastructure/db/read-side/read-side-inputs.ts';
import type { AlertView } from '../../../../shared/api/alert.dto.ts';
import type { Page } from '../../../../shared/api/page.dto.ts';

/** Actionable alerts (rejected credentials, failing connections, webhook registration…). */
export const alertsRouter = router({
  list: agencyProcedure
    .input(
      z.object({
        state: z.enum(['open', 'unresolved', 'all']).default('unresolved'),
        connectionId: z.string().uuid().optional(),
        ...PageInput,
      }),
    )
    .query(({ ctx, input }): Promise<Page<AlertView>> => {
      const queries = new AlertQueries(ctx.services.orm.em);
      return queries.list(ctx.session.organisationId, ...filtersAndPage(input));
    }),

  acknowledge: adminProcedure
    .input(z.object({ alertId: z.string().uuid() }))
    .mutation(async ({ ctx, input }): Promise<AlertView> => {
      const alert = await new AlertQueries(ctx.services.orm.em).acknowledge(
        ctx.session.organisationId,
        input.alertId,
      );
      if (!alert) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such alert for this agency' });
      return alert;
    }),
});
