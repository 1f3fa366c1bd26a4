/**
 * `crm_sync_jobs`: jobs with their lease. The database allows one pending or running job per integration (a
 * partial unique index), `claim` takes a job atomically (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a single
 * `UPDATE ... WHERE id = (SELECT ...) RETURNING` on SQLite, whose writers are serialised), and every write of a
 * running job is guarded by its lease owner.
 */
import {
  type ClaimOptions,
  ConflictError,
  InvalidArgumentError,
  JobAlreadyActiveError,
  type JobCompletion,
  type JobProgress,
  jobTypes,
  type LeaseOptions,
  lastSyncStatuses,
  type NewSyncJob,
  NotFoundError,
  type PageOptions,
  type SyncJobCounts,
  type SyncJobRecord,
  type SyncJobStore,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { encodeJson, encodeTimestamp } from '../json.js';
import {
  checkArray,
  checkDate,
  checkInteger,
  checkJsonObject,
  checkOneOf,
  checkPage,
  checkPositiveNumber,
  checkText,
  checkUuid,
  isUuid,
} from './checks.js';
import { decodeRow, encodeBoolean, selection, type TableColumns } from './codec.js';
import { classifyDriverError, guard, type StorageContext } from './context.js';

const table = 'crm_sync_jobs';

/** The columns of crm_sync_jobs (the spec's and the extensions). */
export const jobColumns: TableColumns = {
  id: 'text',
  integration_id: 'text',
  job_type: 'text',
  job_status: 'text',
  job_config: 'json',
  progress_percent: 'integer',
  records_processed: 'integer',
  records_total: 'integer',
  error_details: 'json',
  started_at: 'timestamp',
  completed_at: 'timestamp',
  created_at: 'timestamp',
  lease_owner: 'text',
  lease_expires_at: 'timestamp',
  heartbeat_at: 'timestamp',
  attempts: 'integer',
  checkpoint: 'json',
  dry_run: 'boolean',
  result_status: 'text',
  counts: 'json',
  cancel_requested_at: 'timestamp',
  rolled_back_at: 'timestamp',
  updated_at: 'timestamp',
};

const activeStatuses = ['pending', 'running'] as const;
const finalStatuses = ['completed', 'failed', 'cancelled'] as const;

/** A stored row as the contract's SyncJobRecord (the spec's nullable counters read as 0). */
export function decodeJob(row: Readonly<Record<string, unknown>>): SyncJobRecord {
  const decoded = decodeRow(jobColumns, row);
  return {
    ...decoded,
    job_config: decoded['job_config'] ?? {},
    progress_percent: decoded['progress_percent'] ?? 0,
    records_processed: decoded['records_processed'] ?? 0,
    attempts: decoded['attempts'] ?? 0,
    dry_run: decoded['dry_run'] ?? false,
  } as SyncJobRecord;
}

function jobNotFound(id: string): NotFoundError {
  return new NotFoundError(`Sync job \`${id}\` was not found`, { context: { jobId: id } });
}

function checkCounts(value: unknown): SyncJobCounts {
  const counts = checkJsonObject(value, 'counts');
  for (const [key, count] of Object.entries(counts)) {
    if (typeof count !== 'number' || !Number.isFinite(count)) {
      throw new InvalidArgumentError(`Expected \`counts.${key}\` to be a finite number`, {
        context: { field: `counts.${key}` },
      });
    }
  }
  return counts as SyncJobCounts;
}

function checkOwner(value: unknown): string {
  return checkText(value, 'owner', 200);
}

/** The sync jobs part of the kysely HubStorage. */
export function createJobStore(context: StorageContext): SyncJobStore {
  const columns = () => selection(context, jobColumns);
  const now = (value?: Date) =>
    encodeTimestamp(value === undefined ? context.clock() : checkDate(value, 'now'), 'now');

  async function find(id: string): Promise<SyncJobRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await context.db
      .selectFrom(table)
      .select(columns())
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row === undefined ? undefined : decodeJob(row);
  }

  async function findActive(integrationId: string): Promise<SyncJobRecord | undefined> {
    if (!isUuid(integrationId)) return undefined;
    const row = await context.db
      .selectFrom(table)
      .select(columns())
      .where('integration_id', '=', integrationId.toLowerCase())
      .where('job_status', 'in', [...activeStatuses])
      .executeTakeFirst();
    return row === undefined ? undefined : decodeJob(row);
  }

  /** After a guarded update matched nothing: NotFoundError, or ConflictError saying who holds the job. */
  async function leaseConflict(jobId: string, owner: string, action: string): Promise<never> {
    const job = await find(jobId);
    if (job === undefined) throw jobNotFound(jobId);
    const holder = job.lease_owner;
    const reason =
      job.job_status !== 'running'
        ? `it is ${job.job_status}`
        : holder === undefined
          ? 'it has no lease owner'
          : `its lease is held by \`${holder}\``;
    throw new ConflictError(`Runner \`${owner}\` cannot ${action} job \`${jobId}\`: ${reason}`, {
      context: {
        jobId,
        owner,
        jobStatus: job.job_status,
        ...(holder === undefined ? {} : { leaseOwner: holder }),
      },
    });
  }

  return {
    async create(job: NewSyncJob) {
      const id = job.id === undefined ? crypto.randomUUID() : checkUuid(job.id, 'id');
      const integrationId = checkUuid(job.integration_id, 'integration_id');
      const jobType = checkOneOf(job.job_type, jobTypes, 'job_type');
      const jobConfig = encodeJson(checkJsonObject(job.job_config ?? {}, 'job_config'), 'job_config');
      if (job.dry_run !== undefined && typeof job.dry_run !== 'boolean') {
        throw new InvalidArgumentError('Expected `dry_run` to be a boolean', {
          context: { field: 'dry_run' },
        });
      }
      const recordsTotal =
        job.records_total === undefined ? null : checkInteger(job.records_total, 'records_total', 0);
      return guard(context, 'create a sync job', table, async () => {
        // A job that finishes between a refused insert and the lookup frees the slot: try again, a few times.
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const createdAt = now();
          let row: Record<string, unknown> | undefined;
          try {
            row = await context.db
              .insertInto(table)
              .values({
                id,
                integration_id: integrationId,
                job_type: jobType,
                job_status: 'pending',
                job_config: jobConfig,
                progress_percent: 0,
                records_processed: 0,
                records_total: recordsTotal,
                attempts: 0,
                dry_run: encodeBoolean(context, job.dry_run ?? false),
                created_at: createdAt,
                updated_at: createdAt,
              })
              .onConflict((conflict) => conflict.doNothing())
              .returning(columns())
              .executeTakeFirst();
          } catch (error) {
            if (classifyDriverError(error).kind === 'foreign_key') {
              throw new NotFoundError(`Integration \`${integrationId}\` was not found`, {
                context: { integrationId },
                cause: error,
              });
            }
            throw error;
          }
          if (row !== undefined) return decodeJob(row);
          const active = await findActive(integrationId);
          if (active !== undefined) {
            throw new JobAlreadyActiveError(
              `Integration \`${integrationId}\` already has a ${active.job_status} job \`${active.id}\``,
              {
                activeJobId: active.id,
                context: { integrationId, activeJobId: active.id, jobStatus: active.job_status },
              },
            );
          }
          if ((await find(id)) !== undefined) {
            throw new ConflictError(`A sync job with id \`${id}\` already exists`, {
              context: { fields: ['id'], jobId: id },
            });
          }
        }
        throw new ConflictError(
          `Could not create a job for integration \`${integrationId}\`: it stays contended`,
          {
            context: { integrationId },
          },
        );
      });
    },

    async get(id: string) {
      checkText(id, 'id');
      return guard(context, 'read a sync job', table, async () => {
        const job = await find(id);
        if (job === undefined) throw jobNotFound(id);
        return job;
      });
    },

    async list(integrationId: string, options?: PageOptions) {
      checkText(integrationId, 'integrationId');
      const { page, per_page } = checkPage(options);
      return guard(context, 'list sync jobs', table, async () => {
        if (!isUuid(integrationId)) return { sync_jobs: [], total: 0, page, per_page };
        const integration = integrationId.toLowerCase();
        const counted = await context.db
          .selectFrom(table)
          .select((expression) => expression.fn.countAll().as('count'))
          .where('integration_id', '=', integration)
          .executeTakeFirstOrThrow();
        const rows = await context.db
          .selectFrom(table)
          .select(columns())
          .where('integration_id', '=', integration)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(per_page)
          .offset((page - 1) * per_page)
          .execute();
        return { sync_jobs: rows.map(decodeJob), total: Number(counted.count), page, per_page };
      });
    },

    async findActive(integrationId: string) {
      checkText(integrationId, 'integrationId');
      return guard(context, 'find the active sync job', table, () => findActive(integrationId));
    },

    async claim(options: ClaimOptions) {
      const owner = checkOwner(options?.owner);
      const leaseMs = checkPositiveNumber(options.leaseMs, 'leaseMs');
      const at = options.now === undefined ? context.clock() : checkDate(options.now, 'now');
      const types =
        options.jobTypes === undefined
          ? undefined
          : checkArray(options.jobTypes, 'jobTypes').map((type) => checkOneOf(type, jobTypes, 'jobTypes[]'));
      const integrationId =
        options.integrationId === undefined ? undefined : checkText(options.integrationId, 'integrationId');
      const nowText = encodeTimestamp(at, 'now');
      const expiresText = encodeTimestamp(new Date(at.getTime() + leaseMs), 'lease_expires_at');
      return guard(context, 'claim a sync job', table, async () => {
        if (types !== undefined && types.length === 0) return undefined;
        if (integrationId !== undefined && !isUuid(integrationId)) return undefined;
        // A running job whose cancel was requested and whose runner is gone ends as cancelled, not resumed.
        await context.db
          .updateTable(table)
          .set({
            job_status: 'cancelled',
            completed_at: nowText,
            lease_expires_at: null,
            updated_at: nowText,
          })
          .where('job_status', '=', 'running')
          .where('cancel_requested_at', 'is not', null)
          .where((expression) =>
            expression.or([
              expression('lease_expires_at', 'is', null),
              expression('lease_expires_at', '<', nowText),
            ]),
          )
          .execute();
        let candidate = context.db
          .selectFrom(table)
          .select('id')
          .where((expression) =>
            expression.or([
              expression('job_status', '=', 'pending'),
              expression.and([
                expression('job_status', '=', 'running'),
                expression.or([
                  expression('lease_expires_at', 'is', null),
                  expression('lease_expires_at', '<', nowText),
                ]),
              ]),
            ]),
          )
          .where('cancel_requested_at', 'is', null)
          .orderBy('created_at')
          .orderBy('id')
          .limit(1);
        if (types !== undefined) candidate = candidate.where('job_type', 'in', types);
        if (integrationId !== undefined)
          candidate = candidate.where('integration_id', '=', integrationId.toLowerCase());
        // Two runners never take the same row: the second skips the row the first has locked.
        if (context.dialect === 'postgres') candidate = candidate.forUpdate().skipLocked();
        const row = await context.db
          .updateTable(table)
          .set({
            job_status: 'running',
            lease_owner: owner,
            lease_expires_at: expiresText,
            heartbeat_at: nowText,
            started_at: sql`coalesce(started_at, ${nowText})`,
            attempts: sql`attempts + 1`,
            updated_at: nowText,
          })
          .where('id', '=', candidate)
          .returning(columns())
          .executeTakeFirst();
        return row === undefined ? undefined : decodeJob(row);
      });
    },

    async heartbeat(jobId: string, options: LeaseOptions) {
      checkText(jobId, 'jobId');
      const owner = checkOwner(options?.owner);
      const leaseMs = checkPositiveNumber(options.leaseMs, 'leaseMs');
      const at = options.now === undefined ? context.clock() : checkDate(options.now, 'now');
      const nowText = encodeTimestamp(at, 'now');
      const expiresText = encodeTimestamp(new Date(at.getTime() + leaseMs), 'lease_expires_at');
      return guard(context, 'extend a job lease', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const row = await context.db
          .updateTable(table)
          .set({ lease_expires_at: expiresText, heartbeat_at: nowText, updated_at: nowText })
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', '=', 'running')
          .where('lease_owner', '=', owner)
          .returning(columns())
          .executeTakeFirst();
        if (row === undefined) return leaseConflict(jobId, owner, 'extend the lease of');
        return decodeJob(row);
      });
    },

    async release(jobId: string, options: { readonly owner: string }) {
      checkText(jobId, 'jobId');
      const owner = checkOwner(options?.owner);
      const nowText = now();
      return guard(context, 'release a job lease', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        // An expired lease (NULL expiry is claimable) lets any runner resume the job at its checkpoint.
        const row = await context.db
          .updateTable(table)
          .set({ lease_owner: null, lease_expires_at: null, updated_at: nowText })
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', '=', 'running')
          .where('lease_owner', '=', owner)
          .returning(columns())
          .executeTakeFirst();
        if (row === undefined) return leaseConflict(jobId, owner, 'release the lease of');
        return decodeJob(row);
      });
    },

    async saveProgress(jobId: string, progress: JobProgress) {
      checkText(jobId, 'jobId');
      const owner = checkOwner(progress?.owner);
      const values: Record<string, unknown> = { updated_at: now() };
      if (progress.checkpoint !== undefined) {
        values['checkpoint'] =
          progress.checkpoint === null
            ? null
            : encodeJson(checkJsonObject(progress.checkpoint, 'checkpoint'), 'checkpoint');
      }
      if (progress.progress_percent !== undefined) {
        values['progress_percent'] = checkInteger(progress.progress_percent, 'progress_percent', 0, 100);
      }
      if (progress.records_processed !== undefined) {
        values['records_processed'] = checkInteger(progress.records_processed, 'records_processed', 0);
      }
      if (progress.records_total !== undefined) {
        values['records_total'] =
          progress.records_total === null ? null : checkInteger(progress.records_total, 'records_total', 0);
      }
      if (progress.counts !== undefined)
        values['counts'] = encodeJson(checkCounts(progress.counts), 'counts');
      return guard(context, 'save job progress', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const result = await context.db
          .updateTable(table)
          .set(values)
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', '=', 'running')
          .where('lease_owner', '=', owner)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) await leaseConflict(jobId, owner, 'save progress of');
      });
    },

    async finish(jobId: string, completion: JobCompletion) {
      checkText(jobId, 'jobId');
      const owner = checkOwner(completion?.owner);
      const status = checkOneOf(completion.job_status, finalStatuses, 'job_status');
      const at = now(completion.now);
      const values: Record<string, unknown> = {
        job_status: status,
        completed_at: at,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: at,
        result_status:
          completion.result_status === undefined
            ? null
            : checkOneOf(completion.result_status, lastSyncStatuses, 'result_status'),
      };
      if (completion.error_details !== undefined) {
        values['error_details'] =
          completion.error_details === null
            ? null
            : encodeJson(checkJsonObject(completion.error_details, 'error_details'), 'error_details');
      }
      if (completion.counts !== undefined)
        values['counts'] = encodeJson(checkCounts(completion.counts), 'counts');
      return guard(context, 'finish a sync job', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const row = await context.db
          .updateTable(table)
          .set(values)
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', '=', 'running')
          .where('lease_owner', '=', owner)
          .returning(columns())
          .executeTakeFirst();
        if (row === undefined) return leaseConflict(jobId, owner, 'finish');
        return decodeJob(row);
      });
    },

    async cancel(jobId: string, options: { readonly now?: Date } = {}) {
      checkText(jobId, 'jobId');
      const at = now(options.now);
      return guard(context, 'cancel a sync job', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const id = jobId.toLowerCase();
        const cancelled = await context.db
          .updateTable(table)
          .set({ job_status: 'cancelled', completed_at: at, updated_at: at })
          .where('id', '=', id)
          .where('job_status', '=', 'pending')
          .returning(columns())
          .executeTakeFirst();
        if (cancelled !== undefined) return decodeJob(cancelled);
        const requested = await context.db
          .updateTable(table)
          .set({ cancel_requested_at: sql`coalesce(cancel_requested_at, ${at})`, updated_at: at })
          .where('id', '=', id)
          .where('job_status', '=', 'running')
          .returning(columns())
          .executeTakeFirst();
        if (requested !== undefined) return decodeJob(requested);
        const job = await find(id);
        if (job === undefined) throw jobNotFound(jobId);
        if (job.job_status === 'cancelled') return job;
        throw new ConflictError(
          `Sync job \`${jobId}\` is already ${job.job_status} and cannot be cancelled`,
          {
            context: { jobId, jobStatus: job.job_status },
          },
        );
      });
    },

    async markRolledBack(jobId: string, options: { readonly now?: Date } = {}) {
      checkText(jobId, 'jobId');
      const at = now(options.now);
      return guard(context, 'mark a sync job rolled back', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const row = await context.db
          .updateTable(table)
          .set({ rolled_back_at: at, updated_at: at })
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', 'in', [...finalStatuses])
          .where('rolled_back_at', 'is', null)
          .returning(columns())
          .executeTakeFirst();
        if (row !== undefined) return decodeJob(row);
        const job = await find(jobId);
        if (job === undefined) throw jobNotFound(jobId);
        if (job.rolled_back_at !== undefined) {
          throw new ConflictError(`Sync job \`${jobId}\` was already rolled back at ${job.rolled_back_at}`, {
            context: { jobId, rolledBackAt: job.rolled_back_at },
          });
        }
        throw new ConflictError(
          `Sync job \`${jobId}\` is ${job.job_status}: only a finished job can be rolled back`,
          {
            context: { jobId, jobStatus: job.job_status },
          },
        );
      });
    },

    async delete(jobId: string) {
      checkText(jobId, 'jobId');
      return guard(context, 'delete a sync job', table, async () => {
        if (!isUuid(jobId)) throw jobNotFound(jobId);
        const result = await context.db
          .deleteFrom(table)
          .where('id', '=', jobId.toLowerCase())
          .where('job_status', 'in', [...finalStatuses])
          .executeTakeFirst();
        if (Number(result.numDeletedRows) > 0) return;
        const job = await find(jobId);
        if (job === undefined) throw jobNotFound(jobId);
        throw new ConflictError(`Sync job \`${jobId}\` is ${job.job_status}: cancel it before deleting it`, {
          context: { jobId, jobStatus: job.job_status },
        });
      });
    },
  };
}
