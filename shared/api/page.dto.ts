/** One page of a list answer; `nextCursor` asks for the next, null on the last. */
export type Page<T> = { items: T[]; nextCursor: string | null; totalCount: number };
