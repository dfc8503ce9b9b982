import { emptyIngested } from '../adapter-kit/webhook-body.ts';
import { createHash, verify } from 'node:crypto';
import { PropsyncError } from '../../core/errors.ts';
import type { IngestedWebhook, InboundWebhook } from '../../core/ports/crm-adapter.ts';
import { WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { assertFresh, badSignature, headerOf } from '../adapter-kit/webhook-signature.ts';
import { ReapitSigningKeys } from './reapit-signing-keys.ts';
import { toReapitActivity, type ReapitActivityKind } from './reapit.mapper.ts';
import { ReapitSigningKeysSchema, ReapitWebhookEnvelopeSchema } from './reapit.schemas.ts';
import { crmTimeIso } from '../adapter-kit/crm-time.ts';

/**
 * Each connection's webhook signing keys and key look-up budget, kept across adapter instances (the
 * webhook adapter is rebuilt whenever the connection row changes). Keyed by what the look-up spends:
 * the app's quota at the customer.
 */
const SIGNING_KEYS = new Map<string, ReapitSigningKeys>();
/** Topic families whose payload is an activity's model (appointments.modified → an appointment). */
const ACTIVITY_KIND_OF_TOPIC: Record<string, ReapitActivityKind | undefined> = {
  appointments: 'appointment',
  offers: 'offer',
};
/**
 * The customer id of a Ping sent from Reapit's developer portal to test a webhook's endpoint
 * (Reapit Foundations documentation — "Webhooks", testing); its entity is a fixed sample.
 */
const PING_CUSTOMER_ID = 'webhook-test';
/** Key ids Reapit issues are short tokens; anything else is refused without a look-up. */
const KEY_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Reapit's webhook deliveries for one connection: verified, checked to be this customer's, then
 * parsed (docs/crms/reapit.md).
 */
export class ReapitWebhookReceiver {
  readonly #http: ProviderHttp;
  readonly #customerId: string;
  readonly #signingKeys: ReapitSigningKeys;

  constructor(http: ProviderHttp, clientId: string, customerId: string) {
    this.#http = http;
    this.#customerId = customerId;
    const keysOf = `${http.baseUrl} ${clientId} ${customerId}`;
    let keys = SIGNING_KEYS.get(keysOf);
    if (!keys) SIGNING_KEYS.set(keysOf, (keys = new ReapitSigningKeys()));
    this.#signingKeys = keys;
  }

  async ingest(delivery: InboundWebhook): Promise<IngestedWebhook> {
    let json: unknown;
    try {
      json = JSON.parse(delivery.rawBody.toString('utf8'));
    } catch {
      json = undefined;
    }
    // Reapit signs every customer's deliveries with the app's key: a signature alone does not say
    // the delivery is this agency's. Checked before the signature, so foreign traffic costs no key look-up.
    const named = customerOf(json);
    if (named !== undefined && named !== PING_CUSTOMER_ID) this.#refuseForeignTenant(named);
    await this.#verifySignature(delivery);
    if (json === undefined)
      throw new PropsyncError('ADAPTER.VALIDATION', 'Reapit webhook body is not valid JSON');
    const envelope = ReapitWebhookEnvelopeSchema.safeParse(json);
    if (!envelope.success)
      throw new PropsyncError('ADAPTER.VALIDATION', 'Reapit webhook body is not a Reapit event envelope');
    const event = envelope.data;
    // One event fans out to several notifications sharing eventId: key on the notification itself.
    const deliveryKey = `${event.eventId}:${createHash('sha256').update(delivery.rawBody).digest('base64url')}`;
    if (event.customerId === PING_CUSTOMER_ID) {
      // The developer portal's Ping: a signed sample that tests the endpoint; it changes nothing.
      return emptyIngested({ deliveryKey, eventType: event.topicId, occurredAt: event.eventTime });
    }
    this.#refuseForeignTenant(event.customerId);
    const isContact = event.topicId.startsWith('contacts.');
    // The same model the lists return, so the same mapping: one id and stage per record, whichever way it came.
    const kind = ACTIVITY_KIND_OF_TOPIC[event.topicId.split('.')[0] ?? ''];
    // The event's time, or the receipt's when Reapit sent none readable: the stage is judged as of it.
    const occurredAt = crmTimeIso(event.eventTime, delivery.receivedAt.toISOString());
    const mapped = kind && event.new ? toReapitActivity(kind, event.new, occurredAt) : { activity: null };
    return {
      deliveryKey,
      eventType: event.topicId,
      occurredAt,
      // The snapshot carries neither the contact's roles (relationships) nor its applicants'
      // marketingMode, so mapping it would erase the profile and nurture category: the changed
      // contact is read in full instead, the way the sync reads it.
      contacts: [],
      activities: 'activity' in mapped && mapped.activity ? [mapped.activity] : [],
      ...('error' in mapped
        ? { rejected: [{ externalId: `${kind}:${event.entityId}`, reason: mapped.error }] }
        : {}),
      contactIdsToFetch: isContact && event.new ? [event.entityId] : [],
      removedContactIds: isContact && event.new === null ? [event.entityId] : [],
      // `new` is null when Reapit deleted or archived the record: its signal, if stored, stops counting.
      removedActivityIds: kind && event.new === null ? [`${kind}:${event.entityId}`] : [],
    };
  }

  /** `X-Signature: s:<keyId>:<unixTimestamp>:<signature>`, Ed25519 over `<timestamp><raw body>`. */
  async #verifySignature(delivery: InboundWebhook): Promise<void> {
    const parts = headerOf(delivery.headers, 'x-signature')?.split(':');
    if (!parts || parts.length !== 4 || parts[0] !== 's')
      throw badSignature('Reapit webhook signature is missing or malformed');
    const [, keyId, timestamp, signature] = parts as [string, string, string, string];
    assertFresh('Reapit', timestamp, delivery.receivedAt);
    const key = await this.#signingKey(keyId);
    const signed = Buffer.concat([Buffer.from(timestamp), delivery.rawBody]);
    let valid: boolean;
    try {
      valid = verify(null, signed, key, decodeSignature(signature));
    } catch {
      valid = false;
    }
    if (!valid) throw badSignature('Reapit webhook signature does not match');
  }

  /** The envelope names its customer; a delivery without one, or for another, is not this agency's. */
  #refuseForeignTenant(customerId: unknown): void {
    if (typeof customerId === 'string' && customerId.trim().toUpperCase() === this.#customerId.toUpperCase())
      return;
    throw new WebhookRefusedError(
      'foreign_tenant',
      typeof customerId === 'string'
        ? "Reapit webhook is for another customer than this connection's"
        : 'Reapit webhook does not name its customer',
    );
  }

  async #signingKey(keyId: string) {
    if (!KEY_ID.test(keyId)) throw badSignature('Reapit webhook signature is missing or malformed');
    return this.#signingKeys.key(keyId, async (id) => {
      const response = await this.#http.request('GET', `webhooks/signing/${encodeURIComponent(id)}`, {
        acceptStatuses: [404],
      });
      if (response.status === 404) return null;
      const keys = ReapitSigningKeysSchema.safeParse(response.body);
      if (!keys.success)
        throw new PropsyncError(
          'ADAPTER.PROVIDER_UNAVAILABLE',
          'Reapit answered the signing key request with an unexpected body',
        );
      return keys.data.keys.find((candidate) => candidate.kid === id) ?? null;
    });
  }
}

function customerOf(json: unknown): unknown {
  return json && typeof json === 'object' ? (json as { customerId?: unknown }).customerId : undefined;
}

/**
 * Reapit does not publish the signature's encoding: base64 or base64url (the key's `x` is base64url)
 * is read as such, and an Ed25519 signature written as hex (128 hex digits, a length no base64 form
 * of 64 bytes has) is read as hex.
 */
function decodeSignature(signature: string): Buffer {
  if (/^[0-9a-fA-F]{128}$/.test(signature)) return Buffer.from(signature, 'hex');
  return Buffer.from(signature.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}
