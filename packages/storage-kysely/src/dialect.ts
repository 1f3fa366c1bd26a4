/**
 * Which SQL dialect a Kysely instance speaks, read from its adapter. The storage needs to know it
 * for the few statements that differ (column types, `FOR UPDATE SKIP LOCKED`, error codes).
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import { type DialectAdapter, type Kysely, PostgresAdapter, SqliteAdapter } from 'kysely';

/** The SQL dialects the storage supports. PGlite counts as `postgres` (it uses kysely's PostgresAdapter). */
export type SqlDialectName = 'postgres' | 'sqlite';

/**
 * Names of adapter classes, walking the prototype chain, so that an adapter from another copy of kysely
 * (where `instanceof` fails) is still recognised.
 */
function adapterClassNames(adapter: DialectAdapter): string[] {
  const names: string[] = [];
  let prototype: unknown = Object.getPrototypeOf(adapter);
  while (prototype !== null && prototype !== Object.prototype) {
    const constructorName = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof constructorName === 'string') names.push(constructorName);
    prototype = Object.getPrototypeOf(prototype);
  }
  return names;
}

/**
 * Detects the dialect of a Kysely instance (or transaction) from `db.getExecutor().adapter`.
 *
 * @throws InvalidArgumentError naming the adapter when it is neither PostgreSQL nor SQLite.
 */
// biome-ignore lint/suspicious/noExplicitAny: any database schema is accepted; only the adapter is read.
export function detectDialect(db: Kysely<any>): SqlDialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  const names = adapterClassNames(adapter);
  if (names.includes('PostgresAdapter')) return 'postgres';
  if (names.includes('SqliteAdapter')) return 'sqlite';
  const adapterName = names[0] ?? typeof adapter;
  throw new InvalidArgumentError(
    `Expected a Kysely instance with a PostgreSQL or SQLite adapter, got \`${adapterName}\``,
    { context: { adapter: adapterName } },
  );
}
