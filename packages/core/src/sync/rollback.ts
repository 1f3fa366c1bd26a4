/**
 * Rollback of a sync job from its before-images (`crm_record_backups`).
 *
 * Every page of an import saves, in the same transaction as its writes, one backup per WedSync record it writes:
 * `created` (no before-image), `updated` (the stored record before the write) or `deleted` (the record before the
 * job marked it deleted), with the hash of what it wrote. A record a job wrote twice (a client created from a
 * client page, then given a partner from a project page) has several backups: the FIRST one says what the
 * record was before the job, the LAST one what the job left.
 *
 * A rollback:
 * 1. checks the job: finished (completed, failed or cancelled), not rolled back yet, not an export (what it
 *    wrote is in the CRM), no other job of the integration pending or running;
 * 2. reads the job's backups (keyset pages) and the current state of every record they name (batched reads);
 * 3. finds the records changed since the job: a record whose content hash or deletion mark differs from what
 *    the job left, a record that is gone, a record a later job of the integration wrote (its backup sequence is
 *    higher), a record the job created that another record now depends on (a project under a created client,
 *    found by scanning the supplier's child records, whoever wrote them), and a backup without its
 *    before-image. Without `force` any of them refuses the rollback with a ConflictError naming them; with
 *    `force` they are left exactly as they are (and, for a kept record the job created, so are its created
 *    parents, which it still needs) and reported as `skipped`;
 * 4. in ONE transaction (the checks of 1-3 run inside it too, so nothing changes in between on SQLite; on
 *    PostgreSQL a write by another connection between a check and the restore is not excluded, but a second
 *    rollback of the same job is: the job is marked first, which holds its row until the end, and the other
 *    rollback then finds it rolled back): restores the
 *    before-images of updated and deletion-marked records (parents first), then erases the records the job
 *    created (children first: payment, invoice, event, project, client) and deletes their record links, writes
 *    one log row per record (`updated` restored, `deleted` erased, `skipped` left alone, each with
 *    `action_details.rollback_of`), and marks the job rolled back. Nothing is staged.
 *
 * Record links: the links of erased records are deleted. A client the job linked to a hand-typed WedSync client
 * (its before-image names no link to this integration in `crm_integration_id`) loses that link too, so the next
 * import finds it again by dedupe and fills its gaps again. Other links of restored records are kept as they are
 * (links have no before-images), so the next import treats those CRM records as already synced.
 *
 * Scale: one transaction for the whole job, with every write batched per record type in chunks of
 * {@link rollbackChunkSize}. It holds the first before-image of each record the job touched in memory. On
 * SQLite the transaction holds the database's write lock for its whole length.
 */
import {
  ConflictError,
  InvalidArgumentError,
  JobAlreadyActiveError,
  UnsupportedCapabilityError,
} from '../errors/index.js';
import type { RecordType } from '../model/canonical.js';
import type { ChangesPage, ClientStore, RecordSnapshot, StoredRecord } from '../spec/client-store.js';
import type { HubStorage, NewSyncLog, RecordBackup, SyncJobRecord } from '../spec/hub-storage.js';
import { contentHash } from './hash.js';
import { importOrder } from './record-types.js';

/** How many records each batched read or write of a rollback names. */
export const rollbackChunkSize = 500;

/** How many changed records a refusal lists in its error context. */
const listedChangedRecords = 100;

/** Options of {@link rollbackSyncJob}. */
export interface RollbackJobOptions {
  /**
   * Roll back even when some records changed since the job: those are left as they are and counted as skipped.
   * @default false
   */
  readonly force?: boolean;
  /** When the job is marked rolled back. @default new Date() */
  readonly now?: Date;
  /** Aborts the rollback between statements (its transaction then rolls back). */
  readonly signal?: AbortSignal;
}

/** What a rollback did. */
export interface RollbackJobResult {
  /** The job, now with `rolled_back_at`. */
  sync_job: SyncJobRecord;
  /** Records written back from their before-images (updated or marked deleted by the job). */
  restored: number;
  /** Records the job created, erased. */
  removed: number;
  /** Records changed since the job, left as they are (only with `force`). */
  skipped: number;
}

