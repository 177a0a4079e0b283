/** What the filter compiler needs to know about the database it writes SQL for. */
export interface SqlDialect {
  name: 'sqlite' | 'postgres';
  /** The placeholder for the 1-based parameter `index`: sqlite `?`, postgres `$1`. */
  placeholder(index: number): string;
}

/** better-sqlite3: positional `?` placeholders, bound in order of appearance. */
export const sqliteDialect: SqlDialect = { name: 'sqlite', placeholder: () => '?' };

/** node-postgres: numbered `$1`, `$2`, ... placeholders. */
export const postgresDialect: SqlDialect = { name: 'postgres', placeholder: (index) => `$${index}` };
