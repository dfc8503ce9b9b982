import { defineEntity, p } from '@mikro-orm/core';
import { oneOfCheck } from './base.ts';
import { optionalConnectionOwned, organisationRowProperties } from './owners.ts';

export const TOMBSTONE_KINDS = ['record', 'email', 'phone'] as const;

/**
 * One identifier of an erased person as a keyed hash: a CRM record (connection and id), or a
 * normalised email or phone. A sync imports a matching record only if the CRM changed it after
 * `erased_at`. The rows of one erasure share its `erasure_id`.
 */
export const ErasureTombstone = defineEntity({
  name: 'ErasureTombstone',
  tableName: 'erasure_tombstones',
  properties: {
    ...organisationRowProperties,
    ...optionalConnectionOwned,
    erasureId: p.uuid(),
    kind: p.text().$type<(typeof TOMBSTONE_KINDS)[number]>(),
    keyHash: p.text(),
    erasedAt: p.datetime(),
    reimportedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'erasure_tombstones_key_idx', properties: ['organisationId', 'keyHash'] }],
  checks: [oneOfCheck('erasure_tombstones', 'kind', TOMBSTONE_KINDS)],
});
