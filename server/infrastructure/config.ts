import path from 'node:path';
import { z } from 'zod';
import type { OAuthApp } from '../adapters/adapter-definition.ts';
import { parseEgressAllow } from './egress/egress-policy.ts';

const EnvironmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  PROPSYNC_HOST: z.string().min(1).optional(),
  PROPSYNC_FRAME_ANCESTORS: z.string().optional(),
  PROPSYNC_TRUST_PROXY: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  PROPSYNC_DATA_DIR: z.string().default('.data'),
  PROPSYNC_ENCRYPTION_KEYS: z.string().optional(),
  PROPSYNC_TOKEN_SECRET: z.string().min(32).optional(),
  PROPSYNC_TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PROPSYNC_SYNC_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  PROPSYNC_SCHEDULER: z.enum(['on', 'off']).default('on'),
  PROPSYNC_FAILING_ALERT_MINUTES: z.coerce.number().int().min(1).default(60),
  PROPSYNC_WEBHOOK_PARK_MAX_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  PROPSYNC_WEBHOOK_PARK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(20),
  PROPSYNC_RESCORE_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  PROPSYNC_RECONCILE_INTERVAL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  PROPSYNC_RETENTION_SYNC_LOG_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  PROPSYNC_RETENTION_SYNC_RUNS_DAYS: z.coerce.number().int().min(1).max(36_500).default(180),
  PROPSYNC_RETENTION_WEBHOOK_DELIVERIES_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  PROPSYNC_RETENTION_HOST_EVENTS_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  PROPSYNC_PUBLIC_URL: z.string().url().optional(),
  PROPSYNC_OAUTH_APPS: z.string().optional(),
  PROPSYNC_RETURN_ORIGINS: z.string().optional(),
  PROPSYNC_EGRESS_ALLOW: z.string().optional(),
  PROPSYNC_ALLOWED_ORIGINS: z.string().optional(),
});

const OAuthAppsSchema = z.record(
  z.string(),
  z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    settings: z.record(z.string(), z.string()).optional(),
  }),
);

export type AppConfig = {
  environment: 'development' | 'test' | 'production';
  port: number;
  /**
   * Address the HTTP server binds to: loopback outside production (`/demo/session` hands out an
   * admin token there), every interface in production; PROPSYNC_HOST overrides both.
   */
  host: string | undefined;
  /** CSP `frame-ancestors`: who may frame Propsync's pages ('self' unless configured). */
  frameAncestors: string[];
  /** Express `trust proxy`: set behind a TLS-terminating proxy so HSTS is sent (off by default). */
  trustProxy: boolean | number | string;
  databaseUrl: string | undefined;
  dataDirectory: string;
  encryptionKeys: string | undefined;
  tokenSecret: string | undefined;
  /** Embed and host tokens valid for longer than this (`exp` − `iat`) are refused. */
  tokenMaxLifetimeSeconds: number;
  embeddedPostgresPort: number;
  logLevel: z.infer<typeof EnvironmentSchema>['LOG_LEVEL'];
  /** Sync cycles this process runs at once; 0 makes it an HTTP-only process. */
  syncConcurrency: number;
  /** Whether this process runs the node-cron tick that queues due cycles (safe on every process). */
  schedulerEnabled: boolean;
  /** A connection failing for longer than this raises an alert. */
  failingAlertAfterMinutes: number;
  /** How long, and how many attempts, a webhook delivery that cannot be applied stays parked before it is dead-lettered. */
  webhookParking: { maxHours: number; maxAttempts: number };
  /** Every scored contact is rescored once per this period, so decay reaches the stored score. */
  rescoreIntervalMinutes: number;
  /** Each connection's id set is compared with its CRM's once per this period (lost deletion webhooks). */
  reconcileIntervalHours: number;
  /** Days each growing table keeps its rows (README "Retention"); the conflict audit keeps everything. */
  retention: {
    syncLogDays: number;
    syncRunsDays: number;
    webhookDeliveriesDays: number;
    hostEventsDays: number;
  };
  /** The address CRMs deliver webhooks to (default: this server on localhost). */
  publicUrl: string;
  /**
   * Propsync's apps registered with CRMs for sign-in by OAuth redirect, by provider id; each
   * redirects to `<publicUrl>/oauth/callback`. `npm start` adds the simulators' sandbox apps.
   */
  oauthApps: Record<string, OAuthApp>;
  /** Origins of host pages a sign-in may return to, besides Propsync's own. */
  returnOrigins: string[];
  /**
   * Internal hosts, addresses and ranges an operator lets outbound calls reach (development,
   * on-premise CRMs); everything internal is refused otherwise (server/infrastructure/egress/egress-policy.ts).
   */
  egressAllow: string | undefined;
  /**
   * CRMs' fixed public hosts, `PROPSYNC_<CRM>_<HOST>_URL` (e.g. `PROPSYNC_REAPIT_CONNECT_URL`);
   * a host not set here is the CRM's real address. `npm start` points them at the simulators.
   */
  crmHosts: Record<string, string>;
  /** Origins of host pages that may call the API from the browser (CORS); `*` only outside production. */
  allowedOrigins: string[] | '*';
};

