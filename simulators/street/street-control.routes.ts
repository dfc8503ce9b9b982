import { Router } from 'express';
import { z } from 'zod';
import {
  STREET_LETTINGS_OFFER_STATUSES,
  STREET_SALES_OFFER_STATUSES,
  STREET_VALUATION_STATUSES,
  STREET_VIEWING_STATUSES,
  type StreetOfferStatus,
} from './street-constants.ts';
import type { PersonCreate, PersonPatch } from './street-dataset.ts';
import { PersonAttributesSchema } from './street-http.ts';
import type { StreetSimulator } from './street-simulator.ts';
import { CountSchema, handle, mountCommonControlRoutes } from '../toolkit/control-inputs.ts';

const RoleStatusSchema = z.enum(['Current', 'Previous']).nullable();
const KindSchema = z.enum(['sales', 'lettings']);

/** What a control may set on a person: the PATCH attributes plus what only Street's UI changes. */
const PersonFieldsSchema = PersonAttributesSchema.partial().extend({
  address: z.record(z.string(), z.string().nullable()).nullable().optional(),
  statuses: z
    .object({ vendor: RoleStatusSchema, landlord: RoleStatusSchema, tenant: RoleStatusSchema })
    .partial()
    .optional(),
  applicants: z.array(KindSchema).optional(),
});
const PersonCreateSchema = PersonFieldsSchema.extend({
  first_name: z.string().trim().min(1),
  last_name: z.string().trim().min(1),
});

const ModifySchema = z.object({
  count: CountSchema.optional(),
  ids: z.array(z.string()).optional(),
  fields: PersonFieldsSchema.optional(),
  randomChange: z.boolean().optional(),
});
const ViewingSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  status: z.enum(STREET_VIEWING_STATUSES).optional(),
  start: z.string().optional(),
});
const ValuationSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  status: z.enum(STREET_VALUATION_STATUSES).optional(),
  start: z.string().optional(),
});
const OfferSchema = z.object({
  personId: z.string().min(1),
  kind: KindSchema.optional(),
  amount: z.number().positive().optional(),
  status: z
    .enum([...new Set([...STREET_SALES_OFFER_STATUSES, ...STREET_LETTINGS_OFFER_STATUSES])] as [
      StreetOfferStatus,
      ...StreetOfferStatus[],
    ])
    .optional(),
});
/** Drops keys whose value is undefined (the controls take exact optional properties). */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * The sandbox control surface under `/_sim` (no auth: never expose a simulator publicly). Each
 * route mirrors a method of `simulator.controls` or a state read. Secrets never appear here.
 */
