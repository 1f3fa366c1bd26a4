/**
 * A minimal runner of `full_import` jobs WITH deletion detection, for the tests, built the way `run-job.ts` builds
 * the import loop (storage, client store, integration, provider session, job, owner, mappings, options, lease
 * heartbeat after each page, park, finish): it queues the job through the hub (`triggerSync`), claims it, opens
 * the provider session from the vault, runs `runFullImport` and then `sweepDeletions` over the record types the
 * import read completely, and records the job's end. The runner itself does not call the sweep yet, so the tests
 * drive it here.
 */
import { randomUUID } from 'node:crypto';
import type {
  CrmProviderV1,
  ImportMappingOptions,
  JsonObject,
  ProviderHttpClientFactory,
  SyncJobRecord,
  Vault,
} from '../../src/index.js';
import { deletionThresholdOf, fullyReadRecordTypes, sweepDeletions } from '../../src/sync/deletions.js';
import {
  type FullImportOptions,
  type FullImportResult,
  planImport,
  runFullImport,
  startingCheckpoint,
} from '../../src/sync/full-import.js';
import { openSession } from '../../src/sync/session.js';
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

/** How a run ended, with the job as stored afterwards. */
export interface ImportRun {
  readonly result: FullImportResult;
  readonly job: SyncJobRecord;
  /** Committed pages of this run (import and sweep). */
  readonly pages: number;
}

const leaseMs = 60_000;

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Queues (or resumes), claims and runs one `full_import` job with deletion detection; finishes it unless it parked. */
export async function runImportJob(
  testHub: TestHub,
  integrationId: string,
  options: ImportRunOptions,
): Promise<ImportRun> {
  const { hub, storage, clientStore, clock, supplierId } = testHub;
  // Each run at a later instant than the previous one: its staged rows are the latest.
  clock.advance(60_000);
  if (options.resume === undefined) {
    await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import', job_config: options.jobConfig ?? {} },
    });
  }
  const owner = `deletions-test-${randomUUID()}`;
  const job = await storage.jobs.claim({ owner, leaseMs, now: clock.read(), integrationId });
  if (job === undefined) throw new Error('No full_import job to claim');
  if (options.resume !== undefined && job.id !== options.resume) throw new Error('Claimed another job');
  const integration = await storage.integrations.get(integrationId, { supplierId: null });
  const mappings = await storage.fieldMappings.list(integrationId);
  const controller = new AbortController();
  const opened = await openSession(options.provider, integration, {
    signal: controller.signal,
    environment: {
      vault: options.vault,
      logger: silentLogger,
      httpClientFactory: options.httpClientFactory,
    },
  });
  let pages = 0;
  try {
    await opened.session.testConnection({ signal: controller.signal });
    const threshold = deletionThresholdOf(job.job_config);
    const loop: FullImportOptions = {
      storage,
      clientStore,
      integration,
      provider: options.provider,
      job,
      owner,
      session: opened.session,
      mappings,
      mappingOptions: options.mappingOptions ?? {},
      knownSecrets: opened.knownSecrets,
      clock: clock.read,
      signal: controller.signal,
      stats: () => opened.stats(),
      afterPage: async () => {
        pages += 1;
        await storage.jobs.heartbeat(job.id, { owner, leaseMs, now: clock.read() });
        return options.stopAfterPage !== undefined && pages === options.stopAfterPage.page
          ? options.stopAfterPage.stop
          : null;
      },
      onProgress: () => {},
    };
    const start = startingCheckpoint(job, () => planImport(options.provider, integration, mappings));
    let result = await runFullImport(loop, start);
    if (result.kind === 'finished') {
      result = await sweepDeletions(loop, {
        recordTypes: fullyReadRecordTypes(start.checkpoint),
        counts: result.counts,
        recordsProcessed: result.recordsProcessed,
        threshold,
        ...(options.deletionPageSize === undefined ? {} : { pageSize: options.deletionPageSize }),
      });
    }
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
  } finally {
    await opened.close();
  }
}
