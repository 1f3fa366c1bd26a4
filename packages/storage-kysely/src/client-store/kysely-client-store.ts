/**
 * The default ClientStore: the host's records in the embedded host tables (see `createHostTables`), or in a
 * host's own tables with the same shape under other names (`schema`).
 *
 * Each record is kept whole in the `data` JSON column, which is the source of truth the store reads back; the
 * other columns (names, email, wedding date, normalised keys, foreign keys, money) are derived from it on every
 * write, for the host's own queries and for indexes. A host that edits rows outside the store must keep `data`
 * in step. Every client's normalised emails, phones and name keys (its own and its partner's) are also written
 * to `client_match_keys`, which `findDedupeCandidates` searches.
 *
 * Timestamps are written by the application (ISO 8601, `Date#toISOString()` form) so they are identical on
 * every backend, and read back as ISO strings (PostgreSQL through `to_char`, never pg's Date parser, which would
 * also lose microseconds). Date-only values live in `data` as `YYYY-MM-DD` strings, so no time zone shifts them.
 *
 * `changesSince` pages by (updated_at, id); `changeStampsSince` walks the same pages (same query, same cursors)
 * selecting only id, `updated_at` and `deleted_at`. Their known limit: a write stamped before a page was read but
 * committed after it (a long concurrent transaction), or stamped in the same millisecond as the page's last
 * row with a smaller id, sorts before the saved cursor and is not returned by later pages.
 */
import { randomUUID } from 'node:crypto';
import {
  type CanonicalClient,
  type CanonicalRecordByType,
  type ChangeStampsPage,
  type ChangesPage,
  type ChangesQuery,
  type ClientStore,
  type ClientStoreCallOptions,
  type ClientStoreRecordType,
  ConflictError,
  CrmError,
  canonicalSchemasByRecordType,
  type DedupeCandidate,
  type DedupeKeyKind,
  type DedupeMatch,
  type DedupeQuery,
  InvalidArgumentError,
  type MarkDeletedQuery,
  type RecordIdsQuery,
  type RecordSnapshot,
  StorageError,
  type StoredRecord,
  type TransactionHandle,
  type UpsertResult,
  type UpsertRow,
  ValidationError,
  type ValidationIssue,
} from '@wedsync/crm-core';
import { type AliasedRawBuilder, type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { detectDialect, type SqlDialectName } from '../dialect.js';
import { type HostSchema, type HostSchemaOptions, resolveHostSchema } from '../migrations/host-tables.js';
import { ensureSqliteForeignKeys } from '../migrations/index.js';
import { createTransactionHandle, transactionOfHandle } from '../transaction.js';
import { foldName, nameKey, normalizeEmail, normalizePhone } from './keys.js';

// biome-ignore lint/suspicious/noExplicitAny: the host's database schema is not known statically.
type AnyDatabase = Kysely<any>;

/** Options of {@link createKyselyClientStore}. */
export interface KyselyClientStoreOptions {
  /** The host's database (PostgreSQL through pg or PGlite, or SQLite through better-sqlite3). */
  readonly db: AnyDatabase;
  /**
   * Renamed host tables or columns (see `HostSchemaOptions`). The CRM columns of `clients`
   * (`crm_integration_id`, `external_crm_id`, `last_crm_sync_at`) keep the spec's names.
   * @default the embedded tables' names
   */
  readonly schema?: HostSchemaOptions | HostSchema;
  /**
   * Most rows per multi-row statement; lowered further to stay under the dialect's bound-parameter limit
   * (SQLite 32,766, PostgreSQL 65,535). 1 to 10,000.
   * @default 500
   */
  readonly maxRowsPerStatement?: number;
  /**
   * The clock the store stamps `created_at`, `updated_at` and `deleted_at` with; a write whose instant would not
   * be after the store's previous write is stamped 1 ms after it. @default () => new Date()
   */
  readonly clock?: () => Date;
}

/** The default ClientStore, with the table and column names it resolved. */
export interface KyselyClientStore extends ClientStore {
  /** The resolved table and column names the store uses. */
  readonly schema: HostSchema;
  /** The dialect the store detected from `db`. */
  readonly dialect: SqlDialectName;
  /** ClientStore's optional stamps-only change feed, which this store always offers. */
  changeStampsSince(recordType: ClientStoreRecordType, query: ChangesQuery): Promise<ChangeStampsPage>;
  /** Same as ClientStore's, with the narrower store type. */
  withTransaction(handle: TransactionHandle): KyselyClientStore;
}

type RecordTableKey = 'clients' | 'projects' | 'events' | 'invoices' | 'payments';

/** Names of the columns every record table has. */
type RecordColumnNames = Readonly<
  Record<
    'id' | 'supplier_id' | 'data' | 'created_at' | 'updated_at' | 'deleted_at' | 'deleted_reason',
    string
  >
>;

const tableOfRecordType: Readonly<Record<ClientStoreRecordType, RecordTableKey>> = {
  client: 'clients',
  project: 'projects',
  event: 'events',
  invoice: 'invoices',
  payment: 'payments',
};

const crmColumns = ['crm_integration_id', 'external_crm_id', 'last_crm_sync_at'] as const;

const parameterLimits: Readonly<Record<SqlDialectName, number>> = { sqlite: 32_766, postgres: 65_535 };
const maxIdsPerStatement = 1_000;
const maxChangesLimit = 10_000;

/** Column values derived from a record, keyed by the default column names. */
type DerivedColumns = Record<string, string | number | null>;

function orNull<Value>(value: Value | undefined): Value | null {
  return value === undefined ? null : value;
}

/** The columns each record type derives from its record (besides id, supplier_id, data and timestamps). */
const deriveColumns: {
  readonly [Type in ClientStoreRecordType]: (record: CanonicalRecordByType[Type]) => DerivedColumns;
} = {
  client: (record) => ({
    first_name: orNull(record.first_name),
    last_name: orNull(record.last_name),
    full_name: orNull(record.full_name),
    email: orNull(record.email),
    phone: orNull(record.phone),
    wedding_date: orNull(record.wedding_date),
    venue_name: orNull(record.venue_name),
    stage: orNull(record.status?.stage),
    email_normalized: normalizeEmail(record.email),
    phone_e164: normalizePhone(record.phone),
    name_key: nameKey(record),
  }),
  project: (record) => ({
    client_id: record.client_id,
    name: orNull(record.name),
    event_date: orNull(record.event_date),
    stage: orNull(record.status?.stage),
  }),
  event: (record) => ({
    project_id: record.project_id,
    name: orNull(record.name),
    event_type: orNull(record.event_type),
    start_date: orNull(record.start_date),
  }),
  invoice: (record) => ({
    project_id: record.project_id,
    number: orNull(record.number),
    status: record.status,
    total_minor: record.total.amount_minor,
    currency: record.total.currency,
    due_date: orNull(record.due_date),
  }),
  payment: (record) => ({
    project_id: record.project_id,
    invoice_id: orNull(record.invoice_id),
    amount_minor: record.amount.amount_minor,
    currency: record.amount.currency,
    status: record.status,
  }),
};

/** The dedupe keys of a client: its own and its partner's emails, phones and name keys. */
export function clientMatchKeys(client: CanonicalClient): DedupeMatch[] {
  const keys = new Map<string, DedupeMatch>();
  const add = (kind: DedupeKeyKind, value: string | null): void => {
    if (value !== null) keys.set(`${kind}\u0000${value}`, { kind, value });
  };
  for (const person of [client, client.partner]) {
    if (person === undefined) continue;
    add('email', normalizeEmail(person.email));
    add('email', normalizeEmail(person.secondary_email));
    add('phone', normalizePhone(person.phone));
    add('phone', normalizePhone(person.secondary_phone));
    const key = nameKey(person);
    add('name', key);
    if (key !== null && client.wedding_date !== undefined) add('name_date', `${key}|${client.wedding_date}`);
  }
  return [...keys.values()];
}

function describe(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (Array.isArray(value)) return '(array)';
  if (typeof value === 'object') return '(object)';
  if (typeof value === 'function') return '(function)';
  return `\`${String(value)}\` (${typeof value})`;
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}`, {
      context: { argument: name },
    });
  }
  return value;
}

function checkArray(value: unknown, name: string): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be an array, got ${describe(value)}`, {
      context: { argument: name },
    });
  }
  return value;
}

