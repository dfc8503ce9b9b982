import type { CrmProvider } from '../../shared/providers.ts';
import type { AdapterDefinition } from './adapter-definition.ts';
import { agentosAdapter } from './agentos/agentos.adapter.ts';
import { altoAdapter } from './alto/alto.adapter.ts';
import { customAdapter } from './custom/custom.adapter.ts';
import { loopAdapter } from './loop/loop.adapter.ts';
import { reapitAdapter } from './reapit/reapit.adapter.ts';
import { streetAdapter } from './street/street.adapter.ts';

/** One line per CRM. Typed as a record over CrmProvider, so a provider without an adapter fails to compile. */
export const ADAPTERS = {
  agentos: agentosAdapter,
  reapit: reapitAdapter,
  alto: altoAdapter,
  street: streetAdapter,
  loop: loopAdapter,
  custom: customAdapter,
} satisfies Record<CrmProvider, AdapterDefinition<any, any>>;
