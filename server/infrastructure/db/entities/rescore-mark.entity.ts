import { defineEntity, p } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';
import { organisationOwned } from './owners.ts';

/**
 * A contact whose signals changed after its score was last computed: written in the statement that
 * stores the signal, removed by the rescoring that read it. A table of its own, so storing a
 * signal never locks the contact row that a page of contacts may be updating (migration 20261204090000).
 */
export const RescoreMark = defineEntity({
  name: 'RescoreMark',
  tableName: 'rescore_marks',
  properties: {
    contactId: p.manyToOne(Contact).mapToPk().primary().fieldName('contact_id').deleteRule('cascade'),
    ...organisationOwned,
    markedAt: p.datetime(),
  },
  indexes: [{ name: 'rescore_marks_organisation_idx', properties: ['organisationId'] }],
});