function checkRecordType(value: unknown): ClientStoreRecordType {
  if (typeof value !== 'string' || !Object.hasOwn(tableOfRecordType, value)) {
    throw new InvalidArgumentError(
      `Expected \`recordType\` to be one of ${Object.keys(tableOfRecordType).join(', ')}, got ${describe(value)}`,
      { context: { argument: 'recordType' } },
    );
  }
  return value as ClientStoreRecordType;
}

function checkIds(value: unknown, name: string): string[] {
  const ids = checkArray(value, name);
  const unique = new Set<string>();
  ids.forEach((id, index) => {
    unique.add(checkString(id, `${name}[${index}]`));
  });
  return [...unique];
}

const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;

function checkTimestamp(value: unknown, name: string, nullable: boolean): string | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || !isoTimestampPattern.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a UTC ISO 8601 timestamp${nullable ? ' or null' : ''}, got ${describe(value)}`,
      { context: { argument: name } },
    );
  }
  return value;
}

function chunk<Item>(items: readonly Item[], size: number): Item[][] {
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** The `since` of a changes query: undefined, or an ISO 8601 instant normalised to `toISOString()` form. */
function checkSince(since: unknown): string | undefined {
  if (since === undefined) return undefined;
  const time = typeof since === 'string' ? Date.parse(since) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new InvalidArgumentError(
      `Expected \`query.since\` to be an ISO 8601 instant, got ${describe(since)}`,
      { context: { argument: 'query.since' } },
    );
  }
  return new Date(time).toISOString();
}

function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidArgumentError(
      'Expected `cursor` to be a cursor returned by `changesSince` or `changeStampsSince`, got a malformed one',
      {
        context: { argument: 'cursor' },
        cause: error,
      },
    );
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== 'string' ||
    !isoTimestampPattern.test(decoded[0]) ||
    typeof decoded[1] !== 'string' ||
    decoded[1] === ''
  ) {
    throw new InvalidArgumentError(
      'Expected `cursor` to be a cursor returned by `changesSince` or `changeStampsSince`, got a malformed one',
      {
        context: { argument: 'cursor' },
      },
    );
  }
  return { updatedAt: decoded[0], id: decoded[1] };
}

/** A driver error's SQLSTATE (PostgreSQL, PGlite) or SQLite extended code. */
function driverErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Turns a driver error into a CrmError: broken references and duplicate keys are conflicts. */
function storageFailure(error: unknown, operation: string, table: string): CrmError {
  if (CrmError.isInstance(error)) return error;
  const code = driverErrorCode(error);
  const context = { operation, table, ...(code === undefined ? {} : { code }) };
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new ConflictError(
      `Failed to ${operation} in \`${table}\`: a record refers to a record that does not exist`,
      {
        context,
        cause: error,
      },
    );
  }
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ConflictError(
      `Failed to ${operation} in \`${table}\`: a record with that key already exists`,
      {
        context,
        cause: error,
      },
    );
  }
  return new StorageError(`Failed to ${operation} in \`${table}\``, { context, cause: error });
}

