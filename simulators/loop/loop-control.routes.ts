import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  LOOP_APPOINTMENT_STATUSES,
  LOOP_APPOINTMENT_TYPES,
  LOOP_OFFER_STATUSES,
  LOOP_RATE_LIMITS,
} from './loop-constants.ts';
import type { ContactPatch } from './loop-dataset.ts';
import type { LoopSimulator } from './loop-simulator.ts';
import { CountSchema, mountCommonControlRoutes } from '../toolkit/control-inputs.ts';

/** A control request that is well formed but cannot be done (answered with 400). */
export class ControlInputError extends Error {
  override name = 'ControlInputError';
}

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  randomChange: z.boolean().optional(),
});
const AppointmentSchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(LOOP_APPOINTMENT_TYPES).optional(),
  status: z.enum(LOOP_APPOINTMENT_STATUSES).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
});
const AppointmentUpdateSchema = z.object({ status: z.enum(LOOP_APPOINTMENT_STATUSES) });
const OfferSchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(['sale', 'let']).optional(),
  amount: z.number().positive().optional(),
  status: z.enum(LOOP_OFFER_STATUSES).optional(),
});
const OfferUpdateSchema = z.object({
  status: z.enum(LOOP_OFFER_STATUSES).optional(),
  amount: z.number().positive().optional(),
});
const ApiKeySchema = z.object({ apiKey: z.string().min(1) });
function teamOf(request: Request): string | undefined {
  const fromQuery = typeof request.query.teamId === 'string' ? request.query.teamId : undefined;
  const body = request.body as { teamId?: unknown } | undefined;
  return fromQuery ?? (typeof body?.teamId === 'string' ? body.teamId : undefined);
}

function teamOption(request: Request): { teamId?: string } {
  const teamId = teamOf(request);
  return teamId === undefined ? {} : { teamId };
}

/** Drops undefined members (the controls take exact optional properties). */
function defined<T extends Record<string, unknown>>(input: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Runs a control action: bad input → 400, unknown ids → 404, both as `{error}`. */
function handle(
  action: (request: Request, response: Response) => void,
): (request: Request, response: Response) => void {
  return (request, response) => {
    try {
      action(request, response);
    } catch (error) {
      if (error instanceof z.ZodError) {
        response.status(400).json({
          error: 'invalid control request',
          issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        });
      } else if (error instanceof ControlInputError) {
        response.status(400).json({ error: error.message });
      } else if (error instanceof RangeError) {
        response.status(404).json({ error: error.message });
      } else {
        throw error;
      }
    }
  };
}

/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly). Each
 * route mirrors a method of `simulator.controls` or a read. API keys are never echoed back.
 */
export function createLoopControlRouter(simulatorOf: () => LoopSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get(
    '/',
    handle((request, response) => {
      const simulator = simulatorOf();
      const teamId = teamOf(request) ?? simulator.defaultTeamId;
      response.json({
        simulator: 'loop',
        teams: simulator.teams.map((team) => ({
          teamId: team.teamId,
          name: team.name,
          apiKeys: team.apiKeys.length,
        })),
        teamId,
        contactCount: simulator.contactCount(teamId),
        plantedDuplicates: simulator.plantedDuplicates(teamId).length,
        webhooks: simulator.webhooks(teamId).length,
        requestsLogged: simulator.requestLog.size,
        clockOffsetMs: simulator.clock.offsetMs,
        rateLimits: LOOP_RATE_LIMITS,
        faults: simulator.faults.snapshot(),
        routes: [
          'POST /_sim/contacts',
          'POST /_sim/contacts/modify',
          'POST /_sim/contacts/:id/archive',
          'DELETE /_sim/contacts/:id',
          'POST /_sim/appointments',
          'PATCH /_sim/appointments/:id',
          'POST /_sim/offers',
          'PATCH /_sim/offers/:id',
          'GET|PUT|DELETE /_sim/faults',
          'POST /_sim/faults/fail-next',
          'POST /_sim/faults/timeout-next',
          'POST /_sim/faults/drop-next',
          'PUT /_sim/webhook-faults',
          'POST /_sim/api-keys/revoke',
          'POST /_sim/api-keys/restore',
          'GET|DELETE /_sim/requests',
          'GET /_sim/notes',
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
      const { teamId: _teamId, ...input } = (request.body ?? {}) as Record<string, unknown>;
      const id = simulatorOf().controls.createContact(input as ContactPatch, teamOption(request));
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/contacts/modify',
    handle((request, response) => {
      const body = ModifySchema.parse(request.body ?? {});
      const modified = simulatorOf().controls.modifyContacts({
        ...defined({ count: body.count, ids: body.ids, randomChange: body.randomChange }),
        ...(body.fields === undefined ? {} : { fields: body.fields as ContactPatch }),
        ...teamOption(request),
      });
      response.json({ modified });
    }),
  );

  router.post(
    '/contacts/:id/archive',
    handle((request, response) => {
      const found = simulatorOf().controls.archiveContact(String(request.params.id), teamOption(request));
      if (found) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.delete(
    '/contacts/:id',
    handle((request, response) => {
      const found = simulatorOf().controls.deleteContact(String(request.params.id), teamOption(request));
      if (found) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/appointments',
    handle((request, response) => {
      const body = AppointmentSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createAppointment({
        ...defined(body),
        contactId: body.contactId,
        ...teamOption(request),
      });
      response.status(201).json({ id });
    }),
  );

  router.patch(
    '/appointments/:id',
    handle((request, response) => {
      const { status } = AppointmentUpdateSchema.parse(request.body ?? {});
      const found = simulatorOf().controls.updateAppointment(
        String(request.params.id),
        status,
        teamOption(request),
      );
      if (found) response.status(204).end();
      else response.status(404).json({ error: `appointment ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/offers',
    handle((request, response) => {
      const body = OfferSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createOffer({
        ...defined(body),
        contactId: body.contactId,
        ...teamOption(request),
      });
      response.status(201).json({ id });
    }),
  );

  router.patch(
    '/offers/:id',
    handle((request, response) => {
      const changes = defined(OfferUpdateSchema.parse(request.body ?? {}));
      const found = simulatorOf().controls.updateOffer(
        String(request.params.id),
        changes,
        teamOption(request),
      );
      if (found) response.status(204).end();
      else response.status(404).json({ error: `offer ${String(request.params.id)} not found` });
    }),
  );

  // The key travels in the body, never in a URL that proxies and access logs would keep.
  router.post(
    '/api-keys/revoke',
    handle((request, response) => {
      simulatorOf().controls.revokeApiKey(ApiKeySchema.parse(request.body ?? {}).apiKey);
      response.status(204).end();
    }),
  );
  router.post(
    '/api-keys/restore',
    handle((request, response) => {
      simulatorOf().controls.restoreApiKey(ApiKeySchema.parse(request.body ?? {}).apiKey);
      response.status(204).end();
    }),
  );

  router.get(
    '/notes',
    handle((request, response) => {
      const contactId = typeof request.query.contactId === 'string' ? request.query.contactId : undefined;
      response.json({ notes: simulatorOf().notes({ ...defined({ contactId }), ...teamOption(request) }) });
    }),
  );
  router.get(
    '/webhooks',
    handle((request, response) => {
      response.json({ webhooks: simulatorOf().webhooks(teamOf(request)) });
    }),
  );
  router.get(
    '/planted-duplicates',
    handle((request, response) => {
      const simulator = simulatorOf();
      response.json({
        duplicates: simulator.plantedDuplicates(teamOf(request)),
        namesakes: simulator.namesakes(teamOf(request)),
      });
    }),
  );

  return router;
}
