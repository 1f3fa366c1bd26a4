/**
 * The hub facade on real SQLite: every spec operation, tier limits per tier, supplier scoping, credentials
 * sealed and never returned (every row of every table scanned for the plaintext), mapping validation with
 * suggested fixes, connection testing and sync triggering rules.
 */
import { randomUUID } from 'node:crypto';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  CrmError,
  createCrmHub,
  createVault,
  GetCrmIntegrationsResponseSchema,
  GetCrmProvidersResponseSchema,
  GetFieldMappingsResponseSchema,
  GetSyncLogsResponseSchema,
  generateVaultKey,
  InvalidArgumentError,
  NotFoundError,
  TestCrmConnectionResponseSchema,
  TierLimitError,
  UnsupportedCapabilityError,
  ValidationError,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type FakeData,
  rowsOf,
  type TestHub,
} from '../sync/fixtures.js';

const secret = 'live-secret-key-123456';

function data(): FakeData {
  const result = emptyData();
  result.client = [
    crmClient('c1', { firstName: 'Emma', lastName: 'Thompson', email: 'emma@example.com' }),
    crmClient('c2', { firstName: 'Liam', email: 'broken' }),
  ];
  result.project = [crmChild('p1', { client: 'c1' }, { name: 'Wedding' })];
  return result;
}

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

async function captureError(action: Promise<unknown>): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the action to fail');
}

