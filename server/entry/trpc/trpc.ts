import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';
import { TRPC_BODY_LIMIT_BYTES, TRPC_MAX_BATCH_SIZE } from '../../../shared/api-limits.ts';
import { requestErrorFromDatabase } from '../../infrastructure/db/database-errors.ts';
import { PropsyncError, type ErrorCode } from '../../core/errors.ts';
import type { TrpcContext } from './context.ts';

/** What a caller reads for a failure of ours; the details are in the server's log, by request id. */
export const INTERNAL_ERROR_MESSAGE =
  'Propsync failed to handle this request; try again, and tell the Propsync operator if it keeps failing';
/** tRPC's own words for a batch over `maxBatchSize` (it has no code of its own). */
const TRPC_BATCH_TOO_LARGE_MESSAGE = 'Batch call exceeds maximum size';

/** The message and stable code an answer carries: ours, never an unexpected error's own text. */
function publicError(error: TRPCError): { message: string; propsyncCode: ErrorCode | null } {
  const cause = error.cause;
  if (cause instanceof PropsyncError) return { message: cause.message, propsyncCode: cause.code };
  if (error.code === 'INTERNAL_SERVER_ERROR')
    return { message: INTERNAL_ERROR_MESSAGE, propsyncCode: 'SERVER.INTERNAL' };
  if (error.code === 'PAYLOAD_TOO_LARGE')
    return {
      message: `The request body is over the ${TRPC_BODY_LIMIT_BYTES} byte limit of /trpc`,
      propsyncCode: 'REQUEST.TOO_LARGE',
    };
  if (error.code === 'BAD_REQUEST' && error.message === TRPC_BATCH_TOO_LARGE_MESSAGE)
    return {
      message: `A batch may carry at most ${TRPC_MAX_BATCH_SIZE} calls; split it into smaller batches`,
      propsyncCode: 'REQUEST.BATCH_TOO_LARGE',
    };
  if (cause instanceof ZodError || error.code === 'PARSE_ERROR')
    return { message: error.message, propsyncCode: 'REQUEST.INVALID' };
  return { message: error.message, propsyncCode: null };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    // tRPC adds a stack outside production: no answer carries one, in any mode.
    const { stack: _stack, ...data } = shape.data;
    const { message, propsyncCode } = publicError(error);
    return {
      ...shape,
      message,
      data: {
        ...data,
        // Stable code the UI can branch on; zod problems flattened per field.
        propsyncCode,
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
  'REQUEST.INVALID': 'BAD_REQUEST',
  'REQUEST.REFERENCE_NOT_FOUND': 'NOT_FOUND',
  'AGENCY.NOT_FOUND': 'NOT_FOUND',
  'AGENCY.OFFBOARDED': 'PRECONDITION_FAILED',
};

/**
 * One place maps domain errors to tRPC errors, keeping the actionable message and stable code. A
 * value the database refused (a malformed id, a missing reference) is the caller's bad input,
 * answered in our words; any other error is ours and leaves as a generic internal error.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause =
      result.error.cause instanceof PropsyncError
        ? result.error.cause
        : requestErrorFromDatabase(result.error.cause);
    if (!cause) return result;
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

const NO_TOKEN =
  'A valid Propsync token is required: send it as "Authorization: Bearer <token>" (an embed token for agency procedures, a host token for agencies.*)';

/**
 * Every agency procedure: a valid embed token is required and scopes all data to its agency,
 * which the host must have provisioned (`agencies.create`) and not offboarded. A host token
 * never acts for an agency.
 */
export const agencyProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const session = ctx.session;
  if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authProblem ?? NO_TOKEN });
  if (session.role === 'host') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        'A host token cannot act for an agency: agency procedures need an embed token naming the agency ("org") and a role (admin or viewer)',
    });
  }
  const status = await ctx.services.agencies.status(session.organisationId);
  if (status !== 'active') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        status === 'offboarded'
          ? `agency ${session.organisationId} was offboarded from Propsync: its tokens are no longer accepted`
          : `agency ${session.organisationId} is not provisioned in Propsync: the host's backend creates it first with agencies.create`,
    });
  }
  return next({ ctx: { ...ctx, session } });
});

/** Viewers can read; only admins change anything. */
export const adminProcedure = agencyProcedure.use(({ ctx, next }) => {
  if (ctx.session.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an agency admin can change integrations' });
  }
  return next();
});

/** The host's backend only (`agencies.*`): a host token, which names no agency. */
export const hostProcedure = publicProcedure.use(({ ctx, next }) => {
  const session = ctx.session;
  if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authProblem ?? NO_TOKEN });
  if (session.role !== 'host') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message:
        'agencies.* needs a host token (role "host", no "org"), minted by the host\'s backend; an embed token cannot manage agencies',
    });
  }
  return next({ ctx: { ...ctx, session } });
});
