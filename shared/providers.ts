import { z } from 'zod';

/** Every CRM Propsync knows. Adding one here makes the compiler list every place that must handle it. */
export const CRM_PROVIDERS = ['agentos', 'reapit', 'alto', 'street', 'loop', 'custom'] as const;
export const CrmProviderSchema = z.enum(CRM_PROVIDERS);
export type CrmProvider = z.infer<typeof CrmProviderSchema>;

export const CONNECTION_STATUSES = ['active', 'error', 'disconnected'] as const;
export const ConnectionStatusSchema = z.enum(CONNECTION_STATUSES);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const AUTH_KINDS = ['api_key', 'oauth_client_credentials', 'bearer_token'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