describe('providers and integrations', () => {
  it('lists providers as the spec describes them', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const listed = current.hub.listProviders();
    expect(GetCrmProvidersResponseSchema.parse(listed)).toEqual(listed);
    const [tave] = listed.providers;
    expect(tave).toMatchObject({
      id: 'tave',
      auth_type: 'api_key',
      rate_limits: { requests_per_minute: 120, requests_per_hour: 5000 },
    });
    expect(tave?.supported_features.map((feature) => feature.feature)).toEqual([
      'clients',
      'projects',
      'events',
      'invoices',
    ]);
    expect(tave?.supported_features.find((feature) => feature.feature === 'invoices')?.limitations).toEqual([
      'payments: read',
    ]);
    expect(tave?.field_mappings).toContainEqual(
      expect.objectContaining({ standard_field: 'project.event_date', provider_field: 'eventDate' }),
    );
  });

  it('creates an integration with sealed credentials and default mappings, and never returns credentials', async () => {
    const { provider, control } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const created = await hub.createIntegration({
      supplierId,
      body: {
        crm_provider: 'tave',
        connection_name: '  Main studio ',
        auth_config: { api_key: secret, region: 'us-east' },
      },
    });
    expect(created.integration).toMatchObject({
      supplier_id: supplierId,
      connection_name: 'Main studio',
      connection_status: 'pending_auth',
      auth_config: { api_key: '[set]', region: '[set]' },
    });
    expect(created.auth_url).toBeUndefined();
    const integrationId = created.integration.id;
    const listed = await hub.listIntegrations({ supplierId });
    expect(GetCrmIntegrationsResponseSchema.parse(listed).integrations[0]?.auth_config).toEqual({
      api_key: '[set]',
      region: '[set]',
    });
    const mappings = await hub.getFieldMappings({ supplierId, integrationId });
    expect(GetFieldMappingsResponseSchema.parse(mappings)).toBeDefined();
    expect(mappings.mappings.map((mapping) => mapping.wedsync_field)).toContain('invoice.total.amount_minor');
    expect(mappings.mappings.map((mapping) => mapping.wedsync_field)).toContain('first_name');
    expect(mappings.available_wedsync_fields.map((field) => field.name)).toContain('event.start_date');
    expect(mappings.available_crm_fields.map((field) => field.name)).toContain('project.eventDate');
    expect(listed.integrations[0]?.sync_config.field_mappings).toHaveLength(mappings.mappings.length);

    // Run a sync that also fails once with the key in the error, then scan every row of every table.
    await hub.testConnection({ supplierId, integrationId });
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    await createInProcessRunner({ hub }).drain();
    control.failRead = {
      recordType: 'project',
      afterPages: 0,
      error: new Error(`upstream rejected key ${secret}`),
    };
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [failed] = await createInProcessRunner({ hub }).drain();
    expect(failed?.error).toMatchObject({ message: 'upstream rejected key [REDACTED]' });
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
      current.db,
    );
    expect(tables.rows.length).toBeGreaterThan(10);
    for (const { name } of tables.rows) {
      for (const row of await rowsOf(current.db, name)) {
        expect(JSON.stringify(row), `a row of ${name}`).not.toContain(secret);
      }
    }
    const [stored] = await rowsOf(current.db, 'crm_integrations');
    expect(JSON.parse(String(stored?.['auth_config']))).toMatchObject({ v: 1, alg: 'A256GCM' });
  });

  it('checks the request body, the provider, the credentials and the mappings', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const invalid = (await captureError(
      hub.createIntegration({ supplierId, body: { crm_provider: 'nope', connection_name: '' } as never }),
    )) as ValidationError;
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.issues.map((issue) => issue.path).sort()).toEqual(['connection_name', 'crm_provider']);
    const missing = (await captureError(
      hub.createIntegration({ supplierId, body: { crm_provider: 'honeybook', connection_name: 'HB' } }),
    )) as ValidationError;
    expect(missing.issues).toEqual([
      { path: 'crm_provider', message: 'No provider is installed for `honeybook`' },
    ]);
    const credentials = (await captureError(
      hub.createIntegration({
        supplierId,
        body: { crm_provider: 'tave', connection_name: 'T', auth_config: {} },
      }),
    )) as ValidationError;
    expect(credentials.issues[0]?.path).toBe('auth_config.api_key');
    const mappings = (await captureError(
      hub.createIntegration({
        supplierId,
        body: {
          crm_provider: 'tave',
          connection_name: 'T',
          auth_config: { api_key: secret },
          sync_config: {
            field_mappings: [{ wedsync_field: 'frist_name', crm_field: 'firstName', field_type: 'text' }],
          },
        } as never,
      }),
    )) as ValidationError;
    expect(mappings).toBeInstanceOf(ValidationError);
    expect(mappings.issues[0]).toEqual({
      path: 'sync_config.field_mappings.0',
      message: 'Unknown WedSync field `frist_name` (Did you mean `first_name`?)',
    });
    expect(await rowsOf(current.db, 'crm_integrations')).toHaveLength(0);
  });

  it('wraps credential checks that throw something else, without the secret', async () => {
    const { provider } = createFakeProvider({ data: data() });
    const strict = {
      ...provider,
      validateCredentials(credentials: Record<string, unknown>) {
        throw new Error(`key ${String(credentials['api_key'])} has the wrong shape`);
      },
    };
    current = await createTestHub({ providers: [strict] });
    const error = (await captureError(
      current.hub.createIntegration({
        supplierId: current.supplierId,
        body: { crm_provider: 'tave', connection_name: 'T', auth_config: { api_key: secret } },
      }),
    )) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).not.toContain(secret);
    expect(error.issues[0]?.path).toBe('auth_config');
  });

  it.each([
    ['FREE', 0],
    ['STARTER', 1],
    ['PROFESSIONAL', 3],
    ['SCALE', 5],
  ] as const)('limits a %s supplier to %i integrations', async (tier, limit) => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider], tier });
    for (let index = 0; index < limit; index += 1) await createIntegration(current);
    const error = await captureError(createIntegration(current));
    expect(error).toBeInstanceOf(TierLimitError);
    expect((error as TierLimitError).message).toContain(`The ${tier} tier allows ${limit}`);
    expect((error as TierLimitError).context).toMatchObject({ tier, limit });
  });

  it('lets an ENTERPRISE supplier hold any number of integrations', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider], tier: 'ENTERPRISE' });
    for (let index = 0; index < 7; index += 1) await createIntegration(current);
    expect(
      (await current.hub.listIntegrations({ supplierId: current.supplierId })).integrations,
    ).toHaveLength(7);
  });

  it('asks the host for tiers when the storage cannot read them', async () => {
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    try {
      const storage = createKyselyStorage({ db, supplierTiers: false });
      await storage.migrate();
      const supplierId = randomUUID();
      await db
        .insertInto('suppliers' as never)
        .values({ id: supplierId, name: 'S' } as never)
        .execute();
      const { provider } = createFakeProvider({ data: data() });
      const options = {
        storage,
        clientStore: createKyselyClientStore({ db }),
        providers: [provider],
        vault: createVault({ keys: [{ id: 'k', key: generateVaultKey() }] }),
      };
      expect(() => createCrmHub(options)).toThrow(/getSupplierTier/);
      const tiers: string[] = [];
      const hub = createCrmHub({
        ...options,
        getSupplierTier: (id) => {
          tiers.push(id);
          return 'STARTER';
        },
      });
      const body = { crm_provider: 'tave' as const, connection_name: 'A', auth_config: { api_key: secret } };
      await hub.createIntegration({ supplierId, body });
      await expect(
        hub.createIntegration({ supplierId, body: { ...body, connection_name: 'B' } }),
      ).rejects.toThrow(TierLimitError);
      expect(tiers).toEqual([supplierId, supplierId]);
      const odd = createCrmHub({ ...options, getSupplierTier: () => 'GOLD' as never });
      await expect(odd.createIntegration({ supplierId, body })).rejects.toThrow(/GOLD/);
    } finally {
      await db.destroy();
    }
  });

  it("hides another supplier's integrations and jobs as not found", async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const other = await current.createSupplier();
    const scoped = { supplierId: other, integrationId };
    const attempts: Promise<unknown>[] = [
      hub.getIntegration(scoped),
      hub.updateIntegration({ ...scoped, body: { connection_name: 'Mine now' } }),
      hub.updateCredentials({ ...scoped, authConfig: { api_key: 'x-x-x-x' } }),
      hub.deleteIntegration(scoped),
      hub.testConnection(scoped),
      hub.triggerSync({ ...scoped, body: { job_type: 'full_import' } }),
      hub.listSyncJobs(scoped),
      hub.listSyncLogs(scoped),
      hub.getFieldMappings(scoped),
      hub.updateFieldMappings({ ...scoped, body: { mappings: [] } }),
      hub.getSyncJob({ supplierId: other, jobId: sync_job.id }),
      hub.cancelSyncJob({ supplierId: other, jobId: sync_job.id }),
      hub.getSyncReport({ supplierId: other, jobId: sync_job.id }),
      hub.listConflicts(scoped),
      hub.triggerFieldMappingUpdate(scoped),
    ];
    for (const attempt of attempts) expect(await captureError(attempt)).toBeInstanceOf(NotFoundError);
    expect((await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job.job_status).toBe('pending');
    // Job options are checked before a job exists: a dry run is a boolean, a deletion threshold 0..1 or false.
    await hub.cancelSyncJob({ supplierId, jobId: sync_job.id });
    for (const job_config of [
      { dry_run: 'yes' },
      { deletion_threshold: 2 },
      { deletion_threshold: 'half' },
    ]) {
      const error = await captureError(
        hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import', job_config } }),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toBe(`job_config.${Object.keys(job_config)[0]}`);
    }
    await expect(
      hub.resolveConflict({ supplierId, conflictId: crypto.randomUUID(), resolution: { side: 'crm' } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      hub.resolveConflict({ supplierId, conflictId: 'x', resolution: { side: 'both' } as never }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      hub.listConflicts({ supplierId, integrationId, status: 'closed' as never }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await hub.listIntegrations({ supplierId: other })).integrations).toEqual([]);
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_name).not.toBe(
      'Mine now',
    );
  });

  it('updates the name and part of the sync config, replaces credentials and deletes an integration', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current, {
      sync_config: { conflict_resolution: 'crm_wins' },
    });
    const { integration } = await hub.updateIntegration({
      supplierId,
      integrationId,
      body: {
        connection_name: 'Renamed',
        sync_config: { auto_sync_enabled: true, sync_interval_minutes: 240 },
      },
    });
    expect(integration).toMatchObject({
      connection_name: 'Renamed',
      sync_config: { auto_sync_enabled: true, sync_interval_minutes: 240, conflict_resolution: 'crm_wins' },
    });
    await expect(
      hub.updateIntegration({
        supplierId,
        integrationId,
        body: { sync_config: { sync_interval_minutes: 7 } } as never,
      }),
    ).rejects.toThrow(ValidationError);
    const mappings = [
      { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' as const, is_required: true },
    ];
    const remapped = await hub.updateIntegration({
      supplierId,
      integrationId,
      body: { sync_config: { field_mappings: mappings } },
    });
    expect(remapped.integration.sync_config.field_mappings).toHaveLength(1);
    expect((await hub.getFieldMappings({ supplierId, integrationId })).mappings).toHaveLength(1);

    await hub.testConnection({ supplierId, integrationId });
    const replaced = await hub.updateCredentials({
      supplierId,
      integrationId,
      authConfig: { api_key: 'new-key-000111' },
    });
    expect(replaced.integration).toMatchObject({
      connection_status: 'pending_auth',
      auth_config: { api_key: '[set]' },
    });
    await expect(
      hub.updateCredentials({ supplierId, integrationId, authConfig: 'key' as never }),
    ).rejects.toThrow(ValidationError);

    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    await hub.updateCredentials({ supplierId, integrationId, authConfig: { api_key: secret } });
    await createInProcessRunner({ hub }).drain();
    // Only `first_name` is mapped now: both clients import, and projects have no mappings.
    expect(await rowsOf(current.db, 'clients')).toHaveLength(2);
    expect(await hub.deleteIntegration({ supplierId, integrationId })).toMatchObject({ success: true });
    await expect(hub.getIntegration({ supplierId, integrationId })).rejects.toThrow(NotFoundError);
    expect(await rowsOf(current.db, 'clients')).toHaveLength(2);
  });

  it('shows no credential keys when the vault cannot open them', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const warnings: string[] = [];
    const foreign = createCrmHub({
      storage: current.storage,
      clientStore: current.clientStore,
      providers: [provider],
      vault: createVault({ keys: [{ id: 'other', key: generateVaultKey() }] }),
      logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} },
    });
    const { integration } = await foreign.getIntegration({ supplierId: current.supplierId, integrationId });
    expect(integration.auth_config).toEqual({});
    expect(warnings).toEqual(['Credentials of an integration cannot be opened']);
    // Its connection test fails, with a typed reason.
    const tested = await foreign.testConnection({ supplierId: current.supplierId, integrationId });
    expect(tested.success).toBe(false);
  });
});

