/**
 * The embedded host tables (`hostTables: 'create'`): `suppliers`, `clients`, `projects`, `events`, `invoices`,
 * `payments` and `client_match_keys`, for a host that has no tables of its own (demos, tests, small
 * deployments). A host with its own tables keeps them (`hostTables: 'existing'`) and may rename what the
 * default ClientStore reads and writes through a {@link HostSchemaOptions}.
 *
 * The CRM columns of `clients` (`crm_integration_id`, `external_crm_id`, `last_crm_sync_at`) are NOT created
 * here: the hub's own migration adds them afterwards, exactly as the spec's `ALTER TABLE clients` does.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import {
  type ColumnDataType,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  type RawBuilder,
  sql,
} from 'kysely';
import type { SqlDialectName } from '../dialect.js';

/**
 * Every host table the default ClientStore knows and every column it reads or writes in each. These are the
 * keys a {@link HostSchemaOptions} may rename (and nothing else: the CRM columns of `clients` keep the spec's
 * names).
 */
export const hostTableColumns = {
  suppliers: ['id', 'name', 'tier', 'created_at'],
  clients: [
    'id',
    'supplier_id',
    'first_name',
    'last_name',
    'full_name',
    'email',
    'phone',
    'wedding_date',
    'venue_name',
    'stage',
    'email_normalized',
    'phone_e164',
    'name_key',
    'data',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted_reason',
  ],
  projects: [
    'id',
    'supplier_id',
    'client_id',
    'name',
    'event_date',
    'stage',
    'data',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted_reason',
  ],
  events: [
    'id',
    'supplier_id',
    'project_id',
    'name',
    'event_type',
    'start_date',
    'data',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted_reason',
  ],
  invoices: [
    'id',
    'supplier_id',
    'project_id',
    'number',
    'status',
    'total_minor',
    'currency',
    'due_date',
    'data',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted_reason',
  ],
  payments: [
    'id',
    'supplier_id',
    'project_id',
    'invoice_id',
    'amount_minor',
    'currency',
    'status',
    'data',
    'created_at',
    'updated_at',
    'deleted_at',
    'deleted_reason',
  ],
  client_match_keys: ['client_id', 'supplier_id', 'kind', 'value'],
} as const;

/** The host tables the default ClientStore knows, by their default names. */
export type HostTableKey = keyof typeof hostTableColumns;

/** The columns of one host table, by their default names. */
export type HostColumnKey<Table extends HostTableKey> = (typeof hostTableColumns)[Table][number];

/**
 * Renames of host tables and their columns, for a host whose own tables use other names. Keys are the
 * default names listed in {@link hostTableColumns}; values are plain SQL identifiers
 * (`[A-Za-z_][A-Za-z0-9_]*`, at most 63 characters). Unknown keys are rejected.
 *
 * @example { tables: { clients: 'couples' }, columns: { clients: { wedding_date: 'event_day' } } }
 */
export interface HostSchemaOptions {
  /** Table names. @default each table's key (`suppliers`, `clients`, ...) */
  readonly tables?: { readonly [Table in HostTableKey]?: string };
  /** Column names per table. @default each column's key */
  readonly columns?: {
    readonly [Table in HostTableKey]?: { readonly [Column in HostColumnKey<Table>]?: string };
  };
}

/** A {@link HostSchemaOptions} checked and filled with defaults. */
export interface HostSchema {
  /** The actual name of each table. */
  readonly tables: { readonly [Table in HostTableKey]: string };
  /** The actual name of each column of each table. */
  readonly columns: {
    readonly [Table in HostTableKey]: { readonly [Column in HostColumnKey<Table>]: string };
  };
}

/** Options of {@link createHostTables}. */
export interface CreateHostTablesOptions {
  /** The dialect of `db` (see `detectDialect`). */
  readonly dialect: SqlDialectName;
  /** Renamed tables or columns. @default the default names */
  readonly schema?: HostSchemaOptions | HostSchema;
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function describe(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (Array.isArray(value)) return '(array)';
  if (typeof value === 'object') return '(object)';
  return `\`${String(value)}\` (${typeof value})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkIdentifier(value: unknown, path: string): string {
  if (typeof value !== 'string' || !identifierPattern.test(value)) {
    throw new InvalidArgumentError(
      `Expected \`${path}\` to be an SQL identifier matching ${identifierPattern}, got ${describe(value)}`,
      { context: { option: path } },
    );
  }
  return value;
}

