/** The `data` of every error answer: tRPC's own fields, plus Propsync's stable code and per-field problems. */
export type PropsyncErrorData = {
  /** tRPC's code, e.g. `UNAUTHORIZED`, `NOT_FOUND`, `BAD_REQUEST`. */
  code: string;
  httpStatus: number;
  path?: string;
  /** One of `server/core/errors.ts`'s codes (e.g. `CONNECTION.NOT_FOUND`), when the failure has one. */
  propsyncCode: string | null;
  /** Bad input, field by field. */
  fieldErrors: Record<string, string[] | undefined> | null;
};

/**
 * What a failed query or mutation of the embed hooks carries: a message a person can act on and,
 * when the server answered, its `data`. Null or undefined when the request never got an answer.
 */
export type PropsyncClientError = {
  readonly message: string;
  readonly data: PropsyncErrorData | null | undefined;
};
