import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { contactControl, type ModifyContactsOptions } from '../toolkit/control-inputs.ts';
import { defineSimulator, type ApiSimulatorOptions, type SimulatorKit } from '../toolkit/define-simulator.ts';
import {
  STANDARD_WEBHOOK_RETRY_DELAYS_MS,
  STANDARD_WEBHOOK_TIMEOUT_MS,
  signedNow,
} from '../toolkit/standard-webhook-delivery.ts';
import { known, mountControlRoutes } from '../toolkit/control-routes.ts';
import { tenantScope } from '../toolkit/controls-scope.ts';
import { mountCredentialControls } from '../toolkit/credential-controls.ts';
import { mixSeed } from '../toolkit/seeded-random.ts';
import { contactReads, modifyRecords } from '../toolkit/controls-contacts.ts';
import { bySequence } from '../toolkit/random-edits.ts';
import { renderActivity } from './custom-activity.model.ts';
import { createCustomApiRouter, type ResolvedApiKey } from './custom-api.routes.ts';
import {
  CUSTOM_ACTIVITY_STATUSES,
  CUSTOM_API_BASE_PATH,
  CUSTOM_DEMO_API_KEY,
  CUSTOM_IDEMPOTENCY_RETENTION_MS,
  CUSTOM_RATE_LIMITS,
  CUSTOM_SCOPES,
  type CustomApiKey,
  type CustomRateLimits,
  type CustomScope,
} from './custom-constants.ts';
import { renderContact, type ContactRecord, type JsonObject } from './custom-contact.model.ts';
import {
  activityInput,
  ActivitySchema,
  randomChange,
  type CreateActivityOptions,
} from './custom-control-edits.ts';
import { CustomDataset, type ContactChange } from './custom-dataset.ts';
import { ControlContactChangeSchema, ControlContactCreateSchema, sendProblem } from './custom-http.ts';
import { IdempotencyStore } from './custom-idempotency.ts';
import { customLimitConfig, customRateLimit } from './custom-rate-limit.ts';
import { CustomWebhooks, eventBody } from './custom-webhooks.ts';

export interface CustomSimulatorOptions extends ApiSimulatorOptions<CustomRateLimits> {
  /** Keys the API accepts (default: {@link CUSTOM_DEMO_API_KEY} with every scope). */
  apiKeys?: readonly CustomApiKey[];
  /** The agency's name, as GET /account reports it. */
  accountName?: string;
}

interface ApiKeyEntry extends ResolvedApiKey {
  key: string;
}

function resolveKeys(keys: readonly CustomApiKey[]): ApiKeyEntry[] {
  if (keys.length === 0) throw new RangeError('at least one API key is required');
  const entries = keys.map((key, i) => ({
    key: key.key,
    label: key.label ?? (key.key === CUSTOM_DEMO_API_KEY ? 'demo' : `key-${i + 1}`),
    scopes: new Set<CustomScope>(key.scopes ?? CUSTOM_SCOPES),
  }));
  if (new Set(entries.map((entry) => entry.label)).size !== entries.length)
    throw new RangeError('API key labels must be unique');
  if (new Set(entries.map((entry) => entry.key)).size !== entries.length)
    throw new RangeError('API keys must be unique');
  return entries;
}

let openApiDocument: string | null | undefined;
/** The contract, served at `/v1/openapi.yaml`; null when the repository's docs are not beside the code. */
function loadOpenApiDocument(): string | null {
  if (openApiDocument === undefined) {
    try {
      openApiDocument = readFileSync(
        new URL('../../docs/openapi/propsync-custom-crm.yaml', import.meta.url),
        'utf8',
      );
    } catch {
      openApiDocument = null;
    }
  }
  return openApiDocument;
}

const StatusSchema = z.object({ status: z.string().min(1) });

/**
 * The reference implementation of Propsync's open CRM API (docs/openapi/propsync-custom-crm.yaml):
 * bearer API keys with scopes, keyset-paged contacts and activities with `updated_since` filters,
 * ETag/If-Match, Idempotency-Key write-back, Standard Webhooks, rate limits with RateLimit
 * headers, fault injection and a control surface under `/_sim`.
 */
