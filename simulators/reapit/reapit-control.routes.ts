import { Router, type Request } from 'express';
import { z } from 'zod';
import { REAPIT_OFFER_STATUSES } from './reapit-constants.ts';
import type { ContactCreate, ContactPatch } from './reapit-dataset.ts';
import type { ReapitSimulator } from './reapit-simulator.ts';
import { CountSchema, handle, mountCommonControlRoutes } from '../toolkit/control-inputs.ts';

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  randomChange: z.boolean().optional(),
});
const AppointmentSchema = z.object({
  contactId: z.string().min(1),
  typeId: z.string().min(1).optional(),
  start: z.string().optional(),
  durationMinutes: z.number().int().min(1).optional(),
  propertyId: z.string().optional(),
});
const OfferSchema = z.object({
  contactId: z.string().min(1),
  amount: z.number().positive().optional(),
  status: z.enum(REAPIT_OFFER_STATUSES).optional(),
  propertyId: z.string().optional(),
});
const JournalEntriesSchema = z.object({
  contactId: z.string().min(1),
  count: CountSchema,
  typeId: z.string().min(1).optional(),
  description: z.string().optional(),
});
function customerOf(request: Request): string | undefined {
  const fromQuery = typeof request.query.customerId === 'string' ? request.query.customerId : undefined;
  const body = request.body as { customerId?: unknown } | undefined;
  return fromQuery ?? (typeof body?.customerId === 'string' ? body.customerId : undefined);
}

/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly). Each
 * route mirrors a method of `simulator.controls` or a state read.
 */
export function createReapitControlRouter(simulatorOf: () => ReapitSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get(
    '/',
    handle((request, response) => {
      const simulator = simulatorOf();
      const customerId = customerOf(request) ?? simulator.defaultCustomerId;
      response.json({
        simulator: 'reapit',
        customers: [...new Set(simulator.clients.map((client) => client.customerId))],
        clients: simulator.clients.map((client) => ({
          clientId: client.clientId,
          customerId: client.customerId,
        })),
        customerId,
        contactCount: simulator.contactCount(customerId),
        plantedDuplicates: simulator.plantedDuplicates(customerId).length,
        resthooks: simulator.resthooks(customerId).length,
        requestsLogged: simulator.requestLog.size,
        clockOffsetMs: simulator.clock.offsetMs,
        faults: simulator.faults.snapshot(),
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
          'GET|PUT /_sim/webhook-faults',
          'GET /_sim/tokens',
          'POST /_sim/tokens/expire',
          'POST /_sim/clients/:clientId/revoke',
          'POST /_sim/clients/:clientId/restore',
          'GET|DELETE /_sim/requests',
          'GET|POST /_sim/journal-entries',
          'GET /_sim/resthooks',
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
      const { customerId: _customerId, ...input } = (request.body ?? {}) as Record<string, unknown>;
      const id = simulatorOf().controls.createContact(input as ContactCreate, {
        customerId: customerOf(request),
      });
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/contacts/modify',
    handle((request, response) => {
      const body = ModifySchema.parse(request.body ?? {});
      const modified = simulatorOf().controls.modifyContacts({
        ...(body.count === undefined ? {} : { count: body.count }),
        ...(body.ids === undefined ? {} : { ids: body.ids }),
        ...(body.fields === undefined ? {} : { fields: body.fields as ContactPatch }),
        ...(body.randomChange === undefined ? {} : { randomChange: body.randomChange }),
        customerId: customerOf(request),
      });
      response.json({ modified });
    }),
  );

  router.post(
    '/contacts/:id/archive',
    handle((request, response) => {
      const found = simulatorOf().controls.archiveContact(String(request.params.id), {
        customerId: customerOf(request),
      });
      if (found) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.delete(
    '/contacts/:id',
    handle((request, response) => {
      const found = simulatorOf().controls.deleteContact(String(request.params.id), {
        customerId: customerOf(request),
      });
      if (found) response.status(204).end();
      else response.status(404).json({ error: `contact ${String(request.params.id)} not found` });
    }),
  );

  router.post(
    '/appointments',
    handle((request, response) => {
      const body = AppointmentSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createAppointment({
        contactId: body.contactId,
        ...(body.typeId === undefined ? {} : { typeId: body.typeId }),
        ...(body.start === undefined ? {} : { start: body.start }),
        ...(body.durationMinutes === undefined ? {} : { durationMinutes: body.durationMinutes }),
        ...(body.propertyId === undefined ? {} : { propertyId: body.propertyId }),
        customerId: customerOf(request),
      });
      response.status(201).json({ id });
    }),
  );

  router.post(
    '/offers',
    handle((request, response) => {
      const body = OfferSchema.parse(request.body ?? {});
      const id = simulatorOf().controls.createOffer({
        contactId: body.contactId,
        ...(body.amount === undefined ? {} : { amount: body.amount }),
        ...(body.status === undefined ? {} : { status: body.status }),
        ...(body.propertyId === undefined ? {} : { propertyId: body.propertyId }),
        customerId: customerOf(request),
      });
      response.status(201).json({ id });
    }),
  );

  router.get('/tokens', (_request, response) => {
    response.json(simulatorOf().tokenStats());
  });
  router.post('/tokens/expire', (_request, response) => {
    simulatorOf().controls.expireTokens();
    response.status(204).end();
  });
  router.post('/clients/:clientId/revoke', (request, response) => {
    simulatorOf().controls.revokeClient(String(request.params.clientId));
    response.status(204).end();
  });
  router.post('/clients/:clientId/restore', (request, response) => {
    simulatorOf().controls.restoreClient(String(request.params.clientId));
    response.status(204).end();
  });

  router.post(
    '/journal-entries',
    handle((request, response) => {
      const body = JournalEntriesSchema.parse(request.body ?? {});
      simulatorOf().controls.addJournalEntries({
        contactId: body.contactId,
        count: body.count,
        ...(body.typeId === undefined ? {} : { typeId: body.typeId }),
        ...(body.description === undefined ? {} : { description: body.description }),
        customerId: customerOf(request),
      });
      response.status(204).end();
    }),
  );
  router.get(
    '/journal-entries',
    handle((request, response) => {
      response.json({ entries: simulatorOf().journalEntries(customerOf(request)) });
    }),
  );
  router.get(
    '/resthooks',
    handle((request, response) => {
      response.json({ resthooks: simulatorOf().resthooks(customerOf(request)) });
    }),
  );
  router.get(
    '/planted-duplicates',
    handle((request, response) => {
      const simulator = simulatorOf();
      response.json({
        duplicates: simulator.plantedDuplicates(customerOf(request)),
        namesakes: simulator.namesakes(customerOf(request)),
      });
    }),
  );

  return router;
}
