import { defineEntity, p } from '@mikro-orm/core';
import { CONSENT_CHANNELS } from '../../../../shared/platform-changes.ts';
import { oneOfCheck } from './base.ts';
import { contactOwned } from './contact.entity.ts';
import { organisationRowProperties } from './owners.ts';

/**
 * A change the host platform made to a contact (a consent, or field values): its audit, and for a
 * consent the platform's record the deny-wins rule reads. It goes with its contact.
 */
export const PlatformChange = defineEntity({
  name: 'PlatformChange',
  tableName: 'platform_changes',
  properties: {
    ...organisationRowProperties,
    ...contactOwned,
    kind: p.text().$type<'consent' | 'fields'>(),
    channel: p.text().$type<(typeof CONSENT_CHANNELS)[number]>().nullable(),
    status: p.text().$type<'granted' | 'denied'>().nullable(),
    /** The contact fields it set (what is written to the CRMs); empty for a channel no CRM holds. */
    fields: p.json<Record<string, unknown>>(),
    source: p.text(),
    /** Who: the role of the token that made the change. */
    actor: p.text(),
    /** When the person gave the consent (its `at`), or when the fields were changed. */
    occurredAt: p.datetime(),
    queuedConnections: p.array().defaultRaw(`'{}'`),
  },
  indexes: [
    {
      // The sync reads each linked contact's newest consent of a channel.
      name: 'platform_changes_consent_idx',
      properties: ['contactId', 'channel', 'occurredAt'],
      where: `kind = 'consent'`,
    },
  ],
  checks: [
    oneOfCheck('platform_changes', 'kind', ['consent', 'fields']),
    oneOfCheck('platform_changes', 'channel', CONSENT_CHANNELS),
    oneOfCheck('platform_changes', 'status', ['granted', 'denied']),
    {
      name: 'platform_changes_consent_check',
      expression: `(kind = 'consent') = (channel is not null and status is not null)`,
    },
  ],
});
