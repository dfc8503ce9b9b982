import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { SYNC_LOG_STATUSES } from '../../../infrastructure/db/entities/crm-sync-log.entity.ts';
import { SYNC_RUN_STATUSES } from '../../../infrastructure/db/entities/sync-run.entity.ts';
import { SyncRunQueries } from '../../../infrastructure/db/read-side/sync-run-queries.ts';
import { agencyProcedure, router } from '../trpc.ts';
import { DateBoundInput, filtersAndPage, LogPageInput, MAX_PAGE_SIZE, PageInput } from '../../../infrastructure/db/read-side/read-side-inputs.ts';
import type { Page } from '../../../../shared/api/page.dto.ts';
import type {
  SyncHistoryPoint,
  SyncLogEntry,
  SyncRunDetails,
  SyncRunSummary,
} from '../../../../shared/api/sync-run.dto.ts';

// The statuses the database's check constraints allow, so a filter can name only a real one.
const RunStatusSchema = z.enum(SYNC_RUN_STATUSES);
const LogStatusSchema = z.enum(SYNC_LOG_STATUSES);
const RunIdInput = z.object({ runId: z.string().uuid() });

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'No such sync cycle for this agency' });

/** The sync audit log (docs/product-rules.md): every cycle, one in detail, history for a chart. Read only. */
export const syncRunsRouter = router({
  list: agencyProcedure
    .input(
      z.object({
        connectionId: z.string().uuid().optional(),
        status: RunStatusSchema.optional(),
        // Not `direction`: tRPC's infinite queries put their own paging direction in the input.
        syncDirection: z.enum(['inbound', 'outbound']).optional(),
        from: DateBoundInput.optional(),
        to: DateBoundInput.optional(),
        ...PageInput,
      }),
    )
    .query(({ ctx, input }): Promise<Page<SyncRunSummary>> => {
      const queries = new SyncRunQueries(ctx.services.orm.em);
      return queries.list(ctx.session.organisationId, ...filtersAndPage(input));
    }),

  /** One cycle: window, counts, errors with status codes and retry state, its conflicts and the first log page. */
  get: agencyProcedure
    .input(RunIdInput.extend({ logLimit: PageInput.limit }))
    .query(async ({ ctx, input }): Promise<SyncRunDetails> => {
      const queries = new SyncRunQueries(ctx.services.orm.em);
      const organisationId = ctx.session.organisationId;
      const run = await queries.get(organisationId, input.runId);
      if (!run) throw notFound();
      const [log, conflicts] = await Promise.all([
        queries.log(organisationId, input.runId, { limit: input.logLimit }),
        queries.conflictsOf(organisationId, input.runId, 20),
      ]);
      return { run, log, conflicts };
    }),

  /** The cycle's per-record sync log, page by page. */
  log: agencyProcedure
    .input(RunIdInput.extend({ status: LogStatusSchema.optional(), ...LogPageInput }))
    .query(async ({ ctx, input }): Promise<Page<SyncLogEntry>> => {
      const queries = new SyncRunQueries(ctx.services.orm.em);
      // A run id of another agency reads as missing, never as an empty log.
      if (!(await queries.get(ctx.session.organisationId, input.runId))) throw notFound();
      return queries.log(ctx.session.organisationId, input.runId, input);
    }),

  /** Records in/out and errors per cycle, oldest first (at most `limit` most recent cycles). */
  history: agencyProcedure
    .input(
      z.object({
        connectionId: z.string().uuid().optional(),
        from: DateBoundInput.optional(),
        to: DateBoundInput.optional(),
        limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(60),
      }),
    )
    .query(({ ctx, input }): Promise<SyncHistoryPoint[]> => {
      const { limit, ...filters } = input;
      return new SyncRunQueries(ctx.services.orm.em).history(ctx.session.organisationId, filters, limit);
    }),
});
