import { defineEntity, p } from '@mikro-orm/core';
import type { CrmProvider } from '../../../../shared/providers.ts';
import { PROVIDER_ID_FORMAT } from './base.ts';

/** The provider registry table; the code-side registry adds capabilities and adapters (docs/crms/). */
export const CrmProviderRecord = defineEntity({
  name: 'CrmProviderRecord',
  tableName: 'crm_providers',
  properties: {
    id: p.text().$type<CrmProvider>().primary(),
    displayName: p.text(),
  },
  checks: [{ name: 'crm_providers_id_format', expression: `id ~ ${PROVIDER_ID_FORMAT}` }],
});
