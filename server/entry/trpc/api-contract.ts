import type {
  AnyTRPCProcedure,
  AnyTRPCRouter,
  inferProcedureInput,
  inferProcedureOutput,
} from '@trpc/server';

/** Whether two types are identical (not merely assignable either way). */
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** One level flattened, so `A & B` and the object it amounts to compare as the same input. */
type Flat<T> = T extends object ? { [K in keyof T]: T[K] } : T;

type Described<TRecord> = {
  [K in keyof TRecord]: TRecord[K] extends AnyTRPCProcedure
    ? {
        procedure: true;
        type: TRecord[K]['_def']['type'];
        input: Flat<inferProcedureInput<TRecord[K]>>;
        output: inferProcedureOutput<TRecord[K]>;
      }
    : Described<TRecord[K]>;
};

type PartName = { type: 'kind (query or mutation)'; input: 'input'; output: 'output' };

type ProcedureDescription = { procedure: true; type: unknown; input: unknown; output: unknown };

type PartMismatch<S extends ProcedureDescription, C extends ProcedureDescription, Path extends string> = {
  [Part in 'type' | 'input' | 'output']: Identical<S[Part], C[Part]> extends true
    ? never
    : `${Path}: its ${PartName[Part]} differs from shared/api/propsync-api.ts`;
}['type' | 'input' | 'output'];

type Mismatches<S, C, Prefix extends string> = {
  [K in (keyof S | keyof C) & string]: K extends keyof S
    ? K extends keyof C
      ? S[K] extends ProcedureDescription
        ? C[K] extends ProcedureDescription
          ? PartMismatch<S[K], C[K], `${Prefix}${K}`>
          : `${Prefix}${K}: a procedure here, a router in shared/api/propsync-api.ts`
        : Mismatches<S[K], C[K], `${Prefix}${K}.`>
      : `${Prefix}${K}: missing from shared/api/propsync-api.ts`
    : `${Prefix}${K}: in shared/api/propsync-api.ts but not served`;
}[(keyof S | keyof C) & string];

/**
 * The procedures where the server's router and the API description in shared/ differ, as
 * `"router.procedure: why"` strings; `never` when they agree on every procedure's kind, input
 * and (unserialised) output, which makes each procedure declare its answer as a shared DTO type.
 */
export type ContractMismatches<TServer extends AnyTRPCRouter, TContract extends AnyTRPCRouter> = Mismatches<
  Described<TServer['_def']['record']>,
  Described<TContract['_def']['record']>,
  ''
>;

/** A type argument that must be `never`: the compiler names whatever it is instead. */
export type MustBeNever<T extends never> = T;

/** The server's error answers must carry at least what the description promises the client. */
export type ErrorShapeKept<
  TServer extends AnyTRPCRouter,
  TContract extends AnyTRPCRouter,
> = TServer['_def']['_config']['$types']['errorShape'] extends TContract['_def']['_config']['$types']['errorShape']
  ? never
  : 'the errorFormatter in server/entry/trpc/trpc.ts no longer gives the error data shared/api/propsync-api.ts describes';
