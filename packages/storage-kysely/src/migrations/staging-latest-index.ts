/**
 * Migration `0005_staging_latest_index`: an index for `staging.listLatest` (the newest staged row of each
 * external id of one record type, paged by external id), used by `field_mapping_update` jobs to re-map the
 * staged raw records without reading the CRM again. It covers (integration_id, `raw_data.record_type`,
 * external_id, created_at, id): the page scan walks it in external id order, and the "is there a newer row of
 * this external id" probe is one index lookup. The record type expression is spelled as `staging.ts` queries
 * it (PostgreSQL `raw_data ->> 'record_type'` on jsonb; SQLite `json_extract(raw_data, '$.record_type')`).
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** The name of the index {@link createStagingLatestIndex} creates. */
export const stagingLatestIndexName = 'crm_client_staging_latest_idx';

/** Creates the index of `staging.listLatest` (idempotent). */
export async function createStagingLatestIndex(db: AnyDatabase, dialect: SqlDialectName): Promise<void> {
  const recordType =
    dialect === 'postgres' ? sql`(raw_data ->> 'record_type')` : sql`json_extract(raw_data, '$.record_type')`;
  await sql`CREATE INDEX IF NOT EXISTS ${sql.id(stagingLatestIndexName)} ON crm_client_staging (integration_id, ${recordType}, external_id, created_at, id)`.execute(
    db,
  );
}
