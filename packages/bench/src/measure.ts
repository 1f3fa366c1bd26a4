/** Clocks, memory and machine facts of the benchmarks. */
import { availableParallelism, cpus } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** Seconds since `started` (a `performance.now()` reading), to the millisecond. */
export function secondsSince(started: number): number {
  return roundTo((performance.now() - started) / 1000, 3);
}

/**
 * CPU seconds this process has used since `since` (a `process.cpuUsage()` reading): user and system time of all its
 * threads (the main thread, V8's garbage-collector helpers, libuv's pool). With `performance.now()` beside it, wall
 * minus CPU is the time the process waited: for a database server, for the fake CRM.
 */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000_000;
}

/** `value` rounded to `digits` decimals. */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `numerator / denominator` to 3 decimals, or null when the denominator is 0 or missing. */
export function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator === 0) return null;
  return roundTo(numerator / denominator, 3);
}

/** Bytes in MB (2^20), to one decimal. */
export function megabytes(bytes: number): number {
  return roundTo(bytes / 1024 / 1024, 1);
}

/** The machine a figure came from. */
export interface MachineFacts {
  readonly node: string;
  readonly cpus: number;
  readonly cpu_model: string;
  readonly platform: string;
}

/** Node version, logical CPUs and their model, OS. */
export function machineFacts(): MachineFacts {
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The process's peak resident set size so far (`process.resourceUsage().maxRSS`), in MB. */
export function processPeakRssMb(): number {
  // maxRSS is in kilobytes on Linux and macOS.
  return roundTo(process.resourceUsage().maxRSS / 1024, 1);
}

/** Samples `process.memoryUsage().rss` while a phase runs, keeping the maximum. */
export interface RssSampler {
  /** Takes one sample now (e.g. on every progress event). */
  sample(): void;
  /** Stops sampling; the maximum seen, in MB. */
  stop(): number;
}

/** Starts sampling RSS every `intervalMs` (and whenever `sample()` is called). */
export function startRssSampler(intervalMs = 50): RssSampler {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    sample,
    stop() {
      sample();
      clearInterval(timer);
      return megabytes(peak);
    },
  };
}

/** What {@link startLiveHeapSampler} saw. */
export interface LiveHeap {
  /** Full (mark-compact) collections during the phase. */
  readonly majorCollections: number;
  /** The largest `heapUsed` read right after one of them, in MB: the most the heap kept alive; null without one. */
  readonly peakLiveHeapMb: number | null;
}

/**
 * Watches V8's full collections while a phase runs (a `gc` PerformanceObserver) and reads `heapUsed` as each is
 * reported: what the heap kept alive, without the garbage a large heap limit lets wait. The reading comes a
 * moment after the collection, so it may hold a little new garbage too.
 */
export function startLiveHeapSampler(): { peek(): LiveHeap; stop(): LiveHeap } {
  let majorCollections = 0;
  let peak: number | undefined;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      majorCollections += 1;
      const used = process.memoryUsage().heapUsed;
      if (peak === undefined || used > peak) peak = used;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const seen = (): LiveHeap => ({
    majorCollections,
    peakLiveHeapMb: peak === undefined ? null : megabytes(peak),
  });
  return {
    /** What was seen so far. */
    peek: seen,
    stop() {
      observer.disconnect();
      return seen();
    },
  };
}

/** Writes a progress line to stderr (never stdout, which carries the JSON). */
export type ProgressReporter = (line: string) => void;

/** A reporter that writes to stderr, or drops everything when `quiet`. */
export function stderrReporter(quiet = false): ProgressReporter {
  return quiet ? () => {} : (line) => process.stderr.write(`${line}\n`);
}
