import { UnderscoreNamingStrategy } from '@mikro-orm/core';

/**
 * snake_case columns, and foreign keys named the way PostgreSQL names them when a migration says
 * `references` without a name (`<table>_<column>_fkey`), so the entities describe the real constraints.
 */
export class PostgresNamingStrategy extends UnderscoreNamingStrategy {
  override indexName(
    tableName: string,
    columns: string[],
    type: Parameters<UnderscoreNamingStrategy['indexName']>[2],
  ): string {
    if (type === 'foreign') return `${tableName}_${columns.join('_')}_fkey`;
    return super.indexName(tableName, columns, type);
  }
}
