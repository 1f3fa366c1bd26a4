/**
 * Running one claimed job from start to end: the lifecycle around the import loop.
 *
 * - The lease is renewed inside each page's own transaction (beside its checkpoint and progress), so a committed
 *   page costs no commit of its own for the lease; a page whose renewal finds another runner holds the job rolls
 *   back. When no page commits for `heartbeatIntervalMs` (a slow CRM, a long page), a heartbeat renews it
 *   instead; one that finds another runner holds the job aborts this run at once (nothing more is written).
 * - Cancel: a cancel requested while the job runs is seen by the next renewal (the next page's, or a
 *   heartbeat's); the job stops after the page in flight and ends `cancelled`.
 * - Park (graceful stop): the page in flight commits, then the lease is released so any runner resumes the job
 *   from its checkpoint; the job stays `running`.
 * - Abort (hard stop, or a lost lease): the run stops where it is; the page in flight rolls back; the lease is
 *   left to expire, after which a runner resumes the job from its checkpoint.
 * - A failure that persists (the provider's retries exhausted, a refused request, invalid stored mappings) ends
 *   the job `failed` with redacted error details; pages already committed stay committed. Bad records never
 *   fail a job: they are rejected one by one and the job ends `completed` with result `partial`.
 * - Connection status: `sync_in_progress` while the job runs; afterwards `connected`, or `error` when the CRM
 *   refused the credentials (401/403) or they could not be opened. A failure of any other kind leaves the
 *   integration `connected`, so automatic syncs try again at the next interval.
 *
 * `incremental_sync` jobs are two-way (`two-way.ts`): the import pipeline reads each record type only `since` the
 * watermark the latest completed import left (`incremental.ts`; without one, everything), then the export sends
 * what changed in WedSync, as the integration's direction allows. `export_to_crm` jobs run the export
 * (`export.ts`); `field_mapping_update` jobs re-map the staged records with the current mappings, sending nothing
 * to the CRM (`remap.ts`). Any job can be a dry run (`dry_run`): it runs in one transaction that is rolled back,
 * writes nothing to the CRM, and keeps only its job row and its report (its logs).
 */
import {
  ConflictError,
  CrmError,
  InvalidArgumentError,
  UnsupportedCapabilityError,
} from '../errors/index.js';
import { dateOrders } from '../mapping/dates.js';
import { isPlainObject } from '../mapping/types.js';
import type { ConnectionStatus, LastSyncStatus } from '../model/enums.js';
import type { CrmIntegration } from '../model/integration.js';
import { redactError, redactSecrets } from '../security/redact.js';
import type { ClientStore } from '../spec/client-store.js';
import type {
  HubStorage,
  JsonObject,
  NewSyncLog,
  SyncJobCounts,
  SyncJobRecord,
} from '../spec/hub-storage.js';
import type { CrmProviderV1, ProviderConnectionInfo } from '../spec/provider.js';
import { initialCounts } from './counts.js';
import { deletionThresholdOf, fullyReadRecordTypes, sweepDeletions } from './deletions.js';
import type { HubEventEmitter, ProgressEvent } from './events.js';
import {
  assertCanExport,
  type ExportOptions,
  planExport,
  runExport,
  startingExportCheckpoint,
} from './export.js';
import {
  compileImportMappings,
  type ImportCheckpoint,
  type ImportMappingOptions,
  importMappingOptionNames,
  planImport,
  runFullImport,
  startingCheckpoint,
} from './full-import.js';
import { findPreviousImport, incrementalCheckpoint } from './incremental.js';
import {
  createStagedSession,
  planFieldMappingUpdate,
  runFieldMappingUpdate,
  startingFieldMappingUpdateCheckpoint,
} from './remap.js';
import { createJobScratch } from './scratch.js';
import {
  credentialSecrets,
  type OpenedSession,
  openCredentials,
  openSession,
  type SessionEnvironment,
} from './session.js';
import { runTwoWaySync } from './two-way.js';

/** What running jobs needs from the hub. */
export interface JobEnvironment extends SessionEnvironment {
  readonly storage: HubStorage;
  readonly clientStore: ClientStore;
  readonly providers: ReadonlyMap<string, CrmProviderV1>;
  readonly events: HubEventEmitter;
  readonly clock: () => Date;
  /** The host's mapping defaults for an integration (e.g. the supplier's country). */
  readonly mappingDefaults?:
    | ((integration: CrmIntegration) => ImportMappingOptions | Promise<ImportMappingOptions>)
    | undefined;
}