function isHostTableKey(value: string): value is HostTableKey {
  return Object.hasOwn(hostTableColumns, value);
}

/**
 * Checks a {@link HostSchemaOptions} and fills in defaults. Accepts an already resolved {@link HostSchema}
 * too (it is checked again, which is cheap).
 *
 * @throws InvalidArgumentError naming the option when a key is unknown, a name is not a plain SQL identifier,
 * or two tables (or two columns of one table) would get the same name.
 */
export function resolveHostSchema(options: HostSchemaOptions | HostSchema | undefined = {}): HostSchema {
  if (!isRecord(options)) {
    throw new InvalidArgumentError(`Expected \`schema\` to be an object, got ${describe(options)}`, {
      context: { option: 'schema' },
    });
  }
  for (const key of Object.keys(options)) {
    if (key !== 'tables' && key !== 'columns') {
      throw new InvalidArgumentError(
        `Expected \`schema\` to have only \`tables\` and \`columns\`, got \`${key}\``,
        {
          context: { option: `schema.${key}` },
        },
      );
    }
  }
  const tableOptions: unknown = options.tables ?? {};
  const columnOptions: unknown = options.columns ?? {};
  if (!isRecord(tableOptions)) {
    throw new InvalidArgumentError(
      `Expected \`schema.tables\` to be an object, got ${describe(tableOptions)}`,
      {
        context: { option: 'schema.tables' },
      },
    );
  }
  if (!isRecord(columnOptions)) {
    throw new InvalidArgumentError(
      `Expected \`schema.columns\` to be an object, got ${describe(columnOptions)}`,
      { context: { option: 'schema.columns' } },
    );
  }
  const tables = {} as Record<HostTableKey, string>;
  const columns = {} as Record<HostTableKey, Record<string, string>>;
  for (const key of Object.keys(tableOptions)) {
    if (!isHostTableKey(key)) {
      throw new InvalidArgumentError(
        `Expected \`schema.tables\` keys to be among ${Object.keys(hostTableColumns).join(', ')}, got \`${key}\``,
        { context: { option: `schema.tables.${key}` } },
      );
    }
  }
  for (const key of Object.keys(columnOptions)) {
    if (!isHostTableKey(key)) {
      throw new InvalidArgumentError(
        `Expected \`schema.columns\` keys to be among ${Object.keys(hostTableColumns).join(', ')}, got \`${key}\``,
        { context: { option: `schema.columns.${key}` } },
      );
    }
  }
  const usedTableNames = new Map<string, HostTableKey>();
  for (const table of Object.keys(hostTableColumns) as HostTableKey[]) {
    const name = checkIdentifier(tableOptions[table] ?? table, `schema.tables.${table}`);
    const lowerName = name.toLowerCase();
    const clash = usedTableNames.get(lowerName);
    if (clash !== undefined) {
      throw new InvalidArgumentError(
        `Expected distinct table names, got \`${name}\` for both \`${clash}\` and \`${table}\``,
        { context: { option: `schema.tables.${table}` } },
      );
    }
    usedTableNames.set(lowerName, table);
    tables[table] = name;

    const renames: unknown = columnOptions[table] ?? {};
    if (!isRecord(renames)) {
      throw new InvalidArgumentError(
        `Expected \`schema.columns.${table}\` to be an object, got ${describe(renames)}`,
        { context: { option: `schema.columns.${table}` } },
      );
    }
    const known: readonly string[] = hostTableColumns[table];
    for (const key of Object.keys(renames)) {
      if (!known.includes(key)) {
        throw new InvalidArgumentError(
          `Expected \`schema.columns.${table}\` keys to be among ${known.join(', ')}, got \`${key}\``,
          { context: { option: `schema.columns.${table}.${key}` } },
        );
      }
    }
    const resolved: Record<string, string> = {};
    const usedColumnNames = new Map<string, string>();
    for (const column of known) {
      const columnName = checkIdentifier(renames[column] ?? column, `schema.columns.${table}.${column}`);
      const lowerColumn = columnName.toLowerCase();
      const columnClash = usedColumnNames.get(lowerColumn);
      if (columnClash !== undefined) {
        throw new InvalidArgumentError(
          `Expected distinct column names in \`${table}\`, got \`${columnName}\` for both \`${columnClash}\` and \`${column}\``,
          { context: { option: `schema.columns.${table}.${column}` } },
        );
      }
      usedColumnNames.set(lowerColumn, column);
      resolved[column] = columnName;
    }
    columns[table] = resolved;
  }
  return { tables, columns } as HostSchema;
}

