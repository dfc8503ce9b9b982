import { Migration20261123000000InitialSchema } from './Migration20261123000000_initial_schema.ts';

/** Every migration, in order. New migrations are committed files appended here. */
export const migrations = [
  { name: 'Migration20261123000000_initial_schema', class: Migration20261123000000InitialSchema },
];
