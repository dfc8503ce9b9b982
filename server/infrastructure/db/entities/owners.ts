import { p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { CrmConnection } from './crm-connection.entity.ts';
import { Organisation } from './organisation.entity.ts';

/*
 * The ownership columns most tables share. They live apart from base.ts because they point at the
 * organisation and connection entities, which themselves build on base.ts.
 */

/** The agency a row belongs to: offboarding the agency deletes the row. */
export const organisationOwned = {
  organisationId: p.manyToOne(Organisation).mapToPk().fieldName('organisation_id').deleteRule('cascade'),
};

/** A row of one CRM connection and its agency: removing either deletes the row. */
export const connectionOwned = {
  ...organisationOwned,
  connectionId: p.manyToOne(CrmConnection).mapToPk().fieldName('connection_id').deleteRule('cascade'),
};

/** The connection a row came from, where the row outlives it (the link is cleared instead). */
export const formerConnection = p
  .manyToOne(CrmConnection)
  .mapToPk()
  .fieldName('connection_id')
  .nullable()
  .deleteRule('set null');

/** A row that may belong to one CRM connection: removing the connection deletes the row. */
export const optionalConnectionOwned = {
  connectionId: p
    .manyToOne(CrmConnection)
    .mapToPk()
    .fieldName('connection_id')
    .nullable()
    .deleteRule('cascade'),
};

/** Key, creation time and agency: an agency's own row. */
export const organisationRowProperties = { ...baseProperties, ...organisationOwned };

/** Key, creation time, agency and connection: a row one CRM connection owns. */
export const connectionRowProperties = { ...baseProperties, ...connectionOwned };
