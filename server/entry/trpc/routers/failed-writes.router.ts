import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  issueCountsByConnection,
  listRefusedWrites,
  settleRefusedWrite,
} from '../../../infrastructure/db/outbound-write-store.ts';
import { Sql } from '../../../infrastructure/db/sql.ts';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import type {
  ConnectionIssueCounts,
  FailedWriteActionResult,
  FailedWriteView,
} from '../../../../shared/api/failed-write.dto.ts';

const WriteIdInput = z.object({ writeId: z.string().uuid() });

/**
 * Write-backs the CRM refused for good (they are not retried on their own), and the counts of what
 * needs an admin per connection. Everything is the caller's agency's only.
 */
export const failedWritesRouter = router({
  list: agencyProcedure
    .input(
      z.object({
        connectionId: z.string().uuid().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }): Promise<FailedWriteView[]> =>
      listRefusedWrites(new Sql(ctx.services.orm.em), ctx.session.organisationId, input),
    ),

  /** Queues the write again now, and asks for a cycle to send it. */
  retry: adminProcedure
    .input(WriteIdInput)
    .mutation(async ({ ctx, input }): Promise<FailedWriteActionResult> => {
      const organisationId = ctx.session.organisationId;
      const settled = await settleRefusedWrite(
        new Sql(ctx.services.orm.em),
        organisationId,
        input.writeId,
        'retry',
      );
      if (!settled) throw notFound();
      await ctx.services.connections.requestSync(organisationId, settled.connectionId);
      return { writeId: input.writeId, status: 'pending' };
    }),

  /** Sets the write aside for good: it leaves the list and its alert is resolved. */
  dismiss: adminProcedure
    .input(WriteIdInput)
    .mutation(async ({ ctx, input }): Promise<FailedWriteActionResult> => {
      const settled = await settleRefusedWrite(
        new Sql(ctx.services.orm.em),
        ctx.session.organisationId,
        input.writeId,
        'dismiss',
      );
      if (!settled) throw notFound();
      return { writeId: input.writeId, status: 'dismissed' };
    }),

  /** Parked and dead-lettered webhook deliveries and refused writes, per connection with any. */
  counts: agencyProcedure.query(({ ctx }): Promise<ConnectionIssueCounts[]> =>
    issueCountsByConnection(new Sql(ctx.services.orm.em), ctx.session.organisationId),
  ),
});

function notFound(): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: 'No refused write with this id for this agency' });
}
