import { CrmProviderSchema, type CrmProvider } from '../../shared/providers.ts';
import type { ProviderInfo } from '../../shared/provider-catalog.ts';
import { agentosCrm } from './agentos/index.ts';
import { altoCrm } from './alto/index.ts';
import type { CrmModule } from './crm-module.ts';
import { customCrm } from './custom/index.ts';
import { loopCrm } from './loop/index.ts';
import { reapitCrm } from './reapit/index.ts';
import { streetCrm } from './street/index.ts';

/**
 * Every CRM Propsync speaks to, one line each: adding a CRM is its folder under
 * `server/adapters/<provider>/` plus one line here. Everything else (the providers API, the connect
 * form, the contract suite, the demo, the database's provider table) reads this list.
 */
export const CRMS: readonly CrmModule[] = [agentosCrm, reapitCrm, altoCrm, streetCrm, loopCrm, customCrm];

const CRMS_BY_ID = new Map(CRMS.map((crm) => [crm.adapter.info.id, crm]));
if (CRMS_BY_ID.size !== CRMS.length) {
  throw new Error('Two CRMs in server/adapters/registry.ts share a provider id');
}
for (const id of CRMS_BY_ID.keys()) {
  // The same rule as the database's, and 'propsync' names Propsync's own activities.
  if (!CrmProviderSchema.safeParse(id).success || id === 'propsync') {
    throw new Error(
      `"${id}" cannot be a provider id: use lowercase letters, digits and dashes (not "propsync")`,
    );
  }
}

/** What Propsync knows about each registered CRM, in registry order. */
export const PROVIDER_INFOS: readonly ProviderInfo[] = CRMS.map((crm) => crm.adapter.info);

/** The registered provider ids, in registry order. */
export const CRM_PROVIDERS: readonly CrmProvider[] = [...CRMS_BY_ID.keys()];

export function findCrm(provider: CrmProvider): CrmModule | undefined {
  return CRMS_BY_ID.get(provider);
}

export function providerInfo(provider: CrmProvider): ProviderInfo | undefined {
  return CRMS_BY_ID.get(provider)?.adapter.info;
}

/** A provider's display name, or its id for one no longer registered (old audit rows). */
export function providerDisplayName(provider: CrmProvider): string {
  return providerInfo(provider)?.displayName ?? provider;
}
