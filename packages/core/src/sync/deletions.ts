/**
 * Deletion detection after a full import: a record gone from the CRM is **marked** deleted on the WedSync side
 * (and logged as deleted), never erased.
 *
 * Most CRMs (Tave among them) do not report deletions: a deleted record simply stops being listed. So once a
 * `full_import` has read a record type completely — every page, without `since`, the job neither cancelled nor
 * parked before its last page — every record link of that type that is not marked deleted yet and whose external
 * id the job did not stage is a record gone from the CRM. The database finds them (`links.listNotStagedByJob`,
 * an anti-join against the job's staging rows, paged by external id: never every id in memory).
 *
 * Each page of gone records is written in ONE transaction, like an import page:
 * - the WedSync record marked deleted through `clientStore.markDeleted` (reason `deleted in <provider>`), when
 *   it is still there and live (a record the host already erased or marked is left alone);
 * - its record link marked (`links.markDeletedInCrm`), so the next import does not count it again;
 * - a before-image of each marked record (`backups`, operation `deleted`): `rollbackJob` of the import restores
 *   it (`deleted_at` null again);
 * - one staging row per record (`raw_data = { record_type, data: null, deleted: true, reason: 'gone_from_crm' }`),
 *   so a later `field_mapping_update`, which re-maps the latest staged row of each record, finds nothing to map
 *   instead of the record as it was before it vanished (which would bring it back);
 * - one sync log per record (`action_type: 'deleted'`, details `{ reason: 'gone_from_crm', marked_deleted }`);
 * - the job's counts and progress: `deleted` and `<type>.deleted`, and `gone_from_crm` and `<type>.gone_from_crm`
 *   for the part of them the CRM did not deliver (those records were not read, so
 *   `read = created + updated + linked + flagged + rejected + skipped + deleted - gone_from_crm`).
 *
 * A record that reappears in the CRM later is revived by the import that reads it (`import-page.ts`: its link is
 * marked deleted, so it is merged again and written, which clears the deletion mark).
 *
 * **Order.** Children first: payments, invoices, events, projects, then clients (the reverse of the import
 * order, as a rollback erases). Whenever the sweep stops between two record types (a cancel, a crash, a failure),
 * what it marked so far is children of live parents — a state that is also a valid end state (a project gone
 * while its client is still there is marked like any record) — never a parent marked deleted with its gone
 * children still live.
 *
 * **Safety valve.** A CRM glitch answering an empty (or truncated) list must not mark a studio deleted. For each
 * record type, when the records to mark are more than `threshold` of the type's active links, or the job read no
 * record of the type at all, nothing of that type is marked: one warning row is logged (`action_type:
 * 'skipped'`, `record_id: '*'`, details `{ reason: 'deletions_withheld', warning: true, ... }` with the numbers
 * and the first external ids) and `deletions_withheld.<type>` (and `deletions_withheld`) counts how many records
 * were withheld. The threshold is the job's `job_config.deletion_threshold` (a number from 0 to 1; default
 * {@link defaultDeletionThreshold}; `false` turns the valve off: every gone record is marked, even when the CRM
 * listed nothing). Read it with {@link deletionThresholdOf}. A withheld type is marked by a later full import
 * once the CRM lists its records again, or by one run with a higher threshold (or `false`).
 *
 * **Resuming.** A job that crashed or parked during the sweep resumes with its import finished and runs the
 * sweep again: links already marked are no longer listed, and types the job already withheld (its counts say so)
 * are passed over, so nothing is marked, logged or counted twice.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { RecordType } from '../model/canonical.js';
import type { RecordSnapshot } from '../spec/client-store.js';
import type {
  JsonObject,
  NewRecordBackup,
  NewStagingRow,
  NewSyncLog,
  SyncJobCounts,
} from '../spec/hub-storage.js';
import type { FullImportOptions, FullImportResult, ImportCheckpoint } from './full-import.js';
import { importOrder } from './record-types.js';

/** The share of a record type's active links a full import marks deleted at most, unless the job says otherwise. */
export const defaultDeletionThreshold = 0.5;

/** Gone records marked per page (one transaction each). */
export const defaultDeletionPageSize = 500;

/** How many external ids a withheld-deletions warning names. */
const withheldSampleSize = 20;

/** The `record_id` of a log row about a record type as a whole (the withheld-deletions warning). */
export const wholeRecordTypeLogId = '*';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the sweep needs of the job's loop: the import's own options (`run-job.ts` passes the same object). */
export type DeletionSweepOptions = Pick<
  FullImportOptions,
  | 'storage'
  | 'clientStore'
  | 'integration'
  | 'provider'
  | 'job'
  | 'owner'
  | 'clock'
  | 'signal'
  | 'afterPage'
  | 'onProgress'
>;

