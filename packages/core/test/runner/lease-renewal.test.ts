/**
 * How a running job keeps its lease (real SQLite): each page renews it inside its own transaction, so pages that
 * commit need no heartbeat of their own; the heartbeat timer covers only a wait with no page committed; a cancel
 * is read by the page's renewal; a page whose lease was taken meanwhile rolls back whole. An export page that
 * commits nothing writes no heartbeat either, yet a cancel is seen at that page.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobRunOutcome, SyncJobRecord } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { run, type Studio, startStudio } from '../incremental/tave-studio.js';
import {
  clientsWithOneProject,
  createFakeProvider,
  createIntegration,
  createTestHub,
  rowsOf,
  type TestHub,
  waitFor,
} from '../sync/fixtures.js';

const leaseMs = 1_000;
/** Long enough that the heartbeat timer never fires during a test: only the pages renew the lease. */
const noTimer = 3_600_000;

/** Counts the heartbeats sent outside any transaction (each its own commit): the timer's and `afterPage`'s. */
function countHeartbeats(testHub: TestHub): { readonly calls: number } {
  const jobs = testHub.storage.jobs;
  const original = jobs.heartbeat.bind(jobs);
  const counter = { calls: 0 };
  jobs.heartbeat = (jobId, options) => {
    counter.calls += 1;
    return original(jobId, options);
  };
  return counter;
}

async function claimAndStart(
  testHub: TestHub,
  options: { readonly heartbeatIntervalMs: number; readonly signal?: AbortSignal },
) {
  const integrationId = await createIntegration(testHub);
  const { sync_job } = await testHub.hub.triggerSync({
    supplierId: testHub.supplierId,
    integrationId,
    body: { job_type: 'full_import' },
  });
  const claimed = (await testHub.hub.claimJob({ owner: 'runner', leaseMs })) as SyncJobRecord;
  expect(claimed.id).toBe(sync_job.id);
  const outcome = testHub.hub.runJob(claimed, { owner: 'runner', leaseMs, ...options });
  return { jobId: sync_job.id, outcome };
}

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('job lease renewal', () => {
  it('renews the lease in each page transaction: no heartbeat commit, and the lease never lapses', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const testHub = current;
    const heartbeats = countHeartbeats(testHub);
    const leaseAtPage: { heartbeatAt: string | undefined; expiresAt: string | undefined }[] = [];
    let intruder: SyncJobRecord | undefined | 'not tried' = 'not tried';
    let jobId = '';
    control.beforePage = async (recordType, pageIndex) => {
      // Each page takes 600 ms of the clock: four pages outlast the 1,000 ms lease several times over.
      testHub.clock.advance(600);
      const job = await testHub.storage.jobs.get(jobId);
      leaseAtPage.push({ heartbeatAt: job.heartbeat_at, expiresAt: job.lease_expires_at });
      if (recordType === 'client' && pageIndex === 2) {
        intruder = await testHub.storage.jobs.claim({
          owner: 'intruder',
          leaseMs,
          now: testHub.clock.read(),
        });
      }
    };
    const started = await claimAndStart(testHub, { heartbeatIntervalMs: noTimer });
    jobId = started.jobId;
    const outcome = await started.outcome;

    expect(outcome).toMatchObject({ status: 'completed', counts: { read: 7, created: 7 } });
    expect(heartbeats.calls).toBe(0);
    // The lease the job held when each page was fetched: renewed by the page before it, at that page's clock.
    const start = new Date('2026-03-01T09:00:00.000Z').getTime();
    const at = (ms: number) => new Date(start + ms).toISOString();
    expect(leaseAtPage.length).toBeGreaterThanOrEqual(4);
    expect(leaseAtPage).toEqual(
      leaseAtPage.map((_, index) => ({ heartbeatAt: at(600 * index), expiresAt: at(600 * index + leaseMs) })),
    );
    expect(intruder).toBeUndefined();
  });

  it('renews the lease by the heartbeat timer while no page commits', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const testHub = current;
    const heartbeats = countHeartbeats(testHub);
    control.hangRead = { recordType: 'client', afterPages: 1 };
    const abort = new AbortController();
    const { jobId, outcome } = await claimAndStart(testHub, { heartbeatIntervalMs: 5, signal: abort.signal });
    await waitFor(() => control.hanging);
    testHub.clock.advance(leaseMs - 1);
    const renewedAt = testHub.clock.read().toISOString();
    const calls = heartbeats.calls;
    await waitFor(() => heartbeats.calls >= calls + 2);
    expect((await testHub.storage.jobs.get(jobId)).heartbeat_at).toBe(renewedAt);
    expect(await testHub.storage.jobs.claim({ owner: 'intruder', leaseMs, now: testHub.clock.read() })).toBe(
      undefined,
    );
    abort.abort();
    expect(await outcome).toMatchObject({ status: 'aborted' });
  });

  it('sees a cancel requested during a page through that page’s renewal', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const testHub = current;
    const heartbeats = countHeartbeats(testHub);
    let jobId = '';
    control.beforePage = async (recordType, pageIndex) => {
      if (recordType === 'client' && pageIndex === 1) {
        await testHub.hub.cancelSyncJob({ supplierId: testHub.supplierId, jobId });
      }
    };
    const started = await claimAndStart(testHub, { heartbeatIntervalMs: noTimer });
    jobId = started.jobId;

    expect(await started.outcome).toMatchObject({ status: 'cancelled', counts: { read: 4 } });
    expect(heartbeats.calls).toBe(0);
    expect(control.delivered).toHaveLength(2);
    expect((await testHub.storage.jobs.get(jobId)).job_status).toBe('cancelled');
    expect(await rowsOf(testHub.db, 'clients')).toHaveLength(4);
  });

  it('rolls back a page whose lease another runner took meanwhile, and writes nothing more', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const testHub = current;
    let taken: SyncJobRecord | undefined;
    control.beforePage = async (recordType, pageIndex) => {
      if (recordType === 'client' && pageIndex === 1) {
        testHub.clock.advance(leaseMs + 1);
        taken = await testHub.storage.jobs.claim({ owner: 'other', leaseMs, now: testHub.clock.read() });
      }
    };
    const started = await claimAndStart(testHub, { heartbeatIntervalMs: noTimer });

    expect(await started.outcome).toMatchObject({ status: 'lease_lost' });
    expect(taken?.id).toBe(started.jobId);
    const job = await testHub.storage.jobs.get(started.jobId);
    expect(job).toMatchObject({ lease_owner: 'other', records_processed: 2, checkpoint: { cursor: '2' } });
    expect(await rowsOf(testHub.db, 'clients')).toHaveLength(2);
    expect(await rowsOf(testHub.db, 'crm_sync_logs')).toHaveLength(2);
  });
});