/** The stamps of a row as selected by `changeStampsSince` (and, among the rest, by every other read). */
interface SelectedStamps {
  id: unknown;
  updated_at: unknown;
  deleted_at: unknown;
}

/** A row as selected by the store, under the default column names. */
interface SelectedRow extends SelectedStamps {
  supplier_id: unknown;
  data: unknown;
  created_at: unknown;
  deleted_reason: unknown;
  crm_integration_id?: unknown;
  external_crm_id?: unknown;
  last_crm_sync_at?: unknown;
}

function asTimestamp(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  // PostgreSQL's to_char gives microseconds; keep the Date#toISOString() form when they are whole milliseconds.
  return /\.\d{3}000Z$/.test(text) ? `${text.slice(0, -4)}Z` : text;
}

function asString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

interface StoreState {
  readonly db: AnyDatabase;
  readonly handle: TransactionHandle | undefined;
  readonly schema: HostSchema;
  readonly dialect: SqlDialectName;
  readonly maxRowsPerStatement: number;
  /** The instant of a write: the clock's, moved past the store's previous write when the clock has not moved. */
  readonly clock: () => Date;
  /**
   * Resolves once the connection is ready: on SQLite, foreign keys are on (cascades depend on them). Shared by
   * the store and the stores bound to its transactions, which skip it (SQLite ignores the pragma there).
   */
  readonly ready: () => Promise<void>;
}

/**
 * Creates the default ClientStore on a Kysely instance. The tables must exist: run the storage's `migrate()`
 * first (it creates them with `hostTables: 'create'` and adds the CRM columns to `clients`).
 *
 * @throws InvalidArgumentError when an option is not valid.
 */
export function createKyselyClientStore(options: KyselyClientStoreOptions): KyselyClientStore {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected options to be an object, got ${describe(options)}`);
  }
  const { db } = options;
  if (
    typeof db !== 'object' ||
    db === null ||
    typeof (db as { getExecutor?: unknown }).getExecutor !== 'function'
  ) {
    throw new InvalidArgumentError(`Expected \`db\` to be a Kysely instance, got ${describe(db)}`, {
      context: { option: 'db' },
    });
  }
  const maxRowsPerStatement = options.maxRowsPerStatement ?? 500;
  if (!Number.isInteger(maxRowsPerStatement) || maxRowsPerStatement < 1 || maxRowsPerStatement > 10_000) {
    throw new InvalidArgumentError(
      `Expected \`maxRowsPerStatement\` to be an integer from 1 to 10000, got ${describe(maxRowsPerStatement)}`,
      { context: { option: 'maxRowsPerStatement' } },
    );
  }
  const clock = options.clock ?? (() => new Date());
  if (typeof clock !== 'function') {
    throw new InvalidArgumentError(`Expected \`clock\` to be a function, got ${describe(clock)}`, {
      context: { option: 'clock' },
    });
  }
  // Two writes of this store (and of the stores bound to its transactions) never share an instant, even within one
  // millisecond: `updated_at` then tells every write apart, which an export's stamps (a record still at the
  // instant the hub wrote it is unchanged) and `changesSince`'s cursor rely on.
  let lastStamp = Number.NEGATIVE_INFINITY;
  const stamp = (): Date => {
    lastStamp = Math.max(clock().getTime(), lastStamp + 1);
    return new Date(lastStamp);
  };
  const handle = db.isTransaction ? createTransactionHandle(db as Transaction<unknown>) : undefined;
  const dialect = detectDialect(db);
  let readiness: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (dialect !== 'sqlite' || db.isTransaction) return Promise.resolve();
    readiness ??= ensureSqliteForeignKeys(db).catch((error: unknown) => {
      readiness = undefined;
      throw error;
    });
    return readiness;
  };
  return buildStore({
    db,
    handle,
    schema: resolveHostSchema(options.schema),
    dialect,
    maxRowsPerStatement,
    clock: stamp,
    ready,
  });
}

