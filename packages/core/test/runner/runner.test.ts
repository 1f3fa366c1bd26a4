/**
 * The in-process runner and the job lifecycle on real SQLite: graceful stop parks a job (lease released, resumed
 * by anyone), cancel stops after the page in flight, a lost lease stops a run without another write, provider
 * failures fail the job with redacted details while committed pages stay, one active job per integration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CrmError,
  InvalidArgumentError,
  JobAlreadyActiveError,
  type JobFinishedEvent,
  type JobParkedEvent,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  clientsWithOneProject,
  createFakeProvider,
  createIntegration,
  createTestHub,
  emptyData,
  rowsOf,
  type TestHub,
  waitFor,
} from '../sync/fixtures.js';

const secret = 'live-secret-key-123456';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('in-process runner', () => {
  it('parks a job on a graceful stop after its page in flight commits; any runner resumes it at once', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const parked: JobParkedEvent[] = [];
    hub.on('jobParked', (event) => parked.push(event));
    const runner = createInProcessRunner({ hub, owner: 'graceful', pollIntervalMs: 10 });
    let stopping: Promise<void> | undefined;
    control.beforePage = (recordType, pageIndex) => {
      if (recordType === 'client' && pageIndex === 1) stopping = runner.stop({ graceful: true });
    };
    runner.start();
    expect(runner.started).toBe(true);
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    await waitFor(() => stopping !== undefined);
    await stopping;
    expect(runner.started).toBe(false);
    control.beforePage = undefined;

    const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
    expect(job).toMatchObject({ job_status: 'running', records_processed: 4, checkpoint: { cursor: '4' } });
    // The lease is released, not left to expire: no owner, no expiry, so a claim resumes it now.
    expect(job).not.toHaveProperty('lease_owner');
    expect(job).not.toHaveProperty('lease_expires_at');
    expect(parked).toEqual([{ jobId: sync_job.id, integrationId, recordsProcessed: 4 }]);

    // No clock change needed: the lease was released.
    const outcome = await createInProcessRunner({ hub, owner: 'other' }).runOnce();
    expect(outcome).toMatchObject({ status: 'completed', counts: { read: 7, created: 7 } });
    expect(await rowsOf(current.db, 'clients')).toHaveLength(6);
  });

  it('cancels a running job after the page in flight, and a pending one at once', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const finished: JobFinishedEvent[] = [];
    hub.on('jobFinished', (event) => finished.push(event));
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    control.beforePage = async (recordType, pageIndex) => {
      if (recordType === 'client' && pageIndex === 1) {
        const { sync_job: requested } = await hub.cancelSyncJob({ supplierId, jobId: sync_job.id });
        expect(requested.job_status).toBe('running');
        expect(requested.cancel_requested_at).toBeDefined();
      }
    };
    const outcome = await createInProcessRunner({ hub }).runOnce();
    expect(outcome).toMatchObject({ status: 'cancelled', resultStatus: null, counts: { read: 4 } });
    expect(control.delivered).toHaveLength(2);
    const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
    expect(job).toMatchObject({ job_status: 'cancelled', records_processed: 4 });
    expect(finished).toMatchObject([{ jobId: sync_job.id, jobStatus: 'cancelled' }]);
    const { integration } = await hub.getIntegration({ supplierId, integrationId });
    expect(integration.connection_status).toBe('connected');

    const pending = await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const cancelled = await hub.cancelSyncJob({ supplierId, jobId: pending.sync_job.id });
    expect(cancelled.sync_job.job_status).toBe('cancelled');
    expect(await createInProcessRunner({ hub }).runOnce()).toBeUndefined();
  });

  it('cancels a parked job (no runner holds it) at once and repairs the connection status', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const runner = createInProcessRunner({ hub, pollIntervalMs: 10 });
    let stopping: Promise<void> | undefined;
    control.beforePage = (_, pageIndex) => {
      if (pageIndex === 0) stopping = runner.stop({ graceful: true });
    };
    runner.start();
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    await waitFor(() => stopping !== undefined);
    await stopping;
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'sync_in_progress',
    );

    const { sync_job: cancelled } = await hub.cancelSyncJob({ supplierId, jobId: sync_job.id });
    expect(cancelled.job_status).toBe('cancelled');
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'connected',
    );
  });

  it('stops a run that lost its lease without writing anything more', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(6) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    control.hangRead = { recordType: 'client', afterPages: 1 };
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const slow = createInProcessRunner({ hub, owner: 'slow', leaseMs: 1_000, heartbeatIntervalMs: 5 });
    const first = slow.runOnce();
    await waitFor(() => control.hanging);
    current.clock.advance(1_001);
    const fast = await createInProcessRunner({ hub, owner: 'fast', leaseMs: 1_000 }).runOnce();
    expect(fast?.status).toBe('completed');
    expect(await first).toMatchObject({ status: 'lease_lost' });
    expect(await rowsOf(current.db, 'clients')).toHaveLength(6);
    expect(await rowsOf(current.db, 'crm_sync_logs')).toHaveLength(7);
  });

  it('runs jobs of several integrations at once, and wakes when a job is queued', async () => {
    const { provider } = createFakeProvider({ data: clientsWithOneProject(3) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const first = await createIntegration(current);
    const second = await createIntegration(current);
    const finished: JobFinishedEvent[] = [];
    hub.on('jobFinished', (event) => finished.push(event));
    const runner = createInProcessRunner({ hub, concurrency: 2, pollIntervalMs: 60_000 });
    runner.start();
    runner.start();
    await hub.triggerSync({ supplierId, integrationId: first, body: { job_type: 'full_import' } });
    await hub.triggerSync({ supplierId, integrationId: second, body: { job_type: 'incremental_sync' } });
    await waitFor(() => finished.length === 2);
    await runner.stop();
    expect(finished.map((event) => event.jobStatus)).toEqual(['completed', 'completed']);
    expect(runner.activeJobIds()).toEqual([]);
  });

  it('refuses a second active job per integration, naming the active one', async () => {
    const { provider } = createFakeProvider({ data: clientsWithOneProject(1) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const error = await hub
      .triggerSync({ supplierId, integrationId, body: { job_type: 'incremental_sync' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobAlreadyActiveError);
    expect((error as JobAlreadyActiveError).activeJobId).toBe(sync_job.id);
    expect((error as Error).message).toContain(sync_job.id);
  });

  it('validates its options', () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    const hub = { claimJob: async () => undefined, runJob: async () => undefined, on: () => () => {} };
    expect(() => createInProcessRunner({ hub: hub as never, concurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => createInProcessRunner({ hub: hub as never, leaseMs: Number.NaN })).toThrow(/leaseMs/);
    expect(() => createInProcessRunner({ hub: {} as never })).toThrow(/CrmHub/);
    expect(() => createInProcessRunner({ hub: hub as never, owner: '' })).toThrow(/owner/);
    expect(provider.id).toBe('tave');
  });
});

describe('job failures', () => {
  it('fails the job with redacted details when the provider fails for good; committed pages stay', async () => {
    const { provider, control } = createFakeProvider({ data: clientsWithOneProject(4) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    control.failRead = {
      recordType: 'project',
      afterPages: 0,
      error: new CrmError(
        'provider_api_failed',
        `GET https://crm.example/v2/job?api_key=${secret} failed with status 503 after 4 attempts`,
        {
          context: { status: 503, attempts: 4, header: `X-API-KEY: ${secret}` },
        },
      ),
    };
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const outcome = await createInProcessRunner({ hub }).runOnce();
    expect(outcome).toMatchObject({ status: 'failed', resultStatus: 'failed' });

    const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
    expect(job).toMatchObject({ job_status: 'failed', result_status: 'failed', records_processed: 4 });
    expect(job.error_details).toMatchObject({ code: 'provider_api_failed', status: 503 });
    expect(JSON.stringify(job.error_details)).not.toContain(secret);
    expect(await rowsOf(current.db, 'clients')).toHaveLength(4);
    const { integration } = await hub.getIntegration({ supplierId, integrationId });
    expect(integration).toMatchObject({ connection_status: 'connected', last_sync_status: 'failed' });
    expect(JSON.stringify(integration.sync_error_details)).not.toContain(secret);

    // A new full import starts over and skips what the failed one committed.
    const retry = await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    expect((await createInProcessRunner({ hub }).runOnce())?.counts).toMatchObject({
      skipped: 4,
      created: 1,
    });
    expect(retry.sync_job.id).not.toBe(sync_job.id);
  });

  it('marks the connection as error when the CRM refuses the credentials', async () => {
    const { provider } = createFakeProvider({ data: clientsWithOneProject(2) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    await hub.updateCredentials({ supplierId, integrationId, authConfig: { api_key: 'wrong-key-987654' } });
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const outcome = await createInProcessRunner({ hub }).runOnce();
    expect(outcome?.status).toBe('failed');
    const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
    expect(job.error_details).toMatchObject({ status: 401 });
    expect(JSON.stringify(job.error_details)).not.toContain('wrong-key-987654');
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'error',
    );
  });

  it('fails jobs it cannot run with a typed error instead of faking them', async () => {
    const { provider } = createFakeProvider({ data: clientsWithOneProject(1) });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId, storage } = current;
    const integrationId = await createIntegration(current);
    const exportJob = await storage.jobs.create({ integration_id: integrationId, job_type: 'export_to_crm' });
    expect(await createInProcessRunner({ hub }).runOnce()).toMatchObject({
      status: 'failed',
      error: { name: 'UnsupportedCapabilityError', code: 'unsupported_capability' },
    });
    expect((await hub.getSyncJob({ supplierId, jobId: exportJob.id })).sync_job.job_status).toBe('failed');
    // A dry run runs, reports what it would do, and writes nothing but its job row and its logs.
    const lastSyncBefore = (await hub.getIntegration({ supplierId, integrationId })).integration.last_sync_at;
    const dryRun = await storage.jobs.create({
      integration_id: integrationId,
      job_type: 'full_import',
      dry_run: true,
    });
    const previewed = await createInProcessRunner({ hub }).runOnce();
    expect(previewed).toMatchObject({ status: 'completed', counts: { 'client.created': 1 } });
    expect(await rowsOf(current.db, 'clients')).toEqual([]);
    expect(await rowsOf(current.db, 'crm_record_links')).toEqual([]);
    const report = await hub.getSyncReport({ supplierId, jobId: dryRun.id });
    expect(report).toMatchObject({
      dry_run: true,
      totals: { to_wedsync: { created: previewed?.counts['created'] } },
    });
    expect(report.entries.filter((entry) => entry.record_type === 'client')).toEqual([
      expect.objectContaining({ direction: 'to_wedsync', action: 'created' }),
    ]);
    expect((await hub.getSyncJob({ supplierId, jobId: dryRun.id })).sync_job).toMatchObject({
      job_status: 'completed',
      dry_run: true,
    });
    // It moved no watermark and recorded no sync on the integration.
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.last_sync_at).toBe(
      lastSyncBefore,
    );
    // Stored mappings that no longer compile fail the job with every problem listed.
    await storage.fieldMappings.replace(integrationId, [
      {
        wedsync_field: 'first_name',
        crm_field: 'firstName',
        field_type: 'text',
        transform_rules: { steps: [{ type: 'nope' }] },
        sync_direction: 'import_only',
        is_required: true,
      },
    ]);
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const failed = await createInProcessRunner({ hub }).runOnce();
    expect(failed?.error).toMatchObject({ code: 'mapping_invalid' });
  });
});
