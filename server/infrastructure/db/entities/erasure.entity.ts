import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, oneOf, stampedOnCreate } from './base.ts';
import { CrmConnection } from './crm-connection.entity.ts';
import { organisationOwned, organisationRowProperties } from './owners.ts';

/** That a person was erased (`contacts.erase`), when, and how many rows went: no personal data. */
export const ContactErasure = defineEntity({
  name: 'ContactErasure',
  tableName: 'contact_erasures',
  properties: {
    ...organisationRowProperties,
    removed: p.json<Record<string, number>>(),
    erasedAt: stampedOnCreate,
  },
});

export const TOMBSTONE_KINDS = ['record', 'email', 'phone'] as const;

/**
 * One identifier of an erased person as a keyed hash: a CRM record (connection and id), or a
 * normalised email or phone. A sync imports a matching record only if the CRM changed it later.
 */
export const ErasureTombstone = defineEntity({
  name: 'ErasureTombstone',
  tableName: 'erasure_tombstones',
  properties: {
    ...baseProperties,
    erasureId: p.manyToOne(ContactErasure).mapToPk().fieldName('erasure_id').deleteRule('cascade'),
    ...organisationOwned,
    connectionId: p
      .manyToOne(CrmConnection)
      .mapToPk()
      .fieldName('connection_id')
      .nullable()
      .deleteRule('cascade'),
    kind: p.text().$type<(typeof TOMBSTONE_KINDS)[number]>(),
    keyHash: p.text(),
    erasedAt: p.datetime(),
    reimportedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'erasure_tombstones_key_idx', properties: ['organisationId', 'keyHash'] }],
  checks: [{ name: 'erasure_tombstones_kind_check', expression: oneOf('kind', TOMBSTONE_KINDS) }],
});