export function createStreetControlRouter(simulatorOf: () => StreetSimulator): Router {
  const router = Router();
  mountCommonControlRoutes(router, simulatorOf);

  router.get('/', (_request, response) => {
    const simulator = simulatorOf();
    response.json({
      simulator: 'street',
      apiBasePath: simulator.apiBasePath,
      tokens: simulator.tokens.map((token) => ({ tokenId: token.tokenId, companyName: token.companyName })),
      contactCount: simulator.contactCount(),
      plantedDuplicates: simulator.plantedDuplicates().length,
      webhookSubscriptions: simulator.webhookSubscriptions().length,
      requestsLogged: simulator.requestLog.size,
      clockOffsetMs: simulator.clock.offsetMs,
      faults: simulator.faults.snapshot(),
      routes: [
        'POST /_sim/people',
        'POST /_sim/people/modify',
        'POST /_sim/people/:id/trash',
        'POST /_sim/people/:id/restore',
        'DELETE /_sim/people/:id',
        'POST /_sim/viewings',
        'POST /_sim/viewings/:id/status',
        'POST /_sim/valuations',
        'POST /_sim/valuations/:id/status',
        'POST /_sim/offers',
        'POST /_sim/offers/:id/status',
        'GET|PUT|DELETE /_sim/faults',
        'POST /_sim/faults/fail-next',
        'POST /_sim/faults/timeout-next',
        'POST /_sim/faults/drop-next',
        'PUT /_sim/webhook-faults',
        'POST /_sim/tokens/:tokenId/revoke',
        'POST /_sim/tokens/:tokenId/restore',
        'GET|DELETE /_sim/requests',
        'GET /_sim/notes',
        'GET /_sim/webhooks',
        'GET /_sim/webhook-deliveries',
        'GET /_sim/planted-duplicates',
        'POST /_sim/clock/advance',
        'POST /_sim/reset',
      ],
    });
  });

  router.post(
    '/people',
    handle((request, response) => {
      const input = PersonCreateSchema.parse(request.body ?? {});
      response.status(201).json({ id: simulatorOf().controls.createPerson(input as PersonCreate) });
    }),
  );

  router.post(
    '/people/modify',
    handle((request, response) => {
      const body = ModifySchema.parse(request.body ?? {});
      const modified = simulatorOf().controls.modifyPeople(
        defined({ ...body, fields: body.fields as PersonPatch | undefined }),
      );
      response.json({ modified });
    }),
  );

  const personAction = (action: 'trashPerson' | 'restorePerson' | 'deletePerson') =>
    handle((request, response) => {
      const found = simulatorOf().controls[action](String(request.params.id));
      if (found) response.status(204).end();
      else response.status(404).json({ error: `person ${String(request.params.id)} not found` });
    });
  router.post('/people/:id/trash', personAction('trashPerson'));
  router.post('/people/:id/restore', personAction('restorePerson'));
  router.delete('/people/:id', personAction('deletePerson'));

  router.post(
    '/viewings',
    handle((request, response) => {
      response
        .status(201)
        .json({ id: simulatorOf().controls.createViewing(defined(ViewingSchema.parse(request.body ?? {}))) });
    }),
  );
  router.post(
    '/viewings/:id/status',
    handle((request, response) => {
      const { status } = z.object({ status: z.enum(STREET_VIEWING_STATUSES) }).parse(request.body ?? {});
      simulatorOf().controls.setViewingStatus(String(request.params.id), status);
      response.status(204).end();
    }),
  );
  router.post(
    '/valuations',
    handle((request, response) => {
      response.status(201).json({
        id: simulatorOf().controls.createValuation(defined(ValuationSchema.parse(request.body ?? {}))),
      });
    }),
  );
  router.post(
    '/valuations/:id/status',
    handle((request, response) => {
      const { status } = z.object({ status: z.enum(STREET_VALUATION_STATUSES) }).parse(request.body ?? {});
      simulatorOf().controls.setValuationStatus(String(request.params.id), status);
      response.status(204).end();
    }),
  );
  router.post(
    '/offers',
    handle((request, response) => {
      response
        .status(201)
        .json({ id: simulatorOf().controls.createOffer(defined(OfferSchema.parse(request.body ?? {}))) });
    }),
  );
  router.post(
    '/offers/:id/status',
    handle((request, response) => {
      const { status } = OfferSchema.pick({ status: true })
        .required()
        .parse(request.body ?? {});
      simulatorOf().controls.setOfferStatus(String(request.params.id), status);
      response.status(204).end();
    }),
  );

  router.post('/tokens/:tokenId/revoke', (request, response) => {
    simulatorOf().controls.revokeToken(String(request.params.tokenId));
    response.status(204).end();
  });
  router.post('/tokens/:tokenId/restore', (request, response) => {
    simulatorOf().controls.restoreToken(String(request.params.tokenId));
    response.status(204).end();
  });

  router.get('/notes', (request, response) => {
    const personId = typeof request.query.personId === 'string' ? request.query.personId : undefined;
    response.json({ notes: simulatorOf().notes(personId) });
  });
  router.get('/webhooks', (_request, response) => {
    response.json({ webhooks: simulatorOf().webhookSubscriptions() });
  });
  router.get('/planted-duplicates', (_request, response) => {
    const simulator = simulatorOf();
    response.json({ duplicates: simulator.plantedDuplicates(), namesakes: simulator.namesakes() });
  });

  return router;
}
