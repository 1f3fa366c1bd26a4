/**
 * `crm_record_backups` (extension): before-images of the WedSync records a job wrote, so the job can be rolled
 * back. Kept in insertion order by `sequence` (an identity column on PostgreSQL, the rowid on SQLite); listed as
 * keyset pages over it.
 */
import {
  type BackupListOptions,
  type BackupStore,
  InvalidArgumentError,
  type NewRecordBackup,
  type RecordBackup,
  recordTypes,
  type StorageCallOptions,
} from '@wedsync/crm-core';
import { encodeJson, encodeTimestamp } from '../json.js';
import { backupOperations } from '../migrations/crm-tables.js';
import {
  checkArray,
  checkInteger,
  checkJsonObject,
  checkLimit,
  checkOneOf,
  checkText,
  checkUuid,
  isUuid,
} from './checks.js';
import { decodeRow, selection, type TableColumns } from './codec.js';
import { chunkRows, guard, inTransaction, type StorageContext, throwIfAborted } from './context.js';

const table = 'crm_record_backups';

const backupColumns: TableColumns = {
  id: 'text',
  sequence: 'integer',
  sync_job_id: 'text',
  integration_id: 'text',
  record_type: 'text',
  wedsync_record_id: 'text',
  operation: 'text',
  before_image: 'json',
  after_hash: 'text',
  created_at: 'timestamp',
};

function decodeBackup(row: Readonly<Record<string, unknown>>): RecordBackup {
  return decodeRow(backupColumns, row) as unknown as RecordBackup;
}

/** The backups part of the kysely HubStorage. */
export function createBackupStore(context: StorageContext): BackupStore {
  return {
    async insert(backups: readonly NewRecordBackup[], options: StorageCallOptions = {}) {
      checkArray(backups, 'backups');
      const now = encodeTimestamp(context.clock(), 'now');
      const rows = backups.map((backup, index) => {
        const name = `backups[${index}]`;
        const operation = checkOneOf(backup.operation, backupOperations, `${name}.operation`);
        const beforeImage =
          backup.before_image === undefined || backup.before_image === null
            ? null
            : encodeJson(
                checkJsonObject(backup.before_image, `${name}.before_image`),
                `${name}.before_image`,
              );
        if (operation !== 'created' && beforeImage === null) {
          throw new InvalidArgumentError(
            `Expected \`${name}.before_image\` for a record that was ${operation}`,
            {
              context: { field: `${name}.before_image`, operation },
            },
          );
        }
        return {
          id: backup.id === undefined ? crypto.randomUUID() : checkUuid(backup.id, `${name}.id`),
          sync_job_id: checkUuid(backup.sync_job_id, `${name}.sync_job_id`),
          integration_id: checkUuid(backup.integration_id, `${name}.integration_id`),
          record_type: checkOneOf(backup.record_type, recordTypes, `${name}.record_type`),
          wedsync_record_id: checkText(backup.wedsync_record_id, `${name}.wedsync_record_id`),
          operation,
          before_image: beforeImage,
          after_hash:
            backup.after_hash === undefined || backup.after_hash === null
              ? null
              : checkText(backup.after_hash, `${name}.after_hash`),
          created_at: now,
        };
      });
      return guard(context, 'save record backups', table, async () => {
        if (rows.length === 0) return;
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, rows, 9)) {
            throwIfAborted(options.signal);
            await db.insertInto(table).values(part).execute();
          }
        });
      });
    },

    async list(jobId: string, options: BackupListOptions = {}) {
      checkText(jobId, 'jobId');
      const limit = checkLimit(options.limit);
      const after =
        options.after === undefined || options.after === null
          ? undefined
          : checkInteger(options.after, 'after', 0);
      const order = checkOneOf(options.order ?? 'asc', ['asc', 'desc'] as const, 'order');
      return guard(context, 'list record backups', table, async () => {
        if (!isUuid(jobId)) return { backups: [], next_cursor: null };
        let query = context.db
          .selectFrom(table)
          .select(selection(context, backupColumns))
          .where('sync_job_id', '=', jobId.toLowerCase());
        if (after !== undefined) query = query.where('sequence', order === 'asc' ? '>' : '<', after);
        const rows = await query
          .orderBy('sequence', order)
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit).map(decodeBackup);
        const last = page[page.length - 1];
        return {
          backups: page,
          next_cursor: rows.length > limit && last !== undefined ? last.sequence : null,
        };
      });
    },
  };
}