export const createCustomSimulator = defineSimulator({
  crm: 'custom',
  build(kit: SimulatorKit<CustomSimulatorOptions>) {
    const { options, seed, clock, faults } = kit;
    const keys = resolveKeys(options.apiKeys ?? [{ key: CUSTOM_DEMO_API_KEY }]);
    const keysByValue = new Map(keys.map((entry) => [entry.key, entry]));
    const account = {
      id: `acc_${mixSeed(seed, 'custom-account').toString(16).padStart(8, '0')}`,
      name: options.accountName ?? 'Propsync Demo Estates',
      timezone: 'Europe/London',
    };
    const rateLimiter = kit.rateLimiter(
      customLimitConfig(
        options.rateLimits === false ? null : { ...CUSTOM_RATE_LIMITS, ...options.rateLimits },
      ),
    );
    const idempotency = new IdempotencyStore({
      now: clock.now,
      retentionMs: CUSTOM_IDEMPOTENCY_RETENTION_MS,
    });
    const webhooks = new CustomWebhooks({
      retryDelaysMs: kit.retryDelays(STANDARD_WEBHOOK_RETRY_DELAYS_MS),
      timeoutMs: options.webhookTimeoutMs ?? STANDARD_WEBHOOK_TIMEOUT_MS,
      seed: mixSeed(seed, 'webhooks'),
      now: clock.now,
    });
    const buildDataset = () => new CustomDataset({ ...kit.datasetSeed(), now: clock.now, webhooks });
    let dataset = buildDataset();
    kit.onReset(() => {
      idempotency.clear();
      dataset = buildDataset();
    });

    const contactFor = (id: string): ContactRecord =>
      known(dataset.contactById(id), `contact ${id} not found`);
    const labelOf = (label?: string): string => {
      const entry = label === undefined ? keys[0] : keys.find((candidate) => candidate.label === label);
      if (entry === undefined) throw new RangeError(`unknown API key ${label}`);
      return entry.label;
    };

    const reads = contactReads({
      datasetOf: () => dataset,
      // What a full listing returns: archived included, deleted excluded.
      records: (current) => current.contacts.values(),
      count: (current) => current.contacts.size,
      idOf: (_current, record) => record.id,
      byId: (current, id) => current.contactById(id),
      // The contact as GET /contacts/{id} returns it.
      render: (current, record): JsonObject => renderContact(record, current.seed),
      // Contact seq i + 1 is person i.
      personContactId: (current, index) => current.contacts.get(index + 1)?.id,
    });
    // Test and demo data controls (beside the toolkit's faults, clock and reset); each also exists under `/_sim/…`.
    const controls = {
      /**
       * Edits contacts as an agent would (always moving `updated_at`) and notifies; returns their ids.
       * Fields in the API's names; the control may also set applicant, tenancy, is_vendor, is_landlord, source.
       */
      modifyContacts(modify: ModifyContactsOptions<Record<string, unknown>>): string[] {
        return modifyRecords(modify, {
          fields: modify.fields && (ControlContactChangeSchema.parse(modify.fields) as ContactChange),
          byId: contactFor,
          // Unarchived contacts, in creation order.
          pool: () => [...dataset.contacts.values()].filter((record) => record.archivedAt === null),
          order: bySequence,
          random: kit.controlRandom,
          randomChange: (record, random) => randomChange(dataset, record, random),
          apply: (records, changeOf) => dataset.changeContacts(records, changeOf, true),
          idOf: (record) => record.id,
        });
      },
      /** Creates a contact as if entered in the CRM (`contact.created`); returns its id. */
      createContact(input: Record<string, unknown>): string {
        return dataset.createContact(ControlContactCreateSchema.parse(input) as ContactChange).id;
      },
      /** Archives a contact (still listed, `archived: true`; `contact.updated`). False when not found. */
      archiveContact: contactControl(
        () => dataset,
        (current, record) => current.changeContacts([record], () => ({ archived: true }), true),
      ),
      /** Deletes a contact (404 from then on; `contact.deleted`). False when not found. */
      deleteContact: contactControl(
        () => dataset,
        (current, record) => current.deleteContact(record),
      ),
      /** Records an activity in the CRM (`activity.created`); returns its id. */
      createActivity(activity: CreateActivityOptions): string {
        const contact = contactFor(activity.contactId);
        return dataset.addActivity(
          activityInput(dataset, contact, activity, clock.now(), kit.controlRandom()),
        ).id;
      },
      /** Moves an activity on (a viewing completed, an offer accepted; `activity.updated`). False when not found. */
      setActivityStatus(id: string, status: string): boolean {
        const record = dataset.activityById(id);
        if (record === undefined) return false;
        const allowed: readonly string[] = CUSTOM_ACTIVITY_STATUSES[record.type];
        if (!allowed.includes(status))
          throw new RangeError(
            `a ${record.type} cannot be ${status} (allowed: ${allowed.join(', ') || 'none'})`,
          );
        dataset.setActivityStatus(record, status);
        return true;
      },
      /** Requests with the key then fail with 401 (default: the first key), as after `POST /v1/auth/revoke`. */
      revokeApiKey: (label?: string) => faults.revokeCredential(labelOf(label)),
      /** Un-revokes the key, however it was revoked (this control or `POST /v1/auth/revoke`). */
      restoreApiKey: (label?: string) => faults.restoreCredential(labelOf(label)),
    };

    /** Activities as the API renders them, in creation order. */
    const activities = (filter: { contactId?: string; source?: 'crm' | 'api' } = {}): JsonObject[] => {
      const seq = filter.contactId === undefined ? null : (dataset.contactById(filter.contactId)?.seq ?? -1);
      const records = seq === null ? [...dataset.activities.values()] : [...dataset.activities.of(seq)];
      return records
        .filter((record) => filter.source === undefined || record.source === filter.source)
        .map(renderActivity);
    };
    // What the custom CRM simulator adds to the toolkit's simulator.
    const state = {
      /** Labels and scopes of the accepted keys (never the keys). */
      apiKeys: keys.map((entry) => ({ label: entry.label, scopes: [...entry.scopes] })) as ReadonlyArray<{
        label: string;
        scopes: readonly CustomScope[];
      }>,
      /**
       * Whether the key (default: the first) is revoked, by `POST /v1/auth/revoke` or
       * `controls.revokeApiKey`; `restoreApiKey`, `clearFaults` and `reset` un-revoke it.
       */
      isApiKeyRevoked: (label?: string): boolean => faults.isRevoked(labelOf(label)),
      account: { id: account.id, name: account.name } as const,
      ...reads,
      activities,
      /** What integrations wrote back for a contact: its `source: api` activities. */
      writeBackRecords: (contactId: string) => activities({ contactId, source: 'api' }),
      /** GET /contacts/{id}/nurture. */
      nurture(contactId: string): JsonObject | undefined {
        const record = dataset.contactById(contactId);
        return record === undefined ? undefined : dataset.renderNurture(record);
      },
      /** Webhook subscriptions (without secrets). */
      webhooks: (): JsonObject[] => webhooks.list().map((record) => webhooks.render(record)),
      /**
       * A `contact.updated` delivery for the contact as it is now, signed with `secret` (a
       * subscription's) and `timestampOffsetSeconds` from now: what a receiver would get.
       */
      signedContactWebhook({
        contactId,
        secret,
        timestampOffsetSeconds = 0,
      }: {
        contactId: string;
        secret: string;
        timestampOffsetSeconds?: number;
      }) {
        const record = contactFor(contactId);
        const rawBody = eventBody('contact.updated', record.modified, renderContact(record, dataset.seed));
        return { headers: signedNow(secret, rawBody, timestampOffsetSeconds), rawBody };
      },
    };

    const authenticate: RequestHandler = (request, response, next) => {
      const header = request.get('authorization')?.trim() ?? '';
      const match = /^bearer\s+(\S+)$/i.exec(header);
      const entry = match === null ? undefined : keysByValue.get(match[1] as string);
      if (match === null || entry === undefined || faults.isRevoked(entry.label)) {
        response.setHeader(
          'WWW-Authenticate',
          match === null
            ? 'Bearer realm="propsync-open-crm"'
            : 'Bearer realm="propsync-open-crm", error="invalid_token"',
        );
        const detail =
          match === null
            ? 'Send Authorization: Bearer <API key>'
            : entry === undefined
              ? 'The API key is not valid'
              : 'The API key has been revoked';
        sendProblem(response, 'unauthorized', detail);
        return;
      }
      // The handlers get the key's label and scopes, never the key itself.
      response.locals.customApiKey = { label: entry.label, scopes: entry.scopes } satisfies ResolvedApiKey;
      next();
    };
    const limitRate = customRateLimit(rateLimiter, clock.now);

    return {
      own: state,
      controls,
      webhooks,
      requestId: () => `req_${randomBytes(8).toString('hex')}`,
      sendError: (response, status, detail) => sendProblem(response, status, detail),
      sendFault: (_request, response, status) => sendProblem(response, status, 'Injected fault'),
      messages: {
        notFound: (request) => `No route for ${request.method} ${request.path}`,
        invalidJson: 'The request body is not valid JSON',
        tooLarge: 'Request bodies are limited to 1 MB',
      },
      mount(app, { injectFaults }) {
        app.get(`${CUSTOM_API_BASE_PATH}/openapi.yaml`, (_request, response) => {
          const document = loadOpenApiDocument();
          if (document === null)
            sendProblem(response, 'not-found', 'The OpenAPI document is not available in this deployment');
          else response.type('application/yaml').send(document);
        });
        app.use(
          authenticate,
          limitRate,
          injectFaults,
          express.json({
            type: ['application/json', 'application/merge-patch+json', 'application/*+json'],
            limit: '1mb',
          }),
        );
        app.use(
          CUSTOM_API_BASE_PATH,
          createCustomApiRouter({
            dataset: () => dataset,
            webhooks,
            idempotency,
            account,
            // The same mark `controls.revokeApiKey` sets, so `restoreApiKey` (and the harness) undoes it.
            revokeApiKey: (label) => faults.revokeCredential(label),
          }),
        );
      },
      describe: () => ({
        account: state.account,
        apiKeys: state.apiKeys,
        contactCount: state.contactCount(),
        plantedDuplicates: state.plantedDuplicates().length,
        webhooks: state.webhooks().length,
      }),
      controlRoutes(router) {
        // One agency: no tenant to name.
        const single = tenantScope();
        single.contacts(router, controls);
        mountControlRoutes(router, {
          'POST /activities': single.create(ActivitySchema, controls.createActivity),
          'POST /activities/:id/status': single.update(
            StatusSchema,
            (id, { status }) => controls.setActivityStatus(id, status),
            'activity',
          ),
          // Labels, scopes and whether each key is revoked (by POST /v1/auth/revoke or the routes below).
          'GET /api-keys': () =>
            state.apiKeys.map((key) => ({ ...key, revoked: state.isApiKeyRevoked(key.label) })),
        });
        mountCredentialControls(router, '/api-keys/:label', {
          revoke: controls.revokeApiKey,
          restore: controls.restoreApiKey,
        });
        mountControlRoutes(router, {
          'GET /write-back/:contactId': (request) => {
            const contactId = String(request.params.contactId);
            const nurture = state.nurture(contactId);
            if (nurture === undefined) throw new RangeError(`contact ${contactId} not found`);
            return { activities: state.writeBackRecords(contactId), nurture };
          },
          'GET /webhooks': single.read('webhooks', state.webhooks),
          'GET /planted-duplicates': single.planted(state),
        });
      },
    };
  },
});

export type CustomSimulator = ReturnType<typeof createCustomSimulator>;
export type { CreateActivityOptions, CustomApiKey, CustomRateLimits, CustomScope };
