import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ALTO_APPOINTMENT_STATUSES, ALTO_OFFER_STATUSES } from './alto-constants.ts';
import { BadRequestError } from './alto-http.ts';
import type { AltoContactEdit, AltoSimulator } from './alto-simulator.ts';
import { CountSchema, mountCommonControlRoutes } from '../toolkit/control-inputs.ts';

const EditSchema = z
  .object({
    title: z.string().nullable(),
    forename: z.string().nullable(),
    surname: z.string().min(1),
    email: z.string().nullable(),
    mobile: z.string().nullable(),
    address: z.record(z.string(), z.string().nullable()),
    potentialVendor: z.boolean(),
    potentialLandlord: z.boolean(),
    archived: z.boolean(),
  })
  .partial();
const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: EditSchema.optional(),
  randomChange: z.boolean().optional(),
});
const AppointmentSchema = z.object({
  contactId: z.string().min(1),
  type: z.enum(['Viewing', 'Valuation']).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  propertyId: z.string().optional(),
});
const AppointmentUpdateSchema = z.object({
  status: z.enum(ALTO_APPOINTMENT_STATUSES),
  applicantFeedback: z.string().optional(),
});
const OfferSchema = z.object({
  contactId: z.string().min(1),
  amount: z.number().positive().optional(),
  status: z.enum(ALTO_OFFER_STATUSES).optional(),
  propertyId: z.string().optional(),
  recordType: z.enum(['Sale', 'Rent']).optional(),
});
const OfferUpdateSchema = z.object({
  status: z.enum(ALTO_OFFER_STATUSES),
  amount: z.number().positive().optional(),
});
function agencyOf(request: Request): string | undefined {
  const fromQuery = typeof request.query.agencyRef === 'string' ? request.query.agencyRef : undefined;
  const body = request.body as { agencyRef?: unknown } | undefined;
  return fromQuery ?? (typeof body?.agencyRef === 'string' ? body.agencyRef : undefined);
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

/** Runs a control action; bad input becomes 400 and unknown ids 404, each with `{error}`. */
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
      } else if (error instanceof BadRequestError) {
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
 * route mirrors a method of `simulator.controls` or a state read.
 */
export function createAltoControlRouter(simulatorOf: () => AltoSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get(
    '/',
    handle((request, response) => {
      const simulator = simulatorOf();
      const agencyRef = agencyOf(request) ?? simulator.defaultAgencyRef;
      response.json({
        simulator: 'alto',
        agencies: [...new Set(simulator.integrations.flatMap((integration) => integration.agencyRefs))],
        integrations: simulator.integrations.map((integration) => ({
          clientId: integration.clientId,
          integrationId: integration.integrationId,
          agencyRefs: integration.agencyRefs,
        })),
        agencyRef,
        contactCount: simulator.contactCount(agencyRef),
        plantedDuplicates: simulator.plantedDuplicates(agencyRef).length,
        subscriptions: simulator.subscriptions(agencyRef).length,
        requestsLogged: simulator.requestLog.size,
        clockOffsetMs: simulator.clock.offsetMs,
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
          'POST /_sim/clients/:clientId/revoke',
          'POST /_sim/clients/:clientId/restore',
          'POST /_sim/tokens/expire',
          'GET /_sim/tokens',
          'GET|DELETE /_sim/requests',
          'GET /_sim/file-notes',
          'GET /_sim/appointments',
          'GET /_sim/offers',
          'GET /_sim/subscriptions',
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
      const { agencyRef: _agencyRef, ...input } = (request.body ?? {}) as Record<string, unknown>;
      const id = simulatorOf().controls.createContact(input, defined({ agencyRef: agencyOf(request) }));
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
          agencyRef: agencyOf(request),
        }),
        ...(body.fields === undefined ? {} : { fields: defined(body.fields) as AltoContactEdit }),
      });
      response.json({ modified });
    }),
  );

  router.post(
    '/contacts/:id/archive',
    handle((request, response) => {
      const found = simulatorOf().controls.archiveContact(
        String(request.params.id),
        defined({ agencyRef: agencyOf(request) }),
      );
      if (found) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.delete(
    '/contacts/:id',
    handle((request, response) => {
      const found = simulatorOf().controls.deleteContact(
        String(request.params.id),
        defined({ agencyRef: agencyOf(request) }),
      );
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
        ...defined({ agencyRef: agencyOf(request) }),
      });
      response.status(201).json({ id });
    }),
  );

  router.patch(
    '/appointments/:id',
    handle((request, response) => {
      const body = AppointmentUpdateSchema.parse(request.body ?? {});
      simulatorOf().controls.updateAppointment(
        String(request.params.id),
        body.status,
        defined({ applicantFeedback: body.applicantFeedback, agencyRef: agencyOf(request) }),
      );
      response.status(204).end();
    }),
  );

  router.post(
    '/offers',
    handle((request, response) => {
      const body = OfferSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createOffer({
        ...defined(body),
        contactId: body.contactId,
        ...defined({ agencyRef: agencyOf(request) }),
      });
      response.status(201).json({ id });
    }),
  );

  router.patch(
    '/offers/:id',
    handle((request, response) => {
      const body = OfferUpdateSchema.parse(request.body ?? {});
      simulatorOf().controls.setOfferStatus(
        String(request.params.id),
        body.status,
        defined({ amount: body.amount, agencyRef: agencyOf(request) }),
      );
      response.status(204).end();
    }),
  );

  router.post('/clients/:clientId/revoke', (request, response) => {
    simulatorOf().controls.revokeClient(String(request.params.clientId));
    response.status(204).end();
  });
  router.post('/clients/:clientId/restore', (request, response) => {
    simulatorOf().controls.restoreClient(String(request.params.clientId));
    response.status(204).end();
  });
  router.post('/tokens/expire', (_request, response) => {
    simulatorOf().controls.expireTokens();
    response.status(204).end();
  });
  router.get('/tokens', (_request, response) => {
    response.json(simulatorOf().tokenStats());
  });

  const contactQuery = (request: Request) =>
    defined({
      contactId: typeof request.query.contactId === 'string' ? request.query.contactId : undefined,
      agencyRef: agencyOf(request),
    });
  router.get(
    '/file-notes',
    handle((request, response) => {
      response.json({ fileNotes: simulatorOf().fileNotes(contactQuery(request)) });
    }),
  );
  router.get(
    '/appointments',
    handle((request, response) => {
      response.json({ appointments: simulatorOf().appointments(contactQuery(request)) });
    }),
  );
  router.get(
    '/offers',
    handle((request, response) => {
      response.json({ offers: simulatorOf().offers(contactQuery(request)) });
    }),
  );
  router.get(
    '/subscriptions',
    handle((request, response) => {
      response.json({ subscriptions: simulatorOf().subscriptions(agencyOf(request)) });
    }),
  );
  router.get(
    '/planted-duplicates',
    handle((request, response) => {
      const simulator = simulatorOf();
      response.json({
        duplicates: simulator.plantedDuplicates(agencyOf(request)),
        namesakes: simulator.namesakes(agencyOf(request)),
      });
    }),
  );

  return router;
}
