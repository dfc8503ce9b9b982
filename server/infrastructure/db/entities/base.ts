import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/**
 * Columns every table shares: a random uuid key and creation time. The application sets both when
 * it creates a row through the ORM; the database defaults cover rows written by hand-written SQL.
 */
/** A time the row takes when it is created; hand-written SQL gets the same from the `now()` default. */
export const stampedOnCreate = p
  .datetime()
  .defaultRaw('now()')
  .onCreate(() => new Date());

export const baseProperties = {
  id: p
    .uuid()
    .primary()
    .defaultRaw('gen_random_uuid()')
    .onCreate(() => randomUUID()),
  createdAt: stampedOnCreate,
};

export const updatedAtProperty = stampedOnCreate.onUpdate(() => new Date());

/** The format every provider id (and activity source) must have: the registry's ids and `propsync`. */
export const PROVIDER_ID_FORMAT = `'^[a-z][a-z0-9-]{1,31}$'`;

/** The sync interval an agency or a connection may choose, in minutes: a day at most. */
export function syncIntervalCheck(column: string): string {
  return `${column} >= 1 and ${column} <= 1440`;
}

/** `column in ('a', 'b')` for a check constraint. */
export function oneOf(column: string, values: readonly string[]): string {
  return `${column} in (${values.map((value) => `'${value}'`).join(', ')})`;
}

/** A property's column, as the entities name them: `connectionId` → `connection_id`. */
function columnOf(property: string): string {
  return property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A unique constraint on `properties`, named as Postgres names one: `<table>_<columns>_key`. */
export function uniqueKey<const Property extends string>(tableName: string, ...properties: Property[]) {
  return { name: `${tableName}_${properties.map(columnOf).join('_')}_key`, properties };
}

/** The check that `column` holds one of `values`, named as Postgres names one: `<table>_<column>_check`. */
export function oneOfCheck(tableName: string, column: string, values: readonly string[]) {
  return { name: `${tableName}_${column}_check`, expression: oneOf(column, values) };
}
