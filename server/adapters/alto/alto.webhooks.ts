import type { z } from 'zod';
import type { CanonicalActivity } from '../../../shared/activity.ts';
import { PropsyncError } from '../../core/errors.ts';
import { expectAnswer } from '../adapter-kit/crm-answer.ts';
import type { IngestedWebhook, InboundWebhook } from '../../core/ports/crm-adapter.ts';
import { WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';
import type { ProviderHttp } from '../adapter-kit/provider-http.ts';
import { emptyIngested, parseWebhookBody } from '../adapter-kit/webhook-body.ts';
import {
  badSignature,
  headerOf,
  requireSecret,
  sharedValueMatches,
  verifyTimestampedHmac,
} from '../adapter-kit/webhook-signature.ts';
import {
  appointmentActivityId,
  offerActivityId,
  parseAltoTime,
  toAppointmentActivity,
  toOfferActivity,
} from './alto.mapper.ts';
import {
  AltoAppointmentSchema,
  AltoCloudEventSchema,
  AltoOfferSchema,
  type AltoCloudEvent,
} from './alto.schemas.ts';

/**
 * Alto's webhook deliveries for one connection: verified, checked to be this agency's, then parsed
 * (docs/crms/alto.md).
 */
export class AltoWebhookReceiver {
  readonly #http: ProviderHttp;
  readonly #agencyRef: string;
  readonly #webhookSecret: string | null;

  constructor(http: ProviderHttp, agencyRef: string, webhookSecret: string | null) {
    this.#http = http;
    this.#agencyRef = agencyRef;
    this.#webhookSecret = webhookSecret;
  }

  /**
   * CloudEvents carry no snapshot: contact events return the id to fetch; appointment and offer
   * events are fetched here and become engagement signals, or, when Alto no longer has the record
   * (404: deleted), the id whose stored signal is withdrawn.
   */
  async ingest(delivery: InboundWebhook): Promise<IngestedWebhook> {
    this.#verifySignature(delivery);
    const event = parseWebhookBody(
      'Alto',
      delivery.rawBody,
      AltoCloudEventSchema,
      'a CloudEvents notification',
    );
    // AgencyRefs are GUIDs: the same agency whatever the case of its hex digits or stray spaces.
    if (event.data.agencyRef.trim().toLowerCase() !== this.#agencyRef.trim().toLowerCase()) {
      // Signed with this subscription's secret, yet naming another agency: not this agency's to apply.
      throw new WebhookRefusedError(
        'foreign_tenant',
        "Alto webhook is for another agency than this connection's",
      );
    }
    const occurredMs = parseAltoTime(event.time);
    const base = emptyIngested({
      // The CloudEvents id is unique per notification and kept across Alto's retries.
      deliveryKey: event.id,
      eventType: event.type,
      occurredAt: new Date(
        Number.isNaN(occurredMs) ? delivery.receivedAt.getTime() : occurredMs,
      ).toISOString(),
    });
    if (event.type.startsWith('Contact.')) return { ...base, contactIdsToFetch: [event.data.subjectId] };
    try {
      if (event.type.startsWith('Appointment.')) return { ...base, ...(await this.#appointment(event)) };
      if (event.type.startsWith('Offer.')) return { ...base, ...(await this.#offer(event)) };
    } catch (error) {
      // Alto refusing to show the record (the integration lacks its scope) is an answer, not an
      // outage: the delivery is accepted with the refusal in the sync log. Answering 500 instead
      // would have Alto redeliver it, and every delivery like it, for ever.
      if (!(error instanceof PropsyncError) || error.code !== 'ADAPTER.PERMISSION_DENIED') throw error;
      const kind = event.type.startsWith('Offer.') ? 'offer' : 'appointment';
      return {
        ...base,
        rejected: [
          {
            externalId: `${kind}:${event.data.subjectId}`,
            reason: `Alto refused to show the ${kind} this ${event.type} notification names (403): this integration lacks the scope to read ${kind}s, so its signal is not recorded until Alto grants it`,
          },
        ],
      };
    }
    return base;
  }

  /** The appointment the event names, mapped as the list maps it (one signal or none). */
  async #appointment(event: AltoCloudEvent): Promise<ActivityReading> {
    // Appointments are addressed as /appointments/{id}/{instanceId}; 0 is a non-recurring one.
    const path = `appointments/${encodeURIComponent(event.data.subjectId)}/0`;
    const appointment = await this.#current(path, AltoAppointmentSchema, 'appointment');
    if (appointment === null) return deleted(appointmentActivityId(event.data.subjectId));
    return found(toAppointmentActivity(appointment, Date.now()));
  }

  /** The offer the event names, mapped as the list maps it; whatever the topic, the status decides. */
  async #offer(event: AltoCloudEvent): Promise<ActivityReading> {
    const offer = await this.#current(
      `offers/sales-offer/${encodeURIComponent(event.data.subjectId)}`,
      AltoOfferSchema,
      'offer',
    );
    if (offer === null) return deleted(offerActivityId(event.data.subjectId));
    // When contactsJson names no one, the notification's related contacts stand in.
    const related = (event.data.relatedSubjects ?? [])
      .filter((subject) => subject.subjectUri.startsWith('/contacts/'))
      .map((subject) => subject.subjectId);
    return found(toOfferActivity(offer, related, Date.now()));
  }

  /** The record an event names as Alto holds it now, or null when Alto no longer has it. */
  async #current<Schema extends z.ZodType>(
    path: string,
    schema: Schema,
    what: string,
  ): Promise<z.output<Schema> | null> {
    const response = await this.#http.request('GET', path, { acceptStatuses: [404] });
    if (response.status === 404) return null;
    return expectAnswer(schema, response.body, `Alto answered with an unexpected ${what} shape`);
  }

  /**
   * Alto's record says a delivery carries the subscription's shared value in `x-signature`; that is
   * what a real Alto sends, and it is accepted as is (constant-time). It proves the sender but not
   * the body, which is safe here because a delivery only names a record that is then read from
   * Alto's API, and the AgencyRef is checked. A signed form, `t=<unix seconds>,v1=<hex
   * HMAC-SHA256(secret, "<t>.<raw body>")>` (several v1 while rotating), is verified with its
   * timestamp when sent (docs/crms/alto.md).
   */
  #verifySignature(delivery: InboundWebhook): void {
    const secret = requireSecret(this.#webhookSecret, 'Alto', 'register webhooks again');
    const header = headerOf(delivery.headers, 'x-signature');
    if (header === undefined) throw badSignature('Alto webhook has no x-signature header');
    if (sharedValueMatches(secret, header)) return;
    const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
    const timestamp = parts.find(([name]) => name === 't')?.[1];
    const signatures = parts.filter(([name, value]) => name === 'v1' && value).map(([, value]) => value!);
    if (!timestamp || !/^\d+$/.test(timestamp) || signatures.length === 0)
      throw badSignature(
        'Alto webhook signature does not match: it is neither the shared secret nor t=<unix seconds>,v1=<hex HMAC>',
      );
    verifyTimestampedHmac('Alto', secret, { timestamp, hexSignatures: signatures }, delivery);
  }
}

/** What reading an appointment or offer gives the delivery. */
type ActivityReading = Pick<IngestedWebhook, 'activities' | 'removedActivityIds'>;

const found = (activity: CanonicalActivity | null): ActivityReading => ({
  activities: activity ? [activity] : [],
  removedActivityIds: [],
});

/**
 * Alto answered 404: the record was deleted, and with it whose it was and what stage it reached.
 * Its id goes to `removedActivityIds`, so the signal Propsync stored for it (if any) is withdrawn.
 */
const deleted = (externalId: string): ActivityReading => ({
  activities: [],
  removedActivityIds: [externalId],
});
