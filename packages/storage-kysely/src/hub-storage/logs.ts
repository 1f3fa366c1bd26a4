/**
 * `crm_sync_logs`: what each sync did to each record. Written in multi-row inserts, listed newest first with a
 * total, purged by age for data retention.
 */
import {
  type CrmSyncLog,
  InvalidArgumentError,
  type LogListOptions,
  logActionTypes,
  type NewSyncLog,
  type StorageCallOptions,
  type SyncLogStore,
} from '@wedsync/crm-core';
import { describeValue, encodeJson, encodeTimestamp } from '../json.js';
import {
  checkArray,
  checkDate,
  checkJsonObject,
  checkOneOf,
  checkPage,
  checkText,
  checkUuid,
  isUuid,
} from './checks.js';
import { decodeRow, selection, type TableColumns } from './codec.js';
import { chunkRows, guard, inTransaction, type StorageContext, throwIfAborted } from './context.js';

const table = 'crm_sync_logs';

const logColumns: TableColumns = {
  id: 'text',
  integration_id: 'text',
  sync_job_id: 'text',
  record_type: 'text',
  record_id: 'text',
  wedsync_record_id: 'text',
  action_type: 'text',
  action_details: 'json',
  error_message: 'text',
  processed_at: 'timestamp',
};

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a string, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  return value;
}

function decodeLog(row: Readonly<Record<string, unknown>>): CrmSyncLog {
  const decoded = decodeRow(logColumns, row);
  return { ...decoded, action_details: decoded['action_details'] ?? {} } as CrmSyncLog;
}

/** The sync logs part of the kysely HubStorage. */
export function createLogStore(context: StorageContext): SyncLogStore {
  return {
    async insert(rows: readonly NewSyncLog[], options: StorageCallOptions = {}) {
      checkArray(rows, 'rows');
      const now = context.clock();
      const values = rows.map((row, index) => {
        const name = `rows[${index}]`;
        return {
          id: row.id === undefined ? crypto.randomUUID() : checkUuid(row.id, `${name}.id`),
          integration_id: checkUuid(row.integration_id, `${name}.integration_id`),
          sync_job_id:
            row.sync_job_id === undefined || row.sync_job_id === null
              ? null
              : checkUuid(row.sync_job_id, `${name}.sync_job_id`),
          record_type: checkText(row.record_type, `${name}.record_type`),
          record_id: checkText(row.record_id, `${name}.record_id`),
          // The spec types wedsync_record_id as UUID; checked here so SQLite refuses what PostgreSQL would.
          wedsync_record_id:
            row.wedsync_record_id === undefined || row.wedsync_record_id === null
              ? null
              : checkUuid(row.wedsync_record_id, `${name}.wedsync_record_id`),
          action_type: checkOneOf(row.action_type, logActionTypes, `${name}.action_type`),
          action_details: encodeJson(
            checkJsonObject(row.action_details ?? {}, `${name}.action_details`),
            `${name}.action_details`,
          ),
          error_message: optionalString(row.error_message, `${name}.error_message`),
          processed_at: encodeTimestamp(
            row.processed_at === undefined ? now : checkDate(row.processed_at, `${name}.processed_at`),
            `${name}.processed_at`,
          ),
        };
      });
      return guard(context, 'write sync logs', table, async () => {
        if (values.length === 0) return;
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, values, 10)) {
            throwIfAborted(options.signal);
            await db.insertInto(table).values(part).execute();
          }
        });
      });
    },

    async list(integrationId: string, options: LogListOptions = {}) {
      checkText(integrationId, 'integrationId');
      const { page, per_page } = checkPage(options);
      const jobId = options.jobId === undefined ? undefined : checkText(options.jobId, 'jobId');
      const actionType =
        options.actionType === undefined
          ? undefined
          : checkOneOf(options.actionType, logActionTypes, 'actionType');
      const recordType =
        options.recordType === undefined ? undefined : checkText(options.recordType, 'recordType');
      return guard(context, 'list sync logs', table, async () => {
        if (!isUuid(integrationId) || (jobId !== undefined && !isUuid(jobId))) {
          return { logs: [], total: 0, page, per_page };
        }
        let filtered = context.db.selectFrom(table).where('integration_id', '=', integrationId.toLowerCase());
        if (jobId !== undefined) filtered = filtered.where('sync_job_id', '=', jobId.toLowerCase());
        if (actionType !== undefined) filtered = filtered.where('action_type', '=', actionType);
        if (recordType !== undefined) filtered = filtered.where('record_type', '=', recordType);
        const counted = await filtered
          .select((expression) => expression.fn.countAll().as('count'))
          .executeTakeFirstOrThrow();
        const rows = await filtered
          .select(selection(context, logColumns))
          .orderBy('processed_at', 'desc')
          .orderBy('id', 'desc')
          .limit(per_page)
          .offset((page - 1) * per_page)
          .execute();
        return { logs: rows.map(decodeLog), total: Number(counted.count), page, per_page };
      });
    },

    async purge(options: { readonly olderThan: Date; readonly integrationId?: string }) {
      const olderThan = encodeTimestamp(checkDate(options?.olderThan, 'olderThan'), 'olderThan');
      const integrationId =
        options.integrationId === undefined ? undefined : checkText(options.integrationId, 'integrationId');
      return guard(context, 'purge sync logs', table, async () => {
        if (integrationId !== undefined && !isUuid(integrationId)) return 0;
        let query = context.db.deleteFrom(table).where('processed_at', '<', olderThan);
        if (integrationId !== undefined)
          query = query.where('integration_id', '=', integrationId.toLowerCase());
        const result = await query.executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
