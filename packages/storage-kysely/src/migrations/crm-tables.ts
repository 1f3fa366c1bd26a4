/**
 * The hub's tables: the spec's five crm_* tables with every column, CHECK, UNIQUE, cascade and index it lists
 * (its inline `INDEX (...)` become CREATE INDEX statements), the spec's three CRM columns on `clients`, and the
 * documented extensions correct sync needs.
 *
 * Types per dialect: PostgreSQL uses uuid, jsonb, timestamptz and boolean; SQLite uses TEXT for UUIDs, JSON and
 * timestamps (ISO 8601 UTC strings that sort in time order) and INTEGER 0/1 for booleans. CHECK constraints are
 * the same text on both. Every statement is idempotent (IF NOT EXISTS, or introspection where SQLite has no
 * such clause) so a migration interrupted on SQLite, which runs DDL outside a transaction, can be re-run.
 *
 * Extensions to the spec:
 * - crm_sync_jobs: lease_owner, lease_expires_at, heartbeat_at, attempts, checkpoint, dry_run, result_status,
 *   counts, cancel_requested_at, rolled_back_at, updated_at; a partial UNIQUE index allowing one pending or running
 *   job per integration (`crm_sync_jobs_one_active_idx`).
 * - crm_field_mappings: `position` (the order of the mappings as given).
 * - crm_record_links, crm_conflicts, crm_record_backups: new tables.
 */

import {
  connectionStatuses,
  crmProviderIds,
  fieldTypes,
  jobStatuses,
  jobTypes,
  lastSyncStatuses,
  logActionTypes,
  stagingStatuses,
  syncDirections,
} from '@wedsync/crm-core';
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** Where the hub's tables point in the host's schema. */
export interface CrmTablesTarget {
  readonly dialect: SqlDialectName;
  /** The host's suppliers table and its id column. */
  readonly suppliers: { readonly table: string; readonly id: string };
  /** The host's clients table (receives the spec's three CRM columns). */
  readonly clients: { readonly table: string };
}

/** Values the spec allows for a crm_conflicts.status. */
export const conflictStatuses = ['open', 'resolved', 'dismissed'] as const;
/** Values allowed for crm_record_backups.operation. */
export const backupOperations = ['created', 'updated', 'deleted'] as const;
/** Values allowed for crm_record_links.last_written_side. */
export const syncSides = ['wedsync', 'crm'] as const;

interface ColumnTypes {
  readonly uuid: 'uuid' | 'text';
  readonly json: 'jsonb' | 'text';
  readonly timestamp: 'timestamptz' | 'text';
  readonly boolean: 'boolean' | 'integer';
}

function columnTypes(dialect: SqlDialectName): ColumnTypes {
  return dialect === 'postgres'
    ? { uuid: 'uuid', json: 'jsonb', timestamp: 'timestamptz', boolean: 'boolean' }
    : { uuid: 'text', json: 'text', timestamp: 'text', boolean: 'integer' };
}

/** The "now" default of a timestamp column: `now()`, or an ISO 8601 UTC string with milliseconds on SQLite. */
function nowDefault(dialect: SqlDialectName) {
  return dialect === 'postgres' ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
}

