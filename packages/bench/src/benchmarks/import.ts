/**
 * `bench import --records N --db sqlite|pglite|postgres`: a full import of a generated Tave studio of N
 * clients through the hub, then, in the same run and on fresh databases of the same kind, the raw floor and the
 * spec's per-record reference algorithm on the very rows the hub's import left (see baselines.ts).
 */
import { runRawBaseline, runReferenceBaseline } from '../baselines.js';
import { createBenchDatabase, type DatabaseKind } from '../databases.js';
import { startFakeTaveProcess } from '../fake-tave-process.js';
import { createBenchHub } from '../hub-setup.js';
import {
  cpuSecondsSince,
  megabytes,
  type ProgressReporter,
  processPeakRssMb,
  ratio,
  roundTo,
  secondsSince,
  startLiveHeapSampler,
  startRssSampler,
} from '../measure.js';
import { createQueryLog, type QueryLogSummary } from '../query-log.js';
import {
  benchApiKey,
  defaultSeed,
  expectCompleted,
  type RunFacts,
  readsByType,
  runFacts,
  withCleanups,
} from './common.js';

/** Options of {@link runImportBenchmark}. */
export interface ImportBenchmarkOptions {
  /** Clients in the generated studio. */
  readonly records: number;
  readonly db: DatabaseKind;
  /** Skip the reference algorithm (slow at large N). @default false */
  readonly skipReference?: boolean;
  /** Skip the raw floor too (the memory benchmark's child). @default false */
  readonly skipRaw?: boolean;
  /** @default 5 */
  readonly seed?: number;
  /** Log the hub's statements and report them by shape (`query_log`). @default false */
  readonly queryLog?: boolean;
  /** Planted bad records in the studio (spread over its kinds), which the hub rejects. @default 0 */
  readonly badRecords?: number;
  readonly report?: ProgressReporter;
}

/** What `bench import --json` prints. */
export interface ImportBenchmarkResult extends RunFacts {
  readonly benchmark: 'import';
  /** Clients in the studio (the `--records` asked for). */
  readonly records: number;
  /** Records the import read, all types together (clients, projects, events, invoices, payments). */
  readonly records_read: number;
  readonly records_by_type: Readonly<Record<string, number>>;
  readonly db: DatabaseKind;
  readonly db_settings: Readonly<Record<string, string>>;
  readonly job_status: string;
  readonly job_result: string | null;
  readonly hub_seconds: number;
  readonly raw_seconds: number | null;
  readonly reference_seconds: number | null;
  /**
   * CPU seconds the benchmark's process used in the hub's import, and in each baseline's timed writes (all its
   * threads). Wall minus CPU is the time it waited: for PostgreSQL's server and the fake CRM; on SQLite and PGlite
   * the database's own work is CPU of this process.
   */
  readonly hub_cpu_seconds: number;
  readonly raw_cpu_seconds: number | null;
  readonly reference_cpu_seconds: number | null;
  readonly hub_over_raw: number | null;
  readonly reference_over_hub: number | null;
  /** `records_read / hub_seconds`. */
  readonly records_per_second: number;
  readonly raw_records_per_second: number | null;
  readonly reference_records_per_second: number | null;
  /** Requests the import job made (its `requests` count). */
  readonly requests: number;
  /** Requests the fake received during the import (its request log). */
  readonly server_requests: number;
  /** The import's requests per Tave resource (from the server's log). */
  readonly requests_by_resource: Readonly<Record<string, number>>;
  /** Seconds the fake server spent answering the import's requests (its own log; the hub waits for them). */
  readonly server_seconds: number;
  /** Rows the import left in the data tables (what raw writes again). */
  readonly rows_written: number;
  /** Characters of those rows' text and JSON values, in millions (the volume raw writes). */
  readonly rows_megacharacters: number | null;
  /** Peak RSS during the hub's import, in MB: see `peak_rss_source`. */
  readonly peak_rss_mb: number;
  readonly peak_rss_source: string;
  /** The most V8's heap kept alive during the hub's import: max `heapUsed` right after a full collection, in MB. */
  readonly live_heap_mb: number | null;
  /** Full (mark-compact) collections during the hub's import. */
  readonly major_gcs: number;
  /** `process.resourceUsage().maxRSS` at the end of the whole run (baselines included), in MB. */
  readonly process_peak_rss_mb: number;
  /** With `--query-log`: the hub import's statements by shape, with the seconds the database took. */
  readonly query_log?: QueryLogSummary;
  /** Seconds the fake's process took to generate the studio and listen (not part of any timing). */
  readonly fake_start_seconds: number;
  /** RSS of the fake's process once it listened, in MB (not part of `peak_rss_mb`). */
  readonly fake_rss_mb: number;
}

