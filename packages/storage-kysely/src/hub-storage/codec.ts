/**
 * Row codecs: for each table, the kind of each column, from which the storage builds its select lists
 * (`column::text` for JSON on PostgreSQL, so JSON is always read as text) and decodes rows into the contract's
 * shapes (ISO timestamps, parsed JSON, booleans, numbers; SQL NULL -> absent property).
 */
import { type AliasedRawBuilder, sql } from 'kysely';
import { decodeJson, decodeTimestamp } from '../json.js';
import type { StorageContext } from './context.js';

/** How a column is stored and read. */
export type ColumnKind = 'text' | 'json' | 'timestamp' | 'boolean' | 'integer';

/** The columns of a table and their kinds. */
export type TableColumns = Readonly<Record<string, ColumnKind>>;

/** The select list of a table: JSON columns as text on PostgreSQL, every other column as is. */
export function selection(
  context: StorageContext,
  columns: TableColumns,
  // biome-ignore lint/suspicious/noExplicitAny: select lists over untyped tables.
): Array<string | AliasedRawBuilder<any, string>> {
  return Object.entries(columns).map(([name, kind]) =>
    kind === 'json' && context.dialect === 'postgres' ? sql`${sql.ref(name)}::text`.as(name) : name,
  );
}

/** Decodes one row: SQL NULL columns are left out; the others are converted by kind. */
export function decodeRow(
  columns: TableColumns,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(columns)) {
    const value = row[name];
    if (value === null || value === undefined) continue;
    switch (kind) {
      case 'json':
        decoded[name] = decodeJson(value, name);
        break;
      case 'timestamp':
        decoded[name] = decodeTimestamp(value, name);
        break;
      case 'boolean':
        decoded[name] = value === true || value === 1 || value === 1n || value === '1' || value === 't';
        break;
      case 'integer':
        decoded[name] = Number(value);
        break;
      default:
        decoded[name] = String(value);
    }
  }
  return decoded;
}

/** The stored form of a boolean: itself on PostgreSQL, 0/1 on SQLite. */
export function encodeBoolean(context: StorageContext, value: boolean): boolean | number {
  return context.dialect === 'postgres' ? value : value ? 1 : 0;
}

/** `expression::type` on PostgreSQL (where a parameter's type must sometimes be spelled out), as is on SQLite. */
// biome-ignore lint/suspicious/noExplicitAny: wraps any SQL expression.
export function castFor(context: StorageContext, expression: any, postgresType: string) {
  return context.dialect === 'postgres' ? sql`${expression}::${sql.raw(postgresType)}` : sql`${expression}`;
}
