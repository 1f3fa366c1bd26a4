/**
 * @wedsync/crm-bench — the benchmarks of the hub, as functions (the CLI `bench <name>` runs them; the tests
 * call them in-process at tiny sizes).
 */
export {
  type DedupeBenchmarkOptions,
  type DedupeBenchmarkResult,
  type DedupeStore,
  runDedupeBenchmark,
} from './benchmarks/dedupe.js';
export {
  type ImportBenchmarkOptions,
  type ImportBenchmarkResult,
  runImportBenchmark,
} from './benchmarks/import.js';
export {
  type IncrementalBenchmarkOptions,
  type IncrementalBenchmarkResult,
  runIncrementalBenchmark,
} from './benchmarks/incremental.js';
export {
  type MemoryBenchmarkOptions,
  type MemoryBenchmarkResult,
  runMemoryBenchmark,
} from './benchmarks/memory.js';
export {
  type RateLimitedBenchmarkOptions,
  type RateLimitedBenchmarkResult,
  runRateLimitedBenchmark,
} from './benchmarks/rate-limited.js';
export { type BenchDatabase, createBenchDatabase, type DatabaseKind, databaseKinds } from './databases.js';
export { type CorpusEntry, generateDedupeCorpus } from './dedupe-corpus.js';
export { type FakeTaveProcess, startFakeTaveProcess } from './fake-tave-process.js';
export { type BenchHub, type BenchHubOptions, createBenchHub, unlimitedRates } from './hub-setup.js';
export { benchmarks, UsageError, usage } from './registry.js';