/** What to sweep, and where the job stands when its import finished. */
export interface DeletionSweep {
  /** The record types the job read completely (see {@link fullyReadRecordTypes}). */
  readonly recordTypes: readonly RecordType[];
  /** The job's counts when its import finished. */
  readonly counts: SyncJobCounts;
  /** The job's records processed when its import finished (the sweep reads nothing, so it stays). */
  readonly recordsProcessed: number;
  /**
   * Withhold a type's marks when more than this share (0 to 1) of its active links is gone, or the job read none
   * of its records; `null` = never withhold. @default defaultDeletionThreshold
   */
  readonly threshold?: number | null;
  /** Gone records per page, 1 to 5000. @default defaultDeletionPageSize */
  readonly pageSize?: number;
}

function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (typeof value === 'string') return `\`${value}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean')
    return `\`${String(value)}\` (${typeof value})`;
  return Array.isArray(value) ? '(array)' : `(${typeof value})`;
}

function isThreshold(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/**
 * The deletion threshold of a job: `job_config.deletion_threshold`, a number from 0 to 1 (the share of a record
 * type's active links a full import may mark deleted), {@link defaultDeletionThreshold} when absent, `null`
 * (never withhold) when it is `false`.
 * @throws InvalidArgumentError for any other value.
 */
export function deletionThresholdOf(jobConfig: Readonly<Record<string, unknown>>): number | null {
  const value = jobConfig['deletion_threshold'];
  if (value === undefined) return defaultDeletionThreshold;
  if (value === false) return null;
  if (isThreshold(value)) return value;
  throw new InvalidArgumentError(
    `Expected \`job_config.deletion_threshold\` to be a number from 0 to 1, or false to mark every record gone from the CRM, got ${describeValue(value)}`,
    { context: { option: 'job_config.deletion_threshold' } },
  );
}

/**
 * The record types an import checkpoint reads completely: the plan's types read without `since`. (Once the
 * import finished, each of them was read to its last page.)
 */
export function fullyReadRecordTypes(checkpoint: Pick<ImportCheckpoint, 'plan' | 'since'>): RecordType[] {
  return checkpoint.plan.filter((recordType) => checkpoint.since?.[recordType] === undefined);
}

function checkSweep(sweep: DeletionSweep): { threshold: number | null; pageSize: number } {
  const threshold = sweep.threshold === undefined ? defaultDeletionThreshold : sweep.threshold;
  if (threshold !== null && !isThreshold(threshold)) {
    throw new InvalidArgumentError(
      `Expected \`threshold\` to be a number from 0 to 1, or null, got ${describeValue(threshold)}`,
      { context: { option: 'threshold' } },
    );
  }
  const pageSize = sweep.pageSize ?? defaultDeletionPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) {
    throw new InvalidArgumentError(
      `Expected \`pageSize\` to be an integer from 1 to 5000, got ${describeValue(pageSize)}`,
      { context: { option: 'pageSize' } },
    );
  }
  return { threshold, pageSize };
}

function added(counts: SyncJobCounts, increments: Readonly<Record<string, number>>): SyncJobCounts {
  const next = { ...counts };
  for (const [key, amount] of Object.entries(increments)) next[key] = (next[key] ?? 0) + amount;
  return next;
}

/**
 * Marks the WedSync records gone from the CRM after a full import read their record types completely (see the
 * module comment). Call it after `runFullImport` finished a `full_import` job, with the same options (inside the
 * dry run's transaction for a dry run). Returns how the job's loop ends: `finished`, or `cancelled` / `parked`
 * when the job was asked to stop after a committed page (a parked job resumes the sweep).
 *
 * @throws InvalidArgumentError when `threshold` or `pageSize` is not acceptable; whatever the storage throws.
 */
