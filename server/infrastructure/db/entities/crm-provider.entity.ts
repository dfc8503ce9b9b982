import { defineEntity, p } from '@mikro-orm/core';
import type { CrmProvider } from '../../../../shared/providers.ts';

/** The provider registry table; the code-side registry adds capabilities and adapters (docs/crms/). */
export const CrmProviderRecord = defineEntity({
  name: 'CrmProviderRecord',
  tableName: 'crm_providers',
  properties: {
    id: p.text().$type<CrmProvider>().primary(),
    displayName: p.text(),
  },
});
