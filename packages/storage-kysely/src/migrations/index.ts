/**
 * The hub's migrations, run through kysely's Migrator with an in-code provider and their own bookkeeping tables
 * (`crm_hub_migration`, `crm_hub_migration_lock`), so they never mix with the host's own kysely migrations.
 *
 * 1. `0001_host_tables`: the embedded host tables (`suppliers`, `clients`, ...) when `hostTables` is 'create';
 *    nothing when it is 'existing' (the step is always listed so switching modes never "loses" a migration).
 * 2. `0002_crm_tables`: the spec's five crm_* tables.
 * 3. `0003_clients_crm_columns`: the spec's ALTER TABLE clients (three columns, two partial indexes).
 * 4. `0004_sync_extensions`: crm_record_links, crm_conflicts, crm_record_backups.
 * 5. `0005_staging_latest_index`: the index of `staging.listLatest` (the newest staged row of each external id
 *    of a record type), which `field_mapping_update` jobs page through.
 * 6. `0006_staging_job_index`: the index of deletion detection's "did this job stage this record" probe
 *    (`links.listNotStagedByJob`).
 * 7. `0007_staging_record_type_column`: `crm_client_staging.record_type`, a plain column backfilled from
 *    `raw_data.record_type`; the indexes of 0005 and 0006 move from the `raw_data` expression to it (SQLite's
 *    `json_extract` in an index made rows nested deeper than 1,000 levels impossible to stage).
 * 8. `0008_link_base_updated_at_column`: `crm_record_links.base_updated_at`, the WedSync record's `updated_at`
 *    when it was known to equal the link's base snapshot (exports pass over records that still carry it).
 * 9. `0009_job_scratch_table`: `crm_job_scratch`, the working space of running jobs (`HubStorage.scratch`): JSON
 *    text values by (job, namespace, key, item), dropped with their job by cascade.
 *
 * Safe to run twice (applied steps are skipped) and from several processes at once on PostgreSQL: the Migrator
 * takes an advisory lock and runs each step in a transaction. Do not call it from inside another kysely
 * migration on PostgreSQL: both would wait for the same advisory lock.
 */
import { CrmError, InvalidArgumentError, StorageError } from '@wedsync/crm-core';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import {
  addClientCrmColumns,
  type CrmTablesTarget,
  createCrmTables,
  createSyncExtensionTables,
  tableColumnNames,
} from './crm-tables.js';
import { createHostTables, type HostSchema } from './host-tables.js';
import { createJobScratchTable } from './job-scratch-table.js';
import { addLinkBaseUpdatedAtColumn } from './link-base-updated-at-column.js';
import { createStagingJobIndex } from './staging-job-index.js';
import { createStagingLatestIndex } from './staging-latest-index.js';
import { addStagingRecordTypeColumn } from './staging-record-type-column.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** Whether the hub creates the host tables (embedded use) or uses the host's own. */
export type HostTablesMode = 'create' | 'existing';

/** Options of {@link migrateHub}. */
export interface MigrateHubOptions {
  readonly dialect: SqlDialectName;
  /** @default 'create' */
  readonly hostTables: HostTablesMode;
  /** The host's table and column names (resolved). */
  readonly schema: HostSchema;
  /** @default 'crm_hub_migration' */
  readonly migrationTableName?: string;
}

/** What one `migrate()` call did. */
export interface MigrationSummary {
  /** Names of the migrations this call applied, in order; empty when the database was already up to date. */
  readonly applied: readonly string[];
}

/** The names of the hub's migrations, in order. */
export const hubMigrationNames = [
  '0001_host_tables',
  '0002_crm_tables',
  '0003_clients_crm_columns',
  '0004_sync_extensions',
  '0005_staging_latest_index',
  '0006_staging_job_index',
  '0007_staging_record_type_column',
  '0008_link_base_updated_at_column',
  '0009_job_scratch_table',
] as const;

