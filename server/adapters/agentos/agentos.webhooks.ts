import type { IngestedWebhook, InboundWebhook } from '../../core/ports/crm-adapter.ts';
import { WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';
import { emptyIngested, parseWebhookBody } from '../adapter-kit/webhook-body.ts';
import {
  badSignature,
  headerOf,
  requireSecret,
  verifyTimestampedHmac,
} from '../adapter-kit/webhook-signature.ts';
import { signedSubscription, type WebhookSubscriptionApi } from '../adapter-kit/webhook-subscriptions.ts';
import { mapContact, toExternalId } from './agentos.mapper.ts';
import {
  AgentosWebhookEnvelopeSchema,
  AgentosWebhookSubscriptionSchema,
  parseAgentosList,
  parseAgentosTime,
} from './agentos.schemas.ts';

const WEBHOOK_EVENTS = ['contact.created', 'contact.updated'];
const SIGNATURE_HEADER = 'x-agentos-signature';
const TIMESTAMP_HEADER = 'x-agentos-timestamp';

/** agentOS's webhook subscriptions (docs/crms/agentos.md). */
export const AGENTOS_WEBHOOK_SUBSCRIPTIONS: WebhookSubscriptionApi = {
  collection: 'webhooks',
  request: (url) => ({ body: { Url: url, Events: WEBHOOK_EVENTS } }),
  created: signedSubscription(AgentosWebhookSubscriptionSchema, ({ OID, Secret }) => ({
    id: OID,
    secret: Secret,
  })),
  notCreated: 'agentOS did not return the webhook subscription and its signing secret',
  // The secret is only shown at creation: replace any earlier subscription for the same URL.
  async sameUrl(http, url) {
    const existing = parseAgentosList(
      (await http.request('GET', 'webhooks/0/1000')).body,
      'webhook subscription',
    );
    return existing.Data.flatMap((raw) => {
      const subscription = AgentosWebhookSubscriptionSchema.safeParse(raw);
      return subscription.success && subscription.data.Url === url ? [subscription.data.OID] : [];
    });
  },
};

/** agentOS's webhook deliveries for one agency (docs/crms/agentos.md). */
export class AgentosWebhooks {
  readonly #shortName: string;
  readonly #webhookSecret: string | null;
  readonly #primaryPhone: string | undefined;

  constructor(shortName: string, webhookSecret: string | null, primaryPhone?: string) {
    this.#shortName = shortName;
    this.#webhookSecret = webhookSecret;
    this.#primaryPhone = primaryPhone;
  }

  async ingest(delivery: InboundWebhook): Promise<IngestedWebhook> {
    this.#verifySignature(delivery);
    const event = parseWebhookBody(
      'agentOS',
      delivery.rawBody,
      AgentosWebhookEnvelopeSchema,
      'an agentOS contact notification',
    );
    if (event.ShortName.toLowerCase() !== this.#shortName.toLowerCase()) {
      throw new WebhookRefusedError(
        'foreign_tenant',
        `agentOS webhook is for another agency than ${this.#shortName}`,
      );
    }
    const externalId = toExternalId(event.ContactType, event.OID);
    const ingested = emptyIngested({
      deliveryKey: event.DeliveryID,
      eventType: event.Event,
      occurredAt: new Date(parseAgentosTime(event.OccurredAt)).toISOString(),
    });
    if (!WEBHOOK_EVENTS.includes(event.Event)) return ingested;
    if (event.Contact === null) {
      // Deleted, or no longer shared with third parties: either way Propsync may not keep it.
      ingested.removedContactIds.push(externalId);
      return ingested;
    }
    const mapped = mapContact(event.Contact, event.ContactType, this.#primaryPhone);
    if (!mapped.ok) ingested.contactIdsToFetch.push(externalId);
    else if (!mapped.contact.active) ingested.removedContactIds.push(externalId);
    else ingested.contacts.push(mapped.contact);
    return ingested;
  }

  /** `X-AgentOS-Signature: sha256=<hex>` over `<X-AgentOS-Timestamp>.<raw body>` with the subscription secret. */
  #verifySignature(delivery: InboundWebhook): void {
    const secret = requireSecret(
      this.#webhookSecret,
      'agentOS',
      'reconnect agentOS to register webhooks again',
    );
    const timestamp = headerOf(delivery.headers, TIMESTAMP_HEADER);
    const signatures = headerOf(delivery.headers, SIGNATURE_HEADER);
    if (!timestamp || !signatures) throw badSignature('agentOS webhook signature or timestamp is missing');
    const hexSignatures = signatures
      .split(/[\s,]+/)
      .filter((candidate) => candidate.startsWith('sha256='))
      .map((candidate) => candidate.slice('sha256='.length));
    verifyTimestampedHmac('agentOS', secret, { timestamp, hexSignatures }, delivery);
  }
}
