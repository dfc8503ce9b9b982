import type { z } from 'zod';
import { PropsyncError } from '../../core/errors.ts';
import type { WebhookRegistration } from '../../core/ports/crm-adapter.ts';
import type { HttpResponse, ProviderHttp, RequestOptions } from './provider-http.ts';

/** A subscription the CRM created: its id, and the secret it signs deliveries with (if it signs). */
export type CreatedSubscription = { id: string; secret: string | null };

/**
 * How a CRM's API subscribes Propsync to its webhooks and unsubscribes it: one POST to a collection
 * creates a subscription, a DELETE of `<collection>/<id>` removes it.
 */
export type WebhookSubscriptionApi = {
  collection: string;
  /** The POST subscribing `url` to the events Propsync reads. */
  request(url: string): RequestOptions;
  /** The subscription the CRM's answer describes; null when it names none (or no secret, where the CRM signs). */
  created(response: HttpResponse): CreatedSubscription | null;
  /** The error's message when the answer names no subscription. */
  notCreated: string;
  /**
   * Earlier subscriptions of the same URL, for CRMs that show a secret only when they create a
   * subscription: they are deleted first, so the new one (and its secret) replaces them.
   */
  sameUrl?(http: ProviderHttp, url: string): Promise<string[]>;
};

/** Subscribes `url` (replacing earlier subscriptions of it where the CRM asks for that). */
export async function subscribeWebhooks(
  http: ProviderHttp,
  api: WebhookSubscriptionApi,
  url: string,
): Promise<WebhookRegistration> {
  if (api.sameUrl) await deleteWebhookSubscriptions(http, api.collection, await api.sameUrl(http, url));
  const created = api.created(await http.request('POST', api.collection, api.request(url)));
  if (created === null) throw new PropsyncError('ADAPTER.BAD_RESPONSE', api.notCreated);
  return { ids: [created.id], secret: created.secret, url };
}

/**
 * `WebhookSubscriptionApi.created` for CRMs that answer with the subscription and the secret it
 * signs with: an answer of another shape, or without the secret, names no subscription.
 */
export function signedSubscription<T>(
  schema: z.ZodType<T>,
  read: (subscription: T) => { id: string; secret?: string | null | undefined },
): (response: HttpResponse) => CreatedSubscription | null {
  return (response) => {
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) return null;
    const { id, secret } = read(parsed.data);
    return secret ? { id, secret } : null;
  };
}

/**
 * Deletes webhook subscriptions one by one at `<collection>/<id>`. One the CRM no longer has
 * (404) counts as deleted, so unregistering twice, or after an admin removed it, still succeeds.
 */
export async function deleteWebhookSubscriptions(
  http: ProviderHttp,
  collection: string,
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) {
    await http.request('DELETE', `${collection}/${encodeURIComponent(id)}`, { acceptStatuses: [404] });
  }
}