/** Reads configuration from the environment; a bad value stops start-up with the variable's name. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvironmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  return {
    environment: env.NODE_ENV,
    port: env.PORT,
    host: env.PROPSYNC_HOST ?? (env.NODE_ENV === 'production' ? undefined : '127.0.0.1'),
    frameAncestors: parseFrameAncestors(env.PROPSYNC_FRAME_ANCESTORS),
    trustProxy: parseTrustProxy(env.PROPSYNC_TRUST_PROXY),
    databaseUrl: env.DATABASE_URL,
    dataDirectory: path.resolve(env.PROPSYNC_DATA_DIR),
    encryptionKeys: env.PROPSYNC_ENCRYPTION_KEYS,
    tokenSecret: env.PROPSYNC_TOKEN_SECRET,
    tokenMaxLifetimeSeconds: env.PROPSYNC_TOKEN_MAX_LIFETIME_SECONDS,
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    logLevel: env.LOG_LEVEL,
    syncConcurrency: env.PROPSYNC_SYNC_CONCURRENCY,
    schedulerEnabled: env.PROPSYNC_SCHEDULER === 'on',
    failingAlertAfterMinutes: env.PROPSYNC_FAILING_ALERT_MINUTES,
    rescoreIntervalMinutes: env.PROPSYNC_RESCORE_INTERVAL_MINUTES,
    reconcileIntervalHours: env.PROPSYNC_RECONCILE_INTERVAL_HOURS,
    retention: {
      syncLogDays: env.PROPSYNC_RETENTION_SYNC_LOG_DAYS,
      syncRunsDays: env.PROPSYNC_RETENTION_SYNC_RUNS_DAYS,
      webhookDeliveriesDays: env.PROPSYNC_RETENTION_WEBHOOK_DELIVERIES_DAYS,
      hostEventsDays: env.PROPSYNC_RETENTION_HOST_EVENTS_DAYS,
    },
    webhookParking: {
      maxHours: env.PROPSYNC_WEBHOOK_PARK_MAX_HOURS,
      maxAttempts: env.PROPSYNC_WEBHOOK_PARK_MAX_ATTEMPTS,
    },
    publicUrl: env.PROPSYNC_PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    oauthApps: parseOAuthApps(env.PROPSYNC_OAUTH_APPS),
    returnOrigins: parseReturnOrigins(env.PROPSYNC_RETURN_ORIGINS),
    // Parsed here too, so a bad entry stops start-up rather than the first outbound call.
    egressAllow:
      parseEgressAllow(env.PROPSYNC_EGRESS_ALLOW).length > 0 ? env.PROPSYNC_EGRESS_ALLOW : undefined,
    crmHosts: parseCrmHosts(environment),
    allowedOrigins: parseAllowedOrigins(env.PROPSYNC_ALLOWED_ORIGINS, env.NODE_ENV),
  };
}

/** Sources CSP accepts in frame-ancestors: 'self', 'none', or origins (a `*.` subdomain wildcard allowed). */
const FRAME_ANCESTOR = /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?\/?$/i;