/** Options of running one claimed job. */
export interface RunJobOptions {
  /** The runner that claimed the job (its lease owner). */
  readonly owner: string;
  /** Lease length each renewal grants (a page's, or a heartbeat's), in milliseconds. */
  readonly leaseMs: number;
  /**
   * The longest the lease goes without a renewal: each committed page renews it, and a heartbeat does when no page
   * committed for this long. @default leaseMs / 3
   */
  readonly heartbeatIntervalMs?: number;
  /** Aborting it stops the job at once and leaves the lease to expire (a hard stop). */
  readonly signal?: AbortSignal;
  /** Aborting it stops the job after the page in flight and releases the lease (a graceful stop). */
  readonly park?: AbortSignal;
}

/** How a run ended. */
export type JobRunStatus = 'completed' | 'failed' | 'cancelled' | 'parked' | 'aborted' | 'lease_lost';

/** The outcome of running one job. */
export interface JobRunOutcome {
  readonly jobId: string;
  readonly integrationId: string;
  readonly status: JobRunStatus;
  /** How a completed job went (`success` or `partial`), `failed` for a failed job, else null. */
  readonly resultStatus: LastSyncStatus | null;
  readonly counts: SyncJobCounts;
  /** The redacted error of a failed job. */
  readonly error?: JsonObject;
}

/** Job types the executor runs. */
export const runnableJobTypes = [
  'full_import',
  'incremental_sync',
  'export_to_crm',
  'field_mapping_update',
] as const;

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = (error as { status?: unknown }).status;
  if (typeof direct === 'number') return direct;
  const fromContext = CrmError.isInstance(error) ? error.context['status'] : undefined;
  return typeof fromContext === 'number' ? fromContext : undefined;
}

/** True when the failure means the credentials are not accepted: the user must act. */
export function isAuthFailure(error: unknown): boolean {
  if (CrmError.isInstance(error) && error.code === 'credential_invalid') return true;
  const status = statusOf(error);
  return status === 401 || status === 403;
}

/** A failure as stored error details: name, code, message and context, every secret redacted. */
export function errorDetails(error: unknown, knownSecrets: readonly string[]): JsonObject {
  const redacted = redactError(error, { knownSecrets });
  const status = statusOf(error);
  return {
    name: redacted.name,
    message: redacted.message,
    ...(redacted.code === undefined ? {} : { code: redacted.code }),
    ...(status === undefined ? {} : { status }),
    ...(isPlainObject(redacted.context) && Object.keys(redacted.context).length > 0
      ? { context: redacted.context }
      : {}),
  };
}

function settingsToOptions(info: ProviderConnectionInfo): ImportMappingOptions {
  const settings = info.settings ?? {};
  const options: Record<string, unknown> = {};
  const currency = settings['currency'] ?? settings['currencyCode'];
  if (typeof currency === 'string' && currency.trim() !== '')
    options['currency'] = currency.trim().toUpperCase();
  const country = settings['defaultCountry'] ?? settings['country'];
  if (typeof country === 'string' && country.trim() !== '')
    options['defaultCountry'] = country.trim().toUpperCase();
  const order = settings['dateOrder'];
  if (typeof order === 'string' && (dateOrders as readonly string[]).includes(order))
    options['dateOrder'] = order;
  else if (typeof settings['dateFormat'] === 'string') {
    // PHP-style formats as CRMs report them: `n/j/Y` (month first), `j/n/Y` (day first), `Y-m-d`.
    const format = settings['dateFormat'];
    const day = format.search(/[dj]/);
    const month = format.search(/[mnMF]/);
    const year = format.search(/[Yy]/);
    if (day >= 0 && month >= 0) {
      options['dateOrder'] =
        year >= 0 && year < month && year < day ? 'year_first' : day < month ? 'day_first' : 'month_first';
    }
  }
  return options as ImportMappingOptions;
}

function pickMappingOptions(value: unknown, source: string): ImportMappingOptions {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`Expected \`${source}\` to be an object of mapping options`, {
      context: { option: source },
    });
  }
  const options: Record<string, unknown> = {};
  for (const name of importMappingOptionNames) {
    if (value[name] !== undefined) options[name] = value[name];
  }
  return options as ImportMappingOptions;
}

