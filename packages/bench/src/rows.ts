/**
 * Reading the rows an import left in one database so they can be written again into another of the same kind
 * (the baselines). Values are read in the form the storage itself writes them: JSON as text, timestamps and
 * dates as text, so a row read from one database inserts unchanged into the other on every dialect.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DatabaseKind } from './databases.js';

/** A row as read for copying. */
export type Row = Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
type AnyDb = Kysely<any>;

/** The host table of each record type, in the order an import writes them (parents first). */
export const hostTables = {
  client: 'clients',
  project: 'projects',
  event: 'events',
  invoice: 'invoices',
  payment: 'payments',
} as const;

/** A record type the hub imports. */
export type ImportedRecordType = keyof typeof hostTables;

/** Record types in import order. */
export const importedRecordTypes = Object.keys(hostTables) as ImportedRecordType[];

const castToText = new Set([
  'json',
  'jsonb',
  'date',
  'timestamp with time zone',
  'timestamp without time zone',
]);

/** The column name that carries a row's physical position (for keyset paging in insertion order). */
export const positionColumn = '__position';

/** Reads tables of one database in a copyable form. */
export class RowReader {
  private readonly columns = new Map<string, readonly RawBuilder<unknown>[]>();

  constructor(
    readonly db: AnyDb,
    readonly kind: DatabaseKind,
  ) {}

  /** The select list of a table: every column, JSON, dates and timestamps cast to text on PostgreSQL. */
  async selection(table: string): Promise<readonly RawBuilder<unknown>[]> {
    const known = this.columns.get(table);
    if (known !== undefined) return known;
    let selection: RawBuilder<unknown>[];
    if (this.kind === 'sqlite') {
      const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(
        this.db,
      );
      selection = rows.map((row) => sql.ref(row.name).as(row.name) as unknown as RawBuilder<unknown>);
    } else {
      const { rows } = await sql<{ column_name: string; data_type: string }>`
        select column_name, data_type from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(
        this.db,
      );
      selection = rows.map((row) =>
        castToText.has(row.data_type)
          ? (sql`${sql.ref(row.column_name)}::text`.as(row.column_name) as unknown as RawBuilder<unknown>)
          : (sql.ref(row.column_name).as(row.column_name) as unknown as RawBuilder<unknown>),
      );
    }
    this.columns.set(table, selection);
    return selection;
  }

  /** Every row of a table. */
  async all(table: string): Promise<Row[]> {
    const selection = await this.selection(table);
    return (await this.db
      .selectFrom(table)
      .select(selection as never)
      .execute()) as Row[];
  }

  /** Rows of a table whose `column` is one of `values` (and whose other columns equal `equal`). */
  async whereIn(
    table: string,
    column: string,
    values: readonly unknown[],
    equal: Readonly<Record<string, unknown>> = {},
  ): Promise<Row[]> {
    if (values.length === 0) return [];
    const selection = await this.selection(table);
    let query = this.db
      .selectFrom(table)
      .select(selection as never)
      .where(column, 'in', values as unknown[]);
    for (const [name, value] of Object.entries(equal)) query = query.where(name, '=', value);
    return (await query.execute()) as Row[];
  }

  /**
   * The next `limit` rows of a table after `after` (null: from the start), with `where` column equalities, in
   * insertion order on SQLite (rowid) and in (`timeColumn`, id) order on PostgreSQL (both served by an index, so
   * paging through a large table stays linear). Each row carries its position in `__position`.
   */
  async page(
    table: string,
    where: Readonly<Record<string, unknown>>,
    after: string | number | null,
    limit: number,
    timeColumn: string,
  ): Promise<Row[]> {
    const selection = await this.selection(table);
    const sqlite = this.kind === 'sqlite';
    const position = sqlite
      ? sql`rowid`
      : sql`json_build_array(${sql.ref(timeColumn)}::text, ${sql.ref('id')}::text)::text`;
    let query = this.db
      .selectFrom(table)
      .select([...selection, position.as(positionColumn)] as never)
      .limit(limit);
    // Qualified: a bare `processed_at` in ORDER BY names the select list's `processed_at::text`, a sort no index
    // serves (each page was a sequential scan of the table and a sort by text).
    query = sqlite
      ? query.orderBy(sql`rowid`)
      : query.orderBy(sql.ref(`${table}.${timeColumn}`)).orderBy(sql.ref(`${table}.id`));
    for (const [name, value] of Object.entries(where)) query = query.where(name, '=', value);
    if (after !== null) {
      if (sqlite) {
        query = query.where(sql<boolean>`rowid > ${after}` as never);
      } else {
        const [time, id] = JSON.parse(String(after)) as [string, string];
        query = query.where(
          sql<boolean>`(${sql.ref(timeColumn)}, ${sql.ref('id')}) > (${time}::timestamptz, ${id}::uuid)` as never,
        );
      }
    }
    return (await query.execute()) as Row[];
  }

  /** Number of rows of a table. */
  async count(table: string): Promise<number> {
    const row = await this.db
      .selectFrom(table)
      .select((builder) => builder.fn.countAll().as('count'))
      .executeTakeFirst();
    return Number(row?.['count'] ?? 0);
  }
}

/** A copy of `row` without its position column. */
export function withoutPosition(row: Row): Row {
  const { [positionColumn]: _position, ...rest } = row;
  return rest;
}

/** The JSON value of a JSON column as read (text on every dialect here). */
export function parseJsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/**
 * Inserts rows with multi-row statements of at most `maxParameters` parameters each (under SQLite's and
 * PostgreSQL's limits).
 */
export async function insertRows(
  db: AnyDb,
  table: string,
  rows: readonly Row[],
  maxParameters = 30_000,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Row).length || 1;
  const perStatement = Math.max(1, Math.floor(maxParameters / columns));
  for (let start = 0; start < rows.length; start += perStatement) {
    await db
      .insertInto(table)
      .values(rows.slice(start, start + perStatement) as never)
      .execute();
  }
}
