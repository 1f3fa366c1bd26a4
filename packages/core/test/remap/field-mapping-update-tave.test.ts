/**
 * `field_mapping_update` over a real import from the fake Tave (HTTP) into SQLite: after a full import, the
 * mappings change (a template fills the clients' notes from Tave's `name`; the phone mapping turns strict), and
 * the job re-maps the staged raw records — zero requests to Tave — updating every client as the new mappings
 * say, rejecting (with the reason) the clients whose phone the strict mapping refuses, and leaving the other
 * record types alone. It parks after two pages and resumes from its checkpoint; a second run changes nothing.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { generateStudio, type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmFieldMapping, CrmProviderV1, ImportMappingOptions, SyncJobCounts } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { compileImportMappings } from '../../src/sync/full-import.js';
import { createTestHub, rowsOf, type TestHub } from '../sync/fixtures.js';
import { runRemapJob } from './driver.js';

const apiKey = 'tave-remap-key-0123456789';
const notesTemplate = 'Tave contact: {name}';
const dateOrders = { 'n/j/Y': 'month_first', 'j/n/Y': 'day_first', 'Y-m-d': 'year_first' } as const;

/** The mapping options the runner derives from the studio's settings (currency, country, date format). */
function studioMappingOptions(fake: RunningFakeTave): ImportMappingOptions {
  const { currency, country, dateFormat } = fake.settings;
  return {
    currency: currency.toUpperCase(),
    defaultCountry: country.toUpperCase(),
    dateOrder: dateOrders[dateFormat as keyof typeof dateOrders],
  } as ImportMappingOptions;
}

/** A mapping as `updateFieldMappings` takes it. */
function input(mapping: CrmFieldMapping): CrmFieldMapping {
  return {
    wedsync_field: mapping.wedsync_field,
    crm_field: mapping.crm_field,
    field_type: mapping.field_type,
    transform_rules: mapping.transform_rules,
    sync_direction: mapping.sync_direction,
    is_required: mapping.is_required,
  };
}

function outcomesOf(counts: SyncJobCounts, type: string): number {
  return ['created', 'updated', 'linked', 'flagged', 'rejected', 'skipped', 'deleted'].reduce(
    (sum, kind) => sum + (counts[`${type}.${kind}`] ?? 0),
    0,
  );
}

