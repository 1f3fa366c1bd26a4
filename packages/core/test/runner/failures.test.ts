/**
 * What the runner and the job lifecycle do when their surroundings fail: a claim or a heartbeat that fails for a
 * moment, an integration deleted mid-run, a provider no longer installed, a status left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCrmHub,
  createVault,
  foldName,
  generateVaultKey,
  type HubStorage,
  nameKey,
  normalizeEmail,
  normalizePhone,
  StorageError,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmClient,
  emptyData,
  type TestHub,
  waitFor,
} from '../sync/fixtures.js';

const sharedVault = createVault({ keys: [{ id: 'shared', key: generateVaultKey() }] });

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

function recordingLogger() {
  const lines: string[] = [];
  const write = (message: string) => lines.push(message);
  return { lines, logger: { debug: write, info: write, warn: write, error: write } };
}

describe('runner surroundings', () => {
  it('logs a failed claim and a failed run, and keeps going', async () => {
    const { lines, logger } = recordingLogger();
    let claims = 0;
    const hub = {
      claimJob: async () => {
        claims += 1;
        if (claims === 1) throw new Error('database busy');
        if (claims === 2) return { id: 'job-1' } as never;
        return undefined;
      },
      runJob: async () => {
        throw new Error('bug');
      },
      on: () => () => {},
    };
    const runner = createInProcessRunner({ hub, logger, pollIntervalMs: 5 });
    runner.start();
    await waitFor(() => claims >= 4);
    await runner.stop();
    expect(lines).toContain('Claiming a job failed; trying again later');
    expect(lines).toContain('A job run failed unexpectedly; its lease will expire and it will be resumed');
    expect(() => createInProcessRunner(null as never)).toThrow(/options/);
    await expect(runner.drain({ maxJobs: 0 })).rejects.toThrow(/maxJobs/);
  });

  it('retries a heartbeat that failed for a moment', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava' }), crmClient('c2', { firstName: 'Ben' })];
    const { provider, control } = createFakeProvider({ data, pageSize: 1 });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const { lines, logger } = recordingLogger();
    let failOnce = true;
    const storage: HubStorage = {
      ...current.storage,
      jobs: {
        ...current.storage.jobs,
        heartbeat: async (jobId, options) => {
          if (failOnce) {
            failOnce = false;
            throw new StorageError('connection reset');
          }
          return current!.storage.jobs.heartbeat(jobId, options);
        },
      },
    };
    // A hub over the wrapped storage (and its own vault).
    const wrapped = createCrmHub({
      storage,
      clientStore: current.clientStore,
      providers: [provider],
      vault: sharedVault,
      logger,
      clock: current.clock.read,
    });
    const { integration } = await wrapped.createIntegration({
      supplierId: current.supplierId,
      body: {
        crm_provider: 'tave',
        connection_name: 'wrapped',
        auth_config: { api_key: 'live-secret-key-123456' },
      },
    });
    await wrapped.triggerSync({
      supplierId: current.supplierId,
      integrationId: integration.id,
      body: { job_type: 'full_import' },
    });
    // Pages renew the lease in their own transactions; the heartbeat runs in a wait with no page committed.
    control.beforePage = () => new Promise((resolve) => setTimeout(resolve, 40));
    const outcome = await createInProcessRunner({ hub: wrapped, heartbeatIntervalMs: 5 }).runOnce();
    expect(outcome?.status).toBe('completed');
    expect(failOnce).toBe(false);
    expect(lines).toContain('Renewing a job lease failed; retrying at the next heartbeat');
    expect(control.delivered.length).toBeGreaterThan(0);
    expect(integrationId).not.toBe(integration.id);
  });

  it('fails a job whose integration is deleted mid-run, and one whose provider is gone', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava' }), crmClient('c2', { firstName: 'Ben' })];
    const { provider, control } = createFakeProvider({ data, pageSize: 1 });
    const { lines, logger } = recordingLogger();
    current = await createTestHub({ providers: [provider], hubOptions: { logger } });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    control.beforePage = async (_, pageIndex) => {
      if (pageIndex === 1) await hub.deleteIntegration({ supplierId, integrationId });
    };
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const outcome = await createInProcessRunner({ hub }).runOnce();
    expect(outcome?.status).toBe('failed');
    control.beforePage = undefined;

    const orphan = await createIntegration(current);
    await hub.triggerSync({ supplierId, integrationId: orphan, body: { job_type: 'full_import' } });
    const without = createCrmHub({
      storage: current.storage,
      clientStore: current.clientStore,
      providers: [],
      vault: sharedVault,
      getSupplierTier: () => 'ENTERPRISE',
      mappingDefaults: { defaultCountry: 'US' },
    });
    const failed = await createInProcessRunner({ hub: without }).runOnce();
    expect(failed).toMatchObject({ status: 'failed', error: { name: 'UnsupportedCapabilityError' } });
    expect(await without.scheduleDueSyncs()).toEqual([]);
    expect(lines).toContain(
      'Recording a failed job failed; its lease will expire and a runner will retry it',
    );
  });

  it('repairs a connection status left at sync_in_progress when a sync is triggered', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId, storage } = current;
    const integrationId = await createIntegration(current);
    await storage.integrations.setConnectionStatus(integrationId, 'sync_in_progress');
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'connected',
    );
  });

  it('skips a due integration whose job became active in the meantime', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    current = await createTestHub({ providers: [provider] });
    const { supplierId, storage } = current;
    const integrationId = await createIntegration(current);
    await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
    const integration = await storage.integrations.get(integrationId, { supplierId });
    const racing: HubStorage = {
      ...storage,
      integrations: { ...storage.integrations, listDueForAutoSync: async () => [integration] },
    };
    const hub = createCrmHub({
      storage: racing,
      clientStore: current.clientStore,
      providers: [provider],
      vault: sharedVault,
    });
    expect(await hub.scheduleDueSyncs({ limit: 5 })).toEqual([]);
    const listener = () => {};
    hub.on('progress', listener);
    hub.off('progress', listener);
  });
});

describe('dedupe keys', () => {
  it('are the one implementation the store and the engine share', () => {
    expect(normalizeEmail('  Zoë.Kim@Example.ORG ')).toBe('zoë.kim@example.org');
    expect(normalizePhone('+44 7700 900123')).toBe('+447700900123');
    expect(nameKey({ first_name: 'José', last_name: "O'Brien-García" })).toBe('jose obrien garcia');
    expect(nameKey({ full_name: '   ' })).toBeNull();
    expect(foldName('Łukasz Ærø')).toBe('lukasz aero');
  });
});
