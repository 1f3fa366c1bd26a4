/**
 * `bench incremental --records N --changed P`: a full import, then P % of the clients changed on each side —
 * in the CRM through the fake's state (a new maiden name, which bumps `modified`), in WedSync through the
 * ClientStore's upsert (new notes; other clients than the CRM's) — then an `incremental_sync` through the
 * hub's public API, so whatever the hub's incremental sync does (CRM reads since the watermark, and pushing
 * WedSync's changes once it is two-way) is what is timed.
 */
import type { CanonicalClient, ChangesPage, StoredRecord } from '@wedsync/crm-core';
import { createBenchDatabase, type DatabaseKind } from '../databases.js';
import { startFakeTaveProcess } from '../fake-tave-process.js';
import { type BenchHub, createBenchHub } from '../hub-setup.js';
import { type ProgressReporter, ratio, secondsSince } from '../measure.js';
import {
  benchApiKey,
  defaultSeed,
  expectCompleted,
  type RunFacts,
  runFacts,
  withCleanups,
} from './common.js';

/** Options of {@link runIncrementalBenchmark}. */
export interface IncrementalBenchmarkOptions {
  /** Clients in the generated studio. */
  readonly records: number;
  /** Percent of clients changed on each side. */
  readonly changed: number;
  /** @default 'sqlite' */
  readonly db?: DatabaseKind;
  /** @default 5 */
  readonly seed?: number;
  readonly report?: ProgressReporter;
}

/** What `bench incremental --json` prints. */
export interface IncrementalBenchmarkResult extends RunFacts {
  readonly benchmark: 'incremental';
  readonly records: number;
  readonly changed_percent: number;
  readonly db: DatabaseKind;
  readonly full_seconds: number;
  readonly incremental_seconds: number;
  /** `incremental_seconds / full_seconds` (target <= 0.05 at 1 %). */
  readonly incremental_share: number | null;
  readonly requests_full: number;
  readonly requests_incremental: number;
  /** Records the incremental sync changed in WedSync (the CRM's changes) and in the CRM (WedSync's). */
  readonly to_wedsync_updated: number;
  readonly to_crm_updated: number;
  /** Client contacts changed in the CRM. */
  readonly changed_crm: number;
  /** Clients changed in WedSync. */
  readonly changed_wedsync: number;
  readonly records_read_full: number;
  readonly records_read_incremental: number;
  /** The incremental sync's requests per Tave resource (from the server's log). */
  readonly requests_by_resource_incremental: Readonly<Record<string, number>>;
  /** The incremental job's counts (what it read, updated, skipped, exported...). */
  readonly incremental_counts: Readonly<Record<string, number>>;
}

/**
 * Changes `count` of the supplier's clients in WedSync (a second email, which the Tave mappings send to the CRM),
 * skipping the clients whose CRM twin was
 * changed (`crmChanged`, by CRM id), spread evenly over the clients. Returns how many were changed.
 */
async function changeWedsyncClients(
  bench: BenchHub,
  count: number,
  crmChanged: ReadonlySet<string>,
): Promise<number> {
  if (count === 0) return 0;
  const clients: StoredRecord<'client'>[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: ChangesPage<'client'> = await bench.clientStore.changesSince('client', {
      supplierId: bench.supplierId,
      cursor,
      limit: 5000,
    });
    clients.push(...page.rows);
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  const eligible = clients.filter(
    (client) => client.external_crm_id === null || !crmChanged.has(client.external_crm_id),
  );
  const take = Math.min(count, eligible.length);
  const step = eligible.length / Math.max(1, take);
  const rows = [];
  for (let index = 0; index < take; index += 1) {
    const client = eligible[Math.floor(index * step)] as StoredRecord<'client'>;
    const record: CanonicalClient = {
      ...client.record,
      secondary_email: `changed.in.wedsync.${index}@example.com`,
    };
    rows.push({
      id: client.id,
      supplier_id: client.supplier_id,
      record,
      crm_integration_id: client.crm_integration_id,
      external_crm_id: client.external_crm_id,
      last_crm_sync_at: client.last_crm_sync_at,
    });
  }
  for (let start = 0; start < rows.length; start += 500) {
    await bench.clientStore.upsert('client', rows.slice(start, start + 500));
  }
  return rows.length;
}

/** Runs the incremental benchmark. */
export async function runIncrementalBenchmark(
  options: IncrementalBenchmarkOptions,
): Promise<IncrementalBenchmarkResult> {
  const report = options.report ?? (() => {});
  const db = options.db ?? 'sqlite';
  return withCleanups(async (defer) => {
    report(`incremental: generating a studio of ${options.records} clients in the fake Tave's process`);
    const fake = await startFakeTaveProcess({
      apiKey: benchApiKey,
      clients: options.records,
      seed: options.seed ?? defaultSeed,
      ...(options.records > 20_000 ? { maxOldSpaceMb: 16_384 } : {}),
    });
    defer(() => fake.close());
    const database = await createBenchDatabase(db);
    defer(() => database.destroy());
    // Two-way: the CRM's changes come in, WedSync's go out, in the one incremental_sync job.
    const bench = await createBenchHub(database, {
      baseUrl: fake.url,
      apiKey: benchApiKey,
      syncDirection: 'bidirectional',
    });

    report('incremental: full import');
    const fullStarted = performance.now();
    const full = await bench.runJob('full_import');
    const fullSeconds = secondsSince(fullStarted);
    expectCompleted(full, 'full import');

    report(`incremental: changing ${options.changed} % of the clients on each side`);
    const crm = await fake.mutateClients(options.changed);
    const wedsyncCount = Math.round((crm.clients * options.changed) / 100);
    const changedWedsync = await changeWedsyncClients(bench, wedsyncCount, new Set(crm.ids));

    report('incremental: incremental sync');
    await fake.clearRequestLog();
    const started = performance.now();
    const incremental = await bench.runJob('incremental_sync');
    const incrementalSeconds = secondsSince(started);
    expectCompleted(incremental, 'incremental sync');
    const stats = await fake.requestStats();
    return {
      benchmark: 'incremental',
      records: options.records,
      changed_percent: options.changed,
      db,
      full_seconds: fullSeconds,
      incremental_seconds: incrementalSeconds,
      incremental_share: ratio(incrementalSeconds, fullSeconds),
      requests_full: full.counts['requests'] ?? 0,
      requests_incremental: incremental.counts['requests'] ?? 0,
      to_wedsync_updated: incremental.counts['updated'] ?? 0,
      to_crm_updated: incremental.counts['to_crm.updated'] ?? 0,
      changed_crm: crm.changed,
      changed_wedsync: changedWedsync,
      records_read_full: full.counts['read'] ?? 0,
      records_read_incremental: incremental.counts['read'] ?? 0,
      requests_by_resource_incremental: stats.resources,
      incremental_counts: incremental.counts,
      ...runFacts(),
    };
  });
}
