import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  AGENTOS_APPOINTMENT_STATUSES,
  AGENTOS_APPOINTMENT_TYPES,
  AGENTOS_CONTACT_TYPES,
  AGENTOS_OFFER_STATUSES,
} from './agentos-constants.ts';
import type { ContactCreate, ContactPatch } from './agentos-dataset.ts';
import type { AgentosSimulator } from './agentos-simulator.ts';
import { CountSchema, handle, mountCommonControlRoutes } from '../toolkit/control-inputs.ts';

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  randomChange: z.boolean().optional(),
});
const CreateSchema = z.object({ contactType: z.enum(AGENTOS_CONTACT_TYPES) }).loose();
const AppointmentSchema = z.object({
  contactId: z.string().min(1),
  systemType: z.enum(AGENTOS_APPOINTMENT_TYPES).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  status: z.enum(AGENTOS_APPOINTMENT_STATUSES).optional(),
});
const OfferSchema = z.object({
  contactId: z.string().min(1),
  amount: z.number().positive().optional(),
  status: z.enum(AGENTOS_OFFER_STATUSES).optional(),
});
function shortNameOf(request: Request): string | undefined {
  const fromQuery = typeof request.query.shortName === 'string' ? request.query.shortName : undefined;
  const body = request.body as { shortName?: unknown } | undefined;
  return fromQuery ?? (typeof body?.shortName === 'string' ? body.shortName : undefined);
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly). Each
 * route mirrors a method of `simulator.controls` or a state read. API keys never appear in answers.
 */
export function createAgentosControlRouter(simulatorOf: () => AgentosSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get(
    '/',
    handle((request, response) => {
      const simulator = simulatorOf();
      const shortName = shortNameOf(request) ?? simulator.defaultShortName;
      response.json({
        simulator: 'agentos',
        agencies: [...new Set(simulator.keys.map((key) => key.shortName))],
        keys: simulator.keys.map((key) => ({ shortName: key.shortName, tiers: key.tiers })),
        shortName,
        listableContactCount: simulator.listableContactCount(shortName),
        recordCount: simulator.recordCount(shortName),
        plantedDuplicates: simulator.plantedDuplicates(shortName).length,
        webhooks: simulator.webhookSubscriptions(shortName).length,
        requestsLogged: simulator.requestLog.size,
        clockOffsetMs: simulator.clock.offsetMs,
        faults: { ...simulator.faults.snapshot(), revoked: simulator.faults.snapshot().revoked.length },
        routes: [
          'POST /_sim/contacts',
          'POST /_sim/contacts/modify',
          'POST /_sim/contacts/:id/archive',
          'DELETE /_sim/contacts/:id',
          'POST /_sim/appointments',
          'POST /_sim/offers',
          'GET|PUT|DELETE /_sim/faults',
          'POST /_sim/faults/fail-next',
          'POST /_sim/faults/timeout-next',
          'POST /_sim/faults/drop-next',
          'PUT /_sim/webhook-faults',
          'POST /_sim/keys/revoke|restore|block|unblock',
          'GET|DELETE /_sim/requests',
          'GET /_sim/log-entries',
          'GET /_sim/engagement/:id',
          'GET /_sim/webhooks',
          'GET /_sim/webhook-deliveries',
          'GET /_sim/planted-duplicates',
          'POST /_sim/clock/advance',
          'POST /_sim/reset',
        ],
      });
    }),
  );

  router.post(
    '/contacts',
    handle((request, response) => {
      const { contactType, shortName: _shortName, ...input } = CreateSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createContact(
        contactType,
        input as ContactCreate,
        defined({ shortName: shortNameOf(request) }),
      );
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/contacts/modify',
    handle((request, response) => {
      const body = ModifySchema.parse(request.body ?? {});
      const modified = simulatorOf().controls.modifyContacts({
        ...defined({
          count: body.count,
          ids: body.ids,
          randomChange: body.randomChange,
          shortName: shortNameOf(request),
        }),
        ...(body.fields === undefined ? {} : { fields: body.fields as ContactPatch }),
      });
      response.json({ modified });
    }),
  );

  router.post(
    '/contacts/:id/archive',
    handle((request, response) => {
      const found = simulatorOf().controls.archiveContact(
        String(request.params.id),
        defined({ shortName: shortNameOf(request) }),
      );
      if (found) response.status(204).end();
      else response.status(404).json({ error: `record ${String(request.params.id)} not found` });
    }),
  );

  router.delete(
    '/contacts/:id',
    handle((request, response) => {
      const found = simulatorOf().controls.deleteContact(
        String(request.params.id),
        defined({ shortName: shortNameOf(request) }),
      );
      if (found) response.status(204).end();
      else response.status(404).json({ error: `record ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/appointments',
    handle((request, response) => {
      const body = AppointmentSchema.parse(request.body ?? {});
      const oid = simulatorOf().controls.createAppointment({
        ...defined(body),
        contactId: body.contactId,
        ...defined({ shortName: shortNameOf(request) }),
      });
      response.status(201).json({ oid });
    }),
  );

  router.post(
    '/offers',
    handle((request, response) => {
      const body = OfferSchema.parse(request.body ?? {});
      const oid = simulatorOf().controls.createOffer({
        ...defined(body),
        contactId: body.contactId,
        ...defined({ shortName: shortNameOf(request) }),
      });
      response.status(201).json({ oid });
    }),
  );

  // The key travels in the body, never in a URL that could end up in an access log.
  const KeyActionSchema = z.object({ apiKey: z.string().min(1) });
  for (const action of ['revoke', 'restore', 'block', 'unblock'] as const) {
    router.post(
      `/keys/${action}`,
      handle((request, response) => {
        const { apiKey } = KeyActionSchema.parse(request.body ?? {});
        const controls = simulatorOf().controls;
        if (action === 'revoke') controls.revokeKey(apiKey);
        else if (action === 'restore') controls.restoreKey(apiKey);
        else if (action === 'block') controls.blockKey(apiKey);
        else controls.unblockKey(apiKey);
        response.status(204).end();
      }),
    );
  }

  router.get(
    '/log-entries',
    handle((request, response) => {
      const id = typeof request.query.id === 'string' ? request.query.id : undefined;
      response.json({ entries: simulatorOf().logEntries(id, shortNameOf(request)) });
    }),
  );
  router.get(
    '/engagement/:id',
    handle((request, response) => {
      response.json(simulatorOf().engagement(String(request.params.id), shortNameOf(request)));
    }),
  );
  router.get(
    '/webhooks',
    handle((request, response) => {
      response.json({ webhooks: simulatorOf().webhookSubscriptions(shortNameOf(request)) });
    }),
  );
  router.get(
    '/planted-duplicates',
    handle((request, response) => {
      response.json({ duplicates: simulatorOf().plantedDuplicates(shortNameOf(request)) });
    }),
  );

  return router;
}
