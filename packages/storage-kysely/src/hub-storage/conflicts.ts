/**
 * `crm_conflicts` (extension): fields both sides changed differently, kept for a person to decide. At most one
 * open conflict per (integration, record type, CRM id, field), enforced by a partial unique index; recording the
 * same conflict again updates the open one (a multi-row upsert on that index).
 */
import {
  ConflictError,
  type ConflictListOptions,
  type ConflictStore,
  type FieldConflict,
  type FieldConflictResolution,
  InvalidArgumentError,
  type NewFieldConflict,
  NotFoundError,
  recordTypes,
  type StorageCallOptions,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { encodeJson, encodeNullableTimestamp, encodeTimestamp } from '../json.js';
import { conflictStatuses, syncSides } from '../migrations/crm-tables.js';
import { checkArray, checkDate, checkOneOf, checkPage, checkText, checkUuid, isUuid } from './checks.js';
import { decodeRow, selection, type TableColumns } from './codec.js';
import {
  chunk,
  chunkRows,
  guard,
  inTransaction,
  maxParameters,
  type StorageContext,
  throwIfAborted,
} from './context.js';

const table = 'crm_conflicts';

const conflictColumns: TableColumns = {
  id: 'text',
  integration_id: 'text',
  sync_job_id: 'text',
  record_type: 'text',
  external_id: 'text',
  wedsync_record_id: 'text',
  field: 'text',
  base_value: 'json',
  wedsync_value: 'json',
  crm_value: 'json',
  wedsync_modified_at: 'timestamp',
  crm_modified_at: 'timestamp',
  status: 'text',
  resolution: 'json',
  created_at: 'timestamp',
  resolved_at: 'timestamp',
};

const updatedOnConflict = [
  'sync_job_id',
  'wedsync_record_id',
  'base_value',
  'wedsync_value',
  'crm_value',
  'wedsync_modified_at',
  'crm_modified_at',
] as const;

function decodeConflict(row: Readonly<Record<string, unknown>>): FieldConflict {
  return decodeRow(conflictColumns, row) as unknown as FieldConflict;
}

function conflictKey(row: {
  integration_id: unknown;
  record_type: unknown;
  external_id: unknown;
  field: unknown;
}): string {
  return JSON.stringify([row.integration_id, row.record_type, row.external_id, row.field]);
}

/** A value of a side: `undefined` (the field did not exist) is SQL NULL, anything else its JSON (null included). */
function encodeValue(value: unknown, name: string): string | null {
  return value === undefined ? null : encodeJson(value, name);
}

function checkResolution(resolution: FieldConflictResolution): string {
  if (typeof resolution === 'object' && resolution !== null) {
    if ('side' in resolution) {
      checkOneOf(resolution.side, syncSides, 'resolution.side');
      return encodeJson({ side: resolution.side }, 'resolution');
    }
    if ('value' in resolution && resolution.value !== undefined) {
      return encodeJson({ value: resolution.value }, 'resolution');
    }
  }
  throw new InvalidArgumentError("Expected `resolution` to be `{ side: 'wedsync' | 'crm' }` or `{ value }`", {
    context: { field: 'resolution' },
  });
}

function conflictNotFound(id: string): NotFoundError {
  return new NotFoundError(`Conflict \`${id}\` was not found`, { context: { conflictId: id } });
}

/** The conflicts part of the kysely HubStorage. */
export function createConflictStore(context: StorageContext): ConflictStore {
  const columns = () => selection(context, conflictColumns);

  async function find(id: string): Promise<FieldConflict | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await context.db
      .selectFrom(table)
      .select(columns())
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row === undefined ? undefined : decodeConflict(row);
  }

  async function close(
    id: string,
    status: 'resolved' | 'dismissed',
    resolution: string | null,
    at: string,
  ): Promise<FieldConflict> {
    if (!isUuid(id)) throw conflictNotFound(id);
    const row = await context.db
      .updateTable(table)
      .set({ status, resolution, resolved_at: at })
      .where('id', '=', id.toLowerCase())
      .where('status', '=', 'open')
      .returning(columns())
      .executeTakeFirst();
    if (row !== undefined) return decodeConflict(row);
    const existing = await find(id);
    if (existing === undefined) throw conflictNotFound(id);
    throw new ConflictError(`Conflict \`${id}\` is already ${existing.status}`, {
      context: { conflictId: id, status: existing.status },
    });
  }

  return {
    async insert(conflicts: readonly NewFieldConflict[], options: StorageCallOptions = {}) {
      checkArray(conflicts, 'conflicts');
      const now = encodeTimestamp(context.clock(), 'now');
      const rows = conflicts.map((conflict, index) => {
        const name = `conflicts[${index}]`;
        return {
          id: conflict.id === undefined ? crypto.randomUUID() : checkUuid(conflict.id, `${name}.id`),
          integration_id: checkUuid(conflict.integration_id, `${name}.integration_id`),
          sync_job_id:
            conflict.sync_job_id === undefined || conflict.sync_job_id === null
              ? null
              : checkUuid(conflict.sync_job_id, `${name}.sync_job_id`),
          record_type: checkOneOf(conflict.record_type, recordTypes, `${name}.record_type`),
          external_id: checkText(conflict.external_id, `${name}.external_id`),
          wedsync_record_id:
            conflict.wedsync_record_id === undefined || conflict.wedsync_record_id === null
              ? null
              : checkText(conflict.wedsync_record_id, `${name}.wedsync_record_id`),
          field: checkText(conflict.field, `${name}.field`),
          base_value: encodeValue(conflict.base_value, `${name}.base_value`),
          wedsync_value: encodeValue(conflict.wedsync_value, `${name}.wedsync_value`),
          crm_value: encodeValue(conflict.crm_value, `${name}.crm_value`),
          wedsync_modified_at: encodeNullableTimestamp(
            conflict.wedsync_modified_at,
            `${name}.wedsync_modified_at`,
          ),
          crm_modified_at: encodeNullableTimestamp(conflict.crm_modified_at, `${name}.crm_modified_at`),
          status: 'open',
          resolution: null,
          created_at: now,
          resolved_at: null,
        };
      });
      // One row per open-conflict key (the last one wins): a statement cannot update one row twice.
      const unique = [...new Map(rows.map((row) => [conflictKey(row), row])).values()];
      return guard(context, 'record conflicts', table, async () => {
        if (unique.length === 0) return [];
        const stored = new Map<string, FieldConflict>();
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, unique, Object.keys(conflictColumns).length)) {
            throwIfAborted(options.signal);
            const returned = await db
              .insertInto(table)
              .values(part)
              .onConflict((conflict) =>
                conflict
                  .columns(['integration_id', 'record_type', 'external_id', 'field'])
                  .where(sql<boolean>`status = 'open'`)
                  .doUpdateSet((update) =>
                    Object.fromEntries(
                      updatedOnConflict.map((column) => [column, update.ref(`excluded.${column}`)]),
                    ),
                  ),
              )
              .returning(columns())
              .execute();
            for (const row of returned) {
              const decoded = decodeConflict(row);
              stored.set(conflictKey(decoded), decoded);
            }
          }
        });
        return rows.map((row) => stored.get(conflictKey(row)) as FieldConflict);
      });
    },

    async list(integrationId: string, options: ConflictListOptions = {}) {
      checkText(integrationId, 'integrationId');
      const { page, per_page } = checkPage(options);
      const status = checkOneOf(options.status ?? 'open', conflictStatuses, 'status');
      const recordType =
        options.recordType === undefined
          ? undefined
          : checkOneOf(options.recordType, recordTypes, 'recordType');
      return guard(context, 'list conflicts', table, async () => {
        if (!isUuid(integrationId)) return { conflicts: [], total: 0, page, per_page };
        let filtered = context.db
          .selectFrom(table)
          .where('integration_id', '=', integrationId.toLowerCase())
          .where('status', '=', status);
        if (recordType !== undefined) filtered = filtered.where('record_type', '=', recordType);
        const counted = await filtered
          .select((expression) => expression.fn.countAll().as('count'))
          .executeTakeFirstOrThrow();
        const rows = await filtered
          .select(columns())
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(per_page)
          .offset((page - 1) * per_page)
          .execute();
        return { conflicts: rows.map(decodeConflict), total: Number(counted.count), page, per_page };
      });
    },

    async listOpenForRecords(integrationId, recordType, externalIds, options: StorageCallOptions = {}) {
      checkText(integrationId, 'integrationId');
      const type = checkOneOf(recordType, recordTypes, 'recordType');
      checkArray(externalIds, 'externalIds');
      const ids = [...new Set(externalIds.map((id, index) => checkText(id, `externalIds[${index}]`)))];
      return guard(context, 'list open conflicts', table, async () => {
        if (!isUuid(integrationId) || ids.length === 0) return [];
        const found: FieldConflict[] = [];
        for (const part of chunk(ids, maxParameters(context.dialect) - 10)) {
          throwIfAborted(options.signal);
          const rows = await context.db
            .selectFrom(table)
            .select(columns())
            .where('integration_id', '=', integrationId.toLowerCase())
            .where('record_type', '=', type)
            .where('status', '=', 'open')
            .where('external_id', 'in', part)
            .orderBy('created_at')
            .orderBy('id')
            .execute();
          found.push(...rows.map(decodeConflict));
        }
        return found;
      });
    },

    async get(id: string) {
      checkText(id, 'id');
      return guard(context, 'read a conflict', table, async () => {
        const conflict = await find(id);
        if (conflict === undefined) throw conflictNotFound(id);
        return conflict;
      });
    },

    async resolve(id: string, resolution: FieldConflictResolution, options: { readonly now?: Date } = {}) {
      checkText(id, 'id');
      const encoded = checkResolution(resolution);
      const at = encodeTimestamp(
        options.now === undefined ? context.clock() : checkDate(options.now, 'now'),
        'now',
      );
      return guard(context, 'resolve a conflict', table, () => close(id, 'resolved', encoded, at));
    },

    async dismiss(id: string, options: { readonly now?: Date } = {}) {
      checkText(id, 'id');
      const at = encodeTimestamp(
        options.now === undefined ? context.clock() : checkDate(options.now, 'now'),
        'now',
      );
      return guard(context, 'dismiss a conflict', table, () => close(id, 'dismissed', null, at));
    },
  };
}