/** How a job's loop ended. */
interface LoopResult {
  readonly kind: 'finished' | 'cancelled' | 'parked';
  readonly counts: SyncJobCounts;
  readonly recordsProcessed: number;
}

/** Thrown inside a dry run's transaction to roll it back, carrying what the run did. */
class DryRunRollback {
  constructor(
    readonly result: LoopResult,
    readonly logs: readonly NewSyncLog[],
  ) {}
}

/**
 * Runs a job's loop as a dry run: in one transaction that is rolled back at its end, so neither WedSync's tables
 * nor the hub's keep anything it wrote (the export sends nothing to the CRM: `dryRun`). The job's report — its
 * sync logs, one per record with the fields it would change, and its counts — is read before the rollback and
 * written after it. A dry run holds one transaction for its whole length: it is meant for a look before a run,
 * and a cancel reaches it at its next page.
 */
async function runDryRun(
  storage: HubStorage,
  clientStore: ClientStore,
  job: SyncJobRecord,
  body: (transaction: HubStorage, clientStore: ClientStore) => Promise<LoopResult>,
): Promise<LoopResult> {
  let outcome: DryRunRollback | undefined;
  try {
    await storage.transaction(async (transaction, handle) => {
      const result = await body(transaction, clientStore.withTransaction(handle));
      const logs: NewSyncLog[] = [];
      for (let page = 1; ; page += 1) {
        const listed = await transaction.logs.list(job.integration_id, {
          jobId: job.id,
          page,
          per_page: 100,
        });
        for (const log of listed.logs) {
          logs.push({
            id: log.id,
            integration_id: log.integration_id,
            sync_job_id: job.id,
            record_type: log.record_type,
            record_id: log.record_id,
            wedsync_record_id: log.wedsync_record_id ?? null,
            action_type: log.action_type,
            action_details: log.action_details,
            error_message: log.error_message ?? null,
            processed_at: new Date(log.processed_at),
          });
        }
        if (listed.logs.length === 0 || page * 100 >= listed.total) break;
      }
      throw new DryRunRollback(result, logs);
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
    outcome = error;
  }
  if (outcome === undefined) throw new Error('A dry run ended without its report');
  if (outcome.logs.length > 0) await storage.logs.insert([...outcome.logs].reverse());
  return outcome.result;
}

/** How the job's loop renews its lease inside the transactions it opens. */
interface LeaseRenewal {
  /** Renews the lease through `transaction` (ConflictError when another runner holds the job). */
  readonly renew: (transaction: HubStorage) => Promise<SyncJobRecord>;
  /** Told, once the transaction that renewed resolved, what the renewal read (e.g. a requested cancel). */
  readonly renewed: (job: SyncJobRecord) => void;
}

/**
 * `storage` as the job's loop sees it: every transaction the loop opens (each page: records, checkpoint and
 * progress) also renews the lease as its last statement, so the lease is held as long as pages commit without a
 * heartbeat commit per page, and a page of a runner that lost the lease rolls back whole. Everything else is
 * `storage` itself; `withTransaction` (a transaction someone else commits) is passed through unchanged.
 */
function renewingLease(storage: HubStorage, renewal: LeaseRenewal): HubStorage {
  const renewing: HubStorage = {
    specificationVersion: storage.specificationVersion,
    integrations: storage.integrations,
    fieldMappings: storage.fieldMappings,
    jobs: storage.jobs,
    staging: storage.staging,
    logs: storage.logs,
    links: storage.links,
    conflicts: storage.conflicts,
    backups: storage.backups,
    async transaction(fn) {
      let renewed: SyncJobRecord | undefined;
      const result = await storage.transaction(async (transaction, handle) => {
        const value = await fn(transaction, handle);
        renewed = await renewal.renew(transaction);
        return value;
      });
      if (renewed !== undefined) renewal.renewed(renewed);
      return result;
    },
    withTransaction: (handle) => storage.withTransaction(handle),
  };
  const tier = storage.getSupplierTier;
  if (tier !== undefined) renewing.getSupplierTier = (supplierId) => tier.call(storage, supplierId);
  const refresh = storage.refreshStatistics;
  if (refresh !== undefined) renewing.refreshStatistics = (options) => refresh.call(storage, options);
  if (storage.scratch !== undefined) return { ...renewing, scratch: storage.scratch };
  return renewing;
}

/** Runs one job the caller has claimed (see the module comment). Never throws for the job's own failures. */
export async function runSyncJob(
  environment: JobEnvironment,
  job: SyncJobRecord,
  options: RunJobOptions,
): Promise<JobRunOutcome> {
  const { storage, events, clock, logger } = environment;
  const { owner, leaseMs } = options;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const controller = new AbortController();
  const signal = controller.signal;
  const forward = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted === true) forward();
  else options.signal?.addEventListener('abort', forward, { once: true });

  let leaseLost = false;
  let cancelRequested = job.cancel_requested_at !== undefined;
  let beating: Promise<void> | undefined;
  // A dry run renews its lease inside its own transaction (the job row is locked by it until it rolls back).
  let leaseStorage = storage;
  const heartbeat = (): Promise<void> => {
    beating ??= (async () => {
      try {
        const fresh = await leaseStorage.jobs.heartbeat(job.id, { owner, leaseMs, now: clock() });
        if (fresh.cancel_requested_at !== undefined) cancelRequested = true;
      } catch (error) {
        // Another runner holds the job now (or it is gone): stop at once, write nothing more.
        if (CrmError.isInstance(error) && (error.code === 'conflict' || error.code === 'not_found')) {
          leaseLost = true;
          controller.abort(error);
          return;
        }
        logger.warn('Renewing a job lease failed; retrying at the next heartbeat', {
          jobId: job.id,
          error: CrmError.isInstance(error) ? error.code : 'error',
        });
      } finally {
        beating = undefined;
        if (!leaseLost) scheduleHeartbeat();
      }
    })();
    return beating;
  };
  // The heartbeat is due `heartbeatIntervalMs` after the latest renewal, a page's or its own: while pages commit
  // more often than that it never fires, and in a long wait (a slow CRM, a long page) it keeps the lease.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  function scheduleHeartbeat(): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => void heartbeat(), heartbeatIntervalMs);
    timer.unref?.();
  }
  scheduleHeartbeat();
  // Set when a page's transaction renewed the lease (and read the job's cancel request with it).
  let renewedByPage = false;
  const pageRenewal: LeaseRenewal = {
    renew: (transaction) => transaction.jobs.heartbeat(job.id, { owner, leaseMs, now: clock() }),
    renewed: (fresh) => {
      if (fresh.cancel_requested_at !== undefined) cancelRequested = true;
      renewedByPage = true;
      scheduleHeartbeat();
    },
  };
  // A page that committed nothing (an export page that only skipped records) leaves the lease to the heartbeat:
  // the job row is read, not written, so a requested cancel or a lost lease is still seen at that page.
  const checkAfterPage = async (): Promise<void> => {
    if (renewedByPage) {
      renewedByPage = false;
      return;
    }
    let fresh: SyncJobRecord;
    try {
      fresh = await leaseStorage.jobs.get(job.id);
    } catch (error) {
      if (CrmError.isInstance(error) && error.code === 'not_found') {
        leaseLost = true;
        controller.abort(error);
        return;
      }
      logger.warn('Reading a job after a page failed; its cancel and lease are checked at the next page', {
        jobId: job.id,
        error: CrmError.isInstance(error) ? error.code : 'error',
      });
      return;
    }
    if (fresh.cancel_requested_at !== undefined) cancelRequested = true;
    if (fresh.job_status !== 'running' || fresh.lease_owner !== owner) {
      leaseLost = true;
      controller.abort(
        new ConflictError(`Runner \`${owner}\` no longer holds job \`${job.id}\``, {
          context: {
            jobId: job.id,
            owner,
            jobStatus: fresh.job_status,
            ...(fresh.lease_owner === undefined ? {} : { leaseOwner: fresh.lease_owner }),
          },
        }),
      );
    }
  };

  let secrets: readonly string[] = [];
  let statusChanged = false;
  let counts: SyncJobCounts = { ...initialCounts(), ...(job.counts ?? {}) };
  const base = { jobId: job.id, integrationId: job.integration_id };

  const end = async (
    jobStatus: 'completed' | 'failed' | 'cancelled',
    resultStatus: LastSyncStatus | null,
    connection: ConnectionStatus | null,
    error?: JsonObject,
  ): Promise<JobRunOutcome> => {
    const now = clock();
    await storage.transaction(async (transaction) => {
      if (jobStatus === 'completed') {
        await transaction.jobs.saveProgress(job.id, { owner, progress_percent: 100 });
      }
      await transaction.jobs.finish(job.id, {
        owner,
        job_status: jobStatus,
        ...(resultStatus === null ? {} : { result_status: resultStatus }),
        ...(error === undefined ? {} : { error_details: error }),
        counts,
        now,
      });
      if (resultStatus !== null && !job.dry_run) {
        await transaction.integrations.recordSyncOutcome(job.integration_id, {
          last_sync_at: now,
          last_sync_status: resultStatus,
          sync_error_details: error ?? null,
        });
      }
      if (connection !== null)
        await transaction.integrations.setConnectionStatus(job.integration_id, connection);
      // The provider's working space is for this run only.
      await transaction.scratch?.clear(job.id);
    });
    events.emit('jobFinished', { ...base, jobStatus, resultStatus, counts: { ...counts } });
    return { ...base, status: jobStatus, resultStatus, counts, ...(error === undefined ? {} : { error }) };
  };

  let opened: OpenedSession | undefined;
  try {
    const integration = await storage.integrations.get(job.integration_id, { supplierId: null });
    const provider = environment.providers.get(integration.crm_provider);
    if (provider === undefined) {
      throw new UnsupportedCapabilityError(`No provider is installed for \`${integration.crm_provider}\``, {
        context: { providerId: integration.crm_provider, jobId: job.id },
      });
    }
    if (!(runnableJobTypes as readonly string[]).includes(job.job_type)) {
      throw new UnsupportedCapabilityError(`Jobs of type \`${job.job_type}\` are not implemented yet`, {
        context: { jobType: job.job_type, jobId: job.id },
      });
    }
    await storage.integrations.setConnectionStatus(integration.id, 'sync_in_progress');
    statusChanged = true;
    events.emit('jobStarted', {
      ...base,
      jobType: job.job_type,
      attempt: job.attempts,
      resumed: job.checkpoint !== undefined,
    });

    // A field_mapping_update re-maps staged records: it opens no session to the CRM and sends nothing.
    const remap = job.job_type === 'field_mapping_update';
    let session: Pick<OpenedSession, 'session' | 'knownSecrets' | 'stats'>;
    if (remap) {
      const values = credentialSecrets(openCredentials(environment.vault, integration));
      session = {
        session: createStagedSession(storage, integration.id),
        knownSecrets: () => values,
        stats: () => ({ requestsSent: 0, retries: 0, rateLimited: 0 }),
      };
    } else {
      // The provider's working space follows the storage the loop writes through (a dry run's transaction).
      const scratch = createJobScratch({ storage: () => leaseStorage, jobId: job.id, signal });
      opened = await openSession(provider, integration, { signal, environment, scratch });
      session = opened;
    }
    secrets = session.knownSecrets();
    const info = await session.session.testConnection({ signal });
    const mappings = await storage.fieldMappings.list(integration.id);
    const mappingOptions: ImportMappingOptions = {
      ...(environment.mappingDefaults === undefined ? {} : await environment.mappingDefaults(integration)),
      ...settingsToOptions(info),
      ...pickMappingOptions(job.job_config['mapping_options'], 'job_config.mapping_options'),
    };
    const loop: ExportOptions = {
      storage: renewingLease(storage, pageRenewal),
      clientStore: environment.clientStore,
      integration,
      provider,
      job,
      owner,
      session: session.session,
      mappings,
      mappingOptions,
      knownSecrets: () => {
        secrets = session.knownSecrets();
        return secrets;
      },
      clock,
      signal,
      stats: () => session.stats(),
      afterPage: async () => {
        await checkAfterPage();
        if (cancelRequested) return 'cancel';
        if (options.park?.aborted === true) return 'park';
        return null;
      },
      onProgress: (event: ProgressEvent) => {
        counts = { ...event.counts };
        events.emit('progress', event);
      },
    };
    // A fresh import keeps the CRM's settings with its checkpoint, for a later field_mapping_update.
    const withSettings = <Start extends { checkpoint: ImportCheckpoint; resumed: boolean }>(
      start: Start,
    ): Start =>
      start.resumed || info.settings === undefined
        ? start
        : { ...start, checkpoint: { ...start.checkpoint, connection_settings: { ...info.settings } } };
    const work = async (active: ExportOptions): Promise<LoopResult> => {
      if (job.job_type === 'export_to_crm') {
        assertCanExport(provider, integration);
        const start = await startingExportCheckpoint(active.storage, job, () =>
          planExport(provider, integration, mappings),
        );
        return runExport(active, start);
      }
      if (job.job_type === 'field_mapping_update') {
        const start = await startingFieldMappingUpdateCheckpoint(job, () =>
          planFieldMappingUpdate(active.storage, provider, integration, mappings),
        );
        return runFieldMappingUpdate(active, start);
      }
      const start = withSettings(startingCheckpoint(job, () => planImport(provider, integration, mappings)));
      if (job.job_type === 'full_import') {
        // A full import that read its types completely then marks what the CRM no longer lists (never erased).
        const threshold = deletionThresholdOf(job.job_config);
        const imported = await runFullImport(active, start);
        if (imported.kind !== 'finished') return imported;
        return sweepDeletions(active, {
          recordTypes: fullyReadRecordTypes(start.checkpoint),
          counts: imported.counts,
          recordsProcessed: imported.recordsProcessed,
          threshold,
        });
      }
      if (job.job_type !== 'incremental_sync') return runFullImport(active, start);
      const previous = await findPreviousImport(active.storage, integration.id);
      if (start.resumed) return runTwoWaySync(active, { ...start, previous });
      const compiled = compileImportMappings(start.checkpoint.plan, mappings, mappingOptions);
      const fingerprints = new Map([...compiled].map(([type, entry]) => [type, entry.fingerprint]));
      return runTwoWaySync(active, {
        checkpoint: incrementalCheckpoint(start.checkpoint, previous, fingerprints),
        resumed: false,
        previous,
      });
    };
    let result: LoopResult;
    if (job.dry_run) {
      const dryRun = await runDryRun(storage, environment.clientStore, job, (transaction, clientStore) => {
        leaseStorage = transaction;
        // A dry run is not parked by a graceful stop: what it did is undone at its end anyway.
        return work({
          ...loop,
          storage: renewingLease(transaction, pageRenewal),
          clientStore,
          dryRun: true,
          afterPage: async () => {
            await checkAfterPage();
            return cancelRequested ? 'cancel' : null;
          },
        });
      }).finally(() => {
        leaseStorage = storage;
      });
      // Its heartbeats were rolled back with everything else: renew the lease before recording the end.
      await heartbeat();
      signal.throwIfAborted();
      result = dryRun;
    } else {
      result = await work(loop);
    }
    counts = result.counts;
    if (result.kind === 'parked') {
      // Release the lease so any runner may resume the job at once, from its checkpoint.
      await storage.jobs.release(job.id, { owner });
      events.emit('jobParked', { ...base, recordsProcessed: result.recordsProcessed });
      return { ...base, status: 'parked', resultStatus: null, counts };
    }
    if (result.kind === 'cancelled') return await end('cancelled', null, 'connected');
    // Partial: records were rejected, or deletions were withheld by the safety valve (a person should look).
    const resultStatus: LastSyncStatus =
      (counts['rejected'] ?? 0) > 0 || (counts['deletions_withheld'] ?? 0) > 0 ? 'partial' : 'success';
    return await end('completed', resultStatus, 'connected');
  } catch (error) {
    // A write refused because another runner holds the job now: stop without writing anything more.
    const lostLease =
      CrmError.isInstance(error) &&
      error.code === 'conflict' &&
      error.context['jobId'] === job.id &&
      error.context['owner'] === owner;
    if (signal.aborted || lostLease) {
      return {
        ...base,
        status: leaseLost || lostLease ? 'lease_lost' : 'aborted',
        resultStatus: null,
        counts,
      };
    }
    const details = errorDetails(error, secrets);
    const connection: ConnectionStatus | null = isAuthFailure(error)
      ? 'error'
      : statusChanged
        ? 'connected'
        : null;
    try {
      return await end('failed', 'failed', connection, details);
    } catch (finishError) {
      logger.error('Recording a failed job failed; its lease will expire and a runner will retry it', {
        jobId: job.id,
        error: redactSecrets(errorDetails(finishError, secrets), { knownSecrets: secrets }),
      });
      return { ...base, status: 'failed', resultStatus: 'failed', counts, error: details };
    }
  } finally {
    stopped = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forward);
    await beating;
    await opened?.close();
  }
}
