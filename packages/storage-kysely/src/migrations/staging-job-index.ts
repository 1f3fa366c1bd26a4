/**
 * Migration `0006_staging_job_index`: an index for deletion detection (`links.listNotStagedByJob`,
 * `links.countActive` with `notStagedByJob`): after a full import, "did this job stage a row of this record type
 * for this external id" is asked once per active record link. It covers (sync_job_id, `raw_data.record_type`,
 * external_id), so each probe is one index lookup whatever the number of jobs that staged the same record. The
 * record type expression is spelled as `staging.ts` queries it (PostgreSQL `raw_data ->> 'record_type'` on jsonb;
 * SQLite `json_extract(raw_data, '$.record_type')`).
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** The name of the index {@link createStagingJobIndex} creates. */
export const stagingJobIndexName = 'crm_client_staging_job_record_idx';

/** Creates the index of deletion detection's staged-by-job probe (idempotent). */
export async function createStagingJobIndex(db: AnyDatabase, dialect: SqlDialectName): Promise<void> {
  const recordType =
    dialect === 'postgres' ? sql`(raw_data ->> 'record_type')` : sql`json_extract(raw_data, '$.record_type')`;
  await sql`CREATE INDEX IF NOT EXISTS ${sql.id(stagingJobIndexName)} ON crm_client_staging (sync_job_id, ${recordType}, external_id)`.execute(
    db,
  );
}
