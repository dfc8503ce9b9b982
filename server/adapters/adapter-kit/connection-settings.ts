/** What several CRMs ask an admin for, and read from it, in the same way. */
import { z } from 'zod';
import type { ConnectField, RateLimits } from '../../../shared/provider-catalog.ts';

/**
 * How Propsync paces a CRM that publishes no rate limits (Alto, Loop; `rateLimitsDocumented: false`):
 * 10 requests a second with 4 in flight per connection, a 429's `Retry-After` pausing it.
 */
export const ASSUMED_RATE_LIMITS = {
  requests: 10,
  windowSeconds: 1,
  maxConcurrent: 4,
} as const satisfies RateLimits;

/** The form field for a CRM's API key: a secret, so never echoed back. */
export const API_KEY_FIELD = {
  name: 'apiKey',
  label: 'API key',
  secret: true,
  required: true,
} as const satisfies ConnectField;

/** The form fields for an app registered in the CRM for OAuth client credentials (Alto, Reapit). */
export const CLIENT_CREDENTIAL_FIELDS = [
  { name: 'clientId', label: 'Client id', required: true },
  { name: 'clientSecret', label: 'Client secret', secret: true, required: true },
] as const satisfies readonly ConnectField[];

/** How those two fields are read; the secret is kept exactly as typed. */
export const ClientCredentialShape = {
  clientId: z.string().trim().min(1, 'client id is required'),
  clientSecret: z.string().min(1, 'client secret is required'),
};

/**
 * Credentials that are one key or token the admin pastes (agentOS, Street, the open API): trimmed,
 * and `missing` the error when it is empty.
 */
export function pastedKeyCredentials<const Name extends string>(name: Name, missing: string) {
  return z.object({ [name]: z.string().trim().min(1, missing) } as Record<Name, z.ZodString>);
}

/**
 * Records per page, up to the CRM's own ceiling. Settings arrive as form text, hence the coercion;
 * smaller pages are only for tests and debugging.
 */
export function pageSizeSetting(max: number, byDefault: number = max) {
  return z.coerce.number().int().min(1).max(max).default(byDefault);
}

/** The settings of a CRM whose connection has nothing to set but the page size. */
export function pageSizeOnlySettings(max: number) {
  return z.object({ pageSize: pageSizeSetting(max) });
}

/** The base URL of CRMs whose configured API host is itself the root of every call. */
export function apiHostAsBaseUrl(_settings: unknown, hosts: Readonly<Record<'api', string>>): string {
  return hosts.api;
}
