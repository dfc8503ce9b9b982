import { randomUUID } from 'node:crypto';
import type { CrmAdapter } from '../core/ports/crm-adapter.ts';
import { createLogger } from '../infrastructure/logger.ts';
import {
  AdapterResolver,
  type AdapterResolverOptions,
  type ConnectionForAdapter,
} from '../adapters/adapter-resolver.ts';

/** One connection's values; each call is a new connection, so no grant or pacing carries over. */
export type ConnectAdapter = (connection: Omit<ConnectionForAdapter, 'id'>) => CrmAdapter;

/**
 * How adapter tests reach a CRM (a simulator, or a fake fetch): through the resolver production uses,
 * silent, and with a short timeout so a hung request fails the test rather than stalling it.
 */
export function adapterConnector(options: AdapterResolverOptions = {}): ConnectAdapter {
  const resolver = new AdapterResolver(createLogger({ level: 'silent' }), { timeoutMs: 5_000, ...options });
  return (connection) => resolver.forConnection({ id: randomUUID(), ...connection });
}
