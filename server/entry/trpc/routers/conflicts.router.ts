import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ConflictQueries } from '../../../infrastructure/db/read-side/conflict-queries.ts';
import { agencyProcedure, router } from '../trpc.ts';
import { filtersAndPage, PageInput } from '../../../infrastructure/db/read-side/read-side-inputs.ts';
import type { ConflictDetail, ConflictSummary } from '../../../../shared/api/conflict.dto.ts';
import type { Page } from '../../../../shared/api/page.dto.ts';

/** The field-level conflict audit: both versions, both timestamps, the differing fields, winner and rule. */
export const conflictsRouter = router({
  list: agencyProcedure
    .input(
      z.object({
        connectionId: z.string().uuid().optional(),
        contactId: z.string().uuid().optional(),
        syncRunId: z.string().uuid().optional(),
        ...PageInput,
      }),
    )
    .query(({ ctx, input }): Promise<Page<ConflictSummary>> => {
      const queries = new ConflictQueries(ctx.services.orm.em);
      return queries.list(ctx.session.organisationId, ...filtersAndPage(input));
    }),

  get: agencyProcedure
    .input(z.object({ conflictId: z.string().uuid() }))
    .query(async ({ ctx, input }): Promise<ConflictDetail> => {
      const conflict = await new ConflictQueries(ctx.services.orm.em).get(
        ctx.session.organisationId,
        input.conflictId,
      );
      if (!conflict) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such conflict for this agency' });
      return conflict;
    }),
});