/** Runs the import benchmark. */
export async function runImportBenchmark(options: ImportBenchmarkOptions): Promise<ImportBenchmarkResult> {
  const report = options.report ?? (() => {});
  const seed = options.seed ?? defaultSeed;
  return withCleanups(async (defer) => {
    report(`import: generating a studio of ${options.records} clients in the fake Tave's process`);
    const fake = await startFakeTaveProcess({
      apiKey: benchApiKey,
      clients: options.records,
      seed,
      ...(options.badRecords === undefined || options.badRecords === 0
        ? {}
        : { badRecords: options.badRecords }),
      ...(options.records > 20_000 ? { maxOldSpaceMb: 16_384 } : {}),
    });
    defer(() => fake.close());
    const queryLog = options.queryLog === true ? createQueryLog() : undefined;
    const hubDatabase = await createBenchDatabase(
      options.db,
      queryLog === undefined ? {} : { log: queryLog.log },
    );
    defer(() => hubDatabase.destroy());
    const bench = await createBenchHub(hubDatabase, { baseUrl: fake.url, apiKey: benchApiKey });
    await fake.clearRequestLog();
    queryLog?.reset();

    report(`import: full import through the hub on ${options.db}`);
    const sampler = startRssSampler();
    const liveHeap = startLiveHeapSampler();
    let lastReported = 0;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const outcome = await bench.runJob('full_import', (event) => {
      sampler.sample();
      if (event.recordsProcessed - lastReported >= 20_000) {
        lastReported = event.recordsProcessed;
        const heap = liveHeap.peek();
        report(
          `  hub: ${event.recordType} ${event.recordsProcessed}${event.recordsTotal ? `/${event.recordsTotal}` : ''}` +
            ` (RSS ${megabytes(process.memoryUsage.rss())} MB, live heap so far ${heap.peakLiveHeapMb ?? '-'} MB after ${heap.majorCollections} full collections)`,
        );
      }
    });
    const hubSeconds = secondsSince(started);
    const hubCpuSeconds = roundTo(cpuSecondsSince(cpuStarted), 3);
    const peakRssMb = sampler.stop();
    const heap = liveHeap.stop();
    const queryLogSummary = queryLog?.summary();
    expectCompleted(outcome, 'full import');
    const stats = await fake.requestStats();
    const recordsRead = outcome.counts['read'] ?? 0;
    report(`import: hub ${hubSeconds} s for ${recordsRead} records`);
    const scope = { jobId: outcome.jobId, integrationId: bench.integrationId, supplierId: bench.supplierId };

    let rawSeconds: number | null = null;
    let rawCpuSeconds: number | null = null;
    let rowsWritten = 0;
    let rowsMegacharacters: number | null = null;
    if (options.skipRaw !== true) {
      report('import: raw floor (batched inserts of the same rows, a transaction per page of 100)');
      const target = await createBenchDatabase(options.db);
      try {
        const raw = await runRawBaseline(hubDatabase, target, scope, { report });
        rawSeconds = roundTo(raw.seconds, 3);
        rawCpuSeconds = roundTo(raw.cpuSeconds, 3);
        rowsWritten = Object.values(raw.rows).reduce((sum, count) => sum + count, 0);
        rowsMegacharacters = roundTo(raw.megacharacters, 1);
      } finally {
        await target.destroy();
      }
      report(`import: raw ${rawSeconds} s`);
    }
    let referenceSeconds: number | null = null;
    let referenceCpuSeconds: number | null = null;
    if (options.skipReference !== true && options.skipRaw !== true) {
      report('import: reference (the spec per-record algorithm, a commit per statement)');
      const target = await createBenchDatabase(options.db);
      try {
        const reference = await runReferenceBaseline(hubDatabase, target, scope, { report });
        referenceSeconds = roundTo(reference.seconds, 3);
        referenceCpuSeconds = roundTo(reference.cpuSeconds, 3);
      } finally {
        await target.destroy();
      }
      report(`import: reference ${referenceSeconds} s`);
    }
    const perSecond = (seconds: number | null) =>
      seconds === null || seconds === 0 ? null : Math.round(recordsRead / seconds);
    return {
      benchmark: 'import',
      records: options.records,
      records_read: recordsRead,
      records_by_type: readsByType(outcome),
      db: options.db,
      db_settings: hubDatabase.settings,
      job_status: outcome.status,
      job_result: outcome.resultStatus,
      hub_seconds: hubSeconds,
      raw_seconds: rawSeconds,
      reference_seconds: referenceSeconds,
      hub_cpu_seconds: hubCpuSeconds,
      raw_cpu_seconds: rawCpuSeconds,
      reference_cpu_seconds: referenceCpuSeconds,
      hub_over_raw: ratio(hubSeconds, rawSeconds),
      reference_over_hub: ratio(referenceSeconds, hubSeconds),
      records_per_second: perSecond(hubSeconds) ?? 0,
      raw_records_per_second: perSecond(rawSeconds),
      reference_records_per_second: perSecond(referenceSeconds),
      requests: outcome.counts['requests'] ?? 0,
      server_requests: stats.requests,
      requests_by_resource: stats.resources,
      server_seconds: roundTo(stats.busyMs / 1000, 3),
      rows_written: rowsWritten,
      rows_megacharacters: rowsMegacharacters,
      peak_rss_mb: peakRssMb,
      peak_rss_source:
        'max of process.memoryUsage().rss sampled every 50 ms and at every progress event during the hub import',
      live_heap_mb: heap.peakLiveHeapMb,
      major_gcs: heap.majorCollections,
      process_peak_rss_mb: processPeakRssMb(),
      ...(queryLogSummary === undefined ? {} : { query_log: queryLogSummary }),
      fake_start_seconds: roundTo(fake.startSeconds, 3),
      fake_rss_mb: fake.rssMb,
      ...runFacts(),
    };
  });
}
