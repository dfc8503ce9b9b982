import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';
import { PropsyncError, type ErrorCode } from '../errors.ts';
import type { TrpcContext } from './context.ts';

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Stable code the UI can branch on; zod problems flattened per field.
        propsyncCode: cause instanceof PropsyncError ? cause.code : null,
        fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : null,
      },
    };
  },
});

const TRPC_CODE_BY_PROPSYNC_CODE: Partial<Record<ErrorCode, TRPCError['code']>> = {
  'CONNECTION.NOT_FOUND': 'NOT_FOUND',
  'CONTACT.NOT_FOUND': 'NOT_FOUND',
  'CONNECTION.ALREADY_EXISTS': 'CONFLICT',
  'CONNECTION.DISCONNECTED': 'PRECONDITION_FAILED',
  'ADAPTER.AUTH_INVALID': 'BAD_REQUEST',
  'ADAPTER.PERMISSION_DENIED': 'BAD_REQUEST',
  'ADAPTER.VALIDATION': 'BAD_REQUEST',
  'SYNC.ALREADY_RUNNING': 'CONFLICT',
  'OAUTH.UNAVAILABLE': 'PRECONDITION_FAILED',
  'OAUTH.RETURN_URL_REFUSED': 'BAD_REQUEST',
  'OAUTH.SIGN_IN_EXPIRED': 'PRECONDITION_FAILED',
};

/** One place maps domain errors to tRPC errors, keeping the actionable message and stable code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof PropsyncError) {
    const cause = result.error.cause;
    throw new TRPCError({
      code:
        TRPC_CODE_BY_PROPSYNC_CODE[cause.code] ?? (cause.transient ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST'),
      message: cause.message,
      cause,
    });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

/** Every agency procedure: a valid embed token is required and scopes all data to its agency. */
export const agencyProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A valid Propsync embed token is required' });
  }
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/** Viewers can read; only admins change anything. */
export const adminProcedure = agencyProcedure.use(({ ctx, next }) => {
  if (ctx.session.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an agency admin can change integrations' });
  }
  return next();
});
