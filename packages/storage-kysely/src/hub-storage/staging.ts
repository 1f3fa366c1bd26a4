/**
 * `crm_client_staging`: raw CRM records staged during an import. Inserts are multi-row statements that also
 * write `record_type` (the staged record's `raw_data.record_type`, a plain column since migration
 * `0007_staging_record_type_column`, so no JSON function runs on insert or in an index); status changes are one
 * `WITH v(...) AS (VALUES ...) UPDATE ... FROM v` statement per chunk (PostgreSQL, and SQLite since 3.33);
 * listing is a keyset page over (created_at, id). `listLatest` pages the newest row of each external id of one
 * record type by external id: one query per page, each row probed (`NOT EXISTS` a newer row of its external id)
 * through the index `crm_client_staging_latest_idx` (integration, record_type, external id, created_at, id).
 */
import {
  InvalidArgumentError,
  type NewStagingRow,
  type RecordType,
  recordTypes,
  type StagingLatestOptions,
  type StagingListOptions,
  type StagingRow,
  type StagingStatusUpdate,
  type StagingStore,
  type StorageCallOptions,
  stagingStatuses,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { encodeJson, encodeTimestamp } from '../json.js';
import {
  checkArray,
  checkDate,
  checkJsonObject,
  checkLimit,
  checkOneOf,
  checkText,
  checkUuid,
  isUuid,
} from './checks.js';
import { castFor, decodeRow, selection, type TableColumns } from './codec.js';
import {
  affectedRows,
  chunkRows,
  guard,
  inTransaction,
  type StorageContext,
  throwIfAborted,
} from './context.js';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset.js';

const table = 'crm_client_staging';

const stagingColumns: TableColumns = {
  id: 'text',
  integration_id: 'text',
  sync_job_id: 'text',
  external_id: 'text',
  raw_data: 'json',
  mapped_data: 'json',
  import_status: 'text',
  error_details: 'json',
  created_at: 'timestamp',
};

function decodeStaging(row: Readonly<Record<string, unknown>>): StagingRow {
  return decodeRow(stagingColumns, row) as unknown as StagingRow;
}

function optionalJsonObject(value: unknown, name: string): string | null {
  return value === undefined || value === null ? null : encodeJson(checkJsonObject(value, name), name);
}

/** What `staging.insert` writes to the `record_type` column: `raw_data.record_type` when it is a string. */
function stagedRecordType(rawData: Readonly<Record<string, unknown>>): string | null {
  const recordType = rawData['record_type'];
  return typeof recordType === 'string' ? recordType : null;
}

function encodeExternalIdCursor(externalId: string): string {
  return Buffer.from(JSON.stringify([externalId]), 'utf8').toString('base64url');
}

function decodeExternalIdCursor(cursor: unknown): string {
  const invalid = (cause?: unknown) =>
    new InvalidArgumentError('Expected `after` to be a cursor returned by the previous page', {
      context: { field: 'after' },
      ...(cause === undefined ? {} : { cause }),
    });
  if (typeof cursor !== 'string' || cursor.length === 0) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  if (Array.isArray(decoded) && decoded.length === 1 && typeof decoded[0] === 'string') return decoded[0];
  throw invalid();
}

/** The staging part of the kysely HubStorage. */
export function createStagingStore(context: StorageContext): StagingStore {
  return {
    async insert(rows: readonly NewStagingRow[], options: StorageCallOptions = {}) {
      checkArray(rows, 'rows');
      const now = encodeTimestamp(context.clock(), 'now');
      const values = rows.map((row, index) => {
        const rawData = checkJsonObject(row.raw_data, `rows[${index}].raw_data`);
        return {
          id: row.id === undefined ? crypto.randomUUID() : checkUuid(row.id, `rows[${index}].id`),
          integration_id: checkUuid(row.integration_id, `rows[${index}].integration_id`),
          sync_job_id: checkUuid(row.sync_job_id, `rows[${index}].sync_job_id`),
          external_id: checkText(row.external_id, `rows[${index}].external_id`),
          raw_data: encodeJson(rawData, `rows[${index}].raw_data`),
          record_type: stagedRecordType(rawData),
          mapped_data: optionalJsonObject(row.mapped_data, `rows[${index}].mapped_data`),
          import_status: checkOneOf(
            row.import_status ?? 'pending',
            stagingStatuses,
            `rows[${index}].import_status`,
          ),
          error_details: optionalJsonObject(row.error_details, `rows[${index}].error_details`),
          created_at: now,
        };
      });
      return guard(context, 'stage rows', table, async () => {
        if (values.length === 0) return [];
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, values, 10)) {
            throwIfAborted(options.signal);
            await db.insertInto(table).values(part).execute();
          }
        });
        return values.map((value) => value.id);
      });
    },

    async updateStatus(updates: readonly StagingStatusUpdate[], options: StorageCallOptions = {}) {
      checkArray(updates, 'updates');
      const checked = updates.map((update, index) => {
        const name = `updates[${index}]`;
        return {
          id: checkUuid(update.id, `${name}.id`),
          status: checkOneOf(update.import_status, stagingStatuses, `${name}.import_status`),
          setMapped: update.mapped_data === undefined ? 0 : 1,
          mapped: optionalJsonObject(update.mapped_data, `${name}.mapped_data`),
          setError: update.error_details === undefined ? 0 : 1,
          error: optionalJsonObject(update.error_details, `${name}.error_details`),
        };
      });
      return guard(context, 'update staged rows', table, async () => {
        if (checked.length === 0) return 0;
        return inTransaction(context, async (db) => {
          let changed = 0;
          for (const part of chunkRows(context, checked, 6)) {
            throwIfAborted(options.signal);
            const rows = sql.join(
              part.map(
                (update) =>
                  sql`(${update.id}, ${update.status}, ${update.setMapped}, ${update.mapped}, ${update.setError}, ${update.error})`,
              ),
            );
            const id = castFor(context, sql.ref('v.id'), 'uuid');
            const setMapped = castFor(context, sql.ref('v.set_mapped'), 'int');
            const mapped = castFor(context, sql.ref('v.mapped_data'), 'jsonb');
            const setError = castFor(context, sql.ref('v.set_error'), 'int');
            const error = castFor(context, sql.ref('v.error_details'), 'jsonb');
            const result = await sql`
              WITH v (id, import_status, set_mapped, mapped_data, set_error, error_details) AS (VALUES ${rows})
              UPDATE crm_client_staging
              SET import_status = v.import_status,
                  mapped_data = CASE WHEN ${setMapped} = 1 THEN ${mapped} ELSE crm_client_staging.mapped_data END,
                  error_details = CASE WHEN ${setError} = 1 THEN ${error} ELSE crm_client_staging.error_details END
              FROM v
              WHERE crm_client_staging.id = ${id}`.execute(db);
            changed += affectedRows(result.numAffectedRows);
          }
          return changed;
        });
      });
    },

    async list(options: StagingListOptions) {
      if (options?.jobId === undefined && options?.integrationId === undefined) {
        throw new InvalidArgumentError('Expected `jobId` or `integrationId` to list staged rows', {
          context: { field: 'jobId' },
        });
      }
      const jobId = options.jobId === undefined ? undefined : checkText(options.jobId, 'jobId');
      const integrationId =
        options.integrationId === undefined ? undefined : checkText(options.integrationId, 'integrationId');
      const status =
        options.status === undefined ? undefined : checkOneOf(options.status, stagingStatuses, 'status');
      const limit = checkLimit(options.limit);
      const after =
        options.after === undefined || options.after === null ? undefined : decodeKeysetCursor(options.after);
      if (after !== undefined && !isUuid(after.id)) {
        throw new InvalidArgumentError('Expected `after` to be a cursor returned by the previous page', {
          context: { field: 'after' },
        });
      }
      return guard(context, 'list staged rows', table, async () => {
        if (
          (jobId !== undefined && !isUuid(jobId)) ||
          (integrationId !== undefined && !isUuid(integrationId))
        ) {
          return { staging_rows: [], next_cursor: null };
        }
        let query = context.db.selectFrom(table).select(selection(context, stagingColumns));
        if (jobId !== undefined) query = query.where('sync_job_id', '=', jobId.toLowerCase());
        if (integrationId !== undefined)
          query = query.where('integration_id', '=', integrationId.toLowerCase());
        if (status !== undefined) query = query.where('import_status', '=', status);
        if (after !== undefined) {
          const createdAt = castFor(context, sql`${after.createdAt}`, 'timestamptz');
          const afterId = castFor(context, sql`${after.id}`, 'uuid');
          query = query.where(sql<boolean>`(created_at, id) > (${createdAt}, ${afterId})`);
        }
        const rows = await query
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit).map(decodeStaging);
        const last = page[page.length - 1];
        return {
          staging_rows: page,
          next_cursor:
            rows.length > limit && last !== undefined ? encodeKeysetCursor(last.created_at, last.id) : null,
        };
      });
    },

    async listLatest(integrationId: string, recordType: RecordType, options: StagingLatestOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      const limit = checkLimit(options.limit);
      const after =
        options.after === undefined || options.after === null
          ? undefined
          : decodeExternalIdCursor(options.after);
      return guard(context, 'list latest staged rows', table, async () => {
        throwIfAborted(options.signal);
        if (!isUuid(integrationId)) return { staging_rows: [], next_cursor: null };
        const integration = integrationId.toLowerCase();
        const newer = context.db
          .selectFrom(`${table} as n`)
          .select(sql`1`.as('one'))
          .where('n.integration_id', '=', integration)
          .where('n.record_type', '=', type)
          .whereRef('n.external_id', '=', 's.external_id')
          .where(sql<boolean>`(n.created_at, n.id) > (s.created_at, s.id)`);
        // PostgreSQL: OFFSET 0 keeps the planner from flattening the probe into an anti-join, whose plan on
        // stale statistics (the rows were staged moments ago) is a nested loop comparing every staged row of the
        // type with every other. As a correlated probe it is one lookup per row on the index the page walks.
        let query = context.db
          .selectFrom(`${table} as s`)
          .select(selection(context, stagingColumns))
          .where('s.integration_id', '=', integration)
          .where('s.record_type', '=', type)
          .where(({ exists, not }) => not(exists(context.dialect === 'postgres' ? newer.offset(0) : newer)));
        if (after !== undefined) query = query.where('s.external_id', '>', after);
        const rows = await query
          .orderBy('s.external_id')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit).map(decodeStaging);
        const last = page[page.length - 1];
        return {
          staging_rows: page,
          next_cursor:
            rows.length > limit && last !== undefined ? encodeExternalIdCursor(last.external_id) : null,
        };
      });
    },

    async countLatest(integrationId: string, recordType: RecordType, options: StorageCallOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      return guard(context, 'count latest staged rows', table, async () => {
        throwIfAborted(options.signal);
        if (!isUuid(integrationId)) return 0;
        const row = await context.db
          .selectFrom(table)
          .select(sql<number | bigint | string>`count(distinct external_id)`.as('count'))
          .where('integration_id', '=', integrationId.toLowerCase())
          .where('record_type', '=', type)
          .executeTakeFirst();
        return Number(row?.count ?? 0);
      });
    },

    async purge(options: { readonly olderThan: Date; readonly integrationId?: string }) {
      const olderThan = encodeTimestamp(checkDate(options?.olderThan, 'olderThan'), 'olderThan');
      const integrationId =
        options.integrationId === undefined ? undefined : checkText(options.integrationId, 'integrationId');
      return guard(context, 'purge staged rows', table, async () => {
        if (integrationId !== undefined && !isUuid(integrationId)) return 0;
        let query = context.db.deleteFrom(table).where('created_at', '<', olderThan);
        if (integrationId !== undefined)
          query = query.where('integration_id', '=', integrationId.toLowerCase());
        const result = await query.executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
