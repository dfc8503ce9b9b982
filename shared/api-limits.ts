/**
 * Limits of Propsync's tRPC endpoint (`/trpc`). The client batches no more calls than the server
 * accepts; a request over either limit is refused before any procedure runs.
 */
export const TRPC_MAX_BATCH_SIZE = 25;
/** Largest request body `/trpc` reads; a bigger one is answered 413 without being parsed. */
export const TRPC_BODY_LIMIT_BYTES = 1024 * 1024;