/** A CHECK (column IN (...)) expression over constant strings. */
function inList(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} IN (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** The literal of a boolean default: `false`/`true` on PostgreSQL, `0`/`1` on SQLite. */
function boolDefault(dialect: SqlDialectName, value: boolean) {
  return dialect === 'postgres' ? sql.lit(value) : sql.lit(value ? 1 : 0);
}

/** Creates the spec's five crm_* tables (with the crm_sync_jobs and crm_field_mappings extensions) and indexes. */
export async function createCrmTables(db: AnyDatabase, target: CrmTablesTarget): Promise<void> {
  const { dialect } = target;
  const types = columnTypes(dialect);
  const now = nowDefault(dialect);
  const supplierReference = `${target.suppliers.table}.${target.suppliers.id}`;
  const uuidDefault = dialect === 'postgres' ? sql`gen_random_uuid()` : undefined;

  await db.schema
    .createTable('crm_integrations')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('supplier_id', types.uuid, (column) =>
      column.notNull().references(supplierReference).onDelete('cascade'),
    )
    .addColumn('crm_provider', 'text', (column) =>
      column.notNull().check(inList('crm_provider', crmProviderIds)),
    )
    .addColumn('connection_name', 'text', (column) => column.notNull())
    .addColumn('connection_status', 'text', (column) =>
      column.notNull().check(inList('connection_status', connectionStatuses)).defaultTo('pending_auth'),
    )
    .addColumn('auth_config', types.json, (column) => column.notNull().defaultTo('{}'))
    .addColumn('sync_config', types.json, (column) => column.notNull().defaultTo('{}'))
    .addColumn('last_sync_at', types.timestamp)
    .addColumn('last_sync_status', 'text', (column) =>
      column.check(inList('last_sync_status', lastSyncStatuses)),
    )
    .addColumn('sync_error_details', types.json)
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addColumn('updated_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addUniqueConstraint('crm_integrations_supplier_provider_name_key', [
      'supplier_id',
      'crm_provider',
      'connection_name',
    ])
    .execute();

  await db.schema
    .createTable('crm_sync_jobs')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('job_type', 'text', (column) => column.notNull().check(inList('job_type', jobTypes)))
    .addColumn('job_status', 'text', (column) =>
      column.notNull().check(inList('job_status', jobStatuses)).defaultTo('pending'),
    )
    .addColumn('job_config', types.json, (column) => column.notNull().defaultTo('{}'))
    .addColumn('progress_percent', 'integer', (column) =>
      column.defaultTo(0).check(sql`progress_percent >= 0 AND progress_percent <= 100`),
    )
    .addColumn('records_processed', 'integer', (column) => column.defaultTo(0))
    .addColumn('records_total', 'integer')
    .addColumn('error_details', types.json)
    .addColumn('started_at', types.timestamp)
    .addColumn('completed_at', types.timestamp)
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    // Extensions: lease, resume and outcome of a job.
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', types.timestamp)
    .addColumn('heartbeat_at', types.timestamp)
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0).check(sql`attempts >= 0`))
    .addColumn('checkpoint', types.json)
    .addColumn('dry_run', types.boolean, (column) => column.notNull().defaultTo(boolDefault(dialect, false)))
    .addColumn('result_status', 'text', (column) => column.check(inList('result_status', lastSyncStatuses)))
    .addColumn('counts', types.json)
    .addColumn('cancel_requested_at', types.timestamp)
    .addColumn('rolled_back_at', types.timestamp)
    .addColumn('updated_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('crm_field_mappings')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('wedsync_field', 'text', (column) => column.notNull())
    .addColumn('crm_field', 'text', (column) => column.notNull())
    .addColumn('field_type', 'text', (column) => column.notNull().check(inList('field_type', fieldTypes)))
    .addColumn('transform_rules', types.json, (column) => column.defaultTo('{}'))
    .addColumn('sync_direction', 'text', (column) =>
      column.notNull().check(inList('sync_direction', syncDirections)).defaultTo('bidirectional'),
    )
    .addColumn('is_required', types.boolean, (column) => column.defaultTo(boolDefault(dialect, false)))
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    // Extension: the order of the mappings as given.
    .addColumn('position', 'integer', (column) => column.notNull().defaultTo(0))
    .addUniqueConstraint('crm_field_mappings_integration_fields_key', [
      'integration_id',
      'wedsync_field',
      'crm_field',
    ])
    .execute();

  await db.schema
    .createTable('crm_sync_logs')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('sync_job_id', types.uuid, (column) =>
      column.references('crm_sync_jobs.id').onDelete('set null'),
    )
    .addColumn('record_type', 'text', (column) => column.notNull())
    .addColumn('record_id', 'text', (column) => column.notNull())
    .addColumn('wedsync_record_id', types.uuid)
    .addColumn('action_type', 'text', (column) =>
      column.notNull().check(inList('action_type', logActionTypes)),
    )
    .addColumn('action_details', types.json)
    .addColumn('error_message', 'text')
    .addColumn('processed_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('crm_client_staging')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('sync_job_id', types.uuid, (column) =>
      column.notNull().references('crm_sync_jobs.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (column) => column.notNull())
    .addColumn('raw_data', types.json, (column) => column.notNull())
    .addColumn('mapped_data', types.json)
    .addColumn('import_status', 'text', (column) =>
      column.notNull().check(inList('import_status', stagingStatuses)).defaultTo('pending'),
    )
    .addColumn('error_details', types.json)
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .execute();

  const indexes: ReadonlyArray<readonly [name: string, table: string, columns: readonly string[]]> = [
    ['crm_sync_jobs_integration_created_idx', 'crm_sync_jobs', ['integration_id', 'created_at']],
    ['crm_sync_logs_integration_processed_idx', 'crm_sync_logs', ['integration_id', 'processed_at']],
    ['crm_sync_logs_sync_job_idx', 'crm_sync_logs', ['sync_job_id']],
    ['crm_sync_logs_record_idx', 'crm_sync_logs', ['record_type', 'record_id']],
    ['crm_client_staging_job_status_idx', 'crm_client_staging', ['sync_job_id', 'import_status']],
    ['crm_client_staging_integration_external_idx', 'crm_client_staging', ['integration_id', 'external_id']],
    ['crm_client_staging_job_order_idx', 'crm_client_staging', ['sync_job_id', 'created_at', 'id']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema
      .createIndex(name)
      .ifNotExists()
      .on(table)
      .columns([...columns])
      .execute();
  }
  // One pending or running job per integration, enforced by the database.
  await db.schema
    .createIndex('crm_sync_jobs_one_active_idx')
    .ifNotExists()
    .unique()
    .on('crm_sync_jobs')
    .column('integration_id')
    .where(sql.raw<boolean>(`job_status IN ('pending', 'running')`))
    .execute();
  // What `claim` scans: the active jobs in creation order.
  await db.schema
    .createIndex('crm_sync_jobs_active_created_idx')
    .ifNotExists()
    .on('crm_sync_jobs')
    .columns(['created_at', 'id'])
    .where(sql.raw<boolean>(`job_status IN ('pending', 'running')`))
    .execute();
}

/** Names of a table's columns (lowercased), read from the catalog of either dialect. */
export async function tableColumnNames(
  db: AnyDatabase,
  dialect: SqlDialectName,
  table: string,
): Promise<Set<string>> {
  const result =
    dialect === 'postgres'
      ? await sql<{ name: string }>`
          SELECT column_name AS name FROM information_schema.columns
          WHERE table_name = ${table} AND table_schema = ANY (current_schemas(false))`.execute(db)
      : await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db);
  return new Set(result.rows.map((row) => row.name.toLowerCase()));
}

/**
 * The spec's `ALTER TABLE clients ADD COLUMN IF NOT EXISTS ...` (crm_integration_id, external_crm_id,
 * last_crm_sync_at) and its two partial indexes. SQLite has no ADD COLUMN IF NOT EXISTS: the columns are
 * introspected first.
 */
export async function addClientCrmColumns(db: AnyDatabase, target: CrmTablesTarget): Promise<void> {
  const { dialect } = target;
  const types = columnTypes(dialect);
  const clients = target.clients.table;
  const existing = await tableColumnNames(db, dialect, clients);
  const additions: ReadonlyArray<readonly [string, ColumnTypes[keyof ColumnTypes] | 'text', boolean]> = [
    ['crm_integration_id', types.uuid, true],
    ['external_crm_id', 'text', false],
    ['last_crm_sync_at', types.timestamp, false],
  ];
  for (const [name, type, referencesIntegration] of additions) {
    if (existing.has(name)) continue;
    await db.schema
      .alterTable(clients)
      .addColumn(name, type, (column) =>
        referencesIntegration ? column.references('crm_integrations.id').onDelete('set null') : column,
      )
      .execute();
  }
  await db.schema
    .createIndex('idx_clients_crm_integration')
    .ifNotExists()
    .on(clients)
    .column('crm_integration_id')
    .where(sql.raw<boolean>('crm_integration_id IS NOT NULL'))
    .execute();
  await db.schema
    .createIndex('idx_clients_external_crm_id')
    .ifNotExists()
    .on(clients)
    .column('external_crm_id')
    .where(sql.raw<boolean>('external_crm_id IS NOT NULL'))
    .execute();
}

/** Creates the sync extension tables: crm_record_links, crm_conflicts and crm_record_backups, with indexes. */
export async function createSyncExtensionTables(db: AnyDatabase, target: CrmTablesTarget): Promise<void> {
  const { dialect } = target;
  const types = columnTypes(dialect);
  const now = nowDefault(dialect);
  const uuidDefault = dialect === 'postgres' ? sql`gen_random_uuid()` : undefined;

  await db.schema
    .createTable('crm_record_links')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('record_type', 'text', (column) => column.notNull())
    .addColumn('external_id', 'text', (column) => column.notNull())
    // TEXT on both dialects: a host's own record ids need not be UUIDs.
    .addColumn('wedsync_record_id', 'text', (column) => column.notNull())
    .addColumn('base_snapshot', types.json)
    .addColumn('content_hash', 'text')
    .addColumn('last_written_hash', 'text')
    .addColumn('last_written_side', 'text', (column) => column.check(inList('last_written_side', syncSides)))
    .addColumn('last_written_at', types.timestamp)
    .addColumn('crm_modified_at', types.timestamp)
    .addColumn('wedsync_modified_at', types.timestamp)
    .addColumn('last_synced_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addColumn('deleted_in_crm_at', types.timestamp)
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addColumn('updated_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addUniqueConstraint('crm_record_links_external_key', ['integration_id', 'record_type', 'external_id'])
    .addUniqueConstraint('crm_record_links_wedsync_key', [
      'integration_id',
      'record_type',
      'wedsync_record_id',
    ])
    .execute();

  await db.schema
    .createTable('crm_conflicts')
    .ifNotExists()
    .addColumn('id', types.uuid, (column) => {
      const key = column.primaryKey();
      return uuidDefault === undefined ? key : key.defaultTo(uuidDefault);
    })
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('sync_job_id', types.uuid, (column) =>
      column.references('crm_sync_jobs.id').onDelete('set null'),
    )
    .addColumn('record_type', 'text', (column) => column.notNull())
    .addColumn('external_id', 'text', (column) => column.notNull())
    .addColumn('wedsync_record_id', 'text')
    .addColumn('field', 'text', (column) => column.notNull())
    .addColumn('base_value', types.json)
    .addColumn('wedsync_value', types.json)
    .addColumn('crm_value', types.json)
    .addColumn('wedsync_modified_at', types.timestamp)
    .addColumn('crm_modified_at', types.timestamp)
    .addColumn('status', 'text', (column) =>
      column.notNull().check(inList('status', conflictStatuses)).defaultTo('open'),
    )
    .addColumn('resolution', types.json)
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .addColumn('resolved_at', types.timestamp)
    .execute();

  // Backups keep their insertion order in `sequence`: an identity column on PostgreSQL, the rowid on SQLite.
  let backups = db.schema.createTable('crm_record_backups').ifNotExists();
  backups =
    dialect === 'postgres'
      ? backups
          .addColumn('id', 'uuid', (column) => column.primaryKey().defaultTo(sql`gen_random_uuid()`))
          .addColumn('sequence', 'bigint', (column) =>
            column.notNull().generatedByDefaultAsIdentity().unique(),
          )
      : backups
          .addColumn('sequence', 'integer', (column) => column.primaryKey())
          .addColumn('id', 'text', (column) => column.notNull().unique());
  await backups
    .addColumn('sync_job_id', types.uuid, (column) =>
      column.notNull().references('crm_sync_jobs.id').onDelete('cascade'),
    )
    .addColumn('integration_id', types.uuid, (column) =>
      column.notNull().references('crm_integrations.id').onDelete('cascade'),
    )
    .addColumn('record_type', 'text', (column) => column.notNull())
    .addColumn('wedsync_record_id', 'text', (column) => column.notNull())
    .addColumn('operation', 'text', (column) => column.notNull().check(inList('operation', backupOperations)))
    .addColumn('before_image', types.json)
    .addColumn('after_hash', 'text')
    .addColumn('created_at', types.timestamp, (column) => column.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createIndex('crm_conflicts_open_key_idx')
    .ifNotExists()
    .unique()
    .on('crm_conflicts')
    .columns(['integration_id', 'record_type', 'external_id', 'field'])
    .where(sql.raw<boolean>(`status = 'open'`))
    .execute();
  await db.schema
    .createIndex('crm_conflicts_integration_status_idx')
    .ifNotExists()
    .on('crm_conflicts')
    .columns(['integration_id', 'status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('crm_record_backups_job_idx')
    .ifNotExists()
    .on('crm_record_backups')
    .columns(['sync_job_id', 'sequence'])
    .execute();
}
