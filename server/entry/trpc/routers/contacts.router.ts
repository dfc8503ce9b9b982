import { z } from 'zod';
import { ContactQueries } from '../../../infrastructure/db/read-side/contact-queries.ts';
import { agencyProcedure, router } from '../trpc.ts';
import type { ContactLookupResult } from '../../../../shared/api/contact.dto.ts';

/** Contact look-up for support: where a contact came from and its id in every CRM. */
export const contactsRouter = router({
  lookup: agencyProcedure
    .input(
      z.object({
        by: z.enum(['email', 'name', 'externalId']),
        value: z
          .string()
          .trim()
          .min(1)
          .max(320)
          .refine((text) => !text.includes('\u0000'), 'no NUL characters'),
        limit: z.number().int().min(1).max(50).default(20),
      }),
    )
    .query(({ ctx, input }): Promise<ContactLookupResult[]> =>
      new ContactQueries(ctx.services.orm.em).lookup(ctx.session.organisationId, input),
    ),
});
