import { z } from 'zod';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import { NurtureCategorySchema } from '../../../../shared/contact.ts';
import { CATEGORY_FACTS } from '../../../../shared/api/connection.dto.ts';
import { adminActor } from '../../../application/connections/field-mapping.ts';
import { PropsyncError } from '../../../core/errors.ts';
import { adminProcedure, agencyProcedure, router } from '../trpc.ts';
import type {
  AgencySchedule,
  ConnectionSummary,
  DisconnectResult,
  FieldMappingSummary,
  MappingHistoryEntry,
  OAuthFinish,
  OAuthStart,
  SyncQueued,
} from '../../../../shared/api/connection.dto.ts';

const ConnectionIdInput = z.object({ connectionId: z.string().uuid() });
const IntervalMinutes = z
  .number()
  .int()
  .min(1, 'sync at most once a minute')
  .max(1440, 'sync at least once a day');

export const connectionsRouter = router({
  list: agencyProcedure.query(({ ctx }): Promise<ConnectionSummary[]> =>
    ctx.services.connections.list(ctx.session.organisationId),
  ),

  get: agencyProcedure
    .input(ConnectionIdInput)
    .query(({ ctx, input }): Promise<ConnectionSummary> =>
      ctx.services.connections.get(ctx.session.organisationId, input.connectionId),
    ),

  /**
   * Verifies the credentials with the CRM, stores them encrypted and starts the first full import.
   * Credential fields depend on the provider (e.g. Reapit: clientId, clientSecret, customerId).
   */
  connect: adminProcedure
    .input(
      z.object({
        provider: CrmProviderSchema,
        credentials: z.record(z.string(), z.string().max(4096)),
        settings: z.record(z.string(), z.string().max(2048)).default({}),
      }),
    )
    .mutation(({ ctx, input }): Promise<ConnectionSummary> =>
      ctx.services.connections.connect(ctx.session.organisationId, input.provider, {
        credentials: input.credentials,
        settings: input.settings,
      }),
    ),

  /**
   * Connects (or, with `connectionId`, reconnects) by OAuth redirect: answers the CRM's authorize
   * URL for the browser to open. The CRM sends the admin back through /oauth/callback to `returnTo`
   * (a page of Propsync or of an allowed host origin) with `propsync_oauth=returned|denied|failed`;
   * on `returned` the page calls `finishOAuth`.
   */
  startOAuth: adminProcedure
    .input(
      z.object({
        provider: CrmProviderSchema,
        settings: z.record(z.string(), z.string().max(2048)).default({}),
        returnTo: z.string().max(2048),
        connectionId: z.string().uuid().optional(),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<OAuthStart> => {
      const organisationId = ctx.session.organisationId;
      if (input.connectionId) {
        const existing = await ctx.services.connections.get(organisationId, input.connectionId);
        if (existing.provider !== input.provider) {
          throw new PropsyncError(
            'ADAPTER.VALIDATION',
            `Connection ${input.connectionId} is a ${existing.providerName} connection, not ${input.provider}`,
          );
        }
      }
      return ctx.services.oauth.start(organisationId, {
        provider: input.provider,
        settings: input.settings,
        returnTo: input.returnTo,
        ...(input.connectionId ? { connectionId: input.connectionId } : {}),
      });
    }),

  /**
   * Finishes a sign-in the CRM sent back (`propsync_sign_in` on the returning page): only the
   * agency that started it can, so a sign-in allowed in another agency's browser connects nothing.
   */
  finishOAuth: adminProcedure
    .input(z.object({ signInId: z.string().min(20).max(200) }))
    .mutation(({ ctx, input }): Promise<OAuthFinish> =>
      ctx.services.oauth.finish(ctx.session.organisationId, input.signInId),
    ),

  syncNow: adminProcedure
    .input(ConnectionIdInput)
    .mutation(({ ctx, input }): Promise<SyncQueued> =>
      ctx.services.connections.requestSync(ctx.session.organisationId, input.connectionId),
    ),

  /** Per-connection interval in minutes (1–1440), or null to follow the agency's; no restart needed. */
  setSchedule: adminProcedure
    .input(ConnectionIdInput.extend({ intervalMinutes: IntervalMinutes.nullable() }))
    .mutation(({ ctx, input }): Promise<ConnectionSummary> =>
      ctx.services.connections.setSchedule(
        ctx.session.organisationId,
        input.connectionId,
        input.intervalMinutes,
      ),
    ),

  /** The agency's default interval for connections without their own. */
  setAgencySchedule: adminProcedure
    .input(z.object({ intervalMinutes: IntervalMinutes }))
    .mutation(({ ctx, input }): Promise<AgencySchedule> =>
      ctx.services.connections.setAgencySchedule(ctx.session.organisationId, input.intervalMinutes),
    ),

  /** New credentials for an existing connection: verified, stored encrypted, webhooks re-registered, a cycle queued. */
  reconnect: adminProcedure
    .input(
      ConnectionIdInput.extend({
        credentials: z.record(z.string(), z.string().max(4096)),
        settings: z.record(z.string(), z.string().max(2048)).optional(),
      }),
    )
    .mutation(({ ctx, input }): Promise<ConnectionSummary> =>
      ctx.services.connections.reconnect(ctx.session.organisationId, input.connectionId, {
        credentials: input.credentials,
        ...(input.settings ? { settings: input.settings } : {}),
      }),
    ),

  /** What this CRM's records filled per field, and the categories suggested (docs/product-rules.md). */
  fieldMapping: agencyProcedure
    .input(ConnectionIdInput)
    .query(({ ctx, input }): Promise<FieldMappingSummary> =>
      ctx.services.fieldMapping.summary(ctx.session.organisationId, input.connectionId),
    ),

  /**
   * The admin confirms the mapping (and the categories, as overridden): until then the connection
   * imports but writes nothing back. Audited with who, when and what changed since the last one.
   */
  confirmFieldMapping: adminProcedure
    .input(ConnectionIdInput)
    .mutation(({ ctx, input }): Promise<FieldMappingSummary> =>
      ctx.services.fieldMapping.confirm(
        ctx.session.organisationId,
        input.connectionId,
        adminActor(ctx.session.subject),
      ),
    ),

  /**
   * Replaces the connection's overrides: a nurture category per applicant type or tenancy status,
   * and the CRM field chosen where it has several for one canonical field. Records already
   * imported are re-categorised; audited like a confirmation.
   */
  setMappingOverrides: adminProcedure
    .input(
      ConnectionIdInput.extend({
        overrides: z.object({
          categories: z.partialRecord(z.enum(CATEGORY_FACTS), NurtureCategorySchema),
          fields: z.record(z.string().max(100), z.string().max(100)),
        }),
      }),
    )
    .mutation(({ ctx, input }): Promise<FieldMappingSummary> =>
      ctx.services.fieldMapping.setOverrides(
        ctx.session.organisationId,
        input.connectionId,
        input.overrides,
        adminActor(ctx.session.subject),
      ),
    ),

  /** Every confirmation and change of overrides of the connection's mapping, newest first. */
  mappingHistory: agencyProcedure
    .input(ConnectionIdInput)
    .query(({ ctx, input }): Promise<MappingHistoryEntry[]> =>
      ctx.services.fieldMapping.history(ctx.session.organisationId, input.connectionId),
    ),

  /** Removes webhooks at the CRM and deletes the stored credentials; contacts and the audit trail stay. */
  disconnect: adminProcedure
    .input(ConnectionIdInput)
    .mutation(({ ctx, input }): Promise<DisconnectResult> =>
      ctx.services.connections.disconnect(ctx.session.organisationId, input.connectionId),
    ),
});
