import { z } from 'zod';

/** Shared zod pieces of the read-side routers (audit log, conflicts, alerts, contacts). */
export const MAX_PAGE_SIZE = 200;

export const PageInput = {
  /** Opaque: pass back the `nextCursor` of the previous page. */
  cursor: z.string().max(512).nullish(),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
};

/** An ISO timestamp with an offset, or a date (`2026-11-23`, read as that UTC day). */
export const DateBoundInput = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
