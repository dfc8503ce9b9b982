import { describe, expect, it } from 'vitest';
import { ReapitPageSchema, isLastPage } from './reapit.schemas.ts';

const page = (records: number, envelope: Record<string, unknown> = {}) =>
  ReapitPageSchema.parse({ _embedded: Array.from({ length: records }, (_, id) => ({ id })), ...envelope });

describe('Reapit paging: when a read has reached its last page', () => {
  it('ends on a page shorter than asked, or than the page size Reapit says it used', () => {
    expect(isLastPage(page(99), 1, 100)).toBe(true);
    // Reapit paging by 50 although 100 were asked: a full page of 50 is not the end.
    expect(
      isLastPage(page(50, { pageSize: 50, _links: { next: { href: '/contacts?pageNumber=2' } } }), 1, 100),
    ).toBe(false);
    expect(isLastPage(page(49, { pageSize: 50 }), 2, 100)).toBe(true);
  });

  it('follows the next link when there is one, else the page count, else asks for one more page', () => {
    expect(isLastPage(page(100, { _links: { self: { href: '/contacts' } } }), 1, 100)).toBe(true);
    expect(isLastPage(page(100, { _links: { next: { href: null } } }), 1, 100)).toBe(true);
    expect(isLastPage(page(100, { totalPageCount: 3 }), 2, 100)).toBe(false);
    expect(isLastPage(page(100, { totalPageCount: 3 }), 3, 100)).toBe(true);
    expect(isLastPage(page(100), 7, 100)).toBe(false);
    expect(isLastPage(page(0), 8, 100)).toBe(true);
  });
});