function parseFrameAncestors(value: string | undefined): string[] {
  const sources = (value ?? '')
    .split(/[\s,]+/)
    .filter((source) => source !== '')
    .map((source) => {
      const keyword = source.replace(/^'(.*)'$/, '$1').toLowerCase();
      if (keyword === 'self' || keyword === 'none') return `'${keyword}'`;
      if (!FRAME_ANCESTOR.test(source)) {
        throw new Error(
          `Invalid configuration: PROPSYNC_FRAME_ANCESTORS has "${source}"; give 'self', 'none' or origins like https://app.example.co.uk`,
        );
      }
      return source.replace(/\/+$/, '');
    });
  if (sources.length === 0) return ["'self'"];
  if (sources.includes("'none'") && sources.length > 1) {
    throw new Error(
      "Invalid configuration: PROPSYNC_FRAME_ANCESTORS 'none' cannot be combined with other sources",
    );
  }
  return sources;
}

/** `true`/`false`, a hop count, or addresses and names Express knows (`loopback`, `10.0.0.0/8`). */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  const trimmed = (value ?? '').trim();
  if (trimmed === '' || trimmed === 'false') return false;
  if (trimmed === 'true') return true;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

const CRM_HOST_VARIABLE = /^PROPSYNC_[A-Z0-9_]+_URL$/;

function parseCrmHosts(environment: NodeJS.ProcessEnv): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (!CRM_HOST_VARIABLE.test(name) || name === 'PROPSYNC_PUBLIC_URL' || !value) continue;
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
      throw new Error(
        `Invalid configuration: ${name} has "${value}"; give the CRM's http(s) address, e.g. https://connect.reapit.cloud`,
      );
    }
    hosts[name] = value;
  }
  return hosts;
}

function parseReturnOrigins(value: string | undefined): string[] {
  return parseOrigins('PROPSYNC_RETURN_ORIGINS', value, false);
}

function parseAllowedOrigins(value: string | undefined, environment: string): string[] | '*' {
  if (value?.trim() === '*') {
    // A wildcard lets any site's scripts drive the API with a token they obtained; never in production.
    if (environment === 'production') {
      throw new Error(
        'Invalid configuration: PROPSYNC_ALLOWED_ORIGINS cannot be * in production; list the host origins, e.g. https://app.example.co.uk,https://admin.example.co.uk',
      );
    }
    return '*';
  }
  return parseOrigins('PROPSYNC_ALLOWED_ORIGINS', value, true);
}

/**
 * Comma-separated origins; another scheme is refused, and with `exact` so is anything a browser
 * would never send as an Origin (a path, a wildcard in a name), so a typo cannot widen the list.
 */
function parseOrigins(variable: string, value: string | undefined, exact: boolean): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      const url = URL.canParse(origin) ? new URL(origin) : null;
      if (
        !url ||
        (url.protocol !== 'https:' && url.protocol !== 'http:') ||
        (exact &&
          (origin.includes('*') ||
            url.pathname !== '/' ||
            url.search !== '' ||
            url.hash !== '' ||
            url.username !== ''))
      ) {
        throw new Error(
          `Invalid configuration: ${variable} has "${origin}"; give exact origins like https://app.example.co.uk`,
        );
      }
      return url.origin;
    });
}

function parseOAuthApps(value: string | undefined): Record<string, OAuthApp> {
  if (!value) return {};
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new Error(
      'Invalid configuration: PROPSYNC_OAUTH_APPS must be JSON, e.g. {"reapit":{"clientId":"…","clientSecret":"…"}}',
    );
  }
  const parsed = OAuthAppsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: PROPSYNC_OAUTH_APPS ${problems.join('; ')}`);
  }
  return parsed.data as Record<string, OAuthApp>;
}
