import type { Request, Router } from 'express';
import type { z } from 'zod';
import { mountContactControls, tenantOf, type ModifyRequest } from './control-inputs.ts';
import type { ControlAction, ControlRoute } from './control-routes.ts';
import { defined } from './define-simulator.ts';

/**
 * The `/_sim` routes of a CRM whose data is per tenant (agency, customer, team), each scoped to the
 * tenant the request names in its query or body as `key` (`?customerId=` or `{customerId}`;
 * default tenant when absent). A CRM with a single tenant passes no key: every request is `{}`.
 */
export function tenantScope<Key extends string = never>(key?: Key) {
  type Scope = { [K in Key]?: string };
  const of = (request: Request): Scope => (key === undefined ? {} : tenantOf(request, key)) as Scope;
  const tenant = (request: Request): string | undefined => (key === undefined ? undefined : of(request)[key]);
  return {
    /** The tenant the request names, as `{[key]: id}`, or `{}`. */
    of,
    /** The tenant's id, or undefined for the default one. */
    tenant,
    /**
     * 201 `{[answer]: id}` (default `id`): the body checked by `schema` (absent members dropped),
     * with the tenant, given to `create`.
     */
    create<S extends z.ZodType<Record<string, unknown>>>(
      schema: S,
      create: (input: z.infer<S> & Scope) => string,
      answer = 'id',
    ): ControlRoute {
      return {
        status: 201,
        run: (request) => ({
          [answer]: create({ ...defined(schema.parse(request.body ?? {})), ...of(request) } as z.infer<S> &
            Scope),
        }),
      };
    },
    /**
     * A change to the record the route's one parameter names (`/offers/:id`): the body checked by
     * `schema`, given with the id and the tenant to `change`; 204, or a 404 naming the `noun` when
     * `change` answers false (not found).
     */
    update<S extends z.ZodType>(
      schema: S,
      change: (id: string, input: z.infer<S>, scope: Scope) => boolean | void,
      noun = 'record',
    ): ControlAction {
      return (request) => {
        const id = String(Object.values(request.params)[0]);
        if (change(id, schema.parse(request.body ?? {}), of(request)) === false)
          throw new RangeError(`${noun} ${id} not found`);
        return undefined;
      };
    },
    /**
     * The record routes of {@link mountContactControls} over the CRM's contact controls: `POST
     * /contacts` gives its body, less the tenant's key, to `createContact`; `POST /contacts/modify`
     * its request, with the tenant, to `modifyContacts` unless `routes.modify` says otherwise.
     */
    contacts(
      router: Router,
      controls: ContactControls<Scope>,
      routes: {
        modify?(request: ModifyRequest, scope: Scope): string[];
        noun?: string;
      } = {},
    ): void {
      mountContactControls(router, {
        scopeOf: of,
        create: (body, scope) => {
          const { [key ?? '']: _tenant, ...input } = body;
          return controls.createContact(key === undefined ? body : input, scope);
        },
        modify: (request, scope) =>
          routes.modify ? routes.modify(request, scope) : controls.modifyContacts({ ...request, ...scope }),
        archive: (id, scope) => controls.archiveContact(id, scope),
        remove: (id, scope) => controls.deleteContact(id, scope),
        ...(routes.noun === undefined ? {} : { noun: routes.noun }),
      });
    },
    /** `{[field]: read(tenant)}`: a state read of the tenant. */
    read:
      (field: string, read: (tenant?: string) => unknown): ControlAction =>
      (request) => ({ [field]: read(tenant(request)) }),
    /** `GET /_sim/planted-duplicates`: the tenant's planted duplicates and namesakes. */
    planted:
      (reads: {
        plantedDuplicates(tenant?: string): unknown;
        namesakes(tenant?: string): unknown;
      }): ControlAction =>
      (request) => {
        const id = tenant(request);
        return { duplicates: reads.plantedDuplicates(id), namesakes: reads.namesakes(id) };
      },
  };
}

/** The contact controls every CRM has (their inputs checked by the CRM, so any body may go in). */
interface ContactControls<Scope> {
  createContact(input: Record<string, unknown>, scope: Scope): string;
  modifyContacts(modify: ModifyRequest & Scope): string[];
  archiveContact(id: string, scope: Scope): boolean;
  deleteContact(id: string, scope: Scope): boolean;
}