/** Column types of one dialect. */
interface ColumnTypes {
  readonly id: ColumnDataType;
  readonly json: ColumnDataType;
  readonly timestamp: ColumnDataType;
  readonly date: ColumnDataType;
  readonly money: ColumnDataType;
  readonly now: RawBuilder<unknown>;
  readonly newId: RawBuilder<unknown> | undefined;
}

function columnTypes(dialect: SqlDialectName): ColumnTypes {
  if (dialect === 'postgres') {
    return {
      id: 'uuid',
      json: 'jsonb',
      timestamp: 'timestamptz',
      date: 'date',
      money: 'bigint',
      now: sql`now()`,
      newId: sql`gen_random_uuid()`,
    };
  }
  return {
    id: 'text',
    json: 'text',
    timestamp: 'text',
    date: 'text',
    money: 'integer',
    // The same shape as Date#toISOString(), so stored timestamps sort and compare as text.
    now: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
    newId: undefined,
  };
}

/** `column IN ('a', 'b')` with literal values (DDL takes no bound parameters). */
function inList(column: string, values: readonly string[]): RawBuilder<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** The stage values of a canonical record status. */
const stageValues = ['inquiry', 'booked', 'fulfillment', 'completed', 'lost', 'archived'] as const;
/** Invoice states of the canonical invoice. */
const invoiceStatusValues = ['draft', 'open', 'paid', 'void', 'partial'] as const;
/** Payment states of the canonical payment. */
const paymentStatusValues = ['scheduled', 'pending', 'paid', 'failed', 'refunded'] as const;
/** Kinds of dedupe key kept in `client_match_keys`. */
export const matchKeyKinds = ['email', 'phone', 'name', 'name_date'] as const;

/**
 * Creates the embedded host tables and their indexes if they do not exist (idempotent: safe to run twice).
 * Meant to run inside the caller's migration. PostgreSQL gets uuid, date, jsonb, timestamptz and bigint
 * columns; SQLite gets text (ISO 8601 timestamps in `Date#toISOString()` form, `YYYY-MM-DD` dates, JSON
 * checked with `json_valid`) and integer. Cascades on SQLite need `PRAGMA foreign_keys = ON` on the
 * connection.
 *
 * Tables: `suppliers` (tier CHECK in FREE..ENTERPRISE, default FREE); `clients`, `projects`, `events`,
 * `invoices`, `payments` (each with `supplier_id`, the canonical record in `data`, a few columns derived
 * from it for the host's queries, `created_at`, `updated_at`, `deleted_at`, `deleted_reason`; parents
 * cascade to children: supplier -> client -> project -> event, invoice, payment; invoice -> payment);
 * `client_match_keys` (every normalised email, phone and name key of a client and its partner, for dedupe).
 *
 * @throws InvalidArgumentError when `schema` is not valid (see {@link resolveHostSchema}).
 */
