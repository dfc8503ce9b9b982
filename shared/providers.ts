import { z } from 'zod';
import {
  AUTH_KINDS,
  CONNECTION_STATUSES,
  type AuthKind,
  type ConnectionStatus,
  type CrmProvider,
} from './api/provider.dto.ts';

/**
 * A CRM's id as registered in `server/adapters/registry.ts` (e.g. "reapit"). The registry is the
 * one list of CRMs: shared code and the client accept any well-formed id, and the server answers
 * an unregistered one with a specific error.
 */
export const CrmProviderSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,31}$/, 'a provider id is lowercase letters, digits and dashes, e.g. "reapit"');
export const ConnectionStatusSchema = z.enum(CONNECTION_STATUSES);

// The plain types and lists live with the API's shapes, which the embed package publishes.
export { AUTH_KINDS, CONNECTION_STATUSES, type AuthKind, type ConnectionStatus, type CrmProvider };