describe('field mappings', () => {
  it('returns validation errors with suggested fixes and saves nothing; saves valid mappings', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const before = (await hub.getFieldMappings({ supplierId, integrationId })).mappings;
    const submitted = [
      { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
      { wedsync_field: 'emial', crm_field: 'email', field_type: 'email' },
      { wedsync_field: 'phone', crm_field: 'phone', field_type: 'phnoe' },
      { wedsync_field: 'project.name', crm_field: 'nmae', field_type: 'text' },
      { wedsync_field: 'invoice.number', crm_field: 'number', field_type: 'text' },
    ];
    const response = await hub.updateFieldMappings({
      supplierId,
      integrationId,
      body: { mappings: submitted },
    });
    expect(response.mappings).toEqual(submitted);
    const errors = response.validation_errors ?? [];
    expect(errors).toContainEqual({
      mapping_index: 1,
      field: 'emial',
      error: 'Unknown WedSync field `emial`',
      suggested_fix: 'Did you mean `email`?',
    });
    expect(errors).toContainEqual(
      expect.objectContaining({ mapping_index: 2, suggested_fix: expect.stringContaining('phone') }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({ mapping_index: 3, field: 'nmae', suggested_fix: 'Did you mean `name`?' }),
    );
    expect(errors).toContainEqual(
      expect.objectContaining({
        mapping_index: -1,
        field: 'invoice.status',
        error: expect.stringContaining('invoice.status'),
      }),
    );
    expect(errors.at(-1)?.mapping_index).toBe(-1);
    expect((await hub.getFieldMappings({ supplierId, integrationId })).mappings).toEqual(before);

    const valid = [
      { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
      { wedsync_field: 'project.name', crm_field: 'name', field_type: 'text' },
    ];
    const saved = await hub.updateFieldMappings({ supplierId, integrationId, body: { mappings: valid } });
    expect(saved.validation_errors).toBeUndefined();
    expect(saved.mappings).toEqual([
      { ...valid[0], transform_rules: {}, sync_direction: 'bidirectional' },
      { ...valid[1], transform_rules: {}, sync_direction: 'bidirectional', is_required: false },
    ]);
    const { integration } = await hub.getIntegration({ supplierId, integrationId });
    expect(integration.sync_config.field_mappings).toEqual(saved.mappings);
    await expect(
      hub.updateFieldMappings({ supplierId, integrationId, body: { mappings: 'x' } }),
    ).rejects.toThrow(ValidationError);
  });
});

describe('connection tests and sync triggers', () => {
  it('tests a connection and sets the connection status', async () => {
    const { provider, control } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const ok = await hub.testConnection({ supplierId, integrationId });
    expect(TestCrmConnectionResponseSchema.parse(ok)).toEqual(ok);
    expect(ok).toMatchObject({
      success: true,
      connection_info: {
        provider: 'tave',
        account_name: 'Fake Studio',
        rate_limit_status: { remaining_requests: 120 },
      },
    });
    expect(control.lastCredentials).toEqual({ api_key: secret });
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'connected',
    );

    // During a sync, a successful test leaves the status to the job.
    await current.storage.integrations.setConnectionStatus(integrationId, 'sync_in_progress');
    expect((await hub.testConnection({ supplierId, integrationId })).success).toBe(true);
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'sync_in_progress',
    );

    control.failTest = new Error(`Unauthorized: ${secret} was revoked`);
    const failed = await hub.testConnection({ supplierId, integrationId });
    expect(failed.success).toBe(false);
    expect(failed.error_message).toBe('Unauthorized: [REDACTED] was revoked');
    expect((await hub.getIntegration({ supplierId, integrationId })).integration.connection_status).toBe(
      'error',
    );
  });

  it("reports the CRM's own rate limit status when it gives one", async () => {
    const { provider } = createFakeProvider({ data: data() });
    const reporting = {
      ...provider,
      connect: async (context: Parameters<typeof provider.connect>[0]) => ({
        ...(await provider.connect(context)),
        testConnection: async () => ({
          availableFeatures: ['client'],
          rateLimitStatus: { remainingRequests: 42.7, resetTime: '2026-03-01T10:00:00+01:00' },
        }),
      }),
    };
    current = await createTestHub({ providers: [reporting] });
    const integrationId = await createIntegration(current);
    const tested = await current.hub.testConnection({ supplierId: current.supplierId, integrationId });
    expect(tested.connection_info).toEqual({
      provider: 'tave',
      available_features: ['client'],
      rate_limit_status: { remaining_requests: 42, reset_time: '2026-03-01T09:00:00.000Z' },
    });
  });

  it('refuses what it cannot do, with typed errors', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    await expect(
      hub.triggerSync({ supplierId, integrationId, body: { job_type: 'export_to_crm' } }),
    ).rejects.toThrow(UnsupportedCapabilityError);
    await expect(
      hub.triggerSync({ supplierId, integrationId, body: { job_type: 'rollback' } as never }),
    ).rejects.toThrow(ValidationError);
    const exportOnly = await createIntegration(current, { sync_config: { sync_direction: 'export_only' } });
    await expect(
      hub.triggerSync({ supplierId, integrationId: exportOnly, body: { job_type: 'full_import' } }),
    ).rejects.toThrow(ConflictError);
    await expect(hub.getIntegration({ supplierId: '', integrationId })).rejects.toThrow(InvalidArgumentError);
    await expect(hub.getSyncJob({ supplierId, jobId: randomUUID() })).rejects.toThrow(NotFoundError);
  });

  it('pages jobs and logs, newest first, with filters', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const jobIds: string[] = [];
    for (let run = 0; run < 3; run += 1) {
      const { sync_job } = await hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });
      jobIds.push(sync_job.id);
      await createInProcessRunner({ hub }).drain();
      current.clock.advance(1_000);
    }
    const firstPage = await hub.listSyncJobs({ supplierId, integrationId, per_page: 2 });
    expect(firstPage).toMatchObject({ total: 3, page: 1, per_page: 2 });
    expect(firstPage.sync_jobs.map((job) => job.id)).toEqual([jobIds[2], jobIds[1]]);
    const secondPage = await hub.listSyncJobs({ supplierId, integrationId, page: '2', per_page: '2' });
    expect(secondPage.sync_jobs.map((job) => job.id)).toEqual([jobIds[0]]);
    await expect(hub.listSyncJobs({ supplierId, integrationId, per_page: 501 })).rejects.toThrow(
      ValidationError,
    );

    const logs = await hub.listSyncLogs({ supplierId, integrationId, per_page: 4 });
    expect(GetSyncLogsResponseSchema.parse(logs)).toBeDefined();
    expect(logs).toMatchObject({ total: 9, per_page: 4 });
    const errors = await hub.listSyncLogs({
      supplierId,
      integrationId,
      action_type: 'error',
      record_type: 'client',
    });
    expect(errors.total).toBe(3);
    const ofJob = await hub.listSyncLogs({ supplierId, integrationId, job_id: jobIds[0] });
    expect(ofJob.total).toBe(3);
    await expect(
      hub.listSyncLogs({ supplierId, integrationId, action_type: 'exploded' as never }),
    ).rejects.toThrow(ValidationError);
  });
});

