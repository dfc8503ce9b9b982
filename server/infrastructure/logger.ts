import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Paths whose values never reach a log line. Credentials travel under these names everywhere in
 * Propsync (vault input, adapter auth, HTTP headers), so redacting by name is enough.
 */
export const REDACTED_PATHS = [
  'credentials',
  '*.credentials',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'apiKey',
  '*.apiKey',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["api_key"]',
  'headers["x-api-key"]',
  'encryptionKeys',
  'webhookSecret',
  '*.webhookSecret',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'propsync' },
    },
    options.destination,
  );
}

export type { Logger };
