import { z } from 'zod';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import type { EmailReportResult, EngagementContact } from '../../../../shared/api/engagement.dto.ts';

/**
 * The host platform's server-side API: report what its email platform did, and read a contact's
 * score and provenance. The host's server calls it with an admin token for the agency.
 */
export const engagementRouter = router({
  /** An email sent, opened or clicked. The same message and event reported twice is recorded once. */
  reportEmail: adminProcedure
    .input(
      z.object({
        contactId: z.string().uuid(),
        event: z.enum(['sent', 'opened', 'clicked']),
        messageId: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .refine((text) => !text.includes('\u0000'), 'no NUL characters'),
        subject: z
          .string()
          .max(300)
          .refine((text) => !text.includes('\u0000'), 'no NUL characters')
          .optional(),
        occurredAt: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .mutation(({ ctx, input }): Promise<EmailReportResult> =>
      ctx.services.engagement.reportEmail(ctx.session.organisationId, input),
    ),

  /** One contact with its intent score, hot-lead time and every CRM record it is linked to. */
  contact: agencyProcedure
    .input(z.object({ contactId: z.string().uuid() }))
    .query(({ ctx, input }): Promise<EngagementContact> =>
      ctx.services.engagement.contact(ctx.session.organisationId, input.contactId),
    ),
});
