import { z } from 'zod';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import type {
  HostWebhookConfigured,
  HostWebhookRemoved,
  HostWebhookSettings,
} from '../../../../shared/api/engagement.dto.ts';

/** The host application's own webhook endpoint for hot leads and contact changes. */
export const hostWebhooksRouter = router({
  get: agencyProcedure.query(({ ctx }): Promise<HostWebhookSettings> =>
    ctx.services.hostWebhooks.get(ctx.session.organisationId),
  ),

  configure: adminProcedure
    .input(
      z.object({
        url: z
          .string()
          .url()
          .max(2048)
          .refine((url) => /^https?:\/\//.test(url), 'the URL must be http(s)'),
        secret: z.string().min(10).max(200),
      }),
    )
    .mutation(({ ctx, input }): Promise<HostWebhookConfigured> =>
      ctx.services.hostWebhooks.configure(ctx.session.organisationId, input),
    ),

  remove: adminProcedure.mutation(({ ctx }): Promise<HostWebhookRemoved> =>
    ctx.services.hostWebhooks.remove(ctx.session.organisationId),
  ),
});