function buildStore(state: StoreState): KyselyClientStore {
  const { schema, dialect } = state;
  const { tables, columns } = schema;
  /** The columns every record table has, by their default names. */
  const recordColumns = (tableKey: RecordTableKey): RecordColumnNames => columns[tableKey];

  /** Makes the connection ready before the first statement outside a transaction (never inside one). */
  const prepare = (): Promise<void> => (state.db.isTransaction ? Promise.resolve() : state.ready());

  /** Runs `work` in a transaction: the bound one, or a new one. */
  const atomic = async <Result>(work: (db: AnyDatabase) => Promise<Result>): Promise<Result> => {
    if (state.db.isTransaction) return work(state.db);
    await prepare();
    return state.db.transaction().execute((transaction) => work(transaction));
  };

  const timestampSelection = (column: string, alias: string): AliasedRawBuilder<unknown, string> => {
    if (dialect === 'postgres') {
      return sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(alias);
    }
    return sql.ref(column).as(alias);
  };

  /**
   * Id and the two stamps, under their default names: what `changeStampsSince` selects, and the start of every
   * other read's selection, so both give the same strings (and the same cursors).
   */
  const stampSelection = (tableKey: RecordTableKey): AliasedRawBuilder<unknown, string>[] => {
    const names = recordColumns(tableKey);
    return [
      sql.ref(names.id).as('id'),
      timestampSelection(names.updated_at, 'updated_at'),
      timestampSelection(names.deleted_at, 'deleted_at'),
    ];
  };

  /** The selection of a record table, every column under its default name. */
  const selectRecords = (
    db: AnyDatabase,
    tableKey: RecordTableKey,
  ): SelectQueryBuilder<never, never, SelectedRow> => {
    const names = recordColumns(tableKey);
    const selection: AliasedRawBuilder<unknown, string>[] = [
      ...stampSelection(tableKey),
      sql.ref(names.supplier_id).as('supplier_id'),
      sql.ref(names.data).as('data'),
      timestampSelection(names.created_at, 'created_at'),
      sql.ref(names.deleted_reason).as('deleted_reason'),
    ];
    if (tableKey === 'clients') {
      selection.push(
        sql.ref('crm_integration_id').as('crm_integration_id'),
        sql.ref('external_crm_id').as('external_crm_id'),
        timestampSelection('last_crm_sync_at', 'last_crm_sync_at'),
      );
    }
    // biome-ignore lint/suspicious/noExplicitAny: dynamic selections of a dynamic table.
    return db.selectFrom(tables[tableKey]).select(selection as any) as any;
  };

  /** The selection of `changeStampsSince`. */
  const selectStamps = (
    db: AnyDatabase,
    tableKey: RecordTableKey,
  ): SelectQueryBuilder<never, never, SelectedStamps> => {
    const selection = stampSelection(tableKey);
    // biome-ignore lint/suspicious/noExplicitAny: dynamic selections of a dynamic table.
    return db.selectFrom(tables[tableKey]).select(selection as any) as any;
  };

  const toStoredRecord = <Type extends ClientStoreRecordType>(row: SelectedRow): StoredRecord<Type> => {
    const data = typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data;
    return {
      id: String(row.id),
      supplier_id: String(row.supplier_id),
      record: data as CanonicalRecordByType[Type],
      crm_integration_id: asString(row.crm_integration_id),
      external_crm_id: asString(row.external_crm_id),
      last_crm_sync_at: asTimestamp(row.last_crm_sync_at),
      created_at: asTimestamp(row.created_at) ?? '',
      updated_at: asTimestamp(row.updated_at) ?? '',
      deleted_at: asTimestamp(row.deleted_at),
      deleted_reason: asString(row.deleted_reason),
    };
  };

  /** Runs one query, mapping driver errors to CrmErrors. */
  const run = async <Result>(
    operation: string,
    tableKey: keyof HostSchema['tables'],
    signal: AbortSignal | undefined,
    query: () => Promise<Result>,
  ): Promise<Result> => {
    signal?.throwIfAborted();
    try {
      return await query();
    } catch (error) {
      throw storageFailure(error, operation, tables[tableKey]);
    }
  };

  /**
   * One page of the change feed, shared by `changesSince` and `changeStampsSince` so the two validate alike, walk
   * the same rows in the same order and hand out interchangeable cursors; only the selection differs.
   */
  const readChanges = async <Row extends SelectedStamps>(
    recordType: ClientStoreRecordType,
    query: ChangesQuery,
    operation: string,
    select: (db: AnyDatabase, tableKey: RecordTableKey) => SelectQueryBuilder<never, never, Row>,
  ): Promise<{ rows: Row[]; nextCursor: string | null; hasMore: boolean }> => {
    checkRecordType(recordType);
    const supplierId = checkString(query?.supplierId, 'query.supplierId');
    const { limit } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxChangesLimit) {
      throw new InvalidArgumentError(
        `Expected \`query.limit\` to be an integer from 1 to ${maxChangesLimit}, got ${describe(limit)}`,
        { context: { argument: 'query.limit' } },
      );
    }
    if (query.cursor !== null && typeof query.cursor !== 'string') {
      throw new InvalidArgumentError(
        `Expected \`query.cursor\` to be a string or null, got ${describe(query.cursor)}`,
        {
          context: { argument: 'query.cursor' },
        },
      );
    }
    const after = query.cursor === null ? undefined : decodeCursor(query.cursor);
    const since = after === undefined ? checkSince(query.since) : undefined;
    const tableKey = tableOfRecordType[recordType];
    const names = recordColumns(tableKey);
    await prepare();
    let statement = select(state.db, tableKey).where(sql.ref(names.supplier_id), '=', supplierId);
    if (after !== undefined) {
      statement = statement.where(
        sql<boolean>`(${sql.ref(names.updated_at)}, ${sql.ref(names.id)}) > (${after.updatedAt}, ${after.id})`,
      );
    } else if (since !== undefined) {
      statement = statement.where(sql<boolean>`${sql.ref(names.updated_at)} > ${since}`);
    }
    const rows = await run(operation, tableKey, query.signal, () =>
      statement
        .orderBy(sql.ref(names.updated_at))
        .orderBy(sql.ref(names.id))
        .limit(limit + 1)
        .execute(),
    );
    const last = rows[Math.min(rows.length, limit) - 1];
    // The cursor keeps the raw timestamp (microseconds on PostgreSQL) so no row is seen twice.
    const nextCursor =
      last === undefined ? query.cursor : encodeCursor(String(last.updated_at), String(last.id));
    return { rows: rows.slice(0, limit), nextCursor, hasMore: rows.length > limit };
  };

  const readByIds = async <Type extends ClientStoreRecordType>(
    db: AnyDatabase,
    recordType: Type,
    supplierId: string,
    ids: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, StoredRecord<Type>>> => {
    const tableKey = tableOfRecordType[recordType];
    const names = recordColumns(tableKey);
    const found = new Map<string, StoredRecord<Type>>();
    if (ids.length > 0 && db === state.db) await prepare();
    for (const idChunk of chunk(ids, maxIdsPerStatement)) {
      const rows = await run('read records', tableKey, signal, () =>
        selectRecords(db, tableKey)
          .where(sql.ref(names.supplier_id), '=', supplierId)
          .where(sql.ref(names.id), 'in', idChunk)
          .execute(),
      );
      for (const row of rows) {
        const stored = toStoredRecord<Type>(row);
        found.set(stored.id, stored);
      }
    }
    return found;
  };

  /** Which of these ids exist, with their supplier. */
  const existingSuppliers = async (
    db: AnyDatabase,
    tableKey: RecordTableKey,
    ids: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Map<string, string>> => {
    const names = recordColumns(tableKey);
    const rows = await run('read records', tableKey, signal, () =>
      db
        .selectFrom(tables[tableKey])
        .select([sql.ref(names.id).as('id'), sql.ref(names.supplier_id).as('supplier_id')])
        .where(sql.ref(names.id), 'in', ids)
        .execute(),
    );
    return new Map(rows.map((row) => [String(row['id']), String(row['supplier_id'])]));
  };

  const rowsPerStatement = (columnCount: number): number =>
    Math.max(1, Math.min(state.maxRowsPerStatement, Math.floor(parameterLimits[dialect] / columnCount)));

  /**
   * Writes full rows (keyed by default column names) with multi-row `INSERT ... ON CONFLICT (id) DO UPDATE`,
   * never moving a row to another supplier. Every row of one call must have the same keys.
   */
  const writeRows = async (
    db: AnyDatabase,
    tableKey: RecordTableKey,
    rows: readonly Record<string, unknown>[],
    updateColumns: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const first = rows[0];
    if (first === undefined) return;
    const names = columns[tableKey] as Readonly<Record<string, string>>;
    const physical = (column: string): string => names[column] ?? column;
    const columnKeys = Object.keys(first);
    for (const rowChunk of chunk(rows, rowsPerStatement(columnKeys.length))) {
      const values = rowChunk.map((row) =>
        Object.fromEntries(columnKeys.map((column) => [physical(column), row[column]])),
      );
      const written = await run('write records', tableKey, signal, () =>
        db
          .insertInto(tables[tableKey])
          .values(values)
          .onConflict((conflict) =>
            conflict
              .column(names['id'] ?? 'id')
              .doUpdateSet(
                Object.fromEntries(
                  updateColumns.map((column) => [physical(column), sql.ref(`excluded.${physical(column)}`)]),
                ),
              )
              .where(
                sql.ref(`${tables[tableKey]}.${physical('supplier_id')}`),
                '=',
                sql.ref(`excluded.${physical('supplier_id')}`),
              ),
          )
          .returning(sql.ref(physical('id')).as('id'))
          .execute(),
      );
      if (written.length !== rowChunk.length) {
        throw new ConflictError(
          `Failed to write records in \`${tables[tableKey]}\`: an id belongs to another supplier`,
          {
            context: { operation: 'write records', table: tables[tableKey] },
          },
        );
      }
    }
  };

  /** Replaces the match keys of these clients. */
  const writeMatchKeys = async (
    db: AnyDatabase,
    clients: readonly { id: string; supplier_id: string; record: CanonicalClient }[],
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const names = columns.client_match_keys;
    for (const idChunk of chunk(
      clients.map((client) => client.id),
      maxIdsPerStatement,
    )) {
      await run('replace match keys', 'client_match_keys', signal, () =>
        db.deleteFrom(tables.client_match_keys).where(sql.ref(names.client_id), 'in', idChunk).execute(),
      );
    }
    const keyRows = clients.flatMap((client) =>
      clientMatchKeys(client.record).map((key) => ({
        [names.client_id]: client.id,
        [names.supplier_id]: client.supplier_id,
        [names.kind]: key.kind,
        [names.value]: key.value,
      })),
    );
    for (const keyChunk of chunk(keyRows, rowsPerStatement(4))) {
      await run('replace match keys', 'client_match_keys', signal, () =>
        db.insertInto(tables.client_match_keys).values(keyChunk).execute(),
      );
    }
  };

  /** Validates records against their canonical schema; returns the parsed records. */
  const validateRecords = <Type extends ClientStoreRecordType>(
    recordType: Type,
    records: readonly unknown[],
    path: string,
  ): CanonicalRecordByType[Type][] => {
    const recordSchema = canonicalSchemasByRecordType[recordType];
    const issues: ValidationIssue[] = [];
    const parsed = records.map((record, index) => {
      const result = recordSchema.safeParse(record);
      if (result.success) return result.data as CanonicalRecordByType[Type];
      for (const issue of result.error.issues) {
        issues.push({
          path: [`${path}[${index}]`, 'record', ...issue.path.map(String)].join('.'),
          message: issue.message,
        });
      }
      return undefined as never;
    });
    if (issues.length > 0) {
      throw new ValidationError(`Expected valid ${recordType} records, got ${issues.length} issue(s)`, {
        context: { recordType, issueCount: issues.length },
        issues,
      });
    }
    return parsed;
  };

  const checkCrmFields = (recordType: ClientStoreRecordType, row: object, name: string): void => {
    if (recordType === 'client') return;
    for (const column of crmColumns) {
      const value = (row as Record<string, unknown>)[column];
      if (value !== undefined && value !== null) {
        throw new InvalidArgumentError(
          `Expected \`${name}.${column}\` only on client records, got it on a ${recordType} record`,
          { context: { argument: `${name}.${column}`, recordType } },
        );
      }
    }
  };

  const store: KyselyClientStore = {
    specificationVersion: 'v1',
    schema,
    dialect,

    async findByIds(recordType, query) {
      checkRecordType(recordType);
      const supplierId = checkString(query?.supplierId, 'query.supplierId');
      const ids = checkIds(query.ids, 'query.ids');
      return readByIds(state.db, recordType, supplierId, ids, query.signal);
    },

    async findDedupeCandidates(query: DedupeQuery) {
      const supplierId = checkString(query?.supplierId, 'query.supplierId');
      const keys = new Map<DedupeKeyKind, Set<string>>();
      const add = (kind: DedupeKeyKind, value: string | null): void => {
        if (value === null) return;
        let values = keys.get(kind);
        if (values === undefined) {
          values = new Set();
          keys.set(kind, values);
        }
        values.add(value);
      };
      checkArray(query.emails ?? [], 'query.emails').forEach((email, index) => {
        add('email', normalizeEmail(checkString(email, `query.emails[${index}]`)));
      });
      checkArray(query.phones ?? [], 'query.phones').forEach((phone, index) => {
        add('phone', normalizePhone(checkString(phone, `query.phones[${index}]`)));
      });
      checkArray(query.names ?? [], 'query.names').forEach((name, index) => {
        const key = foldName(
          checkString((name as { nameKey?: unknown })?.nameKey, `query.names[${index}].nameKey`),
        );
        if (key === '') return;
        const weddingDate = (name as { weddingDate?: unknown }).weddingDate;
        if (weddingDate === undefined) {
          add('name', key);
          return;
        }
        if (typeof weddingDate !== 'string' || !isoDatePattern.test(weddingDate)) {
          throw new InvalidArgumentError(
            `Expected \`query.names[${index}].weddingDate\` to be a YYYY-MM-DD date, got ${describe(weddingDate)}`,
            { context: { argument: `query.names[${index}].weddingDate` } },
          );
        }
        add('name_date', `${key}|${weddingDate}`);
      });
      if (keys.size === 0) return [];

      await prepare();
      const names = columns.client_match_keys;
      const pairs = [...keys].flatMap(([kind, values]) => [...values].map((value) => ({ kind, value })));
      const matchesByClient = new Map<string, DedupeMatch[]>();
      for (const pairChunk of chunk(pairs, maxIdsPerStatement)) {
        const byKind = new Map<DedupeKeyKind, string[]>();
        for (const pair of pairChunk) byKind.set(pair.kind, [...(byKind.get(pair.kind) ?? []), pair.value]);
        const rows = await run('find dedupe candidates', 'client_match_keys', query.signal, () =>
          state.db
            .selectFrom(tables.client_match_keys)
            .select([
              sql.ref(names.client_id).as('client_id'),
              sql.ref(names.kind).as('kind'),
              sql.ref(names.value).as('value'),
            ])
            .where(sql.ref(names.supplier_id), '=', supplierId)
            .where((expression) =>
              expression.or(
                [...byKind].map(([kind, values]) =>
                  expression.and([
                    expression(sql.ref(names.kind), '=', kind),
                    expression(sql.ref(names.value), 'in', values),
                  ]),
                ),
              ),
            )
            .execute(),
        );
        for (const row of rows) {
          const clientId = String(row['client_id']);
          const match = { kind: String(row['kind']) as DedupeKeyKind, value: String(row['value']) };
          matchesByClient.set(clientId, [...(matchesByClient.get(clientId) ?? []), match]);
        }
      }
      const clients = await readByIds(
        state.db,
        'client',
        supplierId,
        [...matchesByClient.keys()],
        query.signal,
      );
      const candidates: DedupeCandidate[] = [];
      for (const [clientId, matches] of matchesByClient) {
        const client = clients.get(clientId);
        if (client !== undefined) candidates.push({ client, matches });
      }
      return candidates.sort(
        (left, right) =>
          right.matches.length - left.matches.length || left.client.id.localeCompare(right.client.id),
      );
    },

    async upsert<Type extends ClientStoreRecordType>(
      recordType: Type,
      rows: readonly UpsertRow<Type>[],
      options: ClientStoreCallOptions = {},
    ): Promise<readonly UpsertResult[]> {
      checkRecordType(recordType);
      const inputs = checkArray(rows, 'rows') as readonly UpsertRow<Type>[];
      if (inputs.length === 0) return [];
      const seenIds = new Set<string>();
      inputs.forEach((row, index) => {
        if (typeof row !== 'object' || row === null) {
          throw new InvalidArgumentError(
            `Expected \`rows[${index}]\` to be an object, got ${describe(row)}`,
            {
              context: { argument: `rows[${index}]` },
            },
          );
        }
        checkString(row.supplier_id, `rows[${index}].supplier_id`);
        if (row.id !== undefined) {
          const id = checkString(row.id, `rows[${index}].id`);
          if (seenIds.has(id)) {
            throw new InvalidArgumentError(`Expected each id once in \`rows\`, got \`${id}\` twice`, {
              context: { argument: `rows[${index}].id` },
            });
          }
          seenIds.add(id);
        }
        checkCrmFields(recordType, row, `rows[${index}]`);
        if (row.last_crm_sync_at !== undefined) {
          checkTimestamp(row.last_crm_sync_at, `rows[${index}].last_crm_sync_at`, true);
        }
      });
      const records = validateRecords(
        recordType,
        inputs.map((row) => row.record),
        'rows',
      );
      const tableKey = tableOfRecordType[recordType];
      const writtenAt = state.clock().toISOString();
      const prepared = inputs.map((row, index) => {
        const record = records[index] as CanonicalRecordByType[Type];
        const full: Record<string, unknown> = {
          id: row.id ?? randomUUID(),
          supplier_id: row.supplier_id,
          ...deriveColumns[recordType](record),
          data: JSON.stringify(record),
          created_at: writtenAt,
          updated_at: writtenAt,
          deleted_at: null,
          deleted_reason: null,
        };
        if (recordType === 'client') {
          if (row.crm_integration_id !== undefined) full['crm_integration_id'] = row.crm_integration_id;
          if (row.external_crm_id !== undefined) full['external_crm_id'] = row.external_crm_id;
          if (row.last_crm_sync_at !== undefined) full['last_crm_sync_at'] = row.last_crm_sync_at;
          else if (row.crm_integration_id !== undefined && row.crm_integration_id !== null) {
            full['last_crm_sync_at'] = writtenAt;
          }
        }
        return { id: full['id'] as string, supplierId: row.supplier_id, record, full };
      });

      return atomic(async (db) => {
        const existing = new Map<string, string>();
        for (const idChunk of chunk(
          prepared.map((row) => row.id),
          maxIdsPerStatement,
        )) {
          for (const [id, supplierId] of await existingSuppliers(db, tableKey, idChunk, options.signal)) {
            existing.set(id, supplierId);
          }
        }
        for (const row of prepared) {
          const owner = existing.get(row.id);
          if (owner !== undefined && owner !== row.supplierId) {
            throw new ConflictError(
              `Failed to write ${recordType} \`${row.id}\`: it belongs to another supplier than \`${row.supplierId}\``,
              { context: { recordType, id: row.id, supplierId: row.supplierId } },
            );
          }
        }
        // Rows that set different optional CRM columns are written by separate statements (one per shape),
        // so that a column a row leaves out keeps its stored value.
        const shapes = new Map<string, Record<string, unknown>[]>();
        for (const row of prepared) {
          const shape = Object.keys(row.full).join(',');
          shapes.set(shape, [...(shapes.get(shape) ?? []), row.full]);
        }
        for (const shapeRows of shapes.values()) {
          const updateColumns = Object.keys(shapeRows[0] ?? {}).filter(
            (column) => column !== 'id' && column !== 'created_at',
          );
          await writeRows(db, tableKey, shapeRows, updateColumns, options.signal);
        }
        if (recordType === 'client') {
          await writeMatchKeys(
            db,
            prepared.map((row) => ({
              id: row.id,
              supplier_id: row.supplierId,
              record: row.record as CanonicalClient,
            })),
            options.signal,
          );
        }
        return prepared.map((row) => ({
          id: row.id,
          operation: existing.has(row.id) ? ('updated' as const) : ('created' as const),
          updated_at: writtenAt,
        }));
      });
    },

    async changesSince<Type extends ClientStoreRecordType>(
      recordType: Type,
      query: ChangesQuery,
    ): Promise<ChangesPage<Type>> {
      const page = await readChanges(recordType, query, 'read changes', selectRecords);
      return { ...page, rows: page.rows.map((row) => toStoredRecord<Type>(row)) };
    },

    async changeStampsSince(
      recordType: ClientStoreRecordType,
      query: ChangesQuery,
    ): Promise<ChangeStampsPage> {
      const page = await readChanges(recordType, query, 'read change stamps', selectStamps);
      return {
        ...page,
        rows: page.rows.map((row) => ({
          id: String(row.id),
          updated_at: asTimestamp(row.updated_at) ?? '',
          deleted_at: asTimestamp(row.deleted_at),
        })),
      };
    },

    async snapshot<Type extends ClientStoreRecordType>(
      recordType: Type,
      query: RecordIdsQuery,
    ): Promise<readonly RecordSnapshot<Type>[]> {
      checkRecordType(recordType);
      const supplierId = checkString(query?.supplierId, 'query.supplierId');
      const ids = checkIds(query.ids, 'query.ids');
      const found = await readByIds(state.db, recordType, supplierId, ids, query.signal);
      return ids.flatMap((id) => {
        const stored = found.get(id);
        return stored === undefined ? [] : [stored];
      });
    },

    async restore<Type extends ClientStoreRecordType>(
      recordType: Type,
      snapshots: readonly RecordSnapshot<Type>[],
      options: ClientStoreCallOptions = {},
    ): Promise<void> {
      checkRecordType(recordType);
      const inputs = checkArray(snapshots, 'snapshots') as readonly RecordSnapshot<Type>[];
      if (inputs.length === 0) return;
      const seenIds = new Set<string>();
      const fullRows = inputs.map((snapshot, index) => {
        const name = `snapshots[${index}]`;
        if (typeof snapshot !== 'object' || snapshot === null) {
          throw new InvalidArgumentError(`Expected \`${name}\` to be an object, got ${describe(snapshot)}`, {
            context: { argument: name },
          });
        }
        const id = checkString(snapshot.id, `${name}.id`);
        if (seenIds.has(id)) {
          throw new InvalidArgumentError(`Expected each id once in \`snapshots\`, got \`${id}\` twice`, {
            context: { argument: `${name}.id` },
          });
        }
        seenIds.add(id);
        checkString(snapshot.supplier_id, `${name}.supplier_id`);
        checkCrmFields(recordType, snapshot, name);
        const deletedReason = snapshot.deleted_reason;
        if (deletedReason !== null && typeof deletedReason !== 'string') {
          throw new InvalidArgumentError(
            `Expected \`${name}.deleted_reason\` to be a string or null, got ${describe(deletedReason)}`,
            { context: { argument: `${name}.deleted_reason` } },
          );
        }
        return {
          id,
          supplier_id: snapshot.supplier_id,
          created_at: checkTimestamp(snapshot.created_at, `${name}.created_at`, false),
          updated_at: checkTimestamp(snapshot.updated_at, `${name}.updated_at`, false),
          deleted_at: checkTimestamp(snapshot.deleted_at, `${name}.deleted_at`, true),
          deleted_reason: deletedReason,
          ...(recordType === 'client'
            ? {
                crm_integration_id: snapshot.crm_integration_id ?? null,
                external_crm_id: snapshot.external_crm_id ?? null,
                last_crm_sync_at: checkTimestamp(
                  snapshot.last_crm_sync_at ?? null,
                  `${name}.last_crm_sync_at`,
                  true,
                ),
              }
            : {}),
        };
      });
      const records = validateRecords(
        recordType,
        inputs.map((snapshot) => snapshot.record),
        'snapshots',
      );
      const tableKey = tableOfRecordType[recordType];
      const rows = fullRows.map((row, index) => {
        const record = records[index] as CanonicalRecordByType[Type];
        return { ...row, ...deriveColumns[recordType](record), data: JSON.stringify(record) };
      });
      await atomic(async (db) => {
        for (const idChunk of chunk([...seenIds], maxIdsPerStatement)) {
          const existing = await existingSuppliers(db, tableKey, idChunk, options.signal);
          for (const row of fullRows) {
            const owner = existing.get(row.id);
            if (owner !== undefined && owner !== row.supplier_id) {
              throw new ConflictError(
                `Failed to restore ${recordType} \`${row.id}\`: it belongs to another supplier than \`${row.supplier_id}\``,
                { context: { recordType, id: row.id, supplierId: row.supplier_id } },
              );
            }
          }
        }
        const updateColumns = Object.keys(rows[0] ?? {}).filter((column) => column !== 'id');
        await writeRows(db, tableKey, rows, updateColumns, options.signal);
        if (recordType === 'client') {
          await writeMatchKeys(
            db,
            rows.map((row, index) => ({
              id: row.id,
              supplier_id: row.supplier_id,
              record: records[index] as CanonicalClient,
            })),
            options.signal,
          );
        }
      });
    },

    async remove(recordType, query) {
      checkRecordType(recordType);
      const supplierId = checkString(query?.supplierId, 'query.supplierId');
      const ids = checkIds(query.ids, 'query.ids');
      if (ids.length === 0) return 0;
      const tableKey = tableOfRecordType[recordType];
      const names = recordColumns(tableKey);
      return atomic(async (db) => {
        let removed = 0;
        for (const idChunk of chunk(ids, maxIdsPerStatement)) {
          if (recordType === 'client') {
            // The foreign key cascades too; deleting explicitly keeps lookups right where SQLite runs without it.
            const keyNames = columns.client_match_keys;
            await run('remove records', 'client_match_keys', query.signal, () =>
              db
                .deleteFrom(tables.client_match_keys)
                .where(sql.ref(keyNames.supplier_id), '=', supplierId)
                .where(sql.ref(keyNames.client_id), 'in', idChunk)
                .execute(),
            );
          }
          const result = await run('remove records', tableKey, query.signal, () =>
            db
              .deleteFrom(tables[tableKey])
              .where(sql.ref(names.supplier_id), '=', supplierId)
              .where(sql.ref(names.id), 'in', idChunk)
              .executeTakeFirst(),
          );
          removed += Number(result.numDeletedRows);
        }
        return removed;
      });
    },

    async markDeleted(recordType, query: MarkDeletedQuery) {
      checkRecordType(recordType);
      const supplierId = checkString(query?.supplierId, 'query.supplierId');
      const ids = checkIds(query.ids, 'query.ids');
      const reason = checkString(query.reason, 'query.reason');
      if (ids.length === 0) return [];
      const tableKey = tableOfRecordType[recordType];
      const names = recordColumns(tableKey);
      const markedAt = state.clock().toISOString();
      return atomic(async (db) => {
        const marked: string[] = [];
        for (const idChunk of chunk(ids, maxIdsPerStatement)) {
          const rows = await run('mark records deleted', tableKey, query.signal, () =>
            db
              .updateTable(tables[tableKey])
              .set({
                [names.deleted_at]: markedAt,
                [names.deleted_reason]: reason,
                [names.updated_at]: markedAt,
              })
              .where(sql.ref(names.supplier_id), '=', supplierId)
              .where(sql.ref(names.id), 'in', idChunk)
              .where(sql.ref(names.deleted_at), 'is', null)
              .returning(sql.ref(names.id).as('id'))
              .execute(),
          );
          for (const row of rows) marked.push(String(row['id']));
        }
        return marked;
      });
    },

    async transaction<Result>(
      fn: (store: ClientStore, handle: TransactionHandle) => Promise<Result>,
    ): Promise<Result> {
      if (typeof fn !== 'function') {
        throw new InvalidArgumentError(`Expected \`fn\` to be a function, got ${describe(fn)}`, {
          context: { argument: 'fn' },
        });
      }
      if (state.db.isTransaction) {
        const handle = state.handle ?? createTransactionHandle(state.db as Transaction<unknown>);
        return fn(store, handle);
      }
      await prepare();
      return state.db.transaction().execute((transaction) => {
        const handle = createTransactionHandle(transaction);
        return fn(buildStore({ ...state, db: transaction, handle }), handle);
      });
    },

    withTransaction(handle: TransactionHandle): KyselyClientStore {
      const transaction = transactionOfHandle(handle);
      return buildStore({ ...state, db: transaction, handle });
    },
  };
  if (dialect === 'postgres') {
    // PostgreSQL only: SQLite's planner picks the match keys' lookup index without statistics.
    store.refreshStatistics = async (options: ClientStoreCallOptions = {}) => {
      await run('refresh planner statistics', 'client_match_keys', options.signal, async () => {
        const names = columns.client_match_keys;
        await sql`ANALYZE ${sql.table(tables.client_match_keys)} (${sql.join(
          [names.supplier_id, names.kind, names.value, names.client_id].map((name) => sql.ref(name)),
        )})`.execute(state.db);
      });
    };
  }
  return store;
}
