/**
 * A minimal runner of `field_mapping_update` jobs for the tests, built the way `run-job.ts` builds the import
 * loop (storage, client store, integration, provider, job, owner, mappings, options, lease heartbeat after each
 * page, park, finish): it queues the job, claims it, runs `runFieldMappingUpdate` and records
 * its end. The runner itself does not run this job type yet, so the tests drive it here.
 */
import { randomUUID } from 'node:crypto';
import type { CrmProviderV1, ImportMappingOptions, SyncJobRecord } from '../../src/index.js';
import type { FullImportResult } from '../../src/sync/full-import.js';
import {
  planFieldMappingUpdate,
  runFieldMappingUpdate,
  startingFieldMappingUpdateCheckpoint,
} from '../../src/sync/remap.js';
import type { TestHub } from '../sync/fixtures.js';

/** Options of one run. */
export interface RemapRunOptions {
  readonly provider: CrmProviderV1;
  readonly mappingOptions?: ImportMappingOptions;
  /** Staged records per page. */
  readonly pageSize?: number;
  /** Park (graceful stop) after this many committed pages. */
  readonly parkAfterPages?: number;
  /** Resume this (parked) job instead of queueing a new one. */
  readonly resume?: string;
}

/** How a run ended, with the job as stored afterwards. */
export interface RemapRun {
  readonly result: FullImportResult;
  readonly job: SyncJobRecord;
  readonly pages: number;
}

const leaseMs = 60_000;

/** Queues (or resumes), claims and runs one `field_mapping_update` job; finishes it unless it parked. */
export async function runRemapJob(
  testHub: TestHub,
  integrationId: string,
  options: RemapRunOptions,
): Promise<RemapRun> {
  const { storage, clientStore, clock } = testHub;
  // Each run at a later instant than the previous one: its staged rows are the latest.
  clock.advance(60_000);
  if (options.resume === undefined) {
    // Queued in storage: the hub's `triggerSync` takes only the job types the runner runs.
    await storage.jobs.create({ integration_id: integrationId, job_type: 'field_mapping_update' });
  }
  const owner = `remap-test-${randomUUID()}`;
  const job = await storage.jobs.claim({
    owner,
    leaseMs,
    now: clock.read(),
    integrationId,
    jobTypes: ['field_mapping_update'],
  });
  if (job === undefined) throw new Error('No field_mapping_update job to claim');
  if (options.resume !== undefined && job.id !== options.resume) throw new Error('Claimed another job');
  const integration = await storage.integrations.get(integrationId, { supplierId: null });
  const mappings = await storage.fieldMappings.list(integrationId);
  let pages = 0;
  const start = await startingFieldMappingUpdateCheckpoint(job, () =>
    planFieldMappingUpdate(storage, options.provider, integration, mappings),
  );
  const result = await runFieldMappingUpdate(
    {
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
        return options.parkAfterPages !== undefined && pages >= options.parkAfterPages ? 'park' : null;
      },
      onProgress: () => {},
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    },
    start,
  );
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
