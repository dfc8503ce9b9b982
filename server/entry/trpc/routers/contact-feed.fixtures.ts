import type { FeedContact } from '../../../../shared/api/contact.dto.ts';
import type { appRouter } from './_app.ts';

type ContactsCaller = ReturnType<typeof appRouter.createCaller>['contacts'];

/**
 * Pages the host feed from `start` until it is caught up, calling `betweenPages` after each page
 * but the last; answers every contact read and the cursor to carry on with.
 */
export async function readFeed(
  feed: () => ContactsCaller,
  start: { cursor?: string; changedSince?: string },
  limit: number,
  betweenPages?: () => Promise<void>,
): Promise<{ contacts: FeedContact[]; cursor: string }> {
  const contacts: FeedContact[] = [];
  let input: { cursor?: string; changedSince?: string; limit: number } = { ...start, limit };
  for (;;) {
    const page = await feed().list(input);
    contacts.push(...page.contacts);
    if (!page.hasMore) return { contacts, cursor: page.nextCursor };
    input = { cursor: page.nextCursor, limit };
    await betweenPages?.();
  }
}
