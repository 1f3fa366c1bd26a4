/**
 * Migration `0009_job_scratch_table`: `crm_job_scratch`, the working space of running jobs (`HubStorage.scratch`):
 * what a provider must remember over a whole read (Tave: who is on each job, before the address book is walked),
 * kept on disk so the process does not grow with the studio.
 *
 * Columns: `job_id` (uuid on PostgreSQL, text on SQLite, as `crm_sync_jobs.id`; ON DELETE CASCADE, so deleting a
 * job drops its space), `namespace`, `key`, `item` and `value`, with the primary key (job_id, namespace, key,
 * item): a put of a key and item already held replaces the value, a get reads one key's values in index order,
 * and a clear deletes a key prefix. `value` is JSON text on both dialects, never jsonb: values are opaque to the
 * database, and jsonb would re-order object keys and refuse `\u0000` escapes, so a value would not come back as
 * JSON.stringify made it.
 *
 * Items come back in binary order of `item` (UTF-8 byte order, which is code point order: the contract's order,
 * and what core's in-memory space sorts by): on PostgreSQL `key` and `item` are declared `COLLATE "C"` (byte
 * order, whatever the database's locale), so the primary key index itself is in that order; SQLite's default
 * BINARY collation already compares that way. On SQLite the table is `WITHOUT ROWID`: every lookup and delete goes
 * through the primary key, which then holds the rows themselves instead of being a second copy of them beside a
 * rowid table.
 *
 * Idempotent (IF NOT EXISTS), so a run interrupted on SQLite, which runs DDL outside a transaction, can be repeated.
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

// biome-ignore lint/suspicious/noExplicitAny: DDL runs on the host's database, whose schema is not typed here.
type AnyDatabase = Kysely<any>;

/** The table {@link createJobScratchTable} creates. */
export const jobScratchTable = 'crm_job_scratch';

/** Creates `crm_job_scratch` (idempotent). */
export async function createJobScratchTable(db: AnyDatabase, dialect: SqlDialectName): Promise<void> {
  // A binary collation on PostgreSQL: the database's default may be a locale's (`en_US.UTF-8` sorts 'a' before 'B').
  const orderedText = dialect === 'postgres' ? sql`text COLLATE "C"` : sql`text`;
  let table = db.schema
    .createTable(jobScratchTable)
    .ifNotExists()
    .addColumn('job_id', dialect === 'postgres' ? 'uuid' : 'text', (column) =>
      column.notNull().references('crm_sync_jobs.id').onDelete('cascade'),
    )
    .addColumn('namespace', 'text', (column) => column.notNull())
    .addColumn('key', orderedText, (column) => column.notNull())
    .addColumn('item', orderedText, (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint(`${jobScratchTable}_pkey`, ['job_id', 'namespace', 'key', 'item']);
  if (dialect === 'sqlite') table = table.modifyEnd(sql`WITHOUT ROWID`);
  await table.execute();
}