/** Why a record counts as changed since the job. */
export type RollbackChangeReason =
  | 'modified'
  | 'missing'
  | 'later_job'
  | 'has_dependents'
  | 'no_before_image';

/** A record a rollback would overwrite or erase although it changed since the job (error context). */
export interface ChangedRecord {
  readonly record_type: RecordType;
  readonly wedsync_record_id: string;
  readonly reason: RollbackChangeReason;
  /** The later job that wrote it (`later_job`). */
  readonly later_job_id?: string;
  /** A record that depends on it (`has_dependents`). */
  readonly dependent?: { readonly record_type: RecordType; readonly wedsync_record_id: string };
}

/** What a rollback needs of the hub. */
export interface RollbackEnvironment {
  readonly storage: HubStorage;
  readonly clientStore: ClientStore;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** One record the job wrote: its first and last backup. */
interface Touched {
  readonly recordType: RecordType;
  readonly id: string;
  readonly first: RecordBackup;
  last: RecordBackup;
  current?: StoredRecord;
  change?: ChangedRecord;
}

/** The parent references of each record type (field of the canonical record -> parent type). */
const parentFields: Readonly<Record<RecordType, readonly (readonly [string, RecordType])[]>> = {
  client: [],
  project: [['client_id', 'client']],
  event: [['project_id', 'project']],
  invoice: [['project_id', 'project']],
  payment: [
    ['project_id', 'project'],
    ['invoice_id', 'invoice'],
  ],
};

const childrenFirst: readonly RecordType[] = [...importOrder].reverse();

function keyOf(recordType: RecordType, id: string): string {
  return `${recordType}\u0000${id}`;
}

function chunks<Item>(items: readonly Item[], size = rollbackChunkSize): Item[][] {
  const result: Item[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

function parentsOf(recordType: RecordType, record: unknown): [RecordType, string][] {
  if (typeof record !== 'object' || record === null) return [];
  const values = record as Record<string, unknown>;
  return parentFields[recordType].flatMap(([field, parentType]): [RecordType, string][] => {
    const value = values[field];
    return typeof value === 'string' ? [[parentType, value]] : [];
  });
}

function describeValue(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return `\`${String(value)}\` (${typeof value})`;
  }
  return Array.isArray(value) ? '(array)' : `(${typeof value})`;
}

/** Whether the record is what the job left it as (the last backup says what that was). */
function changeSinceJob(touched: Touched): RollbackChangeReason | undefined {
  const { current, last, first } = touched;
  if (first.operation !== 'created' && first.before_image === undefined) return 'no_before_image';
  if (current === undefined) return 'missing';
  if (last.operation === 'deleted') {
    const before = last.before_image?.['record'];
    if (current.deleted_at === null) return 'modified';
    return before !== undefined && contentHash(current.record) === contentHash(before)
      ? undefined
      : 'modified';
  }
  if (current.deleted_at !== null) return 'modified';
  if (last.after_hash !== undefined && contentHash(current.record) !== last.after_hash) return 'modified';
  return undefined;
}

/** Every backup of the job, grouped by record (first and last backup). */
async function readTouched(
  storage: HubStorage,
  jobId: string,
  signal: AbortSignal | undefined,
): Promise<{ touched: Map<string, Touched>; firstSequence: number }> {
  const touched = new Map<string, Touched>();
  let firstSequence = Number.POSITIVE_INFINITY;
  let after: number | null = null;
  do {
    const page = await storage.backups.list(jobId, {
      order: 'asc',
      limit: 1000,
      after,
      ...(signal === undefined ? {} : { signal }),
    });
    for (const backup of page.backups) {
      firstSequence = Math.min(firstSequence, backup.sequence);
      const key = keyOf(backup.record_type, backup.wedsync_record_id);
      const known = touched.get(key);
      if (known === undefined) {
        touched.set(key, {
          recordType: backup.record_type,
          id: backup.wedsync_record_id,
          first: backup,
          last: backup,
        });
      } else {
        known.last = backup;
      }
    }
    after = page.next_cursor;
  } while (after !== null);
  return { touched, firstSequence };
}

/** Marks the job's records that a later job of the integration wrote (a higher backup sequence). */
async function markLaterJobs(
  storage: HubStorage,
  job: SyncJobRecord,
  touched: Map<string, Touched>,
  firstSequence: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const jobCreated = Date.parse(job.created_at);
  let page = 1;
  while (true) {
    const listed = await storage.jobs.list(job.integration_id, { page, per_page: 500 });
    for (const other of listed.sync_jobs) {
      // A rolled-back job's writes are undone: what is left of them shows in the content hashes.
      if (other.id === job.id || other.rolled_back_at !== undefined) continue;
      // Jobs of an integration run one at a time in creation order: an older job wrote before this one.
      if (Date.parse(other.created_at) < jobCreated) return;
      let after: number | null = null;
      pages: do {
        const backups = await storage.backups.list(other.id, {
          order: 'desc',
          limit: 1000,
          after,
          ...(signal === undefined ? {} : { signal }),
        });
        for (const backup of backups.backups) {
          if (backup.sequence < firstSequence) break pages;
          const known = touched.get(keyOf(backup.record_type, backup.wedsync_record_id));
          if (known !== undefined && known.change === undefined && backup.sequence > known.last.sequence) {
            known.change = {
              record_type: known.recordType,
              wedsync_record_id: known.id,
              reason: 'later_job',
              later_job_id: other.id,
            };
          }
        }
        after = backups.next_cursor;
      } while (after !== null);
    }
    if (page * listed.per_page >= listed.total) return;
    page += 1;
  }
}

/**
 * Marks the records the job created that other records depend on (and would be erased with them): scans the
 * supplier's records of each child type, whoever wrote them, children first, so that a created record kept for
 * its own dependents keeps its created parents too. Records the rollback restores count as their before-images.
 */
async function markDependents(
  store: ClientStore,
  supplierId: string,
  touched: Map<string, Touched>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const toRemove = (recordType: RecordType, id: string): Touched | undefined => {
    const found = touched.get(keyOf(recordType, id));
    return found?.first.operation === 'created' && found.change === undefined ? found : undefined;
  };
  const parentTypes = new Set(
    [...touched.values()]
      .filter((item) => item.first.operation === 'created' && item.recordType !== 'payment')
      .map((item) => item.recordType),
  );
  for (const recordType of childrenFirst) {
    if (!parentFields[recordType].some(([, parentType]) => parentTypes.has(parentType))) continue;
    let cursor: string | null = null;
    let hasMore = true;
    while (hasMore) {
      const page: ChangesPage = await store.changesSince(recordType, {
        supplierId,
        cursor,
        limit: 1000,
        ...(signal === undefined ? {} : { signal }),
      });
      for (const row of page.rows) {
        const own = touched.get(keyOf(recordType, row.id));
        // A record the job created itself goes with its parent.
        if (own?.first.operation === 'created' && own.change === undefined) continue;
        // A record the job updated is checked as the rollback leaves it: its before-image.
        const record =
          own === undefined || own.change !== undefined ? row.record : own.first.before_image?.['record'];
        for (const [parentType, parentId] of parentsOf(recordType, record)) {
          const parent = toRemove(parentType, parentId);
          if (parent === undefined) continue;
          parent.change = {
            record_type: parentType,
            wedsync_record_id: parentId,
            reason: 'has_dependents',
            dependent: { record_type: recordType, wedsync_record_id: row.id },
          };
        }
      }
      cursor = page.nextCursor;
      hasMore = page.hasMore && page.rows.length > 0;
    }
  }
}

function refusal(job: SyncJobRecord, changed: readonly ChangedRecord[]): ConflictError {
  const named = changed
    .slice(0, 3)
    .map((record) => `${record.record_type} \`${record.wedsync_record_id}\` (${record.reason})`)
    .join(', ');
  const count = changed.length;
  return new ConflictError(
    `Cannot roll back sync job \`${job.id}\`: ${count} record${count === 1 ? '' : 's'} changed since it ran: ` +
      `${named}${count > 3 ? ', ...' : ''}. Pass \`force: true\` to roll back the rest and leave ${count === 1 ? 'it' : 'them'} as ${count === 1 ? 'it is' : 'they are'}`,
    {
      context: {
        jobId: job.id,
        integrationId: job.integration_id,
        records: changed.slice(0, listedChangedRecords),
        total: count,
      },
    },
  );
}

/**
 * Rolls back a finished sync job (see the module comment): restores what it updated or marked deleted, erases
 * what it created, logs each record and marks the job rolled back, in one transaction.
 *
 * @throws InvalidArgumentError when an option is not acceptable.
 * @throws ConflictError when the job is not finished, is already rolled back, or (without `force`) records
 *   changed since it ran; the context then lists them (`records`, the first 100, and `total`).
 * @throws JobAlreadyActiveError when another job of the integration is pending or running.
 * @throws UnsupportedCapabilityError for an `export_to_crm` job (it changed the CRM, not WedSync).
 * @throws ConflictError for a dry run (it changed nothing).
 * @throws NotFoundError when the job or its integration does not exist.
 */
export async function rollbackSyncJob(
  environment: RollbackEnvironment,
  job: SyncJobRecord,
  options: RollbackJobOptions = {},
): Promise<RollbackJobResult> {
  const force = options.force ?? false;
  if (typeof force !== 'boolean') {
    throw new InvalidArgumentError(`Expected \`force\` to be a boolean, got ${describeValue(force)}`, {
      context: { option: 'force' },
    });
  }
  if (options.now !== undefined && (!(options.now instanceof Date) || Number.isNaN(options.now.getTime()))) {
    throw new InvalidArgumentError(`Expected \`now\` to be a valid Date, got ${describeValue(options.now)}`, {
      context: { option: 'now' },
    });
  }
  const { storage, clientStore } = environment;
  const now = options.now ?? (environment.clock ?? (() => new Date()))();
  const signal = options.signal;
  const callOptions = signal === undefined ? {} : { signal };
  const jobId = job.id;

  return storage.transaction(async (transaction, handle) => {
    const store = clientStore.withTransaction(handle);
    const current = await transaction.jobs.get(jobId);
    if (current.job_status === 'pending' || current.job_status === 'running') {
      throw new ConflictError(
        `Sync job \`${jobId}\` is ${current.job_status}: only a finished job can be rolled back`,
        { context: { jobId, jobStatus: current.job_status } },
      );
    }
    if (current.job_type === 'export_to_crm') {
      // An export writes to the CRM, which before-images of WedSync records cannot undo: say so, do not fake it.
      throw new UnsupportedCapabilityError(
        `Sync job \`${jobId}\` exported to the CRM: a rollback restores WedSync records only, so it cannot undo an export`,
        { context: { jobId, jobType: current.job_type } },
      );
    }
    if (current.dry_run) {
      throw new ConflictError(
        `Sync job \`${jobId}\` was a dry run: it changed nothing, so there is nothing to roll back`,
        {
          context: { jobId, dryRun: true },
        },
      );
    }
    if (current.rolled_back_at !== undefined) {
      throw new ConflictError(`Sync job \`${jobId}\` was already rolled back at ${current.rolled_back_at}`, {
        context: { jobId, rolledBackAt: current.rolled_back_at },
      });
    }
    // Claim the job first: on PostgreSQL this takes its row lock until the transaction ends, so a rollback of the
    // same job by another connection waits here, then finds it rolled back (ConflictError) and writes nothing.
    const syncJob = await transaction.jobs.markRolledBack(jobId, { now });
    const active = await transaction.jobs.findActive(current.integration_id);
    if (active !== undefined) {
      throw new JobAlreadyActiveError(
        `Cannot roll back sync job \`${jobId}\` while job \`${active.id}\` of its integration is ${active.job_status}`,
        {
          activeJobId: active.id,
          context: { jobId, activeJobId: active.id, integrationId: current.integration_id },
        },
      );
    }
    const integration = await transaction.integrations.get(current.integration_id, { supplierId: null });
    const supplierId = integration.supplier_id;
    const integrationId = integration.id;

    const { touched, firstSequence } = await readTouched(transaction, jobId, signal);
    const byType = new Map<RecordType, Touched[]>();
    for (const item of touched.values()) {
      const list = byType.get(item.recordType) ?? [];
      list.push(item);
      byType.set(item.recordType, list);
    }
    for (const [recordType, items] of byType) {
      for (const part of chunks(items)) {
        const found = await store.findByIds(recordType, {
          supplierId,
          ids: part.map((item) => item.id),
          ...callOptions,
        });
        for (const item of part) {
          const stored = found.get(item.id);
          if (stored !== undefined) item.current = stored as StoredRecord;
        }
      }
    }

    // What changed since the job.
    if (touched.size > 0) await markLaterJobs(transaction, current, touched, firstSequence, signal);
    for (const item of touched.values()) {
      if (item.change !== undefined) continue;
      const reason = changeSinceJob(item);
      if (reason !== undefined) {
        item.change = { record_type: item.recordType, wedsync_record_id: item.id, reason };
      }
    }
    await markDependents(store, supplierId, touched, signal);
    const changed = [...touched.values()].flatMap((item) => (item.change === undefined ? [] : [item.change]));
    if (changed.length > 0 && !force) throw refusal(current, changed);

    // External ids for the logs, read before links are deleted.
    const externalIds = new Map<string, string>();
    for (const [recordType, items] of byType) {
      for (const part of chunks(items)) {
        const links = await transaction.links.findByWedsyncIds(
          integrationId,
          recordType,
          part.map((item) => item.id),
          callOptions,
        );
        for (const link of links)
          externalIds.set(keyOf(recordType, link.wedsync_record_id), link.external_id);
      }
    }

    // Restore before-images, parents first (before anything is erased, so no cascade reaches them).
    let restored = 0;
    for (const recordType of importOrder) {
      const items = (byType.get(recordType) ?? []).filter(
        (item) => item.change === undefined && item.first.operation !== 'created',
      );
      for (const part of chunks(items)) {
        await store.restore(
          recordType,
          part.map((item) => item.first.before_image as unknown as RecordSnapshot),
          callOptions,
        );
        restored += part.length;
      }
      if (recordType === 'client') {
        // Links this job made to WedSync clients that were not imported by this integration before.
        const linkedByJob = items
          .filter((item) => item.first.before_image?.['crm_integration_id'] !== integrationId)
          .map((item) => item.id);
        for (const part of chunks(linkedByJob)) {
          await transaction.links.deleteByWedsyncIds(integrationId, 'client', part, callOptions);
        }
      }
    }

    // Erase what the job created, children first, with the record links.
    let removed = 0;
    for (const recordType of childrenFirst) {
      const items = (byType.get(recordType) ?? []).filter(
        (item) => item.change === undefined && item.first.operation === 'created',
      );
      for (const part of chunks(items)) {
        const ids = part.map((item) => item.id);
        await store.remove(recordType, { supplierId, ids, ...callOptions });
        await transaction.links.deleteByWedsyncIds(integrationId, recordType, ids, callOptions);
        removed += part.length;
      }
    }

    // One log row per record.
    const logs: NewSyncLog[] = [...touched.values()].map((item) => {
      const action =
        item.change !== undefined ? 'skipped' : item.first.operation === 'created' ? 'deleted' : 'updated';
      const externalId =
        externalIds.get(keyOf(item.recordType, item.id)) ??
        (typeof item.first.before_image?.['external_crm_id'] === 'string'
          ? item.first.before_image['external_crm_id']
          : item.id);
      return {
        integration_id: integrationId,
        sync_job_id: jobId,
        record_type: item.recordType,
        record_id: externalId,
        wedsync_record_id: item.id,
        action_type: action,
        action_details: {
          rollback_of: jobId,
          operation: item.first.operation,
          ...(item.change === undefined
            ? {}
            : {
                reason: 'changed_since_job',
                change: item.change.reason,
                ...(item.change.later_job_id === undefined ? {} : { later_job_id: item.change.later_job_id }),
                ...(item.change.dependent === undefined ? {} : { dependent: { ...item.change.dependent } }),
              }),
        },
        processed_at: now,
      };
    });
    for (const part of chunks(logs)) await transaction.logs.insert(part, callOptions);
    return { sync_job: syncJob, restored, removed, skipped: changed.length };
  });
}
