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

/**
 * Reads from `start` again and again until what it answers holds every id of `expected`, and
 * answers that read. The feed gives a change once every transaction older than it has ended
 * (anywhere on the cluster, e.g. another test's database): briefly later under load, never lost.
 */
export async function readFeedUntilItHolds(
  feed: () => ContactsCaller,
  start: { cursor?: string; changedSince?: string },
  limit: number,
  expected: ReadonlySet<string>,
  timeoutMs = 30_000,
): Promise<{ contacts: FeedContact[]; cursor: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await readFeed(feed, start, limit);
    const ids = new Set(read.contacts.map((contact) => contact.id));
    if ([...expected].every((id) => ids.has(id)) || Date.now() > deadline) return read;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