describe('createCrmHub options and events', () => {
  it('refuses unusable options', async () => {
    const { provider } = createFakeProvider({ data: data() });
    current = await createTestHub({ providers: [provider] });
    const base = {
      storage: current.storage,
      clientStore: current.clientStore,
      providers: [provider],
      vault: createVault({ keys: [{ id: 'k', key: generateVaultKey() }] }),
    };
    expect(() => createCrmHub(null as never)).toThrow(InvalidArgumentError);
    expect(() => createCrmHub({ ...base, storage: {} as never })).toThrow(/storage/);
    expect(() => createCrmHub({ ...base, providers: 'tave' as never })).toThrow(/providers/);
    expect(() => createCrmHub({ ...base, providers: [provider, provider] })).toThrow(/twice/);
    expect(() => createCrmHub({ ...base, providers: [{ ...provider, id: 'salesforce' }] })).toThrow(
      /providers\[0\]\.id/,
    );
    expect(() =>
      createCrmHub({ ...base, providers: [{ ...provider, specificationVersion: 'v2' as never }] }),
    ).toThrow(/v1/);
    expect(() => createCrmHub({ ...base, clock: 5 as never })).toThrow(/clock/);
    expect(() => createCrmHub({ ...base, testConnectionTimeoutMs: -1 })).toThrow(/testConnectionTimeoutMs/);
    expect(() => createCrmHub({ ...base, mappingDefaults: 'GB' as never })).toThrow(/mappingDefaults/);
    expect(() => createCrmHub({ ...base, logger: { info() {} } as never })).toThrow(/logger\.debug/);
  });

  it('delivers events to listeners until they unsubscribe; a throwing listener breaks nothing', async () => {
    const { provider } = createFakeProvider({ data: data() });
    const warnings: Record<string, unknown>[] = [];
    current = await createTestHub({
      providers: [provider],
      hubOptions: {
        logger: { debug() {}, info() {}, warn: (_, fields) => warnings.push(fields ?? {}), error() {} },
      },
    });
    const { hub, supplierId } = current;
    const integrationId = await createIntegration(current);
    const seen: string[] = [];
    const unsubscribe = hub.on('jobQueued', (event) => seen.push(event.jobId));
    hub.events.on('progress', () => {
      throw new Error('listener bug');
    });
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    unsubscribe();
    expect(seen).toEqual([sync_job.id]);
    expect((await createInProcessRunner({ hub }).runOnce())?.status).toBe('completed');
    expect(warnings[0]).toEqual({ event: 'progress', error: 'Error' });
    expect(() => hub.on('nope' as never, () => {})).toThrow(InvalidArgumentError);
    expect(() => hub.on('progress', 'x' as never)).toThrow(/listener/);
  });

  it('returns an authorization URL for OAuth2 providers when the host builds one', async () => {
    const { provider } = createFakeProvider({ data: data() });
    const oauth = {
      ...provider,
      id: 'honeybook' as const,
      authKind: 'oauth2' as const,
      oauth2: {
        authorizationUrl: 'https://crm.example/oauth/authorize',
        tokenUrl: 'https://crm.example/oauth/token',
        scopes: ['read'],
      },
      validateCredentials: undefined,
    };
    current = await createTestHub({
      providers: [oauth],
      hubOptions: {
        authorizationUrl: ({ integration, provider: used }) =>
          `${used.oauth2?.authorizationUrl}?state=${integration.id}`,
      },
    });
    const created = await current.hub.createIntegration({
      supplierId: current.supplierId,
      body: { crm_provider: 'honeybook', connection_name: 'HB' },
    });
    expect(created.auth_url).toBe(`https://crm.example/oauth/authorize?state=${created.integration.id}`);
    expect(current.hub.listProviders().providers[0]).toMatchObject({ auth_type: 'oauth2', scopes: ['read'] });
    expect(CrmError.isInstance(new UnsupportedCapabilityError('x'))).toBe(true);
  });
});
