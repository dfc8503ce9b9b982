import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { unixSeconds } from '../toolkit/standard-webhook-delivery.ts';
import { SubscriptionRegistry } from '../toolkit/subscription-registry.ts';
import type { AltoEventType } from './alto-constants.ts';
import {
  appointmentIdOf,
  offerIdOf,
  type AppointmentRecord,
  type OfferRecord,
} from './alto-activity.model.ts';
import {
  altoTime,
  contactIdOf,
  fieldsOf,
  type ContactRecord,
  type JsonObject,
} from './alto-contact.model.ts';

/**
 * A webhook subscription. In Alto, Alto Connect support sets these up by hand (the partner emails
 * the URL, event types and authentication method); the simulator stands in with an API so
 * automatic registration can be exercised. One per integration and agency.
 */
export interface AltoSubscription {
  id: string;
  integrationId: string;
  clientId: string;
  agencyRef: string;
  url: string;
  eventTypes: AltoEventType[];
  /** Keys the `x-signature` HMAC of every delivery. Never logged or listed. */
  secret: string;
  created: number;
}

/** One change Alto notifies about: what changed, where to fetch it, and related resources. */
export interface AltoChange {
  type: AltoEventType;
  /** Relative URI of the changed resource, e.g. `/contacts/20000001`. */
  subject: string;
  subjectId: string;
  branchId: string | null;
  relatedSubjects: Array<{ subjectUri: string; subjectId: string }>;
  /** When the change happened (ms). */
  time: number;
}

const related = (path: string, subjectId: string) => ({ subjectUri: `/${path}/${subjectId}`, subjectId });

export function contactChange(
  record: ContactRecord,
  seed: number,
  type: 'Contact.Created' | 'Contact.Modified',
  time: number,
): AltoChange {
  const id = contactIdOf(record.seq);
  const { branchId } = fieldsOf(record, seed);
  return { type, subject: `/contacts/${id}`, subjectId: id, branchId, relatedSubjects: [], time };
}

/** An appointment or offer change: the record, with its contacts and property as related subjects. */
function activityChange(
  type: AltoEventType,
  [path, id]: [string, string],
  record: { branchId: string; propertyId: string; modified: number },
  contactSeqs: readonly number[],
): AltoChange {
  const contacts = contactSeqs.map((seq) => related('contacts', contactIdOf(seq)));
  return {
    type,
    subject: `/${path}/${id}`,
    subjectId: id,
    branchId: record.branchId,
    relatedSubjects: [...contacts, related('inventory', record.propertyId)],
    time: record.modified,
  };
}

export const appointmentChange = (
  record: AppointmentRecord,
  type: 'Appointment.Created' | 'Appointment.Modified',
) => activityChange(type, ['appointments', appointmentIdOf(record.seq)], record, record.contactSeqs);

export const offerChange = (
  record: OfferRecord,
  type: 'Offer.Created' | 'Offer.Modified' | 'Offer.Accepted' | 'Offer.Withdrawn',
) => activityChange(type, ['offers/sales-offer', offerIdOf(record.seq)], record, [record.contactSeq]);

/**
 * A CloudEvents 1.0 notification as Alto sends it: no snapshot of the resource, only what to
 * fetch. `id` is `<event uuid>|<integrationId>`, unique per notification and kept across retries.
 */
export function cloudEventBody(change: AltoChange, integrationId: string, agencyRef: string): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `${randomUUID()}|${integrationId}`,
    type: change.type,
    source: 'alto',
    subject: change.subject,
    time: new Date(change.time).toISOString(),
    datacontenttype: 'application/json',
    data: {
      integrationId,
      agencyRef,
      ...(change.branchId === null ? {} : { branchId: change.branchId }),
      subjectId: change.subjectId,
      relatedSubjects: change.relatedSubjects.map((related) => ({ ...related })),
    },
  });
}

/**
 * How a delivery proves its sender. `shared-value` is Alto's public record: `x-signature` carries the
 * subscription's shared secret as is. `hmac-sha256` is a stronger variant some receivers ask for and
 * Propsync also verifies: `x-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */
export type AltoWebhookSigning = 'shared-value' | 'hmac-sha256';

export function signatureHeader(secret: string, rawBody: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

/** The headers of one delivery attempt, signed at `timestampSeconds` (each retry is re-signed). */
export function deliveryHeaders(
  secret: string,
  rawBody: string,
  timestampSeconds: number,
  signing: AltoWebhookSigning = 'shared-value',
): Record<string, string> {
  return {
    'content-type': 'application/cloudevents+json',
    'x-signature': signing === 'shared-value' ? secret : signatureHeader(secret, rawBody, timestampSeconds),
  };
}

/** Subscriptions and fan-out: each change goes to every subscription of its agency that wants its type. */
export class AltoWebhooks extends SubscriptionRegistry<AltoSubscription> {
  protected override readonly owner = 'agencyRef';
  /** How every delivery is signed (see `AltoWebhookSigning`). */
  signing: AltoWebhookSigning = 'shared-value';

  /** A new subscription; without a `secret`, one is generated. */
  create(input: Omit<AltoSubscription, 'id' | 'secret' | 'created'> & { secret?: string | undefined }) {
    return this.add({
      id: randomUUID(),
      ...input,
      eventTypes: [...new Set(input.eventTypes)],
      secret: input.secret ?? randomBytes(32).toString('base64url'),
      created: this.now(),
    });
  }

  /** Subscriptions of one agency (all integrations, or one client's), oldest first. */
  override list(agencyRef: string, clientId?: string): AltoSubscription[] {
    return super
      .list(agencyRef)
      .filter((subscription) => clientId === undefined || subscription.clientId === clientId);
  }

  hasSubscribers(agencyRef: string, type?: AltoEventType): boolean {
    return this.any(
      (subscription) =>
        subscription.agencyRef === agencyRef &&
        (type === undefined || subscription.eventTypes.includes(type)),
    );
  }

  /** Queues one notification per matching subscription; returns how many were queued. */
  emit(agencyRef: string, changes: readonly AltoChange[]): number {
    let queued = 0;
    for (const change of changes) {
      const wants = (subscription: AltoSubscription) =>
        subscription.agencyRef === agencyRef && subscription.eventTypes.includes(change.type);
      queued += this.fanOut(wants, (subscription) => {
        const body = cloudEventBody(change, subscription.integrationId, agencyRef);
        return {
          url: subscription.url,
          body,
          // The wall clock, not the simulated one: receivers compare the timestamp with theirs.
          headers: () => deliveryHeaders(subscription.secret, body, unixSeconds(), this.signing),
          labels: { type: change.type, subject: change.subject, subscriptionId: subscription.id, agencyRef },
        };
      });
    }
    return queued;
  }

  /** A subscription as the API shows it: never the secret. */
  render(subscription: AltoSubscription): JsonObject {
    return {
      id: subscription.id,
      integrationId: subscription.integrationId,
      url: subscription.url,
      eventTypes: [...subscription.eventTypes],
      authentication: this.signing === 'shared-value' ? 'x-signature' : 'x-signature-hmac-sha256',
      createdDate: altoTime(subscription.created),
      links: [{ href: `/webhooks/subscriptions/${subscription.id}`, rel: 'self' }],
    };
  }
}