async function assertHostTablesExist(db: AnyDatabase, options: MigrateHubOptions): Promise<void> {
  const required = [
    { key: 'suppliers', table: options.schema.tables.suppliers, column: options.schema.columns.suppliers.id },
    { key: 'clients', table: options.schema.tables.clients, column: options.schema.columns.clients.id },
  ];
  for (const { key, table, column } of required) {
    const columns = await tableColumnNames(db, options.dialect, table);
    if (!columns.has(column.toLowerCase())) {
      throw new InvalidArgumentError(
        columns.size === 0
          ? `Expected the host table \`${table}\` (${key}) to exist with \`hostTables: 'existing'\``
          : `Expected the host table \`${table}\` (${key}) to have a column \`${column}\``,
        { context: { table, column, hostTables: 'existing' } },
      );
    }
  }
}

/** The hub's migrations for one configuration, as kysely Migration objects keyed by name. */
export function hubMigrations(
  options: MigrateHubOptions,
): Record<(typeof hubMigrationNames)[number], Migration> {
  const target: CrmTablesTarget = {
    dialect: options.dialect,
    suppliers: { table: options.schema.tables.suppliers, id: options.schema.columns.suppliers.id },
    clients: { table: options.schema.tables.clients },
  };
  return {
    '0001_host_tables': {
      async up(db) {
        if (options.hostTables === 'create') {
          await createHostTables(db, { dialect: options.dialect, schema: options.schema });
        } else {
          await assertHostTablesExist(db, options);
        }
      },
    },
    '0002_crm_tables': { up: (db) => createCrmTables(db, target) },
    '0003_clients_crm_columns': { up: (db) => addClientCrmColumns(db, target) },
    '0004_sync_extensions': { up: (db) => createSyncExtensionTables(db, target) },
    '0005_staging_latest_index': { up: (db) => createStagingLatestIndex(db, options.dialect) },
    '0006_staging_job_index': { up: (db) => createStagingJobIndex(db, options.dialect) },
    '0007_staging_record_type_column': { up: (db) => addStagingRecordTypeColumn(db, options.dialect) },
    '0008_link_base_updated_at_column': { up: (db) => addLinkBaseUpdatedAtColumn(db, options.dialect) },
    '0009_job_scratch_table': { up: (db) => createJobScratchTable(db, options.dialect) },
  };
}

/**
 * Enables foreign keys on a SQLite connection (cascades depend on it) and checks that they are on.
 * better-sqlite3 enables them by default; other drivers may not.
 *
 * @throws StorageError when they cannot be enabled (e.g. inside a transaction, where SQLite ignores the pragma).
 */
export async function ensureSqliteForeignKeys(db: AnyDatabase): Promise<void> {
  const read = async () => {
    const result = await sql<{ foreign_keys: number | bigint }>`PRAGMA foreign_keys`.execute(db);
    return Number(result.rows[0]?.foreign_keys ?? 0) === 1;
  };
  if (await read()) return;
  await sql`PRAGMA foreign_keys = ON`.execute(db);
  if (!(await read())) {
    throw new StorageError(
      'SQLite foreign keys are off and could not be turned on: run `PRAGMA foreign_keys = ON` on every connection',
      { context: { operation: 'ensureForeignKeys' } },
    );
  }
}

/**
 * Brings the database up to date with the hub's migrations.
 *
 * @throws StorageError (with the Migrator's error as `cause`) when a migration fails; InvalidArgumentError when
 * `hostTables` is 'existing' and the host's suppliers or clients table is missing.
 */
export async function migrateHub(db: AnyDatabase, options: MigrateHubOptions): Promise<MigrationSummary> {
  if (options.dialect === 'sqlite') await ensureSqliteForeignKeys(db);
  const migrations = hubMigrations(options);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrationTableName = options.migrationTableName ?? 'crm_hub_migration';
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName,
    migrationLockTableName: `${migrationTableName}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    if (CrmError.isInstance(error)) throw error;
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new StorageError(
      failed === undefined ? 'The hub migrations could not run' : `The hub migration \`${failed}\` failed`,
      { context: { operation: 'migrate', migration: failed ?? null }, cause: error },
    );
  }
  return {
    applied: (results ?? [])
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}
