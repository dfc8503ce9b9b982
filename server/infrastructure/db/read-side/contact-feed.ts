import { z } from 'zod';
import { MarketingConsentSchema, NurtureCategorySchema } from '../../../../shared/contact.ts';
import { CrmProviderSchema } from '../../../../shared/providers.ts';
import type { ContactFeedPage, FeedContact } from '../../../../shared/api/contact.dto.ts';
import { PropsyncError } from '../../../core/errors.ts';
import { contactIdentity, contactIdentityColumns } from '../contact-rows.ts';
import type { EntityManager } from '../orm.ts';
import { Sql, sqlNumber, sqlTimestamp, type SqlParam } from '../sql.ts';

export type { ContactFeedPage, FeedContact };

const NO_ID = '00000000-0000-0000-0000-000000000000';
/** A transaction id as PostgreSQL's xid8 holds it (a crafted cursor out of range gets a clear refusal, not a cast error). */
const XID = z
  .string()
  .regex(/^\d{1,20}$/)
  .refine((text) => BigInt(text) < 2n ** 64n);

/**
 * Where a host's read of the feed stands. `full`: the first read, in creation order, of the
 * contacts that existed when it started (`bound`: every transaction below it had finished), so a
 * contact changed mid-read is neither skipped nor read twice. `changes`: every contact changed
 * since, in change order, up to the oldest transaction still running. `since` narrows the changes
 * to those after a time the host gave.
 */
const FeedCursor = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('full'), bound: XID, afterXid: XID, afterId: z.uuid() }),
  z.object({
    mode: z.literal('changes'),
    afterXid: XID,
    afterId: z.uuid(),
    since: z.iso.datetime().nullable(),
  }),
]);
type FeedCursor = z.infer<typeof FeedCursor>;

export function encodeFeedCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeFeedCursor(text: string): FeedCursor {
  try {
    return FeedCursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new PropsyncError(
      'ADAPTER.VALIDATION',
      'The cursor is not one this feed gave out: start again without one',
    );
  }
}

const FeedRow = z.object({
  ...contactIdentityColumns,
  postcode: z.string().nullable(),
  nurture_category: NurtureCategorySchema,
  marketing_consent: MarketingConsentSchema,
  intent_score: sqlNumber,
  hot_lead_at: sqlTimestamp.nullable(),
  updated_at: sqlTimestamp,
  position: XID,
  links: z.array(
    z.object({
      provider: CrmProviderSchema,
      connectionId: z.string(),
      externalId: z.string(),
      active: z.boolean(),
    }),
  ),
});

/** The oldest transaction still running: all below it have finished, and none can start below it. */
async function settledBelow(sql: Sql): Promise<string> {
  const row = await sql.first(
    z.object({ xmin: XID }),
    `select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`,
  );
  return row!.xmin;
}

/**
 * A cursor that starts a full read from now, given with `connection.initial_import_completed`.
 * Inside a transaction, its own changes come with the changes after the full read.
 */
export async function feedStartCursor(sql: Sql): Promise<string> {
  return encodeFeedCursor({ mode: 'full', bound: await settledBelow(sql), afterXid: '0', afterId: NO_ID });
}

/** The host's feed of an agency's contacts: a first full read, then every change since. */
export class ContactFeed {
  readonly #sql: Sql;

  constructor(em: EntityManager) {
    this.#sql = new Sql(em);
  }

  async page(
    organisationId: string,
    input: { cursor?: string | undefined; changedSince?: string | undefined; limit: number },
  ): Promise<ContactFeedPage> {
    const cursor: FeedCursor = input.cursor
      ? decodeFeedCursor(input.cursor)
      : input.changedSince
        ? { mode: 'changes', afterXid: '0', afterId: NO_ID, since: input.changedSince }
        : { mode: 'full', bound: await settledBelow(this.#sql), afterXid: '0', afterId: NO_ID };
    const rows = await this.#read(organisationId, cursor, input.limit + 1);
    const hasMore = rows.length > input.limit;
    const contacts = rows.slice(0, input.limit);
    const last = contacts.at(-1);
    let next: FeedCursor;
    if (last) next = { ...cursor, afterXid: last.position, afterId: last.id };
    else next = cursor;
    // The full read is done: carry on with whatever changed since it started.
    if (!hasMore && next.mode === 'full') {
      next = {
        mode: 'changes',
        afterXid: String(BigInt(next.bound) > 0n ? BigInt(next.bound) - 1n : 0n),
        afterId: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
        since: null,
      };
    }
    return { contacts: contacts.map(toFeedContact), nextCursor: encodeFeedCursor(next), hasMore };
  }

  #read(organisationId: string, cursor: FeedCursor, limit: number) {
    const full = cursor.mode === 'full';
    const column = full ? 'created_xid' : 'changed_xid';
    const params: SqlParam[] = [organisationId, cursor.afterXid, cursor.afterId];
    let bound = 'pg_snapshot_xmin(pg_current_snapshot())';
    if (full) {
      bound = '?::xid8';
      params.push(cursor.bound);
    }
    let since = '';
    if (!full && cursor.since) {
      since = 'and c.updated_at > ?';
      params.push(cursor.since);
    }
    params.push(limit);
    return this.#sql.rows(
      FeedRow,
      `select c.id, c.title, c.first_name, c.last_name, c.emails, c.phones, c.postcode, c.nurture_category,
         c.marketing_consent, c.intent_score, c.hot_lead_at, c.updated_at, c.${column}::text as position,
         coalesce((select jsonb_agg(jsonb_build_object('provider', e.provider, 'connectionId', e.connection_id,
             'externalId', e.external_id, 'active', e.active) order by e.created_at, e.id)
           from contact_external_ids e where e.contact_id = c.id), '[]'::jsonb) as links
       from contacts c
       where c.organisation_id = ? and (c.${column}, c.id) > (?::xid8, ?::uuid) and c.${column} < ${bound} ${since}
       order by c.${column}, c.id limit ?`,
      params,
    );
  }
}

function toFeedContact(row: z.infer<typeof FeedRow>): FeedContact {
  return {
    ...contactIdentity(row),
    postcode: row.postcode,
    nurtureCategory: row.nurture_category,
    marketingConsent: row.marketing_consent,
    intentScore: row.intent_score,
    hotLeadAt: row.hot_lead_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
    links: row.links,
  };
}
