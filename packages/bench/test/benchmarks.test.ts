/**
 * Every benchmark runs, at a tiny size on SQLite, and reports the keys the issue asks for with sane values.
 * No timing is asserted: the figures only have to exist and add up.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  runDedupeBenchmark,
  runImportBenchmark,
  runIncrementalBenchmark,
  runMemoryBenchmark,
  runRateLimitedBenchmark,
} from '../src/index.js';
import { startLiveHeapSampler } from '../src/measure.js';
import { statementShape } from '../src/query-log.js';

const machineKeys = ['node', 'cpus', 'date'];
const postgresUrl = process.env['CRM_TEST_PG_URL'] || undefined;

function expectKeys(result: object, keys: readonly string[]): void {
  const missing = keys.filter((key) => !(key in result));
  expect(missing, 'missing keys').toEqual([]);
}

describe('benchmarks at a tiny size [sqlite]', () => {
  it('import: the hub, the raw floor and the reference on the same rows', async () => {
    const result = await runImportBenchmark({ records: 50, db: 'sqlite' });
    expectKeys(result, [
      'records',
      'hub_seconds',
      'raw_seconds',
      'reference_seconds',
      'hub_over_raw',
      'reference_over_hub',
      'records_per_second',
      'requests',
      'peak_rss_mb',
      'db',
      ...machineKeys,
    ]);
    expect(result).toMatchObject({ benchmark: 'import', records: 50, db: 'sqlite', job_status: 'completed' });
    expect(result.records_by_type['client']).toBe(50);
    expect(result.records_read).toBeGreaterThan(50);
    for (const key of [
      'hub_seconds',
      'raw_seconds',
      'reference_seconds',
      'hub_over_raw',
      'reference_over_hub',
    ] as const) {
      expect(result[key], key).toBeGreaterThan(0);
    }
    // CPU of this process in each phase: positive, and the phase's own (a few threads for its wall time at most).
    for (const [cpu, wall] of [
      [result.hub_cpu_seconds, result.hub_seconds],
      [result.raw_cpu_seconds, result.raw_seconds],
      [result.reference_cpu_seconds, result.reference_seconds],
    ] as const) {
      expect(cpu).toBeGreaterThan(0);
      expect(cpu).toBeLessThan((wall ?? 0) * 4 + 0.5);
    }
    expect(result.requests).toBeGreaterThan(0);
    // The fake counted the same requests the job did (the connection test is not part of the import).
    expect(result.server_requests).toBe(result.requests);
    expect(result.rows_written).toBeGreaterThan(result.records_read * 3);
    expect(result.peak_rss_mb).toBeGreaterThan(10);
    expect(result.process_peak_rss_mb).toBeGreaterThanOrEqual(result.peak_rss_mb);
    expect(result.cpus).toBeGreaterThan(0);
  });

  it('import --skip-reference leaves the reference out', async () => {
    const result = await runImportBenchmark({ records: 20, db: 'sqlite', skipReference: true });
    expect(result.reference_seconds).toBeNull();
    expect(result.reference_cpu_seconds).toBeNull();
    expect(result.reference_over_hub).toBeNull();
    expect(result.raw_seconds).toBeGreaterThan(0);
  });

  it("import --query-log reports the hub's statements by shape, without their values", async () => {
    const result = await runImportBenchmark({ records: 20, db: 'sqlite', skipRaw: true, queryLog: true });
    const log = result.query_log;
    expect(log).toBeDefined();
    if (log === undefined) return;
    expect(log.errors).toBe(0);
    expect(log.top.length).toBeGreaterThan(5);
    expect(log.top.reduce((sum, entry) => sum + entry.count, 0)).toBeLessThanOrEqual(log.statements);
    // Longest first, and the page transactions are among the shapes.
    const seconds = log.top.map((entry) => entry.seconds);
    expect(seconds).toEqual([...seconds].sort((left, right) => right - left));
    expect(log.top.some((entry) => /^insert into "crm_client_staging"/.test(entry.statement))).toBe(true);
    // Values travel as parameters: no client's name or the API key is in the report.
    const text = JSON.stringify(log);
    expect(text).not.toMatch(/bench-tave-key|@gmail\.com/);
  });

  it('a statement shape folds parameters and lists of them', () => {
    expect(statementShape('select * from "t" where "id" in ($1, $2, $3) and "a" = $4')).toBe(
      'select * from "t" where "id" in (…) and "a" = ?',
    );
    expect(statementShape('insert into "t" ("a", "b")\n values (?, ?), (?, ?), (?, ?)')).toBe(
      'insert into "t" ("a", "b") values (…)',
    );
    expect(statementShape(`select ${'"column", '.repeat(40)}1`)).toHaveLength(160);
  });

  it('import on PGlite: the baselines copy every row through the PostgreSQL paths, rejected records too', async () => {
    // Planted bad records: rejected clients, and projects rejected with them or for an impossible date, which no
    // WedSync record stands for (the reference still selects for them, by an id PostgreSQL accepts).
    const result = await runImportBenchmark({ records: 20, db: 'pglite', badRecords: 6 });
    expect(result).toMatchObject({ db: 'pglite', job_status: 'completed', job_result: 'partial' });
    expect(result.rows_written).toBeGreaterThan(result.records_read * 3);
    expect(result.reference_seconds).toBeGreaterThan(0);
  });

  it.skipIf(postgresUrl === undefined)(
    'import on PostgreSQL (CRM_TEST_PG_URL), in a database of its own',
    async () => {
      process.env['CRM_BENCH_PG_URL'] = postgresUrl;
      const result = await runImportBenchmark({ records: 20, db: 'postgres', skipReference: true });
      expect(result).toMatchObject({ db: 'postgres', job_status: 'completed' });
      expect(result.rows_written).toBeGreaterThan(result.records_read * 3);
    },
  );

  it('incremental: P % changed on each side, then an incremental sync', async () => {
    const result = await runIncrementalBenchmark({ records: 50, changed: 10, db: 'sqlite' });
    expectKeys(result, [
      'full_seconds',
      'incremental_seconds',
      'incremental_share',
      'requests_full',
      'requests_incremental',
      'changed_crm',
      'changed_wedsync',
      ...machineKeys,
    ]);
    expect(result.changed_crm).toBe(5);
    expect(result.changed_wedsync).toBe(5);
    expect(result.full_seconds).toBeGreaterThan(0);
    expect(result.incremental_seconds).toBeGreaterThan(0);
    expect(result.incremental_share).toBeGreaterThan(0);
    expect(result.requests_full).toBeGreaterThan(0);
    expect(result.requests_incremental).toBeGreaterThan(0);
    // The changed CRM clients came through the incremental read.
    expect(result.incremental_counts['client.read']).toBeGreaterThanOrEqual(5);
  });

  it('rate-limited: requests within the limit of any 60 seconds, from the server log', async () => {
    const result = await runRateLimitedBenchmark({ records: 10, perMinute: 60, perHour: 1000 });
    expectKeys(result, ['wall_seconds', 'requests', 'max_requests_in_60s', ...machineKeys]);
    expect(result.requests).toBeGreaterThan(0);
    // The server also saw the connection test before the import.
    expect(result.server_requests).toBeGreaterThan(result.requests);
    expect(result.max_requests_in_60s).toBeLessThanOrEqual(60);
    expect(result.within_limit).toBe(true);
    expect(result.rate_limited_429).toBe(0);
  });

  it('dedupe: precision and recall with the counts behind them, in memory and through the ClientStore', async () => {
    for (const store of ['memory', 'sqlite'] as const) {
      const result = await runDedupeBenchmark({ records: 400, store });
      expectKeys(result, ['seconds', 'precision', 'recall', 'auto', 'review', 'by_kind', ...machineKeys]);
      expect(result.planted_duplicates).toBe(20);
      expect(result.planted_near_misses).toBe(8);
      expect(result.mapping_failures).toBe(0);
      const { auto, review } = result;
      expect(auto.true_positives + auto.false_negatives).toBe(review.true_positives + review.false_negatives);
      expect(result.precision).toBe(
        Math.round((auto.true_positives / (auto.true_positives + auto.false_positives)) * 1000) / 1000,
      );
      expect(result.review_recall).toBeGreaterThanOrEqual(result.recall as number);
      const records = Object.values(result.by_kind).reduce((sum, outcome) => sum + outcome.records, 0);
      expect(records).toBe(400);
      expect(result.decisions.created + result.decisions.linked + result.decisions.flagged).toBe(400);
    }
  });

  it('memory: one import process per size, peaks reported side by side', async () => {
    const result = await runMemoryBenchmark({ sizes: [30, 15], db: 'sqlite', maxOldSpaceMb: 1024 });
    expect(result.runs.map((run) => run.records)).toEqual([15, 30]);
    for (const run of result.runs) {
      expect(run.peak_rss_mb).toBeGreaterThan(10);
      expect(run.records_read).toBeGreaterThan(run.records);
    }
    expect(result.peak_ratio).toBeGreaterThan(0);
    expect(result.projected_seconds_for_1m).toBeGreaterThan(0);
    for (const run of result.runs) {
      // A tiny import may end before V8 runs a full collection; then there is no live heap to report.
      if (run.major_gcs === 0) expect(run.live_heap_mb).toBeNull();
      else expect(run.live_heap_mb).toBeGreaterThan(1);
    }
  });

  it('the live heap is read after full collections only', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const sampler = startLiveHeapSampler();
    collect();
    collect();
    // The observer hears of collections a moment later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const heap = sampler.stop();
    expect(heap.majorCollections).toBeGreaterThanOrEqual(2);
    expect(heap.peakLiveHeapMb).toBeGreaterThan(1);
    expect(heap.peakLiveHeapMb).toBeLessThan(process.memoryUsage().heapTotal / 1024 / 1024 + 1);
    expect(startLiveHeapSampler().stop()).toEqual({ majorCollections: 0, peakLiveHeapMb: null });
  });
});

describe('the command line', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('names the benchmarks when asked for an unknown one', () => {
    const result = run('speed');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown benchmark `speed`');
    for (const name of ['import', 'incremental', 'rate-limited', 'dedupe', 'memory'])
      expect(result.stderr).toContain(name);
  });

  it("lists a benchmark's options when given an unknown one", () => {
    const result = run('import', '--rows', '5');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--rows'");
    expect(result.stderr).toContain('--records, --db, --skip-reference');
  });

  it('refuses a bad value with what it expected', () => {
    const result = run('import', '--db', 'mysql');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown database `mysql`');
  });

  it('prints exactly one JSON object with --json', () => {
    const result = run('dedupe', '--records', '200', '--json');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ benchmark: 'dedupe', records: 200 });
  });
});
