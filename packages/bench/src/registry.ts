/**
 * The benchmarks the CLI knows: each with its options (checked strictly: an unknown option is an error that
 * lists the known ones), the function that runs it, and its human summary.
 */
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@wedsync/crm-core';
import { type DedupeBenchmarkResult, type DedupeStore, runDedupeBenchmark } from './benchmarks/dedupe.js';
import { type ImportBenchmarkResult, runImportBenchmark } from './benchmarks/import.js';
import { type IncrementalBenchmarkResult, runIncrementalBenchmark } from './benchmarks/incremental.js';
import { type MemoryBenchmarkResult, runMemoryBenchmark } from './benchmarks/memory.js';
import { type RateLimitedBenchmarkResult, runRateLimitedBenchmark } from './benchmarks/rate-limited.js';
import { parseDatabaseKind } from './databases.js';
import type { ProgressReporter } from './measure.js';

/** A mistake in the command line (unknown benchmark or option, a bad value). */
export class UsageError extends InvalidArgumentError {
  constructor(message: string, context: Readonly<Record<string, unknown>> = {}) {
    super(message, { context });
    this.name = 'UsageError';
  }
}

/** One option of a benchmark. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** The default, as it would be typed. */
  readonly default?: string;
}

/** Parsed option values by name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** A benchmark as the CLI runs it. */
export interface BenchmarkDefinition {
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Parses the arguments after the name. @throws UsageError */
  parse(args: readonly string[]): { json: boolean; values: OptionValues };
  run(values: OptionValues, report: ProgressReporter): Promise<object>;
  format(result: object): string;
}

function define<R extends object>(definition: {
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly run: (values: OptionValues, report: ProgressReporter) => Promise<R>;
  readonly format: (result: R) => string;
}): BenchmarkDefinition {
  const known = {
    ...definition.options,
    json: { type: 'boolean', description: 'print one JSON object' },
  } as Record<string, OptionSpec>;
  return {
    name: definition.name,
    summary: definition.summary,
    options: definition.options,
    parse(args) {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({
          args: [...args],
          strict: true,
          allowPositionals: false,
          options: Object.fromEntries(
            Object.entries(known).map(([name, spec]) => [name, { type: spec.type }]),
          ),
        });
      } catch (error) {
        throw new UsageError(
          `${error instanceof Error ? error.message.split('\n')[0] : String(error)}. \`${definition.name}\` takes: ${Object.keys(
            known,
          )
            .map((name) => `--${name}`)
            .join(', ')}`,
          { benchmark: definition.name },
        );
      }
      const values: Record<string, string | boolean | undefined> = {};
      for (const [name, spec] of Object.entries(definition.options)) {
        values[name] = (parsed.values[name] as string | boolean | undefined) ?? spec.default;
      }
      return { json: parsed.values['json'] === true, values };
    },
    run: definition.run,
    format: (result) => definition.format(result as R),
  };
}

/** A whole number option within bounds. @throws UsageError */
export function integerOption(values: OptionValues, name: string, min: number, max: number): number {
  const text = String(values[name] ?? '').replace(/_/g, '');
  const value = Number(text);
  if (text === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `Expected --${name} to be a whole number from ${min} to ${max}, got \`${String(values[name])}\``,
      {
        option: name,
      },
    );
  }
  return value;
}

/** A list of whole numbers (`100000,1000000`). @throws UsageError */
export function integerListOption(values: OptionValues, name: string, min: number, max: number): number[] {
  return String(values[name] ?? '')
    .split(',')
    .map((part) => integerOption({ [name]: part.trim() }, name, min, max));
}

/** A number option within bounds. @throws UsageError */
export function numberOption(values: OptionValues, name: string, min: number, max: number): number {
  const value = Number(values[name]);
  if (values[name] === undefined || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(
      `Expected --${name} to be a number from ${min} to ${max}, got \`${String(values[name])}\``,
      {
        option: name,
      },
    );
  }
  return value;
}

