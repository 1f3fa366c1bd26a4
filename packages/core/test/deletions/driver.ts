/**
 * A minimal runner of `full_import` jobs WITH deletion detection, for the tests, on the shared job loop
 * (`../support/job-driver.ts`): it queues the job through the hub (`triggerSync`), opens the provider session from
 * the vault, runs `runFullImport` and then `sweepDeletions` over the record types the import read completely. The
 * runner itself does not call the sweep yet, so the tests drive it here.
 */
import type {
  CrmProviderV1,
  ImportMappingOptions,
  JsonObject,
  ProviderHttpClientFactory,
  Vault,
} from '../../src/index.js';
import { deletionThresholdOf, fullyReadRecordTypes, sweepDeletions } from '../../src/sync/deletions.js';
import { planImport, runFullImport, startingCheckpoint } from '../../src/sync/full-import.js';
import { openSession } from '../../src/sync/session.js';
import { type JobRun, runClaimedJob } from '../support/job-driver.js';
import type { TestHub } from '../sync/fixtures.js';

/** Options of one run. */
export interface ImportRunOptions {
  readonly provider: CrmProviderV1;
  /** The vault the hub sealed the integration's credentials with. */
  readonly vault: Vault;
  readonly httpClientFactory?: ProviderHttpClientFactory;
  readonly mappingOptions?: ImportMappingOptions;
  /** The job's `job_config` (e.g. `deletion_threshold`). */
  readonly jobConfig?: JsonObject;
  /** What `afterPage` answers after the page with this number (1-based) of the run: stop there. */
  readonly stopAfterPage?: { readonly page: number; readonly stop: 'cancel' | 'park' };
  /** Resume this (parked) job instead of queueing a new one. */
  readonly resume?: string;
  /** Gone records per page of the sweep. */
  readonly deletionPageSize?: number;
}

/** How a run ended, with the job as stored afterwards (`pages`: committed pages of the import and the sweep). */
export type ImportRun = JobRun;

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Queues (or resumes), claims and runs one `full_import` job with deletion detection; finishes it unless it parked. */
export async function runImportJob(
  testHub: TestHub,
  integrationId: string,
  options: ImportRunOptions,
): Promise<ImportRun> {
  const { hub, supplierId } = testHub;
  return runClaimedJob(testHub, integrationId, {
    jobType: 'full_import',
    provider: options.provider,
    mappingOptions: options.mappingOptions,
    queue: () =>
      hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import', job_config: options.jobConfig ?? {} },
      }),
    resume: options.resume,
    stopAfter: (pages) =>
      options.stopAfterPage !== undefined && pages === options.stopAfterPage.page
        ? options.stopAfterPage.stop
        : null,
    run: async (base) => {
      const { job, integration, mappings, signal } = base;
      const opened = await openSession(options.provider, integration, {
        signal,
        environment: {
          vault: options.vault,
          logger: silentLogger,
          httpClientFactory: options.httpClientFactory,
        },
      });
      try {
        await opened.session.testConnection({ signal });
        const threshold = deletionThresholdOf(job.job_config);
        const loop = {
          ...base,
          session: opened.session,
          knownSecrets: opened.knownSecrets,
          stats: () => opened.stats(),
        };
        const start = startingCheckpoint(job, () => planImport(options.provider, integration, mappings));
        const imported = await runFullImport(loop, start);
        if (imported.kind !== 'finished') return imported;
        return await sweepDeletions(loop, {
          recordTypes: fullyReadRecordTypes(start.checkpoint),
          counts: imported.counts,
          recordsProcessed: imported.recordsProcessed,
          threshold,
          ...(options.deletionPageSize === undefined ? {} : { pageSize: options.deletionPageSize }),
        });
      } finally {
        await opened.close();
      }
    },
  });
}
