import type { ProviderHttp } from './provider-http.ts';

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