function databaseOption(values: OptionValues, name = 'db'): ReturnType<typeof parseDatabaseKind> {
  try {
    return parseDatabaseKind(String(values[name]));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (--${name})`, {
      option: name,
    });
  }
}

function storeOption(values: OptionValues): DedupeStore {
  return values['store'] === 'memory' ? 'memory' : databaseOption(values, 'store');
}

const dbOption: OptionSpec = { type: 'string', description: 'sqlite | pglite | postgres', default: 'sqlite' };

/** A line of a summary: label padded, then the value. */
export function line(label: string, value: unknown): string {
  return `  ${label.padEnd(38)} ${value === null || value === undefined ? '-' : String(value)}\n`;
}

function machineLine(result: { node: string; cpus: number; date: string }): string {
  return line('machine', `${result.cpus} CPUs, Node ${result.node}, ${result.date}`);
}

const seedOption: OptionSpec = { type: 'string', description: 'seed of the generated studio', default: '5' };

/** Every benchmark, in the order `--help` lists them. */
export const benchmarks: readonly BenchmarkDefinition[] = [
  define<ImportBenchmarkResult>({
    name: 'import',
    summary: 'full import through the hub vs the raw floor and the spec algorithm, on the same rows',
    options: {
      records: { type: 'string', description: 'clients in the generated studio', default: '1000' },
      db: dbOption,
      'skip-reference': { type: 'boolean', description: 'skip the per-record reference (slow at large N)' },
      'skip-raw': { type: 'boolean', description: 'skip both baselines (only the hub import)' },
      'query-log': {
        type: 'boolean',
        description: "log the hub's statements; report the longest shapes (SQL without values) as query_log",
      },
      'bad-records': {
        type: 'string',
        description: 'planted bad records (invalid email, impossible date, no name), rejected by the hub',
        default: '0',
      },
      seed: seedOption,
    },
    run: (values, report) =>
      runImportBenchmark({
        records: integerOption(values, 'records', 1, 10_000_000),
        db: databaseOption(values),
        skipReference: values['skip-reference'] === true,
        skipRaw: values['skip-raw'] === true,
        queryLog: values['query-log'] === true,
        badRecords: integerOption(values, 'bad-records', 0, 1_000_000),
        seed: integerOption(values, 'seed', 0, 2 ** 31),
        report,
      }),
    format: (result) =>
      `\nImport of ${result.records} clients (${result.records_read} records) on ${result.db}\n\n` +
      line('hub seconds', result.hub_seconds) +
      line('raw floor seconds', result.raw_seconds) +
      line('reference algorithm seconds', result.reference_seconds) +
      line(
        'CPU seconds of this process: hub, raw',
        `${result.hub_cpu_seconds}, ${result.raw_cpu_seconds ?? '-'}`,
      ) +
      line('hub / raw (target <= 1.5 sqlite, 2 pg)', result.hub_over_raw) +
      line('reference / hub (target >= 4 sqlite, 8 pg)', result.reference_over_hub) +
      line('records per second (hub)', result.records_per_second) +
      line('requests', result.requests) +
      line('peak RSS during the import, MB', result.peak_rss_mb) +
      machineLine(result) +
      '\n',
  }),
  define<IncrementalBenchmarkResult>({
    name: 'incremental',
    summary: 'full import, P % changed on each side, then an incremental sync',
    options: {
      records: { type: 'string', description: 'clients in the generated studio', default: '1000' },
      changed: { type: 'string', description: 'percent of clients changed on each side', default: '1' },
      db: dbOption,
      seed: seedOption,
    },
    run: (values, report) =>
      runIncrementalBenchmark({
        records: integerOption(values, 'records', 1, 10_000_000),
        changed: numberOption(values, 'changed', 0, 100),
        db: databaseOption(values),
        seed: integerOption(values, 'seed', 0, 2 ** 31),
        report,
      }),
    format: (result) =>
      `\nIncremental sync after ${result.changed_percent} % changed on each side, ${result.records} clients on ${result.db}\n\n` +
      line('full import seconds', result.full_seconds) +
      line('incremental sync seconds', result.incremental_seconds) +
      line('incremental / full (target <= 0.05 at 1 %)', result.incremental_share) +
      line('requests: full, incremental', `${result.requests_full}, ${result.requests_incremental}`) +
      line('changed in the CRM, in WedSync', `${result.changed_crm}, ${result.changed_wedsync}`) +
      line('records read by the incremental sync', result.records_read_incremental) +
      machineLine(result) +
      '\n',
  }),
  define<RateLimitedBenchmarkResult>({
    name: 'rate-limited',
    summary: 'full import under Tave-like limits (60 a minute, 1,000 an hour, pages of 100)',
    options: {
      records: { type: 'string', description: 'clients in the generated studio', default: '500' },
      'per-minute': {
        type: 'string',
        description: 'requests a minute, on the server and the client',
        default: '60',
      },
      'per-hour': {
        type: 'string',
        description: 'requests an hour, on the server and the client',
        default: '1000',
      },
      db: dbOption,
      seed: seedOption,
    },
    run: (values, report) =>
      runRateLimitedBenchmark({
        records: integerOption(values, 'records', 1, 1_000_000),
        perMinute: integerOption(values, 'per-minute', 1, 1_000_000),
        perHour: integerOption(values, 'per-hour', 1, 100_000_000),
        db: databaseOption(values),
        seed: integerOption(values, 'seed', 0, 2 ** 31),
        report,
      }),
    format: (result) =>
      `\nImport of ${result.records} clients at ${result.limits.per_minute} requests a minute\n\n` +
      line('wall seconds (target <= 10)', result.wall_seconds) +
      line('requests (job), received (server)', `${result.requests}, ${result.server_requests}`) +
      line('most requests in any 60 s', `${result.max_requests_in_60s} (limit ${result.limits.per_minute})`) +
      line('least possible seconds at the limit', result.minimum_seconds_at_limit) +
      line('answered 429', result.rate_limited_429) +
      machineLine(result) +
      '\n',
  }),
  define<DedupeBenchmarkResult>({
    name: 'dedupe',
    summary: 'the dedupe matcher over planted duplicates and near-misses: seconds, precision, recall',
    options: {
      records: { type: 'string', description: 'records in the corpus', default: '10000' },
      store: {
        type: 'string',
        description: 'memory | sqlite | pglite | postgres: where candidates are looked up',
        default: 'memory',
      },
      seed: seedOption,
    },
    run: (values, report) =>
      runDedupeBenchmark({
        records: integerOption(values, 'records', 10, 10_000_000),
        store: storeOption(values),
        seed: integerOption(values, 'seed', 0, 2 ** 31),
        report,
      }),
    format: (result) => {
      let text =
        `\nDedupe of ${result.records} records (${result.planted_duplicates} planted duplicates, ${result.planted_near_misses} near-misses), candidates from ${result.store}\n\n` +
        line('seconds (target <= 2 at 100k)', result.seconds) +
        line('auto-linked: precision, recall', `${result.precision}, ${result.recall}`) +
        line('linked or flagged: precision, recall', `${result.review_precision}, ${result.review_recall}`) +
        line(
          'auto: TP, FP, FN',
          `${result.auto.true_positives}, ${result.auto.false_positives}, ${result.auto.false_negatives}`,
        ) +
        line(
          'review: TP, FP, FN',
          `${result.review.true_positives}, ${result.review.false_positives}, ${result.review.false_negatives}`,
        ) +
        '  per kind (records: linked / flagged / wrong / created)\n';
      for (const [kind, outcome] of Object.entries(result.by_kind)) {
        text += line(
          `    ${kind}`,
          `${outcome.records}: ${outcome.linked} / ${outcome.flagged} / ${outcome.wrong} / ${outcome.created}`,
        );
      }
      return `${text}${machineLine(result)}\n`;
    },
  }),
  define<MemoryBenchmarkResult>({
    name: 'memory',
    summary: 'peak RSS of a full import at each size, each in a process of its own',
    options: {
      records: {
        type: 'string',
        description: 'comma-separated sizes, e.g. 100000,1000000',
        default: '1000,10000',
      },
      db: dbOption,
      'max-old-space-mb': {
        type: 'string',
        description: 'V8 heap limit of each import process',
        default: '4096',
      },
      seed: seedOption,
    },
    run: (values, report) =>
      runMemoryBenchmark({
        sizes: integerListOption(values, 'records', 1, 10_000_000),
        db: databaseOption(values),
        maxOldSpaceMb: integerOption(values, 'max-old-space-mb', 256, 65_536),
        seed: integerOption(values, 'seed', 0, 2 ** 31),
        report,
      }),
    format: (result) => {
      let text = `\nPeak RSS of a full import on ${result.db}\n\n`;
      for (const run of result.runs) {
        text += line(
          `${run.records} clients`,
          `${run.peak_rss_mb} MB peak, ${run.live_heap_mb ?? '-'} MB live heap, ${run.hub_seconds} s, ${run.records_per_second} records/s`,
        );
      }
      text += line('largest / smallest peak (target <= 1.2)', result.peak_ratio);
      text += line('largest / smallest live heap', result.live_heap_ratio);
      text += line('projected seconds for 1M clients', result.projected_seconds_for_1m);
      return `${text}${machineLine(result)}\n`;
    },
  }),
];

/** The help text: every benchmark and its options. */
export function usage(): string {
  const lines = ['Usage: bench <name> [--json] [options]', '', 'Benchmarks:'];
  for (const benchmark of benchmarks) {
    lines.push(`  ${benchmark.name.padEnd(14)} ${benchmark.summary}`);
    for (const [name, spec] of Object.entries(benchmark.options)) {
      const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <value>`;
      lines.push(
        `      ${flag.padEnd(24)} ${spec.description}${spec.default === undefined ? '' : ` (default ${spec.default})`}`,
      );
    }
  }
  lines.push(
    '',
    'Every benchmark takes --json: exactly one JSON object on stdout; progress goes to stderr.',
    '',
  );
  return lines.join('\n');
}
