import type { CrmProvider } from '../../shared/providers.ts';
import type { AdapterDefinition } from './adapter-definition.ts';
import { agentosAdapter } from './agentos/agentos.adapter.ts';
import { customAdapter } from './custom/custom.adapter.ts';
import { loopAdapter } from './loop/loop.adapter.ts';
import { reapitAdapter } from './reapit/reapit.adapter.ts';

/**
 * One line per CRM. Providers still without an adapter are listed as `null`, so the record stays
 * complete over CrmProvider and a new provider that is not handled here fails to compile.
 */
export const ADAPTERS = {
  agentos: agentosAdapter,
  reapit: reapitAdapter,
  alto: null,
  street: null,
  loop: loopAdapter,
  custom: customAdapter,
} satisfies Record<CrmProvider, AdapterDefinition<any, any> | null>;
