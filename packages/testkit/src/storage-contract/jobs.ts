/** Storage contract: sync jobs — one active job per integration, claim, lease, heartbeat, resume, finish. */
import { CrmSyncJobSchema, type JobAlreadyActiveError, type SyncJobRecord } from '@wedsync/crm-core';
import { expect } from 'vitest';
import {
  type ContractScope,
  expectCrmError,
  expectIsoTimestamps,
  integrationFixture,
  later,
  pause,
} from './harness.js';

const jobTimestamps = [
  'created_at',
  'updated_at',
  'started_at',
  'completed_at',
  'lease_expires_at',
  'heartbeat_at',
  'cancel_requested_at',
  'rolled_back_at',
] as const;

/** Sync jobs. */
export function jobTests({ fixture, group, test }: ContractScope): void {
  group('sync jobs', () => {
    test('create makes a pending job in the spec shape', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({
        integration_id: integrationId,
        job_type: 'full_import',
        job_config: { since: null, record_types: ['client', 'project'], note: '日本語' },
        dry_run: true,
      });
      expect(() => CrmSyncJobSchema.parse(job)).not.toThrow();
      expect(job).toMatchObject({
        integration_id: integrationId,
        job_type: 'full_import',
        job_status: 'pending',
        job_config: { since: null, record_types: ['client', 'project'], note: '日本語' },
        progress_percent: 0,
        records_processed: 0,
        attempts: 0,
        dry_run: true,
      });
      for (const absent of [
        'records_total',
        'started_at',
        'completed_at',
        'lease_owner',
        'checkpoint',
        'error_details',
      ]) {
        expect(job).not.toHaveProperty(absent);
      }
      expectIsoTimestamps(job, jobTimestamps);
      expect(await storage.jobs.get(job.id)).toEqual(job);
      await expectCrmError(storage.jobs.get(crypto.randomUUID()), 'not_found');
      await expectCrmError(
        storage.jobs.create({ integration_id: crypto.randomUUID(), job_type: 'full_import' }),
        'not_found',
      );
      await expectCrmError(
        storage.jobs.create({ integration_id: integrationId, job_type: 'sync_everything' as never }),
        'invalid_argument',
      );
    });

    test('a second pending or running job for an integration is a JobAlreadyActiveError naming the active job', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const first = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const pendingError = (await expectCrmError(
        storage.jobs.create({ integration_id: integrationId, job_type: 'incremental_sync' }),
        'job_already_active',
      )) as JobAlreadyActiveError;
      expect(pendingError.activeJobId).toBe(first.id);
      expect((await storage.jobs.findActive(integrationId))?.id).toBe(first.id);

      const claimed = await storage.jobs.claim({ owner: 'runner-a', leaseMs: 60_000, integrationId });
      expect(claimed?.id).toBe(first.id);
      const runningError = (await expectCrmError(
        storage.jobs.create({ integration_id: integrationId, job_type: 'export_to_crm' }),
        'job_already_active',
      )) as JobAlreadyActiveError;
      expect(runningError.activeJobId).toBe(first.id);

      // Concurrent triggers: exactly one wins.
      await storage.jobs.finish(first.id, {
        owner: 'runner-a',
        job_status: 'completed',
        result_status: 'success',
      });
      const racing = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          storage.jobs.create({ integration_id: integrationId, job_type: 'incremental_sync' }),
        ),
      );
      const winners = racing.filter(
        (result) => result.status === 'fulfilled',
      ) as PromiseFulfilledResult<SyncJobRecord>[];
      expect(winners).toHaveLength(1);
      for (const result of racing) {
        if (result.status === 'rejected') {
          expect(result.reason).toMatchObject({
            code: 'job_already_active',
            activeJobId: winners[0]?.value.id,
          });
        }
      }
      expect((await storage.jobs.findActive(integrationId))?.id).toBe(winners[0]?.value.id);
    });

    test('list pages jobs newest first with the total', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const created: string[] = [];
      for (let index = 0; index < 7; index += 1) {
        const job = await storage.jobs.create({
          integration_id: integrationId,
          job_type: 'incremental_sync',
        });
        created.push(job.id);
        await storage.jobs.cancel(job.id);
        await pause(2); // distinct created_at: "newest first" is by creation time
      }
      const first = await storage.jobs.list(integrationId, { page: 1, per_page: 3 });
      const third = await storage.jobs.list(integrationId, { page: 3, per_page: 3 });
      expect(first).toMatchObject({ total: 7, page: 1, per_page: 3 });
      expect(first.sync_jobs.map((job) => job.id)).toEqual(created.slice().reverse().slice(0, 3));
      expect(third.sync_jobs.map((job) => job.id)).toEqual([created[0]]);
      expect((await storage.jobs.list(integrationId, { page: 4, per_page: 3 })).sync_jobs).toEqual([]);
      expect(await storage.jobs.list(integrationId)).toMatchObject({ total: 7, page: 1, per_page: 50 });
      await expectCrmError(storage.jobs.list(integrationId, { per_page: 501 }), 'invalid_argument');
      await expectCrmError(storage.jobs.list(integrationId, { page: 0 }), 'invalid_argument');
    });

    test('claim takes the oldest pending job and sets lease, started_at and attempts', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const now = new Date('2031-01-01T00:00:00.000Z');
      const claimed = await storage.jobs.claim({ owner: 'runner-a', leaseMs: 30_000, now, integrationId });
      expect(claimed).toMatchObject({
        id: job.id,
        job_status: 'running',
        lease_owner: 'runner-a',
        lease_expires_at: '2031-01-01T00:00:30.000Z',
        heartbeat_at: '2031-01-01T00:00:00.000Z',
        started_at: '2031-01-01T00:00:00.000Z',
        attempts: 1,
      });
      expectIsoTimestamps(claimed as SyncJobRecord, jobTimestamps);
      // Nothing else to take for this integration while the lease holds.
      expect(
        await storage.jobs.claim({
          owner: 'runner-b',
          leaseMs: 30_000,
          now: later(now, 29_000),
          integrationId,
        }),
      ).toBeUndefined();
      expect(await storage.jobs.claim({ owner: 'runner-b', leaseMs: 1000, jobTypes: [] })).toBeUndefined();
      await expectCrmError(
        storage.jobs.claim({ owner: 'runner-b', leaseMs: 0, integrationId }),
        'invalid_argument',
      );
      await expectCrmError(
        storage.jobs.claim({ owner: '', leaseMs: 1000, integrationId }),
        'invalid_argument',
      );
    });

    test('a job whose lease expired is resumed by another runner; the old runner is refused', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const start = new Date('2031-02-01T08:00:00.000Z');
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 10_000, now: start, integrationId });
      await storage.jobs.saveProgress(job.id, {
        owner: 'runner-a',
        checkpoint: { client: { cursor: 'page=3', seen: 300 } },
        progress_percent: 30,
        records_processed: 300,
        records_total: 1000,
      });
      const resumed = await storage.jobs.claim({
        owner: 'runner-b',
        leaseMs: 10_000,
        now: later(start, 10_001),
        integrationId,
      });
      expect(resumed).toMatchObject({
        id: job.id,
        lease_owner: 'runner-b',
        attempts: 2,
        started_at: '2031-02-01T08:00:00.000Z',
        checkpoint: { client: { cursor: 'page=3', seen: 300 } },
        progress_percent: 30,
        records_processed: 300,
        records_total: 1000,
      });
      const heartbeatError = await expectCrmError(
        storage.jobs.heartbeat(job.id, { owner: 'runner-a', leaseMs: 10_000 }),
        'conflict',
      );
      expect(heartbeatError.context).toMatchObject({
        jobId: job.id,
        owner: 'runner-a',
        leaseOwner: 'runner-b',
      });
      await expectCrmError(
        storage.jobs.saveProgress(job.id, { owner: 'runner-a', progress_percent: 40 }),
        'conflict',
      );
      await expectCrmError(
        storage.jobs.finish(job.id, { owner: 'runner-a', job_status: 'completed' }),
        'conflict',
      );
      expect((await storage.jobs.get(job.id)).progress_percent).toBe(30);
      await expectCrmError(
        storage.jobs.heartbeat(crypto.randomUUID(), { owner: 'runner-a', leaseMs: 1000 }),
        'not_found',
      );
    });

    test('release parks a running job: it keeps its checkpoint and any runner resumes it at once', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const start = new Date('2031-04-01T00:00:00.000Z');
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 60_000, now: start, integrationId });
      await storage.jobs.saveProgress(job.id, { owner: 'runner-a', checkpoint: { cursor: 'page:2' } });
      await expectCrmError(storage.jobs.release(job.id, { owner: 'runner-b' }), 'conflict');
      const released = await storage.jobs.release(job.id, { owner: 'runner-a' });
      expect(released).toMatchObject({ job_status: 'running', checkpoint: { cursor: 'page:2' } });
      expect(released).not.toHaveProperty('lease_owner');
      await expectCrmError(
        storage.jobs.saveProgress(job.id, { owner: 'runner-a', progress_percent: 50 }),
        'conflict',
      );
      const resumed = await storage.jobs.claim({
        owner: 'runner-b',
        leaseMs: 60_000,
        now: later(start, 1),
        integrationId,
      });
      expect(resumed).toMatchObject({ id: job.id, lease_owner: 'runner-b', attempts: 2 });
      await expectCrmError(storage.jobs.release(crypto.randomUUID(), { owner: 'runner-b' }), 'not_found');
    });

    test('heartbeat extends the lease so the job is not resumed', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'incremental_sync' });
      const start = new Date('2031-03-01T00:00:00.000Z');
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 1000, now: start, integrationId });
      const beat = await storage.jobs.heartbeat(job.id, {
        owner: 'runner-a',
        leaseMs: 1000,
        now: later(start, 800),
      });
      expect(beat).toMatchObject({
        lease_expires_at: '2031-03-01T00:00:01.800Z',
        heartbeat_at: '2031-03-01T00:00:00.800Z',
      });
      expect(beat).not.toHaveProperty('cancel_requested_at');
      expect(
        await storage.jobs.claim({
          owner: 'runner-b',
          leaseMs: 1000,
          now: later(start, 1500),
          integrationId,
        }),
      ).toBeUndefined();
      expect(
        (
          await storage.jobs.claim({
            owner: 'runner-b',
            leaseMs: 1000,
            now: later(start, 1801),
            integrationId,
          })
        )?.id,
      ).toBe(job.id);
    });

    test('concurrent claims return distinct jobs', async () => {
      const { storage } = fixture();
      const jobIds = new Set<string>();
      for (let index = 0; index < 6; index += 1) {
        const { integrationId } = await integrationFixture(fixture());
        // export_to_crm jobs are left pending by no other test, so the claims below see only these.
        jobIds.add(
          (await storage.jobs.create({ integration_id: integrationId, job_type: 'export_to_crm' })).id,
        );
      }
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          storage.jobs.claim({ owner: `runner-${index}`, leaseMs: 60_000, jobTypes: ['export_to_crm'] }),
        ),
      );
      const claimed = claims.filter((job): job is SyncJobRecord => job !== undefined);
      expect(claimed).toHaveLength(6);
      expect(new Set(claimed.map((job) => job.id))).toEqual(jobIds);
      for (const job of claimed) {
        await storage.jobs.finish(job.id, { owner: job.lease_owner ?? '', job_status: 'completed' });
      }
    });

    test('saveProgress round-trips the checkpoint and counters; finish ends the job and clears the lease', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 60_000, integrationId });
      const checkpoint = {
        phase: 'projects',
        cursors: { client: null, project: 'eyJwYWdlIjo0fQ==' },
        watermark: '2026-10-05T00:00:00+00:00',
        seen: [1, 2.5, true, null, 'ü'],
        nested: { deep: { deeper: { emoji: '💍' } } },
      };
      await storage.jobs.saveProgress(job.id, {
        owner: 'runner-a',
        checkpoint,
        progress_percent: 55,
        records_processed: 550,
        records_total: 1000,
        counts: { created: 500, updated: 40, skipped: 10, errors: 0 },
      });
      expect(await storage.jobs.get(job.id)).toMatchObject({
        checkpoint,
        progress_percent: 55,
        records_processed: 550,
        records_total: 1000,
        counts: { created: 500, updated: 40, skipped: 10, errors: 0 },
      });
      await expectCrmError(
        storage.jobs.saveProgress(job.id, { owner: 'runner-a', progress_percent: 101 }),
        'invalid_argument',
      );
      await storage.jobs.saveProgress(job.id, { owner: 'runner-a', checkpoint: null });
      expect(await storage.jobs.get(job.id)).not.toHaveProperty('checkpoint');

      const finished = await storage.jobs.finish(job.id, {
        owner: 'runner-a',
        job_status: 'completed',
        result_status: 'partial',
        error_details: { failed_records: ['c-17'], message: 'Téléphone invalide' },
        counts: { created: 990, errors: 10 },
        now: new Date('2031-04-01T10:00:00.000Z'),
      });
      expect(finished).toMatchObject({
        job_status: 'completed',
        result_status: 'partial',
        completed_at: '2031-04-01T10:00:00.000Z',
        error_details: { failed_records: ['c-17'], message: 'Téléphone invalide' },
        counts: { created: 990, errors: 10 },
      });
      expect(finished).not.toHaveProperty('lease_owner');
      expect(finished).not.toHaveProperty('lease_expires_at');
      expect(await storage.jobs.findActive(integrationId)).toBeUndefined();
      await expectCrmError(storage.jobs.heartbeat(job.id, { owner: 'runner-a', leaseMs: 1000 }), 'conflict');
      await expectCrmError(
        storage.jobs.finish(job.id, { owner: 'runner-a', job_status: 'failed' }),
        'conflict',
      );
    });

    test('cancel: a pending job at once, a running one by request; a finished one is refused', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const pending = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const cancelled = await storage.jobs.cancel(pending.id);
      expect(cancelled).toMatchObject({ job_status: 'cancelled' });
      expect(cancelled.completed_at).toBeDefined();
      expect((await storage.jobs.cancel(pending.id)).job_status).toBe('cancelled');

      const running = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const start = new Date('2031-05-01T00:00:00.000Z');
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 10_000, now: start, integrationId });
      const requested = await storage.jobs.cancel(running.id, { now: later(start, 1000) });
      expect(requested).toMatchObject({
        job_status: 'running',
        cancel_requested_at: '2031-05-01T00:00:01.000Z',
      });
      const beat = await storage.jobs.heartbeat(running.id, {
        owner: 'runner-a',
        leaseMs: 10_000,
        now: later(start, 2000),
      });
      expect(beat.cancel_requested_at).toBe('2031-05-01T00:00:01.000Z');
      // The runner died: after its lease, the job ends cancelled instead of being resumed.
      expect(
        await storage.jobs.claim({
          owner: 'runner-b',
          leaseMs: 10_000,
          now: later(start, 60_000),
          integrationId,
        }),
      ).toBeUndefined();
      expect((await storage.jobs.get(running.id)).job_status).toBe('cancelled');
      expect(await storage.jobs.findActive(integrationId)).toBeUndefined();

      const done = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.jobs.claim({ owner: 'runner-c', leaseMs: 10_000, integrationId });
      await storage.jobs.finish(done.id, {
        owner: 'runner-c',
        job_status: 'failed',
        result_status: 'failed',
      });
      const error = await expectCrmError(storage.jobs.cancel(done.id), 'conflict');
      expect(error.context).toMatchObject({ jobId: done.id, jobStatus: 'failed' });
      await expectCrmError(storage.jobs.cancel(crypto.randomUUID()), 'not_found');
    });

    test('markRolledBack works on finished jobs only, once', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await expectCrmError(storage.jobs.markRolledBack(job.id), 'conflict');
      await storage.jobs.claim({ owner: 'runner-a', leaseMs: 10_000, integrationId });
      await expectCrmError(storage.jobs.markRolledBack(job.id), 'conflict');
      await storage.jobs.finish(job.id, {
        owner: 'runner-a',
        job_status: 'completed',
        result_status: 'success',
      });
      const rolledBack = await storage.jobs.markRolledBack(job.id, {
        now: new Date('2031-06-01T00:00:00.000Z'),
      });
      expect(rolledBack.rolled_back_at).toBe('2031-06-01T00:00:00.000Z');
      // Once only: a second mark is refused and keeps the first one's time.
      const again = await expectCrmError(
        storage.jobs.markRolledBack(job.id, { now: new Date('2031-06-02T00:00:00.000Z') }),
        'conflict',
      );
      expect(again.message).toContain('already rolled back');
      expect((await storage.jobs.get(job.id)).rolled_back_at).toBe('2031-06-01T00:00:00.000Z');
      await expectCrmError(storage.jobs.markRolledBack(crypto.randomUUID()), 'not_found');
    });

    test('deleting a job keeps its logs (sync_job_id cleared) and removes its staging rows and backups', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.staging.insert([
        { integration_id: integrationId, sync_job_id: job.id, external_id: 'x', raw_data: {} },
      ]);
      await storage.logs.insert([
        {
          integration_id: integrationId,
          sync_job_id: job.id,
          record_type: 'client',
          record_id: 'x',
          action_type: 'skipped',
        },
      ]);
      await storage.backups.insert([
        {
          sync_job_id: job.id,
          integration_id: integrationId,
          record_type: 'client',
          wedsync_record_id: 'w',
          operation: 'created',
        },
      ]);
      await expectCrmError(storage.jobs.delete(job.id), 'conflict');
      await storage.jobs.cancel(job.id);
      await storage.jobs.delete(job.id);
      await expectCrmError(storage.jobs.get(job.id), 'not_found');
      const logs = await storage.logs.list(integrationId);
      expect(logs.total).toBe(1);
      expect(logs.logs[0]).not.toHaveProperty('sync_job_id');
      expect((await storage.staging.list({ integrationId })).staging_rows).toEqual([]);
      expect((await storage.backups.list(job.id)).backups).toEqual([]);
      await expectCrmError(storage.jobs.delete(job.id), 'not_found');
    });
  });
}
