/**
 * A full import refreshes the stores' planner statistics (the optional `refreshStatistics` of the HubStorage and
 * the ClientStore) after its first 1,000 records, then each time the count doubles, and 1,000 records into each
 * record type that follows: a table filled by one import has none until then (nor has a record type the last
 * refresh did not see), and its lookups can scan instead of probing an index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statisticsFirstRefresh } from '../../src/sync/full-import.js';
import { importOrder } from '../../src/sync/record-types.js';
import { run, type Studio, startStudio } from '../incremental/tave-studio.js';

describe('planner statistics during an import', () => {
  let studio: Studio;
  /** The job's records processed when each store's statistics were refreshed. */
  const refreshedAt = { storage: [] as number[], clientStore: [] as number[] };

  beforeAll(async () => {
    studio = await startStudio(1500, { seed: 29 });
    const { storage, clientStore } = studio.testHub;
    const processedNow = async (): Promise<number> => {
      const { sync_jobs: jobs } = await storage.jobs.list(studio.integrationId, { page: 1, per_page: 1 });
      return jobs[0]?.records_processed ?? -1;
    };
    // The SQLite stores offer no statistics refresh: these stand in for a PostgreSQL one, and note when.
    storage.refreshStatistics = async () => {
      refreshedAt.storage.push(await processedNow());
    };
    clientStore.refreshStatistics = async () => {
      refreshedAt.clientStore.push(await processedNow());
    };
  }, 60_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('refreshes both stores after the first 1,000 records, when the count doubles, and into each new record type', async () => {
    const { outcome } = await run(studio, 'full_import');
    expect(outcome?.status).toBe('completed');
    const total = outcome?.counts['read'] ?? 0;
    expect(total).toBeGreaterThan(2 * (statisticsFirstRefresh + 100));
    const calls = refreshedAt.storage;
    expect(refreshedAt.clientStore).toEqual(calls);
    // Where each record type's records begin in the job's count (types in import order, each read once).
    const starts: number[] = [];
    let position = 0;
    for (const recordType of importOrder) {
      const read = outcome?.counts[`${recordType}.read`] ?? 0;
      if (read > 0) starts.push(position);
      position += read;
    }
    expect(position).toBe(total);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    // The rule, replayed: a refresh is due 1,000 records into the import and into each record type, and at twice
    // the count of the last refresh; it comes once a page (at most 100 records) takes the count past that.
    let due = statisticsFirstRefresh;
    let nextStart = 1;
    for (const call of calls) {
      while (nextStart < starts.length && (starts[nextStart] as number) < call) {
        due = Math.min(due, (starts[nextStart] as number) + statisticsFirstRefresh);
        nextStart += 1;
      }
      expect(call).toBeGreaterThanOrEqual(due);
      expect(call).toBeLessThanOrEqual(due + 100);
      due = 2 * call;
    }
    // None due was left out when the import ended.
    for (; nextStart < starts.length; nextStart += 1) {
      due = Math.min(due, (starts[nextStart] as number) + statisticsFirstRefresh);
    }
    expect(total).toBeLessThan(due);
    // More than doubling alone would have made: the record types that began after the first refresh had theirs.
    expect(calls.length).toBeGreaterThan(Math.floor(Math.log2(total / statisticsFirstRefresh)) + 1);
  }, 120_000);
});
