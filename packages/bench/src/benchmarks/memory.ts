/**
 * `bench memory --records 100000,1000000`: the peak RSS of a full import (hub only, no baselines) at each size,
 * each in a process of its own (`bench import --skip-raw --json` run as a child) so that peaks do not mix; the
 * fake Tave runs in yet another process (the import's own child), so only the hub's memory is measured.
 */
import { spawn } from 'node:child_process';
import { ConflictError } from '@wedsync/crm-core';
import type { DatabaseKind } from '../databases.js';
import { builtEntry } from '../entries.js';
import { type ProgressReporter, ratio, roundTo } from '../measure.js';
import { defaultSeed, type RunFacts, runFacts } from './common.js';
import type { ImportBenchmarkResult } from './import.js';

/** Options of {@link runMemoryBenchmark}. */
export interface MemoryBenchmarkOptions {
  /** Studio sizes (clients), each imported in its own process. */
  readonly sizes: readonly number[];
  /** @default 'sqlite' */
  readonly db?: DatabaseKind;
  /** @default 5 */
  readonly seed?: number;
  /** V8 heap limit of each import process, in MiB. @default 4096 */
  readonly maxOldSpaceMb?: number;
  readonly report?: ProgressReporter;
}

/** One size's import. */
export interface MemoryRun {
  readonly records: number;
  readonly records_read: number;
  readonly hub_seconds: number;
  /** `process.resourceUsage().maxRSS` of the import's process at its end, in MB. */
  readonly peak_rss_mb: number;
  /** Max of sampled `process.memoryUsage().rss` during the import itself, in MB. */
  readonly sampled_peak_rss_mb: number;
  /** Max `heapUsed` right after a full collection during the import, in MB (what the heap kept alive). */
  readonly live_heap_mb: number | null;
  readonly major_gcs: number;
  readonly records_per_second: number;
  /** Seconds the fake took to generate the studio (not in `hub_seconds`). */
  readonly fake_start_seconds: number;
  /** RSS of the fake's own process once it listened, in MB (the generated studio; not in `peak_rss_mb`). */
  readonly fake_rss_mb: number;
}

/** What `bench memory --json` prints. */
export interface MemoryBenchmarkResult extends RunFacts {
  readonly benchmark: 'memory';
  readonly db: DatabaseKind;
  readonly runs: readonly MemoryRun[];
  /** Peak RSS of the largest size over that of the smallest (target <= 1.2 from 100k to 1M). */
  readonly peak_ratio: number | null;
  /** `live_heap_mb` of the largest size over that of the smallest. */
  readonly live_heap_ratio: number | null;
  readonly peak_rss_source: string;
  /** hub + generation seconds of the largest size, scaled linearly to 1,000,000 clients. */
  readonly projected_seconds_for_1m: number | null;
}

/** Runs `bench import --skip-raw --json` in a child process and returns its result. */
function importInChild(
  records: number,
  db: DatabaseKind,
  seed: number,
  maxOldSpaceMb: number,
  report: ProgressReporter,
): Promise<ImportBenchmarkResult> {
  const args = [
    `--max-old-space-size=${maxOldSpaceMb}`,
    builtEntry('cli.js'),
    'import',
    '--records',
    String(records),
    '--db',
    db,
    '--seed',
    String(seed),
    '--skip-raw',
    '--json',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const text of chunk.split('\n')) if (text.trim() !== '') report(`  [${records}] ${text}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new ConflictError(`The import of ${records} clients failed in its process (exit ${code})`, {
            context: { records, exitCode: code, stderr: stderr.slice(-2000) },
          }),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ImportBenchmarkResult);
      } catch (error) {
        reject(
          new ConflictError('The import process printed no JSON', { cause: error, context: { records } }),
        );
      }
    });
  });
}

/** Runs the memory benchmark: one import process per size, smallest first. */
export async function runMemoryBenchmark(options: MemoryBenchmarkOptions): Promise<MemoryBenchmarkResult> {
  const report = options.report ?? (() => {});
  const db = options.db ?? 'sqlite';
  const sizes = [...options.sizes].sort((left, right) => left - right);
  const runs: MemoryRun[] = [];
  for (const records of sizes) {
    report(`memory: importing ${records} clients in a process of its own`);
    const result = await importInChild(
      records,
      db,
      options.seed ?? defaultSeed,
      options.maxOldSpaceMb ?? 4096,
      report,
    );
    runs.push({
      records,
      records_read: result.records_read,
      hub_seconds: result.hub_seconds,
      peak_rss_mb: result.process_peak_rss_mb,
      sampled_peak_rss_mb: result.peak_rss_mb,
      live_heap_mb: result.live_heap_mb,
      major_gcs: result.major_gcs,
      records_per_second: result.records_per_second,
      fake_start_seconds: result.fake_start_seconds,
      fake_rss_mb: result.fake_rss_mb,
    });
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  /** A figure of the largest size over the smallest's, with two sizes or more. */
  const largestOverSmallest = (figure: (run: MemoryRun) => number | null): number | null =>
    first === undefined || last === undefined || runs.length < 2 ? null : ratio(figure(last), figure(first));
  return {
    benchmark: 'memory',
    db,
    runs,
    peak_ratio: largestOverSmallest((run) => run.peak_rss_mb),
    live_heap_ratio: largestOverSmallest((run) => run.live_heap_mb),
    peak_rss_source:
      "peak_rss_mb: process.resourceUsage().maxRSS of each import's own process (the fake Tave runs in another); sampled_peak_rss_mb: max of process.memoryUsage().rss sampled during the import",
    projected_seconds_for_1m:
      last === undefined
        ? null
        : roundTo(((last.hub_seconds + last.fake_start_seconds) * 1_000_000) / last.records, 0),
    ...runFacts(),
  };
}
