import { z } from 'zod';
import { ConnectionStatusSchema, CrmProviderSchema } from './providers.ts';

/** What the admin UI shows of a connection. Never carries credential material. */
export const ConnectionSummarySchema = z.object({
  id: z.string().uuid(),
  provider: CrmProviderSchema,
  providerName: z.string(),
  status: ConnectionStatusSchema,
  contactCount: z.number().int().nonnegative(),
  lastSyncedAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastErrorMessage: z.string().nullable(),
  syncIntervalMinutes: z.number().int().positive(),
  /** Whether disconnecting revokes Propsync's access at the CRM (else an admin deletes the key there). */
  revokesAccess: z.boolean(),
  /** The cycle running now, if any: records so far of the CRM's estimated total (progress bars). */
  currentSync: z
    .object({ runId: z.string().uuid(), fetched: z.number().int().nonnegative(), estimatedTotal: z.number().int().nonnegative().nullable(), startedAt: z.string() })
    .nullable(),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummarySchema>;

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