// biome-ignore lint/suspicious/noExplicitAny: the host's database schema is not known statically.
export async function createHostTables(db: Kysely<any>, options: CreateHostTablesOptions): Promise<void> {
  if (options.dialect !== 'postgres' && options.dialect !== 'sqlite') {
    throw new InvalidArgumentError(
      `Expected \`dialect\` to be 'postgres' or 'sqlite', got ${describe(options.dialect)}`,
      { context: { option: 'dialect' } },
    );
  }
  const schema = resolveHostSchema(options.schema);
  const types = columnTypes(options.dialect);
  const { tables, columns } = schema;

  const idColumn = (builder: ColumnDefinitionBuilder): ColumnDefinitionBuilder => {
    const primary = builder.primaryKey();
    return types.newId === undefined ? primary : primary.defaultTo(types.newId);
  };
  const jsonCheck = (column: string): RawBuilder<unknown> =>
    options.dialect === 'sqlite'
      ? sql`json_valid(${sql.ref(column)})`
      : sql`jsonb_typeof(${sql.ref(column)}) = 'object'`;

  /** The columns every record table shares after its own: data, timestamps, deletion mark. */
  const addRecordColumns = <Builder extends CreateTableBuilder<string, string>>(
    builder: Builder,
    table: 'clients' | 'projects' | 'events' | 'invoices' | 'payments',
  ): Builder => {
    const names = columns[table];
    return builder
      .addColumn(names.data, types.json, (column) => column.notNull().defaultTo(sql`'{}'`))
      .addColumn(names.created_at, types.timestamp, (column) => column.notNull().defaultTo(types.now))
      .addColumn(names.updated_at, types.timestamp, (column) => column.notNull().defaultTo(types.now))
      .addColumn(names.deleted_at, types.timestamp)
      .addColumn(names.deleted_reason, 'text')
      .addCheckConstraint(`${tables[table]}_data_check`, jsonCheck(names.data)) as Builder;
  };
  const supplierColumn = (builder: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    builder.notNull().references(`${tables.suppliers}.${columns.suppliers.id}`).onDelete('cascade');

  const supplier = columns.suppliers;
  await db.schema
    .createTable(tables.suppliers)
    .ifNotExists()
    .addColumn(supplier.id, types.id, idColumn)
    .addColumn(supplier.name, 'text', (column) => column.notNull())
    .addColumn(supplier.tier, 'text', (column) => column.notNull().defaultTo(sql.lit('FREE')))
    .addColumn(supplier.created_at, types.timestamp, (column) => column.notNull().defaultTo(types.now))
    .addCheckConstraint(
      `${tables.suppliers}_tier_check`,
      inList(supplier.tier, ['FREE', 'STARTER', 'PROFESSIONAL', 'SCALE', 'ENTERPRISE']),
    )
    .execute();

  const client = columns.clients;
  await addRecordColumns(
    db.schema
      .createTable(tables.clients)
      .ifNotExists()
      .addColumn(client.id, types.id, idColumn)
      .addColumn(client.supplier_id, types.id, supplierColumn)
      .addColumn(client.first_name, 'text')
      .addColumn(client.last_name, 'text')
      .addColumn(client.full_name, 'text')
      .addColumn(client.email, 'text')
      .addColumn(client.phone, 'text')
      .addColumn(client.wedding_date, types.date)
      .addColumn(client.venue_name, 'text')
      .addColumn(client.stage, 'text')
      .addColumn(client.email_normalized, 'text')
      .addColumn(client.phone_e164, 'text')
      .addColumn(client.name_key, 'text')
      .addCheckConstraint(`${tables.clients}_stage_check`, inList(client.stage, stageValues)),
    'clients',
  ).execute();

  const project = columns.projects;
  await addRecordColumns(
    db.schema
      .createTable(tables.projects)
      .ifNotExists()
      .addColumn(project.id, types.id, idColumn)
      .addColumn(project.supplier_id, types.id, supplierColumn)
      .addColumn(project.client_id, types.id, (column) =>
        column.notNull().references(`${tables.clients}.${client.id}`).onDelete('cascade'),
      )
      .addColumn(project.name, 'text')
      .addColumn(project.event_date, types.date)
      .addColumn(project.stage, 'text')
      .addCheckConstraint(`${tables.projects}_stage_check`, inList(project.stage, stageValues)),
    'projects',
  ).execute();

  const projectReference = `${tables.projects}.${project.id}`;
  const event = columns.events;
  await addRecordColumns(
    db.schema
      .createTable(tables.events)
      .ifNotExists()
      .addColumn(event.id, types.id, idColumn)
      .addColumn(event.supplier_id, types.id, supplierColumn)
      .addColumn(event.project_id, types.id, (column) =>
        column.notNull().references(projectReference).onDelete('cascade'),
      )
      .addColumn(event.name, 'text')
      .addColumn(event.event_type, 'text')
      .addColumn(event.start_date, types.date),
    'events',
  ).execute();

  const invoice = columns.invoices;
  await addRecordColumns(
    db.schema
      .createTable(tables.invoices)
      .ifNotExists()
      .addColumn(invoice.id, types.id, idColumn)
      .addColumn(invoice.supplier_id, types.id, supplierColumn)
      .addColumn(invoice.project_id, types.id, (column) =>
        column.notNull().references(projectReference).onDelete('cascade'),
      )
      .addColumn(invoice.number, 'text')
      .addColumn(invoice.status, 'text', (column) => column.notNull())
      .addColumn(invoice.total_minor, types.money, (column) => column.notNull())
      .addColumn(invoice.currency, 'text', (column) => column.notNull())
      .addColumn(invoice.due_date, types.date)
      .addCheckConstraint(`${tables.invoices}_status_check`, inList(invoice.status, invoiceStatusValues))
      .addCheckConstraint(`${tables.invoices}_currency_check`, sql`length(${sql.ref(invoice.currency)}) = 3`),
    'invoices',
  ).execute();

  const payment = columns.payments;
  await addRecordColumns(
    db.schema
      .createTable(tables.payments)
      .ifNotExists()
      .addColumn(payment.id, types.id, idColumn)
      .addColumn(payment.supplier_id, types.id, supplierColumn)
      .addColumn(payment.project_id, types.id, (column) =>
        column.notNull().references(projectReference).onDelete('cascade'),
      )
      .addColumn(payment.invoice_id, types.id, (column) =>
        column.references(`${tables.invoices}.${invoice.id}`).onDelete('cascade'),
      )
      .addColumn(payment.amount_minor, types.money, (column) => column.notNull())
      .addColumn(payment.currency, 'text', (column) => column.notNull())
      .addColumn(payment.status, 'text', (column) => column.notNull())
      .addCheckConstraint(`${tables.payments}_status_check`, inList(payment.status, paymentStatusValues))
      .addCheckConstraint(`${tables.payments}_currency_check`, sql`length(${sql.ref(payment.currency)}) = 3`),
    'payments',
  ).execute();

  const matchKey = columns.client_match_keys;
  await db.schema
    .createTable(tables.client_match_keys)
    .ifNotExists()
    .addColumn(matchKey.client_id, types.id, (column) =>
      column.notNull().references(`${tables.clients}.${client.id}`).onDelete('cascade'),
    )
    .addColumn(matchKey.supplier_id, types.id, (column) => column.notNull())
    .addColumn(matchKey.kind, 'text', (column) => column.notNull())
    .addColumn(matchKey.value, 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint(`${tables.client_match_keys}_pkey`, [
      matchKey.client_id,
      matchKey.kind,
      matchKey.value,
    ])
    .addCheckConstraint(`${tables.client_match_keys}_kind_check`, inList(matchKey.kind, matchKeyKinds))
    .execute();

  const createIndex = async (
    name: string,
    table: string,
    indexColumns: readonly string[],
    whereNotNull?: string,
  ): Promise<void> => {
    let builder = db.schema
      .createIndex(name)
      .ifNotExists()
      .on(table)
      .columns([...indexColumns]);
    if (whereNotNull !== undefined)
      builder = builder.where(sql<boolean>`${sql.ref(whereNotNull)} is not null`);
    await builder.execute();
  };
  for (const table of ['clients', 'projects', 'events', 'invoices', 'payments'] as const) {
    const names = columns[table];
    // changesSince: keyset over (updated_at, id) within one supplier.
    await createIndex(`${tables[table]}_supplier_changes_idx`, tables[table], [
      names.supplier_id,
      names.updated_at,
      names.id,
    ]);
  }
  await createIndex(
    `${tables.clients}_supplier_email_idx`,
    tables.clients,
    [client.supplier_id, client.email_normalized],
    client.email_normalized,
  );
  await createIndex(
    `${tables.clients}_supplier_phone_idx`,
    tables.clients,
    [client.supplier_id, client.phone_e164],
    client.phone_e164,
  );
  await createIndex(
    `${tables.clients}_supplier_name_idx`,
    tables.clients,
    [client.supplier_id, client.name_key, client.wedding_date],
    client.name_key,
  );
  await createIndex(`${tables.projects}_client_idx`, tables.projects, [project.client_id]);
  await createIndex(`${tables.events}_project_idx`, tables.events, [event.project_id]);
  await createIndex(`${tables.invoices}_project_idx`, tables.invoices, [invoice.project_id]);
  await createIndex(`${tables.payments}_project_idx`, tables.payments, [payment.project_id]);
  await createIndex(
    `${tables.payments}_invoice_idx`,
    tables.payments,
    [payment.invoice_id],
    payment.invoice_id,
  );
  await createIndex(`${tables.client_match_keys}_lookup_idx`, tables.client_match_keys, [
    matchKey.supplier_id,
    matchKey.kind,
    matchKey.value,
  ]);
}
