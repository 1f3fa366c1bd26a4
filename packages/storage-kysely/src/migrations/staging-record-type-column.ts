/**
 * Migration `0007_staging_record_type_column`: the record type of a staged row as a plain column.
 *
 * Migrations 0005 and 0006 indexed the record type as an expression over `raw_data` (SQLite
 * `json_extract(raw_data, '$.record_type')`, PostgreSQL `raw_data ->> 'record_type'`). On SQLite that expression
 * is evaluated on every insert, and `json_extract` fails on JSON nested deeper than SQLite's limit (1,000
 * levels): a valid raw record nested deeper could not be staged at all. This migration:
 *
 * 1. adds a nullable text column `crm_client_staging.record_type` (`staging.insert` writes `raw_data.record_type`
 *    there when it is a string, SQL NULL otherwise);
 * 2. backfills it from `raw_data` for the rows staged before (string values only; on SQLite only rows whose
 *    `raw_data` is `json_valid`);
 * 3. drops the two expression indexes and creates them again, under the same names, on the column:
 *    `crm_client_staging_latest_idx` (integration_id, record_type, external_id, created_at, id) for
 *    `staging.listLatest`, and `crm_client_staging_job_record_idx` (sync_job_id, record_type, external_id) for
 *    deletion detection's staged-by-job probe.
 *
 * Every step is idempotent (introspection, IF EXISTS / IF NOT EXISTS, a backfill of NULL cells only), so a run
 * interrupted on SQLite, which runs DDL outside a transaction, can be repeated.
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import { tableColumnNames } from './crm-tables.js';
import { stagingJobIndexName } from './staging-job-index.js';
import { stagingLatestIndexName } from './staging-latest-index.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** The column {@link addStagingRecordTypeColumn} adds to `crm_client_staging`. */
export const stagingRecordTypeColumn = 'record_type';

/**
 * Adds `crm_client_staging.record_type`, backfills it from `raw_data` and moves the indexes of migrations 0005
 * and 0006 from the `raw_data` expression to the column.
 */
export async function addStagingRecordTypeColumn(db: AnyDatabase, dialect: SqlDialectName): Promise<void> {
  const columns = await tableColumnNames(db, dialect, 'crm_client_staging');
  if (!columns.has(stagingRecordTypeColumn)) {
    await db.schema.alterTable('crm_client_staging').addColumn(stagingRecordTypeColumn, 'text').execute();
  }

  if (dialect === 'postgres') {
    await sql`
      UPDATE crm_client_staging
      SET record_type = raw_data ->> 'record_type'
      WHERE record_type IS NULL AND jsonb_typeof(raw_data -> 'record_type') = 'string'`.execute(db);
  } else {
    // CASE evaluates json_type only for valid JSON, whatever order SQLite checks the WHERE terms in.
    await sql`
      UPDATE crm_client_staging
      SET record_type = CASE
        WHEN json_valid(raw_data) AND json_type(raw_data, '$.record_type') = 'text'
        THEN json_extract(raw_data, '$.record_type')
      END
      WHERE record_type IS NULL AND json_valid(raw_data)`.execute(db);
  }

  await sql`DROP INDEX IF EXISTS ${sql.id(stagingLatestIndexName)}`.execute(db);
  await sql`DROP INDEX IF EXISTS ${sql.id(stagingJobIndexName)}`.execute(db);
  await db.schema
    .createIndex(stagingLatestIndexName)
    .ifNotExists()
    .on('crm_client_staging')
    .columns(['integration_id', stagingRecordTypeColumn, 'external_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex(stagingJobIndexName)
    .ifNotExists()
    .on('crm_client_staging')
    .columns(['sync_job_id', stagingRecordTypeColumn, 'external_id'])
    .execute();
}