describe('field_mapping_update re-maps the staged Tave records without reading Tave', () => {
  let fake: RunningFakeTave;
  let testHub: TestHub;
  let provider: CrmProviderV1;
  let integrationId: string;
  let plantedId: string;
  let fullJobId: string;
  let fullCounts: SyncJobCounts;

  beforeAll(async () => {
    const studio = generateStudio({ seed: 23, clients: 60 });
    fake = await startFakeTave({ apiKey, studio });
    // A client whose cell phone Tave could not parse: the default (lenient) mapping drops it with a warning.
    const planted = studio.people.find(
      (person) => person.role === 'client' && person.firstName !== null && person.email !== null,
    );
    if (planted === undefined) throw new Error('The studio has no client');
    plantedId = planted.id;
    fake.state.update('address-book', plantedId, {
      cellPhone: {
        id: null,
        formatted: 'call me maybe',
        e164: null,
        extension: null,
        telUri: null,
        dialCode: null,
        countryCode: null,
      },
    } as never);
    provider = createTave({
      baseUrl: fake.url,
      pageSize: 100,
      rateLimits: { requestsPerMinute: 6000, requestsPerHour: 100_000, concurrency: 4 },
    });
    testHub = await createTestHub({
      providers: [provider],
      hubOptions: { httpClientFactory: createProviderHttpFactory() },
    });
    const { integration } = await testHub.hub.createIntegration({
      supplierId: testHub.supplierId,
      body: { crm_provider: 'tave', connection_name: 'Tave', auth_config: { api_key: apiKey } },
    });
    integrationId = integration.id;
    const { sync_job } = await testHub.hub.triggerSync({
      supplierId: testHub.supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    fullJobId = sync_job.id;
    const [outcome] = await createInProcessRunner({ hub: testHub.hub }).drain();
    expect(outcome).toMatchObject({ status: 'completed' });
    fullCounts = outcome?.counts ?? {};
  }, 120_000);

  afterAll(async () => {
    await testHub?.destroy();
    await fake?.close();
  });

  it('maps every staged record again with the new mappings, without a request to Tave', async () => {
    const { hub, storage, clientStore, supplierId } = testHub;
    expect(fullCounts['client.read']).toBeGreaterThan(50);
    const [plantedLink] = await storage.links.findByExternalIds(integrationId, 'client', [plantedId]);
    expect(plantedLink).toBeDefined();

    // The options the import mapped with: the same fingerprints as the import's.
    const before = await storage.fieldMappings.list(integrationId);
    const fullJob = await storage.jobs.get(fullJobId);
    const plan = fullJob.checkpoint?.['plan'] as ('client' | 'project' | 'event' | 'invoice' | 'payment')[];
    const mappingOptions = studioMappingOptions(fake);
    const fingerprints = Object.fromEntries(
      [...compileImportMappings(plan, before, mappingOptions)].map(([type, entry]) => [
        type,
        entry.fingerprint,
      ]),
    );
    expect(fingerprints).toEqual(fullJob.checkpoint?.['fingerprints']);

    // New mappings: notes from a template of Tave's `name`; the phone strict (no `on_invalid: skip_field`).
    const changed = before.map((mapping) =>
      mapping.wedsync_field === 'phone' ? { ...input(mapping), transform_rules: {} } : input(mapping),
    );
    changed.push({
      wedsync_field: 'notes',
      crm_field: 'name',
      field_type: 'text',
      transform_rules: { steps: [{ type: 'template', template: notesTemplate }] },
      sync_direction: 'import_only',
      is_required: false,
    } as CrmFieldMapping);
    const saved = await hub.updateFieldMappings({ supplierId, integrationId, body: { mappings: changed } });
    expect(saved.validation_errors ?? []).toEqual([]);

    const stagedClients = await storage.staging.countLatest(integrationId, 'client');
    const stagedByType = Object.fromEntries(
      await Promise.all(
        plan.map(async (type) => [type, await storage.staging.countLatest(integrationId, type)] as const),
      ),
    );
    fake.requestLog.clear();

    // Park after two pages of 20, then resume from the checkpoint.
    const parked = await runRemapJob(testHub, integrationId, {
      provider,
      mappingOptions,
      pageSize: 20,
      parkAfterPages: 2,
    });
    expect(parked.result.kind).toBe('parked');
    expect(parked.job.job_status).toBe('running');
    expect(parked.job.checkpoint).toMatchObject({ phase: 0, cursor: expect.any(String) });
    expect(parked.job.records_processed).toBe(40);
    const resumed = await runRemapJob(testHub, integrationId, {
      provider,
      mappingOptions,
      pageSize: 20,
      resume: parked.job.id,
    });
    expect(resumed.result.kind).toBe('finished');
    const counts = resumed.result.counts;
    const job = resumed.job;
    expect(job).toMatchObject({ job_status: 'completed', result_status: 'partial' });

    // Not one request to Tave.
    expect(fake.requestLog.entries()).toEqual([]);
    expect(counts).toMatchObject({ requests: 0, retries: 0, rate_limited: 0, created: 0 });

    // Every latest staged record read exactly once, each with one outcome and one log row.
    for (const type of plan) {
      expect(counts[`${type}.read`] ?? 0, type).toBe(stagedByType[type]);
      expect(outcomesOf(counts, type), type).toBe(counts[`${type}.read`] ?? 0);
    }
    expect(counts['client.read']).toBe(stagedClients);
    const { logs, total } = await storage.logs.list(integrationId, { jobId: job.id, per_page: 500 });
    expect(total).toBe(counts['read']);
    expect(new Set(logs.map((log) => `${log.record_type}:${log.record_id}`)).size).toBe(total);

    // Only client mappings changed: the other types are skipped as unchanged.
    for (const type of plan.filter((type) => type !== 'client')) {
      expect(counts[`${type}.skipped`] ?? 0, type).toBe(counts[`${type}.read`] ?? 0);
    }

    // Rejected: the clients whose phone the strict mapping refuses, the planted one among them.
    const rejected = logs.filter((log) => log.action_type === 'error');
    expect(rejected.length).toBe(counts['client.rejected']);
    expect(rejected.map((log) => log.record_id)).toContain(plantedId);
    for (const log of rejected) {
      expect(log).toMatchObject({ record_type: 'client', action_details: { reason: 'mapping_failed' } });
      expect(log.error_message).toMatch(/^1 field could not be mapped \(phone: invalid_phone\)$/);
    }
    const rejectedIds = new Set(rejected.map((log) => log.record_id));
    expect(counts['client.updated']).toBeGreaterThan(40);

    // Every other linked client got its notes from the template; the rejected ones were left as they were.
    const links = (await storage.links.list(integrationId, 'client', { limit: 5000 })).links;
    const twins = await clientStore.findByIds('client', {
      supplierId,
      ids: links.map((link) => link.wedsync_record_id),
    });
    const staged = new Map<string, Record<string, unknown>>();
    for (let after: string | null = null, first = true; first || after !== null; first = false) {
      const page = await storage.staging.listLatest(integrationId, 'client', { after, limit: 500 });
      for (const row of page.staging_rows) staged.set(row.external_id, row.raw_data['data'] as never);
      after = page.next_cursor;
    }
    let withNotes = 0;
    for (const link of links) {
      const twin = twins.get(link.wedsync_record_id);
      const name = staged.get(link.external_id)?.['name'];
      if (rejectedIds.has(link.external_id)) {
        expect(twin?.record.notes, link.external_id).toBeUndefined();
      } else if (typeof name === 'string') {
        expect(twin?.record.notes, link.external_id).toBe(`Tave contact: ${name}`);
        withNotes += 1;
      }
    }
    expect(withNotes).toBe(counts['client.updated']);
    const plantedTwin = twins.get(plantedLink?.wedsync_record_id as string);
    expect(plantedTwin?.record.notes).toBeUndefined();
  }, 120_000);

  it('a second run through the hub, with the same mappings, changes nothing', async () => {
    const { storage, db, hub, supplierId } = testHub;
    const beforeRows = await rowsOf(db, 'clients');
    const beforeLinks = (await storage.links.list(integrationId, 'client', { limit: 5000 })).links;
    fake.requestLog.clear();
    const { sync_job } = await hub.triggerFieldMappingUpdate({ supplierId, integrationId });
    expect(sync_job).toMatchObject({ job_type: 'field_mapping_update', dry_run: false });
    const [outcome] = await createInProcessRunner({ hub }).drain();
    expect(outcome).toMatchObject({ jobId: sync_job.id, status: 'completed' });
    // The runner mapped with the settings the import kept (the fingerprints match: nothing re-mapped as changed).
    const job = await storage.jobs.get(sync_job.id);
    expect(job.checkpoint?.['fingerprints']).toEqual(
      (
        await storage.jobs.get(
          (
            await storage.jobs.list(integrationId, { per_page: 100 })
          ).sync_jobs[1]?.id as string,
        )
      ).checkpoint?.['fingerprints'],
    );
    const counts = outcome?.counts ?? {};
    expect(counts).toMatchObject({ created: 0, updated: 0, deleted: 0, requests: 0 });
    // The clients the strict phone mapping refuses are refused again; everything else is unchanged.
    expect(counts['rejected']).toBeGreaterThanOrEqual(1);
    expect(counts['client.skipped']).toBe(
      (counts['client.read'] ?? 0) -
        (counts['client.rejected'] ?? 0) -
        (counts['client.linked'] ?? 0) -
        (counts['client.flagged'] ?? 0),
    );
    expect(fake.requestLog.entries()).toEqual([]);
    expect(await rowsOf(db, 'clients')).toEqual(beforeRows);
    expect((await storage.links.list(integrationId, 'client', { limit: 5000 })).links).toEqual(beforeLinks);

    // An export-only integration has nothing to map again; another job running refuses a second.
    await hub.updateIntegration({
      supplierId,
      integrationId,
      body: { sync_config: { sync_direction: 'export_only' } },
    });
    await expect(hub.triggerFieldMappingUpdate({ supplierId, integrationId })).rejects.toMatchObject({
      code: 'conflict',
    });
    await hub.updateIntegration({
      supplierId,
      integrationId,
      body: { sync_config: { sync_direction: 'import_only' } },
    });
    await hub.triggerFieldMappingUpdate({ supplierId, integrationId, dryRun: true });
    await expect(hub.triggerFieldMappingUpdate({ supplierId, integrationId })).rejects.toMatchObject({
      code: 'job_already_active',
    });
    const [dry] = await createInProcessRunner({ hub }).drain();
    expect(dry).toMatchObject({ status: 'completed' });
    expect(await rowsOf(db, 'clients')).toEqual(beforeRows);
  }, 120_000);
});
