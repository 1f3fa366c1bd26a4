/**
 * `bench rate-limited --records 500`: a full import under Tave-like limits — 60 requests a minute and 1,000 an
 * hour, pages of 100 — enforced on both sides: the fake answers 429 with Retry-After past them, and the
 * provider's client keeps its own budget of the same numbers (provider-kit's HTTP factory). Reports the wall
 * time, the requests, and the most requests the server saw in any 60 seconds (from its request log).
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createBenchDatabase, type DatabaseKind } from '../databases.js';
import { startFakeTaveProcess } from '../fake-tave-process.js';
import { createBenchHub } from '../hub-setup.js';
import { type ProgressReporter, secondsSince } from '../measure.js';
import {
  benchApiKey,
  defaultSeed,
  expectCompleted,
  type RunFacts,
  runFacts,
  withCleanups,
} from './common.js';

/** Options of {@link runRateLimitedBenchmark}. */
export interface RateLimitedBenchmarkOptions {
  /** Clients in the generated studio. @default 500 */
  readonly records?: number;
  /** @default 60 */
  readonly perMinute?: number;
  /** @default 1000 */
  readonly perHour?: number;
  /** @default 'sqlite' */
  readonly db?: DatabaseKind;
  /** @default 5 */
  readonly seed?: number;
  readonly report?: ProgressReporter;
}

/** What `bench rate-limited --json` prints. */
export interface RateLimitedBenchmarkResult extends RunFacts {
  readonly benchmark: 'rate-limited';
  readonly records: number;
  readonly records_read: number;
  readonly db: DatabaseKind;
  readonly limits: { readonly per_minute: number; readonly per_hour: number; readonly page_size: number };
  /** From triggering the import to its end (the connection test before it is not included). */
  readonly wall_seconds: number;
  /** Requests the import job made. */
  readonly requests: number;
  /** Requests the server received, the connection test included. */
  readonly server_requests: number;
  /** Requests per Tave resource (from the server's log, the connection test included). */
  readonly requests_by_resource: Readonly<Record<string, number>>;
  /** The most requests the server received in any 60 seconds. */
  readonly max_requests_in_60s: number;
  /** Requests the server refused with 429. */
  readonly rate_limited_429: number;
  readonly retries: number;
  /**
   * The least wall time `server_requests` can take at `per_minute` in any sliding minute: the last request cannot
   * start before (ceil(n / per_minute) - 1) minutes after the first.
   */
  readonly minimum_seconds_at_limit: number;
  /** Whether the server never saw more than `per_minute` requests in any 60 seconds. */
  readonly within_limit: boolean;
}

/** Runs the rate-limited benchmark. */
export async function runRateLimitedBenchmark(
  options: RateLimitedBenchmarkOptions = {},
): Promise<RateLimitedBenchmarkResult> {
  const report = options.report ?? (() => {});
  const records = options.records ?? 500;
  const perMinute = options.perMinute ?? 60;
  const perHour = options.perHour ?? 1000;
  const db = options.db ?? 'sqlite';
  const pageSize = 100;
  return withCleanups(async (defer) => {
    const fake = await startFakeTaveProcess({
      apiKey: benchApiKey,
      clients: records,
      seed: options.seed ?? defaultSeed,
      rateLimits: { perMinute, perHour },
    });
    defer(() => fake.close());
    const database = await createBenchDatabase(db);
    defer(() => database.destroy());
    const bench = await createBenchHub(database, {
      baseUrl: fake.url,
      apiKey: benchApiKey,
      pageSize,
      rateLimits: { requestsPerMinute: perMinute, requestsPerHour: perHour },
      httpClientFactory: createProviderHttpFactory(),
    });
    report(
      `rate-limited: importing ${records} clients at ${perMinute} requests a minute, ${perHour} an hour`,
    );
    let lastType = '';
    const started = performance.now();
    const outcome = await bench.runJob('full_import', (event) => {
      if (event.recordType !== lastType) {
        lastType = event.recordType;
        report(`  ${event.recordType} after ${secondsSince(started)} s`);
      }
    });
    const wallSeconds = secondsSince(started);
    expectCompleted(outcome, 'rate-limited import');
    const stats = await fake.requestStats(60_000);
    return {
      benchmark: 'rate-limited',
      records,
      records_read: outcome.counts['read'] ?? 0,
      db,
      limits: { per_minute: perMinute, per_hour: perHour, page_size: pageSize },
      wall_seconds: wallSeconds,
      requests: outcome.counts['requests'] ?? 0,
      server_requests: stats.requests,
      requests_by_resource: stats.resources,
      max_requests_in_60s: stats.maxInWindow,
      rate_limited_429: stats.statuses['429'] ?? 0,
      retries: outcome.counts['retries'] ?? 0,
      minimum_seconds_at_limit: Math.max(0, Math.ceil(stats.requests / perMinute) - 1) * 60,
      within_limit: stats.maxInWindow <= perMinute,
      ...runFacts(),
    };
  });
}
