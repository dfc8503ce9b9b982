import { z } from 'zod';
import { ContactFeed } from '../../../infrastructure/db/read-side/contact-feed.ts';
import { ContactQueries } from '../../../infrastructure/db/read-side/contact-queries.ts';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import type {
  ContactFeedPage,
  ContactLookupResult,
  PlatformChangeResult,
} from '../../../../shared/api/contact.dto.ts';
import type { ContactErasureReport } from '../../../../shared/api/erasure.dto.ts';
import { RecordConsentInputSchema, UpdateContactInputSchema } from '../../../../shared/platform-changes.ts';

/**
 * The host's feed and contact look-up for support (where a contact came from and its id in every
 * CRM), the right to erasure, and the changes the host platform makes itself, written to every CRM
 * the contact is linked to.
 */
export const contactsRouter = router({
  /**
   * Every contact of the agency once (the first read, without a cursor), then every change since
   * (keep passing `nextCursor`). `changedSince` starts with the contacts changed after that time.
   */
  list: agencyProcedure
    .input(
      z.object({
        cursor: z.string().max(2_000).optional(),
        changedSince: z.iso.datetime({ offset: true }).optional(),
        limit: z.number().int().min(1).max(1_000).default(200),
      }),
    )
    .query(({ ctx, input }): Promise<ContactFeedPage> =>
      new ContactFeed(ctx.services.orm.em).page(ctx.session.organisationId, input),
    ),
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
  /**
   * Removes the person's data from Propsync (admins only), keeping hashed identifiers so a sync
   * does not bring them back unless a CRM changes their record later; answers the CRMs that still hold them.
   */
  erase: adminProcedure
    .input(z.object({ contactId: z.uuid() }))
    .mutation(({ ctx, input }): Promise<ContactErasureReport> =>
      ctx.services.erasure.erase(ctx.session.organisationId, input.contactId),
    ),

  // The platform's own changes (README, "Consent and edits from the host"): the host's server calls
  // them with an admin token, like engagement.reportEmail.
  /** A consent or opt-out the person gave the platform. An opt-out stands against a later "granted" from a CRM. */
  recordConsent: adminProcedure
    .input(RecordConsentInputSchema)
    .mutation(({ ctx, input }): Promise<PlatformChangeResult> =>
      ctx.services.platformChanges.recordConsent(ctx.session.organisationId, ctx.session.role, input),
    ),
  /** New values of fields the agency's field policy gives the platform; any other field refuses the whole change. */
  update: adminProcedure
    .input(UpdateContactInputSchema)
    .mutation(({ ctx, input }): Promise<PlatformChangeResult> =>
      ctx.services.platformChanges.update(ctx.session.organisationId, ctx.session.role, input),
    ),
});
