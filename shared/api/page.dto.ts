/** One page of a list answer; `nextCursor` asks for the next, null on the last. */
export type Page<T> = { items: T[]; nextCursor: string | null; totalCount: number };

/** Paging of a list request: the previous answer's `nextCursor`, and a page size. */
export type PageInput = { cursor?: string | null; limit?: number };
