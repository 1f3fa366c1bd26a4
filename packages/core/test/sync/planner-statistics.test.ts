/**
 * A full import refreshes the stores' planner statistics (the optional `refreshStatistics` of the HubStorage and
 * the ClientStore) after its first 1,000 records, then each time the count doubles: a table filled by one import
 * has none until then, and its lookups can scan instead of probing an index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statisticsFirstRefresh } from '../../src/sync/full-import.js';
import { run, type Studio, startStudio } from '../incremental/tave-studio.js';

describe('planner statistics during an import', () => {
  let studio: Studio;
  /** The job's records processed when each store's statistics were refreshed. */
  const refreshedAt = { storage: [] as number[], clientStore: [] as number[] };

  beforeAll(async () => {
    studio = await startStudio(500, { seed: 29 });
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

  it('refreshes both stores after the first 1,000 records, then each time the count doubles', async () => {
    const { outcome } = await run(studio, 'full_import');
    expect(outcome?.status).toBe('completed');
    const total = outcome?.counts['read'] ?? 0;
    expect(total).toBeGreaterThan(2 * (statisticsFirstRefresh + 100));
    const calls = refreshedAt.storage;
    expect(refreshedAt.clientStore).toEqual(calls);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    // The first once a page took the count past 1,000 (pages hold at most 100 records)...
    expect(calls[0]).toBeGreaterThanOrEqual(statisticsFirstRefresh);
    expect(calls[0]).toBeLessThanOrEqual(statisticsFirstRefresh + 100);
    // ...each next one once the count had doubled since, and none due left when the import ended.
    for (let index = 1; index < calls.length; index += 1) {
      expect(calls[index]).toBeGreaterThanOrEqual(2 * (calls[index - 1] as number));
      expect(calls[index]).toBeLessThanOrEqual(2 * (calls[index - 1] as number) + 100);
    }
    expect(total).toBeLessThan(2 * (calls[calls.length - 1] as number));
  }, 120_000);
});
