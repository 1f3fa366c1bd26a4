/**
 * A minimal runner of `field_mapping_update` jobs for the tests, on the shared job loop
 * (`../support/job-driver.ts`): it queues the job in storage and runs `runFieldMappingUpdate` itself, so that a
 * test sets the staged page size and where the job parks.
 */
import type { CrmProviderV1, ImportMappingOptions } from '../../src/index.js';
import {
  planFieldMappingUpdate,
  runFieldMappingUpdate,
  startingFieldMappingUpdateCheckpoint,
} from '../../src/sync/remap.js';
import { type JobRun, runClaimedJob } from '../support/job-driver.js';
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
export type RemapRun = JobRun;

/** Queues (or resumes), claims and runs one `field_mapping_update` job; finishes it unless it parked. */
export async function runRemapJob(
  testHub: TestHub,
  integrationId: string,
  options: RemapRunOptions,
): Promise<RemapRun> {
  const { storage } = testHub;
  return runClaimedJob(testHub, integrationId, {
    jobType: 'field_mapping_update',
    provider: options.provider,
    mappingOptions: options.mappingOptions,
    // Queued straight in storage, not through the hub.
    queue: () => storage.jobs.create({ integration_id: integrationId, job_type: 'field_mapping_update' }),
    resume: options.resume,
    stopAfter: (pages) =>
      options.parkAfterPages !== undefined && pages >= options.parkAfterPages ? 'park' : null,
    run: async (loop) => {
      const start = await startingFieldMappingUpdateCheckpoint(loop.job, () =>
        planFieldMappingUpdate(storage, options.provider, loop.integration, loop.mappings),
      );
      return runFieldMappingUpdate(
        { ...loop, ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }) },
        start,
      );
    },
  });
}
