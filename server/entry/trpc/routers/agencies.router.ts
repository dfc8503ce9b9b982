import { z } from 'zod';
import type { AgencyCreated, AgencySummary, OffboardingReport } from '../../../../shared/api/agency.dto.ts';
import { hostProcedure, router } from '../trpc.ts';

// Printable text only: control characters (NUL included) have no place in a name or a reference.
const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters');

/**
 * The host's backend provisions and offboards agencies with a host token; embed tokens
 * (the browser's) are refused here.
 */
export const agenciesRouter = router({
  /** Idempotent on `externalRef`, the host's own id for the agency: the same ref answers the same id. */
  create: hostProcedure
    .input(z.object({ name: printable(200), externalRef: printable(200).optional() }))
    .mutation(({ ctx, input }): Promise<AgencyCreated> => ctx.services.agencies.create(input)),

  list: hostProcedure.query(({ ctx }): Promise<AgencySummary[]> => ctx.services.agencies.list()),

  rename: hostProcedure
    .input(z.object({ id: z.string().uuid(), name: printable(200) }))
    .mutation(({ ctx, input }): Promise<AgencySummary> => ctx.services.agencies.rename(input.id, input.name)),

  /**
   * Disconnects every connection (revoking at the CRM), deletes the agency's personal data and
   * keeps its audit trail as counts; `dryRun` answers what would be removed and changes nothing.
   */
  offboard: hostProcedure
    .input(z.object({ id: z.string().uuid(), dryRun: z.boolean() }))
    .mutation(({ ctx, input }): Promise<OffboardingReport> =>
      ctx.services.agencies.offboard(input.id, { dryRun: input.dryRun }),
    ),
});
