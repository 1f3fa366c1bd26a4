/**
 * `crm_job_scratch` (extension, migration `0009_job_scratch_table`): the working space of running jobs
 * (`HubStorage.scratch`), JSON values by (job, namespace, key, item). `put` is a multi-row
 * `INSERT ... ON CONFLICT (job_id, namespace, key, item) DO UPDATE SET value = excluded.value` per chunk, all
 * chunks in one transaction; `get` reads the values of many keys in one query per chunk of keys, in binary order
 * of `item` (`COLLATE "C"` on PostgreSQL, SQLite's BINARY); `clear` is one DELETE over a prefix of the primary key.
 * On PostgreSQL a put analyzes the table when the job's rows reach 1,000, then each time they double.
 *
 * Values are JSON text both ways (`JSON.stringify` on the way in, `JSON.parse` on the way out), never jsonb, so a
 * value comes back as JSON made it. Names (namespace, key, item) must be free of NUL characters, which PostgreSQL
 * text cannot hold: refused up front on every dialect, so SQLite behaves the same. Driver errors carry the job id,
 * the namespace and the operation in their context; never a key, an item or a value.
 */
import {
  CrmError,
  InvalidArgumentError,
  NotFoundError,
  type ScratchItem,
  type ScratchStore,
  type StorageCallOptions,
  StorageError,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { decodeJson, describeValue, encodeJson } from '../json.js';
import { jobScratchTable } from '../migrations/job-scratch-table.js';
import { checkArray, checkText, checkUuid, isUuid } from './checks.js';
import {
  chunk,
  chunkRows,
  guard,
  inTransaction,
  maxParameters,
  type StorageContext,
  throwIfAborted,
} from './context.js';

const table = jobScratchTable;

/** Parameters of one row of a put: job_id, namespace, key, item, value. */
const parametersPerRow = 5;

/** Rows a job puts before the table's planner statistics are first brought up to date (PostgreSQL). */
export const scratchRowsBeforeStatistics = 1000;

/** Which space a call worked on: what a driver error's context names beside the operation and the table. */
interface ScratchScope {
  readonly jobId: string;
  readonly namespace?: string;
}

/** A namespace, key or item: a string (non-empty for a namespace) without NUL characters. */
function checkName(value: unknown, name: string, allowEmpty: boolean): string {
  if (!allowEmpty) checkText(value, name);
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a string, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  if (value.includes('\u0000')) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be free of NUL characters (PostgreSQL text cannot hold them)`,
      { context: { field: name } },
    );
  }
  return value;
}

/**
 * The error of a failed scratch operation with the job id and namespace added to its context: a driver error
 * turned into a StorageError by `guard`, or the NotFoundError of a put for a job that does not exist (the foreign
 * key). Argument errors and aborts pass through unchanged.
 */
function scoped(error: unknown, scope: ScratchScope): unknown {
  if (!CrmError.isInstance(error) || error.context['table'] !== table) return error;
  const options = { context: { ...error.context, ...scope }, cause: error.cause };
  if (error.code === 'not_found') {
    return new NotFoundError(
      `Sync job \`${scope.jobId}\` was not found: its scratch space cannot be written`,
      options,
    );
  }
  if (error.code === 'storage_failed') return new StorageError(error.message, options);
  return error;
}

