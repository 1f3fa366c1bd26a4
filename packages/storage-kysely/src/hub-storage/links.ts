/**
 * `crm_record_links` (extension): which WedSync record each CRM record of an integration is, with the base
 * snapshot of the last sync and the hashes that suppress echoes. Lookups take many ids in one query per chunk
 * (`findBaseStamps` selects two columns only, for exports that page through every record); upserts are
 * multi-row `INSERT ... ON CONFLICT (integration_id, record_type, external_id) DO UPDATE`.
 * Deletion detection (`listNotStagedByJob`, `countActive`) is one query per page: the active links of a type,
 * in external id order over the unique key, each probed (`NOT EXISTS`) for a staged row of the job and type
 * through the index `crm_client_staging_job_record_idx` (job, record_type, external id; migration
 * `0006_staging_job_index`, on the `record_type` column since `0007_staging_record_type_column`): one index
 * lookup per link, on SQLite and PostgreSQL alike.
 */
import {
  ConflictError,
  InvalidArgumentError,
  type RecordLink,
  type RecordLinkCountOptions,
  type RecordLinkListOptions,
  type RecordLinkNotStagedOptions,
  type RecordLinkStore,
  type RecordLinkUpsert,
  type RecordType,
  recordTypes,
  type StorageCallOptions,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { decodeTimestamp, encodeJson, encodeNullableTimestamp, encodeTimestamp } from '../json.js';
import { syncSides } from '../migrations/crm-tables.js';
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
import { decodeRow, selection, type TableColumns } from './codec.js';
import {
  chunk,
  chunkRows,
  classifyDriverError,
  guard,
  inTransaction,
  maxParameters,
  type StorageContext,
  throwIfAborted,
} from './context.js';

/** The table of the record links. */
export const linksTable = 'crm_record_links';
const table = linksTable;

const linkColumns: TableColumns = {
  id: 'text',
  integration_id: 'text',
  record_type: 'text',
  external_id: 'text',
  wedsync_record_id: 'text',
  base_snapshot: 'json',
  content_hash: 'text',
  last_written_hash: 'text',
  last_written_side: 'text',
  last_written_at: 'timestamp',
  crm_modified_at: 'timestamp',
  wedsync_modified_at: 'timestamp',
  base_updated_at: 'timestamp',
  last_synced_at: 'timestamp',
  deleted_in_crm_at: 'timestamp',
  created_at: 'timestamp',
  updated_at: 'timestamp',
};

const updatedOnConflict = [
  'wedsync_record_id',
  'base_snapshot',
  'content_hash',
  'last_written_hash',
  'last_written_side',
  'last_written_at',
  'crm_modified_at',
  'wedsync_modified_at',
  'base_updated_at',
  'last_synced_at',
  'deleted_in_crm_at',
  'updated_at',
] as const;

function decodeLink(row: Readonly<Record<string, unknown>>): RecordLink {
  return decodeRow(linkColumns, row) as unknown as RecordLink;
}

function optionalText(value: unknown, name: string): string | null {
  return value === undefined || value === null ? null : checkText(value, name);
}

function checkIds(ids: readonly string[], name: string): string[] {
  checkArray(ids, name);
  return [...new Set(ids.map((id, index) => checkText(id, `${name}[${index}]`)))];
}

/** The arguments of a lookup of links by ids, checked: one integration, one record type, distinct ids. */
interface Lookup {
  readonly integrationId: string;
  readonly recordType: RecordType;
  readonly ids: readonly string[];
}

function checkLookup(
  integrationId: string,
  recordType: RecordType,
  ids: readonly string[],
  name: string,
): Lookup {
  return {
    integrationId: checkText(integrationId, 'integrationId'),
    recordType: checkOneOf(recordType, recordTypes, 'recordType'),
    ids: checkIds(ids, name),
  };
}

function encodeCursor(externalId: string): string {
  return Buffer.from(JSON.stringify([externalId]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): string {
  const invalid = (cause?: unknown) =>
    new InvalidArgumentError('Expected `after` to be a cursor returned by the previous page', {
      context: { field: 'after' },
      cause,
    });
  if (typeof cursor !== 'string' || cursor.length === 0) throw invalid();
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 1 && typeof decoded[0] === 'string') return decoded[0];
  } catch (error) {
    throw invalid(error);
  }
  throw invalid();
}

/** The record links part of the kysely HubStorage. */
export function createLinkStore(context: StorageContext): RecordLinkStore {
  const columns = () => selection(context, linkColumns);
  const idsPerChunk = () => maxParameters(context.dialect) - 10;

  /**
   * The links of one integration and type whose `column` is one of `ids`, one statement per chunk of ids (the
   * signal is checked between them), each chunk's query handed to `read`. Nothing when the integration id is no
   * UUID: it names no integration.
   */
  async function eachChunk(
    column: 'external_id' | 'wedsync_record_id',
    lookup: Lookup,
    signal: AbortSignal | undefined,
    read: (query: ReturnType<typeof linksWhere>) => Promise<void>,
  ): Promise<void> {
    if (!isUuid(lookup.integrationId)) return;
    for (const part of chunk(lookup.ids, idsPerChunk())) {
      throwIfAborted(signal);
      await read(linksWhere(column, lookup, part));
    }
  }

  function linksWhere(column: 'external_id' | 'wedsync_record_id', lookup: Lookup, part: readonly string[]) {
    return context.db
      .selectFrom(table)
      .where('integration_id', '=', lookup.integrationId.toLowerCase())
      .where('record_type', '=', lookup.recordType)
      .where(column, 'in', part);
  }

  async function findBy(
    column: 'external_id' | 'wedsync_record_id',
    lookup: Lookup,
    signal: AbortSignal | undefined,
  ): Promise<RecordLink[]> {
    const links: RecordLink[] = [];
    await eachChunk(column, lookup, signal, async (query) => {
      const rows = await query.select(columns()).execute();
      links.push(...rows.map(decodeLink));
    });
    return links;
  }

  /**
   * The integration's active links of one type (alias `l`), without those whose external id the job staged a
   * row of that type for. A job id that is no UUID staged nothing (every active link qualifies).
   */
  function activeLinks(integrationId: string, recordType: RecordType, jobId: string | undefined) {
    let query = context.db
      .selectFrom(`${table} as l`)
      .where('l.integration_id', '=', integrationId.toLowerCase())
      .where('l.record_type', '=', recordType)
      .where('l.deleted_in_crm_at', 'is', null);
    if (jobId !== undefined && isUuid(jobId)) {
      const staged = context.db
        .selectFrom('crm_client_staging as s')
        .select(sql`1`.as('one'))
        .where('s.sync_job_id', '=', jobId.toLowerCase())
        .where('s.record_type', '=', recordType)
        .whereRef('s.external_id', '=', 'l.external_id');
      // PostgreSQL: OFFSET 0 keeps the planner from flattening the probe into an anti-join, whose plan on stale
      // statistics (the job staged its rows moments ago) can be a nested loop comparing every link with every
      // staged row. As a correlated probe it is one lookup per link on the index of the probe.
      query = query.where(({ exists, not }) =>
        not(exists(context.dialect === 'postgres' ? staged.offset(0) : staged)),
      );
    }
    return query;
  }

  return {
    async findByExternalIds(integrationId, recordType, externalIds, options: StorageCallOptions = {}) {
      const lookup = checkLookup(integrationId, recordType, externalIds, 'externalIds');
      return guard(context, 'find record links', table, () => findBy('external_id', lookup, options.signal));
    },

    async findWedsyncIds(integrationId, recordType, externalIds, options: StorageCallOptions = {}) {
      const lookup = checkLookup(integrationId, recordType, externalIds, 'externalIds');
      return guard(context, 'find linked WedSync ids', table, async () => {
        const found = new Map<string, string>();
        await eachChunk('external_id', lookup, options.signal, async (query) => {
          // Two columns only: an import asks this for the parents of every page it writes.
          const rows = await query.select(['external_id', 'wedsync_record_id']).execute();
          for (const row of rows) found.set(String(row.external_id), String(row.wedsync_record_id));
        });
        return found;
      });
    },

    async findByWedsyncIds(integrationId, recordType, wedsyncRecordIds, options: StorageCallOptions = {}) {
      const lookup = checkLookup(integrationId, recordType, wedsyncRecordIds, 'wedsyncRecordIds');
      return guard(context, 'find record links', table, () =>
        findBy('wedsync_record_id', lookup, options.signal),
      );
    },

    async findBaseStamps(integrationId, recordType, wedsyncRecordIds, options: StorageCallOptions = {}) {
      const lookup = checkLookup(integrationId, recordType, wedsyncRecordIds, 'wedsyncRecordIds');
      return guard(context, 'find record link base stamps', table, async () => {
        const stamps = new Map<string, string>();
        await eachChunk('wedsync_record_id', lookup, options.signal, async (query) => {
          // Two columns only: an export asks this for every record it pages through, and decoding whole links
          // (their JSON base snapshots above all) is the cost it avoids.
          const rows = await query
            .select(['wedsync_record_id', 'base_updated_at'])
            .where('base_updated_at', 'is not', null)
            .where('deleted_in_crm_at', 'is', null)
            .execute();
          for (const row of rows) {
            stamps.set(
              String(row.wedsync_record_id),
              decodeTimestamp(row.base_updated_at, 'base_updated_at'),
            );
          }
        });
        return stamps;
      });
    },

    async upsert(links: readonly RecordLinkUpsert[], options: StorageCallOptions = {}) {
      checkArray(links, 'links');
      const now = encodeTimestamp(context.clock(), 'now');
      // One row per key (the last one wins): PostgreSQL refuses to update a row twice in one statement.
      const byKey = new Map<string, Record<string, unknown>>();
      links.forEach((link, index) => {
        const name = `links[${index}]`;
        const row = {
          id: crypto.randomUUID(),
          integration_id: checkUuid(link.integration_id, `${name}.integration_id`),
          record_type: checkOneOf(link.record_type, recordTypes, `${name}.record_type`),
          external_id: checkText(link.external_id, `${name}.external_id`),
          wedsync_record_id: checkText(link.wedsync_record_id, `${name}.wedsync_record_id`),
          base_snapshot:
            link.base_snapshot === undefined || link.base_snapshot === null
              ? null
              : encodeJson(
                  checkJsonObject(link.base_snapshot, `${name}.base_snapshot`),
                  `${name}.base_snapshot`,
                ),
          content_hash: optionalText(link.content_hash, `${name}.content_hash`),
          last_written_hash: optionalText(link.last_written_hash, `${name}.last_written_hash`),
          last_written_side:
            link.last_written_side === undefined || link.last_written_side === null
              ? null
              : checkOneOf(link.last_written_side, syncSides, `${name}.last_written_side`),
          last_written_at: encodeNullableTimestamp(link.last_written_at, `${name}.last_written_at`),
          crm_modified_at: encodeNullableTimestamp(link.crm_modified_at, `${name}.crm_modified_at`),
          wedsync_modified_at: encodeNullableTimestamp(
            link.wedsync_modified_at,
            `${name}.wedsync_modified_at`,
          ),
          base_updated_at: encodeNullableTimestamp(link.base_updated_at, `${name}.base_updated_at`),
          last_synced_at:
            link.last_synced_at === undefined
              ? now
              : encodeTimestamp(link.last_synced_at, `${name}.last_synced_at`),
          deleted_in_crm_at: encodeNullableTimestamp(link.deleted_in_crm_at, `${name}.deleted_in_crm_at`),
          created_at: now,
          updated_at: now,
        };
        byKey.set(JSON.stringify([row.integration_id, row.record_type, row.external_id]), row);
      });
      const rows = [...byKey.values()];
      return guard(context, 'upsert record links', table, async () => {
        if (rows.length === 0) return;
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, rows, Object.keys(linkColumns).length)) {
            throwIfAborted(options.signal);
            try {
              await db
                .insertInto(table)
                .values(part)
                .onConflict((conflict) =>
                  conflict
                    .columns(['integration_id', 'record_type', 'external_id'])
                    .doUpdateSet((update) =>
                      Object.fromEntries(
                        updatedOnConflict.map((column) => [column, update.ref(`excluded.${column}`)]),
                      ),
                    ),
                )
                .execute();
            } catch (error) {
              if (classifyDriverError(error).kind === 'unique') {
                throw new ConflictError(
                  'A WedSync record in this batch is already linked to another CRM record of the same type',
                  {
                    context: { fields: ['integration_id', 'record_type', 'wedsync_record_id'] },
                    cause: error,
                  },
                );
              }
              throw error;
            }
          }
        });
      });
    },

    async markDeletedInCrm(integrationId, recordType, externalIds, options = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      const ids = checkIds(externalIds, 'externalIds');
      const at = encodeTimestamp(
        options.now === undefined ? context.clock() : checkDate(options.now, 'now'),
        'now',
      );
      return guard(context, 'mark record links deleted', table, async () => {
        if (!isUuid(integrationId) || ids.length === 0) return 0;
        return inTransaction(context, async (db) => {
          let marked = 0;
          for (const part of chunk(ids, idsPerChunk())) {
            throwIfAborted(options.signal);
            const result = await db
              .updateTable(table)
              .set({ deleted_in_crm_at: at, updated_at: at })
              .where('integration_id', '=', integrationId.toLowerCase())
              .where('record_type', '=', type)
              .where('external_id', 'in', part)
              .where('deleted_in_crm_at', 'is', null)
              .executeTakeFirst();
            marked += Number(result.numUpdatedRows);
          }
          return marked;
        });
      });
    },

    async deleteByWedsyncIds(integrationId, recordType, wedsyncRecordIds, options: StorageCallOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      const ids = checkIds(wedsyncRecordIds, 'wedsyncRecordIds');
      return guard(context, 'delete record links', table, async () => {
        if (!isUuid(integrationId) || ids.length === 0) return 0;
        return inTransaction(context, async (db) => {
          let deleted = 0;
          for (const part of chunk(ids, idsPerChunk())) {
            throwIfAborted(options.signal);
            const result = await db
              .deleteFrom(table)
              .where('integration_id', '=', integrationId.toLowerCase())
              .where('record_type', '=', type)
              .where('wedsync_record_id', 'in', part)
              .executeTakeFirst();
            deleted += Number(result.numDeletedRows);
          }
          return deleted;
        });
      });
    },

    async list(integrationId, recordType, options: RecordLinkListOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      const limit = checkLimit(options.limit);
      const after =
        options.after === undefined || options.after === null ? undefined : decodeCursor(options.after);
      return guard(context, 'list record links', table, async () => {
        if (!isUuid(integrationId)) return { links: [], next_cursor: null };
        let query = context.db
          .selectFrom(table)
          .select(columns())
          .where('integration_id', '=', integrationId.toLowerCase())
          .where('record_type', '=', type);
        if (options.activeOnly === true) query = query.where('deleted_in_crm_at', 'is', null);
        if (after !== undefined) query = query.where('external_id', '>', after);
        const rows = await query
          .orderBy('external_id')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit).map(decodeLink);
        const last = page[page.length - 1];
        return {
          links: page,
          next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.external_id) : null,
        };
      });
    },

    async listNotStagedByJob(integrationId, recordType, jobId, options: RecordLinkNotStagedOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      checkText(jobId, 'jobId');
      const limit = checkLimit(options.limit);
      const after =
        options.after === undefined || options.after === null ? undefined : decodeCursor(options.after);
      return guard(context, 'list record links not staged by a job', table, async () => {
        throwIfAborted(options.signal);
        if (!isUuid(integrationId)) return { links: [], next_cursor: null };
        let query = activeLinks(integrationId, type, jobId).select(selection(context, linkColumns));
        if (after !== undefined) query = query.where('l.external_id', '>', after);
        const rows = await query
          .orderBy('l.external_id')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit).map(decodeLink);
        const last = page[page.length - 1];
        return {
          links: page,
          next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.external_id) : null,
        };
      });
    },

    async countActive(integrationId, recordType, options: RecordLinkCountOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      const jobId =
        options.notStagedByJob === undefined
          ? undefined
          : checkText(options.notStagedByJob, 'notStagedByJob');
      return guard(context, 'count record links', table, async () => {
        throwIfAborted(options.signal);
        if (!isUuid(integrationId)) return 0;
        const row = await activeLinks(integrationId, type, jobId)
          .select(sql<number | bigint | string>`count(*)`.as('count'))
          .executeTakeFirst();
        return Number(row?.count ?? 0);
      });
    },
  };
}
