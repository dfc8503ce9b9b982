import { z } from 'zod';

/**
 * A CRM's id as registered in `server/adapters/registry.ts` (e.g. "reapit"). The registry is the
 * one list of CRMs: shared code and the client accept any well-formed id, and the server answers
 * an unregistered one with a specific error.
 */
export const CrmProviderSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,31}$/, 'a provider id is lowercase letters, digits and dashes, e.g. "reapit"');
export type CrmProvider = string;

export const CONNECTION_STATUSES = ['active', 'error', 'disconnected'] as const;
export const ConnectionStatusSchema = z.enum(CONNECTION_STATUSES);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const AUTH_KINDS = ['api_key', 'oauth_client_credentials', 'bearer_token'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