/** The scratch part of the kysely HubStorage. */
export function createScratchStore(context: StorageContext): ScratchStore {
  const keysPerChunk = () => maxParameters(context.dialect) - 10;
  const statistics = context.scratchStatistics;

  /**
   * PostgreSQL: analyzes the table once a job has put 1,000 rows, and again each time its rows double. A table
   * filled by one job has no statistics until then (autovacuum, when on, comes late). Gets no longer depend on them
   * (one probe per key, below), but a clear by namespace and the host's own queries of the table do.
   */
  async function keepStatistics(job: string, rows: number): Promise<void> {
    if (context.dialect !== 'postgres') return;
    const seen = statistics.get(job) ?? { rows: 0, analyzeAt: scratchRowsBeforeStatistics };
    seen.rows += rows;
    statistics.set(job, seen);
    if (seen.rows < seen.analyzeAt) return;
    seen.analyzeAt = seen.rows * 2;
    // The lookup columns only: statistics of the values would cost most of the time and serve no plan.
    await sql`ANALYZE ${sql.table(table)} (job_id, namespace, key)`.execute(context.db);
  }

  async function scopedGuard<Result>(
    operation: string,
    scope: ScratchScope,
    run: () => Promise<Result>,
  ): Promise<Result> {
    try {
      return await guard(context, operation, table, run);
    } catch (error) {
      throw scoped(error, scope);
    }
  }

  return {
    async put(
      jobId: string,
      namespace: string,
      items: readonly ScratchItem[],
      options: StorageCallOptions = {},
    ) {
      const job = checkUuid(jobId, 'jobId');
      const space = checkName(namespace, 'namespace', false);
      checkArray(items, 'items');
      // One row per key and item (the last one wins): PostgreSQL refuses to update a row twice in one statement.
      const byItem = new Map<string, Record<string, string>>();
      items.forEach((entry, index) => {
        const name = `items[${index}]`;
        if (typeof entry !== 'object' || entry === null) {
          throw new InvalidArgumentError(
            `Expected \`${name}\` to be a scratch item, got ${describeValue(entry)}`,
            { context: { field: name } },
          );
        }
        const key = checkName(entry.key, `${name}.key`, true);
        const item = checkName(entry.item, `${name}.item`, true);
        const value = encodeJson(entry.value, `${name}.value`);
        byItem.set(JSON.stringify([key, item]), { job_id: job, namespace: space, key, item, value });
      });
      const rows = [...byItem.values()];
      const scope = { jobId: job, namespace: space };
      return scopedGuard('put scratch values', scope, async () => {
        if (rows.length === 0) return;
        await inTransaction(context, async (db) => {
          for (const part of chunkRows(context, rows, parametersPerRow)) {
            throwIfAborted(options.signal);
            await db
              .insertInto(table)
              .values(part)
              .onConflict((conflict) =>
                conflict
                  .columns(['job_id', 'namespace', 'key', 'item'])
                  .doUpdateSet((update) => ({ value: update.ref('excluded.value') })),
              )
              .execute();
          }
        });
        await keepStatistics(job, rows.length);
      });
    },

    async get(jobId: string, namespace: string, keys: readonly string[], options: StorageCallOptions = {}) {
      checkText(jobId, 'jobId');
      const space = checkName(namespace, 'namespace', false);
      checkArray(keys, 'keys');
      const wanted = [...new Set(keys.map((key, index) => checkName(key, `keys[${index}]`, true)))];
      const scope = { jobId, namespace: space };
      return scopedGuard('get scratch values', scope, async () => {
        const found = new Map<string, unknown[]>();
        // A job id that is no UUID names no job, so it has no values (and PostgreSQL's uuid column would refuse it).
        if (!isUuid(jobId) || wanted.length === 0) return found;
        const job = jobId.toLowerCase();
        for (const part of chunk(wanted, keysPerChunk())) {
          throwIfAborted(options.signal);
          const rows =
            context.dialect === 'postgres'
              ? // One probe of the primary key per key, whatever the statistics say. With `key IN (…)` the planner
                // trusted its estimate of a namespace's rows: for a namespace put after the last ANALYZE it
                // expected one row, scanned the whole namespace in index order and filtered the keys (57,641
                // buffers and 37 ms for 46 rows at 100k). `OFFSET 0` keeps the subquery a lookup per key.
                (
                  await sql<{ key: string; value: string }>`
                    select k.key, s.value
                    from unnest(${part}::text[]) as k(key)
                    cross join lateral (
                      select t.item, t.value from ${sql.table(table)} as t
                      where t.job_id = ${job} and t.namespace = ${space} and t.key = k.key COLLATE "C"
                      offset 0
                    ) as s
                    order by k.key COLLATE "C", s.item COLLATE "C"`.execute(context.db)
                ).rows
              : await context.db
                  .selectFrom(table)
                  .select(['key', 'value'])
                  .where('job_id', '=', job)
                  .where('namespace', '=', space)
                  .where('key', 'in', part)
                  // SQLite's BINARY collation: code point order, as the contract wants.
                  .orderBy('key')
                  .orderBy('item')
                  .execute();
          for (const row of rows) {
            const key = String(row.key);
            let values = found.get(key);
            if (values === undefined) {
              values = [];
              found.set(key, values);
            }
            values.push(decodeJson(row.value, 'value'));
          }
        }
        // The keys in the order they were asked for.
        const values = new Map<string, unknown[]>();
        for (const key of wanted) {
          const held = found.get(key);
          if (held !== undefined) values.set(key, held);
        }
        return values;
      });
    },

    async clear(jobId: string, options: StorageCallOptions & { readonly namespace?: string } = {}) {
      checkText(jobId, 'jobId');
      const space =
        options.namespace === undefined ? undefined : checkName(options.namespace, 'namespace', false);
      const scope = space === undefined ? { jobId } : { jobId, namespace: space };
      return scopedGuard('clear scratch values', scope, async () => {
        throwIfAborted(options.signal);
        if (!isUuid(jobId)) return;
        let statement = context.db.deleteFrom(table).where('job_id', '=', jobId.toLowerCase());
        if (space !== undefined) statement = statement.where('namespace', '=', space);
        await statement.execute();
        if (space === undefined) statistics.delete(jobId.toLowerCase());
      });
    },
  };
}
