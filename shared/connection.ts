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
});
export type ConnectionSummary = z.infer<typeof ConnectionSummarySchema>;

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