describe('job lease on export pages that commit nothing', () => {
  let studio: Studio;

  beforeAll(async () => {
    studio = await startStudio(260, { seed: 17, syncConfig: { sync_direction: 'bidirectional' } });
    const imported = await run(studio, 'full_import');
    expect(imported.outcome?.status).toBe('completed');
    // Pages of 100 records read whole (`changesSince`), not ten pages of stamps at a time: these tests stop the
    // export at its second page of clients.
    Object.defineProperty(studio.testHub.clientStore, 'changeStampsSince', { value: undefined });
    // Renewals of a held lease by its owner (a heartbeat, or a page's renewal): not a claim, not the finish.
    await sql`CREATE TABLE lease_renewals (job_id TEXT)`.execute(studio.testHub.db);
    await sql`CREATE TRIGGER count_lease_renewals AFTER UPDATE OF lease_expires_at ON crm_sync_jobs
      WHEN NEW.lease_owner = OLD.lease_owner
      BEGIN INSERT INTO lease_renewals VALUES (NEW.id); END`.execute(studio.testHub.db);
  }, 120_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('writes no heartbeat after a quiet page, and sees a cancel at that page', async () => {
    const { hub, supplierId, db, clientStore } = studio.testHub;
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId: studio.integrationId,
      body: { job_type: 'export_to_crm' },
    });
    const changesSince = clientStore.changesSince;
    const readChanges = changesSince.bind(clientStore);
    let clientReads = 0;
    clientStore.changesSince = async (recordType, query) => {
      if (recordType === 'client') clientReads += 1;
      // While the second page of clients (all equal to their base: a quiet page) is read.
      if (recordType === 'client' && clientReads === 2) {
        await hub.cancelSyncJob({ supplierId, jobId: sync_job.id });
      }
      return readChanges(recordType, query);
    };
    let outcome: JobRunOutcome | undefined;
    try {
      outcome = await createInProcessRunner({ hub, heartbeatIntervalMs: noTimer }).runOnce();
    } finally {
      clientStore.changesSince = changesSince;
    }

    expect(outcome).toMatchObject({ status: 'cancelled' });
    expect(outcome?.counts['client.read']).toBe(200);
    expect(outcome?.counts['client.skipped']).toBe(200);
    // Two quiet pages, no heartbeat for either: the one renewal is the commit of their checkpoint when it stopped.
    const renewals = await sql<{ count: number }>`SELECT count(*) AS count FROM lease_renewals`.execute(db);
    expect(Number(renewals.rows[0]?.count)).toBe(1);
    const job = await studio.testHub.storage.jobs.get(sync_job.id);
    expect(job).toMatchObject({ job_status: 'cancelled', records_processed: 200 });
  }, 60_000);

  it('stops at a quiet page whose lease another runner took, writing nothing more', async () => {
    const { hub, supplierId, db, clientStore, storage, clock } = studio.testHub;
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId: studio.integrationId,
      body: { job_type: 'export_to_crm' },
    });
    const changesSince = clientStore.changesSince;
    const readChanges = changesSince.bind(clientStore);
    let clientReads = 0;
    let taken: SyncJobRecord | undefined;
    clientStore.changesSince = async (recordType, query) => {
      if (recordType === 'client') clientReads += 1;
      if (recordType === 'client' && clientReads === 2) {
        clock.advance(60_001);
        taken = await storage.jobs.claim({ owner: 'other', leaseMs: 60_000, now: clock.read() });
      }
      return readChanges(recordType, query);
    };
    await sql`DELETE FROM lease_renewals`.execute(db);
    let outcome: JobRunOutcome | undefined;
    try {
      outcome = await createInProcessRunner({ hub, heartbeatIntervalMs: noTimer }).runOnce();
    } finally {
      clientStore.changesSince = changesSince;
    }

    expect(taken?.id).toBe(sync_job.id);
    expect(outcome).toMatchObject({ status: 'lease_lost' });
    expect(clientReads).toBe(2);
    const job = await storage.jobs.get(sync_job.id);
    expect(job).toMatchObject({ job_status: 'running', lease_owner: 'other', records_processed: 0 });
    const renewals = await sql<{ count: number }>`SELECT count(*) AS count FROM lease_renewals`.execute(db);
    expect(Number(renewals.rows[0]?.count)).toBe(0);
  }, 60_000);
});
