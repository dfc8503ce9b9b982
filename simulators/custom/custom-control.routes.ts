import { Router } from 'express';
import { z } from 'zod';
import { CUSTOM_ACTIVITY_TYPES } from './custom-constants.ts';
import type { CustomSimulator } from './custom-simulator.ts';
import {
  CountSchema,
  OneShotSchema,
  matchOf,
  handle,
  mountCommonControlRoutes,
} from '../toolkit/control-inputs.ts';

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  randomChange: z.boolean().optional(),
});
const ActivitySchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(CUSTOM_ACTIVITY_TYPES),
  status: z.string().optional(),
  startsAt: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  amount: z.number().int().positive().optional(),
  subject: z.string().optional(),
  body: z.string().optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
});
const StatusSchema = z.object({ status: z.string().min(1) });
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** Runs a control action; bad input becomes a 400 and unknown ids a 404, both `{error}`. */
/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly). Each
 * route mirrors a method of `simulator.controls` or a state read; none is logged, limited or faulted.
 */
export function createCustomControlRouter(simulatorOf: () => CustomSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get('/', (_request, response) => {
    const simulator = simulatorOf();
    response.json({
      simulator: 'custom',
      account: simulator.account,
      apiKeys: simulator.apiKeys,
      contactCount: simulator.contactCount(),
      plantedDuplicates: simulator.plantedDuplicates().length,
      webhooks: simulator.webhooks().length,
      requestsLogged: simulator.requestLog.size,
      clockOffsetMs: simulator.clock.offsetMs,
      faults: simulator.faults.snapshot(),
      routes: [
        'POST /_sim/contacts',
        'POST /_sim/contacts/modify',
        'POST /_sim/contacts/:id/archive',
        'DELETE /_sim/contacts/:id',
        'POST /_sim/activities',
        'POST /_sim/activities/:id/status',
        'GET|PUT|DELETE /_sim/faults',
        'POST /_sim/faults/fail-next',
        'POST /_sim/faults/timeout-next',
        'POST /_sim/faults/drop-next',
        'POST /_sim/faults/lose-next-response',
        'PUT /_sim/webhook-faults',
        'GET /_sim/api-keys',
        'POST /_sim/api-keys/:label/revoke',
        'POST /_sim/api-keys/:label/restore',
        'GET|DELETE /_sim/requests',
        'GET /_sim/write-back/:contactId',
        'GET /_sim/webhooks',
        'GET /_sim/webhook-deliveries',
        'GET /_sim/planted-duplicates',
        'POST /_sim/clock/advance',
        'POST /_sim/reset',
      ],
    });
  });

  router.post(
    '/contacts',
    handle((request, response) => {
      const id = simulatorOf().controls.createContact((request.body ?? {}) as Record<string, unknown>);
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/contacts/modify',
    handle((request, response) => {
      const modified = simulatorOf().controls.modifyContacts(defined(ModifySchema.parse(request.body ?? {})));
      response.json({ modified });
    }),
  );

  router.post(
    '/contacts/:id/archive',
    handle((request, response) => {
      if (simulatorOf().controls.archiveContact(String(request.params.id))) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.delete(
    '/contacts/:id',
    handle((request, response) => {
      if (simulatorOf().controls.deleteContact(String(request.params.id))) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/activities',
    handle((request, response) => {
      const id = simulatorOf().controls.createActivity(defined(ActivitySchema.parse(request.body ?? {})));
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/activities/:id/status',
    handle((request, response) => {
      const { status } = StatusSchema.parse(request.body ?? {});
      if (simulatorOf().controls.setActivityStatus(String(request.params.id), status))
        response.status(204).end();
      else response.status(404).json({ error: `activity ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/faults/lose-next-response',
    handle((request, response) => {
      const body = OneShotSchema.parse(request.body ?? {});
      simulatorOf().controls.loseNextResponse(body.count, matchOf(body));
      response.status(204).end();
    }),
  );

  // Labels, scopes and whether each key is revoked (by POST /v1/auth/revoke or the route below).
  router.get('/api-keys', (_request, response) => {
    const simulator = simulatorOf();
    response.json(
      simulator.apiKeys.map((key) => ({ ...key, revoked: simulator.isApiKeyRevoked(key.label) })),
    );
  });
  router.post(
    '/api-keys/:label/revoke',
    handle((request, response) => {
      simulatorOf().controls.revokeApiKey(String(request.params.label));
      response.status(204).end();
    }),
  );
  router.post(
    '/api-keys/:label/restore',
    handle((request, response) => {
      simulatorOf().controls.restoreApiKey(String(request.params.label));
      response.status(204).end();
    }),
  );

  router.get(
    '/write-back/:contactId',
    handle((request, response) => {
      const simulator = simulatorOf();
      const contactId = String(request.params.contactId);
      const nurture = simulator.nurture(contactId);
      if (nurture === undefined) throw new RangeError(`contact ${contactId} not found`);
      response.json({ activities: simulator.writeBackRecords(contactId), nurture });
    }),
  );
  router.get('/webhooks', (_request, response) => {
    response.json({ webhooks: simulatorOf().webhooks() });
  });
  router.get('/planted-duplicates', (_request, response) => {
    const simulator = simulatorOf();
    response.json({ duplicates: simulator.plantedDuplicates(), namesakes: simulator.namesakes() });
  });

  return router;
}
