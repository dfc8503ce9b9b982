import { PropsyncError } from '../../core/errors.ts';

/**
 * The next-page cursors of one read of a CRM list. A cursor is a keyset position, so one the CRM
 * hands out twice in a read would read the same pages again, for ever; and "more follows" without
 * a cursor would end the read early, silently leaving the rest unread. Either is the CRM's fault:
 * `ADAPTER.BAD_RESPONSE`, recorded on the run, after the pages already read were kept.
 */
export class CursorTrail {
  readonly #seen = new Set<string>();
  readonly #listing: string;

  /** `listing` names the list in the error, e.g. "Alto's contact list (next-token)". */
  constructor(listing: string) {
    this.#listing = listing;
  }

  /**
   * The cursor to ask for the next page with, or null when the read is over. `more` is the CRM's
   * own word that pages follow, where it gives one apart from the cursor (`has_more`).
   */
  follow(cursor: string | null | undefined, more: boolean = cursor != null && cursor !== ''): string | null {
    if (!more) return null;
    if (cursor == null || cursor === '') {
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        `${this.#listing} said more pages follow but gave no cursor for them; Propsync stopped reading rather than miss them`,
      );
    }
    if (this.#seen.has(cursor)) {
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        `${this.#listing} handed out a cursor it had already given in this read (after ${this.#seen.size} pages); Propsync stopped reading rather than loop over the same pages`,
      );
    }
    this.#seen.add(cursor);
    return cursor;
  }
}

/**
 * The pages of one read by page number. A CRM that ignores the number answers every page with the
 * first one, and a read that stops only at an empty or last page never ends: the same non-empty
 * page for the next number is `ADAPTER.BAD_RESPONSE`.
 */
export class PageNumberTrail {
  readonly #listing: string;
  #previous: string | null = null;

  constructor(listing: string) {
    this.#listing = listing;
  }

  /** Notes page `pageNumber`'s records; throws when they are exactly the previous page's. */
  read(pageNumber: number, records: readonly unknown[]): void {
    const content = records.length === 0 ? null : JSON.stringify(records);
    if (content !== null && content === this.#previous) {
      throw new PropsyncError(
        'ADAPTER.BAD_RESPONSE',
        `${this.#listing} answered page ${pageNumber} with exactly the records of page ${pageNumber - 1}: it ignores the page number, and Propsync stopped reading rather than loop`,
      );
    }
    this.#previous = content;
  }
}
