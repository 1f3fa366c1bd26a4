/**
 * The scheduler's due logic on real SQLite: an integration with auto sync on is due when connected, idle and its
 * interval has elapsed since its last sync; it then gets a full import (when the integration has no completed import to continue from).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type JobQueuedEvent } from '../../src/index.js';
import { createInProcessRunner, createSyncScheduler } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmClient,
  emptyData,
  type TestHub,
  waitFor,
} from '../sync/fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

async function setup() {
  const data = emptyData();
  data.client = [crmClient('c1', { firstName: 'Ava', lastName: 'Reed', email: 'ava@example.com' })];
  const { provider } = createFakeProvider({ data });
  current = await createTestHub({ providers: [provider] });
  const auto = await createIntegration(current, {
    sync_config: { auto_sync_enabled: true, sync_interval_minutes: 60 },
  });
  const manual = await createIntegration(current);
  const exportOnly = await createIntegration(current, {
    sync_config: { auto_sync_enabled: true, sync_interval_minutes: 15, sync_direction: 'export_only' },
  });
  return { testHub: current, auto, manual, exportOnly };
}

describe('scheduleDueSyncs', () => {
  it('queues a sync for due integrations only, once, and again after the interval', async () => {
    const { testHub, auto, manual, exportOnly } = await setup();
    const { hub, supplierId } = testHub;
    const queued: JobQueuedEvent[] = [];
    hub.on('jobQueued', (event) => queued.push(event));

    // Not connected yet (pending_auth): not due.
    expect(await hub.scheduleDueSyncs()).toEqual([]);
    for (const integrationId of [auto, manual, exportOnly]) {
      expect((await hub.testConnection({ supplierId, integrationId })).success).toBe(true);
    }

    const scheduled = await hub.scheduleDueSyncs();
    const job = scheduled.find((item) => item.integration_id === auto);
    expect(job).toMatchObject({
      integration_id: auto,
      job_type: 'full_import',
      job_config: { trigger: 'schedule', requested_job_type: 'incremental_sync' },
    });
    // An export-only integration gets an incremental sync (which only exports); a manual one nothing.
    const exporting = scheduled.find((item) => item.integration_id === exportOnly);
    expect(exporting).toMatchObject({ job_type: 'incremental_sync', job_config: { trigger: 'schedule' } });
    expect(scheduled).toHaveLength(2);
    expect(queued).toEqual(
      expect.arrayContaining([
        { jobId: job?.id, integrationId: auto, jobType: 'full_import', trigger: 'schedule' },
        { jobId: exporting?.id, integrationId: exportOnly, jobType: 'incremental_sync', trigger: 'schedule' },
      ]),
    );
    // Its job is pending: not due again.
    expect(await hub.scheduleDueSyncs()).toEqual([]);

    await createInProcessRunner({ hub }).drain();
    expect(await hub.scheduleDueSyncs()).toEqual([]);
    // The export-only integration syncs every 15 minutes, the other every 60.
    testHub.clock.advance(15 * 60_000 + 1);
    expect((await hub.scheduleDueSyncs()).map((due) => due.integration_id)).toEqual([exportOnly]);
    await createInProcessRunner({ hub }).drain();
    testHub.clock.advance(45 * 60_000);
    expect((await hub.scheduleDueSyncs()).map((due) => due.integration_id).sort()).toEqual(
      [auto, exportOnly].sort(),
    );
  });
});

describe('createSyncScheduler', () => {
  it('ticks on start and on its interval, and stops', async () => {
    const { testHub, auto } = await setup();
    const { hub, supplierId } = testHub;
    await hub.testConnection({ supplierId, integrationId: auto });
    const scheduler = createSyncScheduler({ hub, intervalMs: 5, clock: testHub.clock.read });
    const queued: JobQueuedEvent[] = [];
    hub.on('jobQueued', (event) => queued.push(event));
    scheduler.start();
    scheduler.start();
    expect(scheduler.started).toBe(true);
    await waitFor(() => queued.length === 1);
    await scheduler.stop();
    expect(scheduler.started).toBe(false);
    expect(await scheduler.tick()).toEqual([]);
  });

  it('reports a failing tick to its logger and keeps going', async () => {
    const warnings: string[] = [];
    let calls = 0;
    const scheduler = createSyncScheduler({
      hub: {
        scheduleDueSyncs: async () => {
          calls += 1;
          throw new Error('database down');
        },
      },
      intervalMs: 5,
      logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} },
    });
    scheduler.start();
    await waitFor(() => calls >= 2);
    await scheduler.stop();
    expect(warnings[0]).toContain('Scheduling due syncs failed');
  });

  it('validates its options', () => {
    expect(() => createSyncScheduler({ hub: {} as never })).toThrow(InvalidArgumentError);
    const hub = { scheduleDueSyncs: async () => [] };
    expect(() => createSyncScheduler({ hub, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => createSyncScheduler({ hub, limit: 1.5 })).toThrow(/limit/);
    expect(() => createSyncScheduler({ hub, clock: 'now' as never })).toThrow(/clock/);
  });
});
