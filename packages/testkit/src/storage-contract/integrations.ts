/** Storage contract: integrations, supplier tiers and field mappings. */
import {
  type CrmFieldMapping,
  CrmIntegrationSchema,
  CrmSyncConfigSchema,
  integrationLimitsByTier,
} from '@wedsync/crm-core';
import { expect } from 'vitest';
import {
  type ContractScope,
  expectCrmError,
  expectIsoTimestamps,
  integrationFixture,
  newIntegration,
  pause,
  sealedEnvelope,
  uniqueName,
} from './harness.js';

const integrationTimestamps = ['created_at', 'updated_at', 'last_sync_at'] as const;

/** Integrations: create, scoped reads, uniqueness, updates, cascade delete, auto-sync selection, tiers. */
export function integrationTests({ fixture, group, test }: ContractScope): void {
  group('integrations', () => {
    test('create returns the spec shape with the sealed auth_config and defaulted sync_config', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier();
      const syncConfig = CrmSyncConfigSchema.parse({
        auto_sync_enabled: true,
        sync_interval_minutes: 240,
        field_mappings: [{ wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' }],
        excluded_record_types: ['invoice'],
      });
      const name = uniqueName('Zoë’s Studio');
      const created = await storage.integrations.create(
        newIntegration(supplierId, { connection_name: name, sync_config: syncConfig }),
      );
      expect(() => CrmIntegrationSchema.parse(created)).not.toThrow();
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).toMatchObject({
        supplier_id: supplierId,
        crm_provider: 'tave',
        connection_name: name,
        connection_status: 'pending_auth',
        auth_config: sealedEnvelope(),
        sync_config: syncConfig,
      });
      expect(created).not.toHaveProperty('last_sync_at');
      expect(created).not.toHaveProperty('last_sync_status');
      expect(created).not.toHaveProperty('sync_error_details');
      expectIsoTimestamps(created, integrationTimestamps);
      expect(await storage.integrations.get(created.id, { supplierId })).toEqual(created);
    });

    test('get is scoped to the supplier; null scope is system access', async () => {
      const { storage, createSupplier } = fixture();
      const { supplierId, integrationId } = await integrationFixture(fixture());
      const stranger = await createSupplier();
      const error = await expectCrmError(
        storage.integrations.get(integrationId, { supplierId: stranger }),
        'not_found',
      );
      expect(error.context).toMatchObject({ integrationId });
      expect((await storage.integrations.get(integrationId, { supplierId: null })).supplier_id).toBe(
        supplierId,
      );
      await expectCrmError(storage.integrations.get(crypto.randomUUID(), { supplierId: null }), 'not_found');
      await expectCrmError(storage.integrations.get('not-a-uuid', { supplierId: null }), 'not_found');
    });

    test('a second connection with the same supplier, provider and name is a ConflictError naming the fields', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier();
      const name = uniqueName();
      const first = await storage.integrations.create(newIntegration(supplierId, { connection_name: name }));
      const error = await expectCrmError(
        storage.integrations.create(newIntegration(supplierId, { connection_name: name })),
        'conflict',
      );
      expect(error.context['fields']).toEqual(['supplier_id', 'crm_provider', 'connection_name']);
      expect(error.context['existingIntegrationId']).toBe(first.id);
      expect(JSON.stringify(error.context)).not.toContain('ciphertext');
      // Another provider, or another supplier, may use the name.
      await storage.integrations.create(
        newIntegration(supplierId, { connection_name: name, crm_provider: 'honeybook' }),
      );
      const other = await createSupplier();
      await storage.integrations.create(newIntegration(other, { connection_name: name }));
      expect(await storage.integrations.count({ supplierId })).toBe(2);
    });

    test('create refuses bad values and unknown suppliers with typed errors', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier();
      await expectCrmError(
        storage.integrations.create(newIntegration(supplierId, { crm_provider: 'salesforce' as never })),
        'invalid_argument',
      );
      await expectCrmError(
        storage.integrations.create(newIntegration(supplierId, { connection_name: '' })),
        'invalid_argument',
      );
      await expectCrmError(
        storage.integrations.create(
          newIntegration(supplierId, { sync_config: { sync_interval_minutes: 7 } as never }),
        ),
        'invalid_argument',
      );
      await expectCrmError(storage.integrations.create(newIntegration(crypto.randomUUID())), 'not_found');
    });

    test('list and count see only the supplier’s integrations, oldest first', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier();
      const other = await createSupplier();
      const created = [];
      for (let index = 0; index < 3; index += 1) {
        created.push(await storage.integrations.create(newIntegration(supplierId)));
        await pause(2);
      }
      await storage.integrations.create(newIntegration(other));
      const listed = await storage.integrations.list({ supplierId });
      expect(listed.map((integration) => integration.id)).toEqual(
        created.map((integration) => integration.id),
      );
      expect(await storage.integrations.count({ supplierId })).toBe(3);
      expect(await storage.integrations.count({ supplierId: crypto.randomUUID() })).toBe(0);
      expect(await storage.integrations.list({ supplierId: 'nobody' })).toEqual([]);
    });

    test('update changes the given columns, bumps updated_at and keeps names unique', async () => {
      const { storage } = fixture();
      const { supplierId, integrationId } = await integrationFixture(fixture());
      const taken = await storage.integrations.create(newIntegration(supplierId));
      const before = await storage.integrations.get(integrationId, { supplierId });
      await pause(5);
      const newConfig = CrmSyncConfigSchema.parse({
        auto_sync_enabled: true,
        conflict_resolution: 'crm_wins',
      });
      const newEnvelope = { ...sealedEnvelope(), ciphertext: 'rotated' };
      const updated = await storage.integrations.update(
        integrationId,
        { supplierId },
        {
          connection_name: 'Renamed ✨',
          sync_config: newConfig,
          auth_config: newEnvelope,
          connection_status: 'connected',
        },
      );
      expect(updated).toMatchObject({
        connection_name: 'Renamed ✨',
        sync_config: newConfig,
        auth_config: newEnvelope,
        connection_status: 'connected',
        created_at: before.created_at,
      });
      expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
      await expectCrmError(
        storage.integrations.update(
          integrationId,
          { supplierId },
          { connection_name: taken.connection_name },
        ),
        'conflict',
      );
      await expectCrmError(
        storage.integrations.update(
          integrationId,
          { supplierId: crypto.randomUUID() },
          { connection_name: 'x' },
        ),
        'not_found',
      );
      expect((await storage.integrations.get(integrationId, { supplierId })).connection_name).toBe(
        'Renamed ✨',
      );
    });

    test('setConnectionStatus and recordSyncOutcome write their columns', async () => {
      const { storage } = fixture();
      const { supplierId, integrationId } = await integrationFixture(fixture());
      await storage.integrations.setConnectionStatus(integrationId, 'error');
      const syncedAt = new Date('2026-03-01T10:15:30.123Z');
      await storage.integrations.recordSyncOutcome(integrationId, {
        last_sync_at: syncedAt,
        last_sync_status: 'partial',
        sync_error_details: { failed: 2, first_error: 'Ungültige E-Mail' },
      });
      let integration = await storage.integrations.get(integrationId, { supplierId });
      expect(integration).toMatchObject({
        connection_status: 'error',
        last_sync_at: '2026-03-01T10:15:30.123Z',
        last_sync_status: 'partial',
        sync_error_details: { failed: 2, first_error: 'Ungültige E-Mail' },
      });
      await storage.integrations.recordSyncOutcome(integrationId, {
        last_sync_at: syncedAt,
        last_sync_status: 'success',
      });
      integration = await storage.integrations.get(integrationId, { supplierId });
      expect(integration.last_sync_status).toBe('success');
      expect(integration).not.toHaveProperty('sync_error_details');
      await expectCrmError(
        storage.integrations.setConnectionStatus(crypto.randomUUID(), 'connected'),
        'not_found',
      );
      await expectCrmError(
        storage.integrations.setConnectionStatus(integrationId, 'asleep' as never),
        'invalid_argument',
      );
    });

    test('listDueForAutoSync picks connected auto-sync integrations whose interval elapsed and without an active job', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier({ tier: 'ENTERPRISE' });
      const now = new Date('2030-06-01T12:00:00.000Z');
      const make = async (
        name: string,
        config: Record<string, unknown>,
        status: 'connected' | 'pending_auth',
        lastSyncMinutesAgo?: number,
      ) => {
        const integration = await storage.integrations.create(
          newIntegration(supplierId, {
            connection_name: uniqueName(name),
            connection_status: status,
            sync_config: CrmSyncConfigSchema.parse(config),
          }),
        );
        if (lastSyncMinutesAgo !== undefined) {
          await storage.integrations.recordSyncOutcome(integration.id, {
            last_sync_at: new Date(now.getTime() - lastSyncMinutesAgo * 60_000),
            last_sync_status: 'success',
          });
        }
        return integration.id;
      };
      const neverSynced = await make(
        'never',
        { auto_sync_enabled: true, sync_interval_minutes: 15 },
        'connected',
      );
      const elapsed = await make(
        'elapsed',
        { auto_sync_enabled: true, sync_interval_minutes: 15 },
        'connected',
        20,
      );
      const exactlyDue = await make(
        'exact',
        { auto_sync_enabled: true, sync_interval_minutes: 30 },
        'connected',
        30,
      );
      const recent = await make(
        'recent',
        { auto_sync_enabled: true, sync_interval_minutes: 15 },
        'connected',
        10,
      );
      const daily = await make(
        'daily',
        { auto_sync_enabled: true, sync_interval_minutes: 1440 },
        'connected',
        600,
      );
      const disabled = await make('disabled', { auto_sync_enabled: false }, 'connected');
      const unauthorised = await make('pending', { auto_sync_enabled: true }, 'pending_auth');
      const busy = await make(
        'busy',
        { auto_sync_enabled: true, sync_interval_minutes: 15 },
        'connected',
        60,
      );
      await storage.jobs.create({ integration_id: busy, job_type: 'incremental_sync' });

      const mine = new Set([neverSynced, elapsed, exactlyDue, recent, daily, disabled, unauthorised, busy]);
      const due = (await storage.integrations.listDueForAutoSync(now, { limit: 10_000 }))
        .map((integration) => integration.id)
        .filter((id) => mine.has(id));
      // Never synced first, then the longest-waiting.
      expect(due).toEqual([neverSynced, exactlyDue, elapsed]);
    });

    test('deleting an integration removes its mappings, jobs, logs, staging, links, conflicts and backups', async () => {
      const { storage } = fixture();
      const { supplierId, integrationId } = await integrationFixture(fixture());
      await storage.fieldMappings.replace(integrationId, [
        {
          wedsync_field: 'email',
          crm_field: 'email',
          field_type: 'email',
          transform_rules: {},
          sync_direction: 'bidirectional',
          is_required: true,
        },
      ]);
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.staging.insert([
        { integration_id: integrationId, sync_job_id: job.id, external_id: 'c1', raw_data: { a: 1 } },
      ]);
      await storage.logs.insert([
        {
          integration_id: integrationId,
          sync_job_id: job.id,
          record_type: 'client',
          record_id: 'c1',
          action_type: 'created',
        },
      ]);
      await storage.links.upsert([
        { integration_id: integrationId, record_type: 'client', external_id: 'c1', wedsync_record_id: 'w1' },
      ]);
      const [conflict] = await storage.conflicts.insert([
        {
          integration_id: integrationId,
          record_type: 'client',
          external_id: 'c1',
          field: 'email',
          wedsync_value: 'a',
          crm_value: 'b',
        },
      ]);
      await storage.backups.insert([
        {
          sync_job_id: job.id,
          integration_id: integrationId,
          record_type: 'client',
          wedsync_record_id: 'w1',
          operation: 'created',
        },
      ]);

      await expectCrmError(
        storage.integrations.delete(integrationId, { supplierId: crypto.randomUUID() }),
        'not_found',
      );
      await storage.integrations.delete(integrationId, { supplierId });
      await expectCrmError(storage.integrations.get(integrationId, { supplierId }), 'not_found');
      expect(await storage.fieldMappings.list(integrationId)).toEqual([]);
      await expectCrmError(storage.jobs.get(job.id), 'not_found');
      expect((await storage.jobs.list(integrationId)).total).toBe(0);
      expect((await storage.logs.list(integrationId)).total).toBe(0);
      expect((await storage.staging.list({ integrationId })).staging_rows).toEqual([]);
      expect(await storage.links.findByExternalIds(integrationId, 'client', ['c1'])).toEqual([]);
      await expectCrmError(storage.conflicts.get(conflict?.id ?? ''), 'not_found');
      expect((await storage.backups.list(job.id)).backups).toEqual([]);
      await expectCrmError(storage.integrations.delete(integrationId, { supplierId }), 'not_found');
    });

    test('getSupplierTier reads the supplier’s tier; an unknown supplier is not found', async () => {
      const { storage, createSupplier } = fixture();
      if (storage.getSupplierTier === undefined) {
        // Optional capability: a storage without it leaves tiers to the host.
        expect(storage.getSupplierTier).toBeUndefined();
        return;
      }
      for (const tier of ['FREE', 'STARTER', 'PROFESSIONAL', 'SCALE', 'ENTERPRISE'] as const) {
        const supplierId = await createSupplier({ tier });
        expect(await storage.getSupplierTier(supplierId)).toBe(tier);
      }
      await expectCrmError(storage.getSupplierTier(crypto.randomUUID()), 'not_found');
    });

    test('create with maxIntegrations enforces the tier limit, also under concurrent creates', async () => {
      const { storage, createSupplier } = fixture();
      const supplierId = await createSupplier({ tier: 'STARTER' });
      const limit = integrationLimitsByTier.STARTER ?? 0;
      expect(limit).toBe(1);
      // Warm a connection pool so the creates below really overlap.
      await Promise.all(Array.from({ length: 4 }, () => storage.integrations.count({ supplierId })));
      const attempts = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          storage.integrations.create(newIntegration(supplierId), { maxIntegrations: limit }),
        ),
      );
      const created = attempts.filter((attempt) => attempt.status === 'fulfilled');
      const refused = attempts.filter((attempt) => attempt.status === 'rejected');
      expect(created).toHaveLength(1);
      for (const attempt of refused) {
        expect((attempt as PromiseRejectedResult).reason).toMatchObject({
          code: 'tier_limit_exceeded',
          context: { supplierId, limit: 1, count: 1 },
        });
      }
      expect(await storage.integrations.count({ supplierId })).toBe(1);
      const free = await createSupplier({ tier: 'FREE' });
      await expectCrmError(
        storage.integrations.create(newIntegration(free), { maxIntegrations: 0 }),
        'tier_limit_exceeded',
      );
      await expectCrmError(
        storage.integrations.create(newIntegration(crypto.randomUUID()), { maxIntegrations: 3 }),
        'not_found',
      );
      // No limit (ENTERPRISE).
      await storage.integrations.create(newIntegration(supplierId), { maxIntegrations: null });
      expect(await storage.integrations.count({ supplierId })).toBe(2);
    });
  });

  group('field mappings', () => {
    const mapping = (index: number, overrides: Partial<CrmFieldMapping> = {}): CrmFieldMapping => ({
      wedsync_field: `custom_fields.f${index}`,
      crm_field: `customFields[${index}].value`,
      field_type: 'text',
      transform_rules: {},
      sync_direction: 'bidirectional',
      is_required: false,
      ...overrides,
    });

    test('replace stores the mappings in order and list returns them', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const mappings = [
        mapping(3, {
          wedsync_field: 'wedding_date',
          crm_field: 'eventDate',
          field_type: 'date',
          transform_rules: { steps: [{ op: 'date', format: 'n/j/Y' }] },
          is_required: true,
        }),
        mapping(1, { sync_direction: 'import_only', field_type: 'phone' }),
        mapping(2, { wedsync_field: 'notes', crm_field: 'leadNotes', transform_rules: { note: 'Grüße 👋' } }),
      ];
      expect(await storage.fieldMappings.replace(integrationId, mappings)).toEqual(mappings);
      expect(await storage.fieldMappings.list(integrationId)).toEqual(mappings);
    });

    test('replace swaps the whole set atomically; a duplicate pair leaves the old set', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const first = [mapping(1), mapping(2)];
      await storage.fieldMappings.replace(integrationId, first);
      const error = await expectCrmError(
        storage.fieldMappings.replace(integrationId, [mapping(7), mapping(8), mapping(7)]),
        'conflict',
      );
      expect(error.context['indexes']).toEqual([0, 2]);
      expect(await storage.fieldMappings.list(integrationId)).toEqual(first);
      const many = Array.from({ length: 300 }, (_, index) => mapping(index));
      await storage.fieldMappings.replace(integrationId, many);
      expect(await storage.fieldMappings.list(integrationId)).toEqual(many);
      await storage.fieldMappings.replace(integrationId, []);
      expect(await storage.fieldMappings.list(integrationId)).toEqual([]);
    });

    test('replace refuses an unknown integration and invalid mappings', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      await expectCrmError(storage.fieldMappings.replace(crypto.randomUUID(), [mapping(1)]), 'not_found');
      await expectCrmError(
        storage.fieldMappings.replace(integrationId, [mapping(1, { field_type: 'blob' as never })]),
        'invalid_argument',
      );
    });
  });
}
