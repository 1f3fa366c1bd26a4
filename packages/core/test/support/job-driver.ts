/**
 * The run-job loop the test drivers share, built the way `run-job.ts` runs a job (storage, client store,
 * integration, provider, job, owner, mappings, options, park, finish; the lease is simply renewed by a heartbeat
 * after each page, where `run-job.ts` renews it inside each page's transaction): it queues
 * the job (unless it resumes one), claims it, loads the integration and its mappings, hands the driver the loop's
 * options, and records the job's end from the loop's result. What runs the loop (an import and its deletion sweep,
 * a `field_mapping_update`) is the driver's.
 */
import { randomUUID } from 'node:crypto';
import type { CrmProviderV1, ImportMappingOptions, JobType, SyncJobRecord } from '../../src/index.js';
import type { FullImportOptions, FullImportResult, StopRequest } from '../../src/sync/full-import.js';
import type { TestHub } from '../sync/fixtures.js';

/** The loop's options without a provider session: a driver that reads the CRM adds `session` and `stats`. */
export type JobLoopOptions = Omit<FullImportOptions, 'session' | 'stats'>;

/** Options of {@link runClaimedJob}. */
export interface ClaimedJobOptions {
  readonly jobType: JobType;
  readonly provider: CrmProviderV1;
  readonly mappingOptions?: ImportMappingOptions | undefined;
  /** Queues the job; not called when the run resumes one. */
  readonly queue: () => Promise<unknown>;
  /** Resume this (parked) job instead of queueing a new one. */
  readonly resume?: string | undefined;
  /** What `afterPage` answers once this run has committed `pages` pages. */
  readonly stopAfter: (pages: number) => StopRequest;
  /** Runs the job's loop with these options. */
  readonly run: (loop: JobLoopOptions) => Promise<FullImportResult>;
}

/** How a run ended, with the job as stored afterwards. */
export interface JobRun {
  readonly result: FullImportResult;
  readonly job: SyncJobRecord;
  /** Committed pages of this run. */
  readonly pages: number;
}

const leaseMs = 60_000;

/** Queues (or resumes), claims and runs one job; finishes it unless it parked. */
export async function runClaimedJob(
  testHub: TestHub,
  integrationId: string,
  options: ClaimedJobOptions,
): Promise<JobRun> {
  const { storage, clientStore, clock } = testHub;
  // Each run at a later instant than the previous one: its staged rows are the latest.
  clock.advance(60_000);
  if (options.resume === undefined) await options.queue();
  const owner = `${options.jobType}-test-${randomUUID()}`;
  const job = await storage.jobs.claim({
    owner,
    leaseMs,
    now: clock.read(),
    integrationId,
    jobTypes: [options.jobType],
  });
  if (job === undefined) throw new Error(`No ${options.jobType} job to claim`);
  if (options.resume !== undefined && job.id !== options.resume) throw new Error('Claimed another job');
  const integration = await storage.integrations.get(integrationId, { supplierId: null });
  const mappings = await storage.fieldMappings.list(integrationId);
  let pages = 0;
  const result = await options.run({
    storage,
    clientStore,
    integration,
    provider: options.provider,
    job,
    owner,
    mappings,
    mappingOptions: options.mappingOptions ?? {},
    knownSecrets: () => [],
    clock: clock.read,
    signal: new AbortController().signal,
    afterPage: async () => {
      pages += 1;
      await storage.jobs.heartbeat(job.id, { owner, leaseMs, now: clock.read() });
      return options.stopAfter(pages);
    },
    onProgress: () => {},
  });
  if (result.kind === 'parked') {
    await storage.jobs.release(job.id, { owner });
  } else {
    await storage.jobs.finish(job.id, {
      owner,
      job_status: result.kind === 'finished' ? 'completed' : 'cancelled',
      ...(result.kind === 'finished'
        ? { result_status: (result.counts['rejected'] ?? 0) > 0 ? 'partial' : 'success' }
        : {}),
      counts: result.counts,
      now: clock.read(),
    });
  }
  return { result, job: await storage.jobs.get(job.id), pages };
}