export async function sweepDeletions(
  options: DeletionSweepOptions,
  sweep: DeletionSweep,
): Promise<FullImportResult> {
  const { threshold, pageSize } = checkSweep(sweep);
  const { storage, clientStore, integration, provider, job, owner, signal } = options;
  const integrationId = integration.id;
  const supplierId = integration.supplier_id;
  const callOptions = { signal };
  const { recordsProcessed } = sweep;
  const wanted = new Set(sweep.recordTypes);
  const order = [...importOrder].reverse().filter((recordType) => wanted.has(recordType));
  let counts: SyncJobCounts = { ...sweep.counts };

  /** After a committed page: progress, lease, and whether to stop. */
  const afterCommit = async (
    recordType: RecordType,
    more: boolean,
  ): Promise<FullImportResult | undefined> => {
    options.onProgress({
      jobId: job.id,
      integrationId,
      recordType,
      progressPercent: 100,
      recordsProcessed,
      recordsTotal: null,
      counts: { ...counts },
    });
    const stop = await options.afterPage();
    signal.throwIfAborted();
    if (stop === 'cancel') return { kind: 'cancelled', counts, recordsProcessed };
    if (stop === 'park' && more) return { kind: 'parked', counts, recordsProcessed };
    return undefined;
  };

  for (const [index, recordType] of order.entries()) {
    signal.throwIfAborted();
    const laterTypes = index < order.length - 1;
    // An earlier attempt of this job withheld this type already (and logged it): decided.
    if (counts[`deletions_withheld.${recordType}`] !== undefined) continue;
    const gone = await storage.links.countActive(integrationId, recordType, {
      notStagedByJob: job.id,
      ...callOptions,
    });
    if (gone === 0) continue;
    const active = await storage.links.countActive(integrationId, recordType, callOptions);
    const read = counts[`${recordType}.read`] ?? 0;

    if (threshold !== null && (read === 0 || gone > threshold * active)) {
      counts = await storage.transaction(async (transaction) => {
        const sample = await transaction.links.listNotStagedByJob(integrationId, recordType, job.id, {
          limit: withheldSampleSize,
          ...callOptions,
        });
        const percent = Math.round((1000 * gone) / Math.max(active, 1)) / 10;
        const warning: NewSyncLog = {
          integration_id: integrationId,
          sync_job_id: job.id,
          record_type: recordType,
          record_id: wholeRecordTypeLogId,
          action_type: 'skipped',
          action_details: {
            reason: 'deletions_withheld',
            warning: true,
            message:
              read === 0
                ? `The CRM listed no ${recordType} records: ${gone} linked ${recordType} records were not marked deleted`
                : `${gone} of ${active} linked ${recordType} records (${percent}%) were not listed by the CRM, more than the deletion threshold (${Math.round(threshold * 1000) / 10}%): none was marked deleted`,
            not_listed: gone,
            linked: active,
            read,
            threshold,
            external_ids: sample.links.map((link) => link.external_id),
          },
          processed_at: options.clock(),
        };
        await transaction.logs.insert([warning], callOptions);
        const next = added(counts, {
          deletions_withheld: gone,
          [`deletions_withheld.${recordType}`]: gone,
        });
        await transaction.jobs.saveProgress(job.id, { owner, counts: next });
        return next;
      });
      const stopped = await afterCommit(recordType, laterTypes);
      if (stopped !== undefined) return stopped;
      continue;
    }

    let after: string | null = null;
    do {
      const committed = await storage.transaction(async (transaction, handle) => {
        const store = clientStore.withTransaction(handle);
        const page = await transaction.links.listNotStagedByJob(integrationId, recordType, job.id, {
          after,
          limit: pageSize,
          ...callOptions,
        });
        const links = page.links;
        if (links.length === 0) return { next: null, counts };
        const now = options.clock();
        const snapshots = await store.snapshot(recordType, {
          supplierId,
          ids: links.map((link) => link.wedsync_record_id),
          ...callOptions,
        });
        const live = new Map<string, RecordSnapshot>();
        for (const snapshot of snapshots) {
          if (snapshot.deleted_at === null) live.set(snapshot.id, snapshot);
        }
        const marked = new Set(
          live.size === 0
            ? []
            : await store.markDeleted(recordType, {
                supplierId,
                ids: [...live.keys()],
                reason: `deleted in ${provider.id}`,
                ...callOptions,
              }),
        );
        await transaction.links.markDeletedInCrm(
          integrationId,
          recordType,
          links.map((link) => link.external_id),
          { now, ...callOptions },
        );
        const backups: NewRecordBackup[] = [];
        for (const id of marked) {
          backups.push({
            sync_job_id: job.id,
            integration_id: integrationId,
            record_type: recordType,
            wedsync_record_id: id,
            operation: 'deleted',
            before_image: live.get(id) as unknown as JsonObject,
          });
        }
        if (backups.length > 0) await transaction.backups.insert(backups, callOptions);
        const staging: NewStagingRow[] = links.map((link) => ({
          integration_id: integrationId,
          sync_job_id: job.id,
          external_id: link.external_id,
          raw_data: { record_type: recordType, data: null, deleted: true, reason: 'gone_from_crm' },
          import_status: 'processed',
        }));
        await transaction.staging.insert(staging, callOptions);
        const logs: NewSyncLog[] = links.map((link) => {
          const wedsyncId = link.wedsync_record_id;
          const logId = uuidPattern.test(wedsyncId) ? wedsyncId : null;
          return {
            integration_id: integrationId,
            sync_job_id: job.id,
            record_type: recordType,
            record_id: link.external_id,
            wedsync_record_id: logId,
            action_type: 'deleted',
            action_details: {
              reason: 'gone_from_crm',
              marked_deleted: marked.has(wedsyncId),
              ...(logId === null ? { wedsync_record_id: wedsyncId } : {}),
            },
            processed_at: now,
          };
        });
        await transaction.logs.insert(logs, callOptions);
        const next = added(counts, {
          deleted: links.length,
          [`${recordType}.deleted`]: links.length,
          gone_from_crm: links.length,
          [`${recordType}.gone_from_crm`]: links.length,
        });
        await transaction.jobs.saveProgress(job.id, { owner, counts: next });
        return { next: page.next_cursor, counts: next };
      });
      if (committed.counts === counts) break;
      counts = committed.counts;
      after = committed.next;
      const stopped = await afterCommit(recordType, after !== null || laterTypes);
      if (stopped !== undefined) return stopped;
    } while (after !== null);
  }
  return { kind: 'finished', counts, recordsProcessed };
}
