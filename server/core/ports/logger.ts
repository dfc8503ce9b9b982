type LogCall = (details: object, message?: string) => void;

/** How the core logs: pino's call shape, declared here so the core does not depend on pino. */
export interface CoreLogger {
  child(bindings: Record<string, unknown>): CoreLogger;
  debug: LogCall;
  info: LogCall;
  warn: LogCall;
  error: LogCall;
}
