/**
 * Migration `0008_link_base_updated_at_column`: `crm_record_links.base_updated_at`, a nullable timestamp
 * (`timestamptz` on PostgreSQL, ISO 8601 text on SQLite, like the table's other timestamps).
 *
 * It holds the WedSync record's `updated_at` when the record was known to equal the link's base snapshot
 * (`RecordLink.base_updated_at`): an export compares it with the record's current stamp to pass over unchanged
 * records without reading them whole. Links written before this migration have none (NULL), which only means
 * "not known": an export reads those records as it always did, so no backfill is needed.
 *
 * Idempotent (the column is introspected first, SQLite having no ADD COLUMN IF NOT EXISTS), so a run interrupted
 * on SQLite, which runs DDL outside a transaction, can be repeated.
 */
import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import { tableColumnNames } from './crm-tables.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** The column {@link addLinkBaseUpdatedAtColumn} adds to `crm_record_links`. */
export const linkBaseUpdatedAtColumn = 'base_updated_at';

/** Adds the nullable timestamp column `crm_record_links.base_updated_at` (no default, no backfill). */
export async function addLinkBaseUpdatedAtColumn(db: AnyDatabase, dialect: SqlDialectName): Promise<void> {
  const columns = await tableColumnNames(db, dialect, 'crm_record_links');
  if (columns.has(linkBaseUpdatedAtColumn)) return;
  await db.schema
    .alterTable('crm_record_links')
    .addColumn(linkBaseUpdatedAtColumn, dialect === 'postgres' ? 'timestamptz' : 'text')
    .execute();
}
