import { CrmProviderSchema, type CrmProvider } from '../../shared/providers.ts';
import type { ProviderInfo } from '../../shared/provider-catalog.ts';
import type { AdapterDefinition } from './adapter-definition.ts';
import { agentosAdapter } from './agentos/agentos.adapter.ts';
import { altoAdapter } from './alto/alto.adapter.ts';
import { customAdapter } from './custom/custom.adapter.ts';
import { loopAdapter } from './loop/loop.adapter.ts';
import { reapitAdapter } from './reapit/reapit.adapter.ts';
import { streetAdapter } from './street/street.adapter.ts';

/**
 * Every CRM Propsync speaks to, one line each: adding a CRM is its folder under
 * `server/adapters/<provider>/` plus one line here (and its simulator under `simulators/`, with
 * one line in `simulators/registry.ts`). Everything else (the providers API, the connect form,
 * the contract suite, the database's provider table) reads this list. It lists adapters only, so
 * the production server never loads a simulator.
 */
export const ADAPTERS: readonly AdapterDefinition<any, any, any>[] = [
  agentosAdapter,
  reapitAdapter,
  altoAdapter,
  streetAdapter,
  loopAdapter,
  customAdapter,
];

const ADAPTERS_BY_ID = new Map(ADAPTERS.map((adapter) => [adapter.info.id, adapter]));
if (ADAPTERS_BY_ID.size !== ADAPTERS.length) {
  throw new Error('Two CRMs in server/adapters/registry.ts share a provider id');
}
for (const id of ADAPTERS_BY_ID.keys()) {
  // The same rule as the database's, and 'propsync' names Propsync's own activities.
  if (!CrmProviderSchema.safeParse(id).success || id === 'propsync') {
    throw new Error(
      `"${id}" cannot be a provider id: use lowercase letters, digits and dashes (not "propsync")`,
    );
  }
}

/** What Propsync knows about each registered CRM, in registry order. */
export const PROVIDER_INFOS: readonly ProviderInfo[] = ADAPTERS.map((adapter) => adapter.info);

/** The registered provider ids, in registry order. */
export const CRM_PROVIDERS: readonly CrmProvider[] = [...ADAPTERS_BY_ID.keys()];

export function findAdapter(provider: CrmProvider): AdapterDefinition<any, any, any> | undefined {
  return ADAPTERS_BY_ID.get(provider);
}

export function providerInfo(provider: CrmProvider): ProviderInfo | undefined {
  return ADAPTERS_BY_ID.get(provider)?.info;
}

/** A provider's display name, or its id for one no longer registered (old audit rows). */
export function providerDisplayName(provider: CrmProvider): string {
  return providerInfo(provider)?.displayName ?? provider;
}
