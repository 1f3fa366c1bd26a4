/**
 * The staged reader of `field_mapping_update` jobs on the in-memory CRM provider and real SQLite: record types
 * never staged are skipped `not_staged`, a parked job resumes from its checkpoint, staged rows without data are
 * left out, and the staged session itself (cursor, refusals, stored CRM settings). The provider is never asked
 * for anything while a job re-maps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  connectionSettingsCheckpointKey,
  createStagedSession,
  defaultStagedPageSize,
  startingFieldMappingUpdateCheckpoint,
} from '../../src/sync/remap.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type TestHub,
} from '../sync/fixtures.js';
import { runRemapJob } from './driver.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

async function importOnce(testHub: TestHub, integrationId: string) {
  await testHub.hub.triggerSync({
    supplierId: testHub.supplierId,
    integrationId,
    body: { job_type: 'full_import' },
  });
  const [outcome] = await createInProcessRunner({ hub: testHub.hub }).drain();
  return outcome;
}

/** Replaces the CRM field of one client mapping (import only: the CRM field is exported by another). */
async function remapField(testHub: TestHub, integrationId: string, wedsyncField: string, crmField: string) {
  const { mappings } = await testHub.hub.getFieldMappings({ supplierId: testHub.supplierId, integrationId });
  const changed = mappings.map((mapping) => ({
    wedsync_field: mapping.wedsync_field,
    crm_field: mapping.wedsync_field === wedsyncField ? crmField : mapping.crm_field,
    field_type: mapping.field_type,
    transform_rules: mapping.transform_rules,
    sync_direction:
      mapping.wedsync_field === wedsyncField ? ('import_only' as const) : mapping.sync_direction,
    is_required: mapping.is_required,
  }));
  const saved = await testHub.hub.updateFieldMappings({
    supplierId: testHub.supplierId,
    integrationId,
    body: { mappings: changed },
  });
  expect(saved.validation_errors ?? []).toEqual([]);
}

describe('field_mapping_update on staged records', () => {
  it('skips a record type never staged as `not_staged`, and resumes a parked job from its checkpoint', async () => {
    const data = emptyData();
    data.client = ['c1', 'c2', 'c3', 'c4', 'c5'].map((id, index) =>
      crmClient(id, { firstName: `Client ${index}`, lastName: 'Able', notes: `note ${index}` }),
    );
    data.project = [crmChild('p1', { client: 'c1' }, { name: 'Wedding' })];
    const { provider, control } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current, {
      sync_config: { excluded_record_types: ['project'] },
    });
    expect(await importOnce(current, integrationId)).toMatchObject({
      status: 'completed',
      counts: { created: 5, 'type_skipped.project.excluded': 1 },
    });
    // Projects are imported from now on, but none was ever staged; client notes now come from `lastName`.
    await current.hub.updateIntegration({
      supplierId: current.supplierId,
      integrationId,
      body: { sync_config: { excluded_record_types: [] } },
    });
    await remapField(current, integrationId, 'notes', 'lastName');
    const sessions = control.sessionsOpened;
    const delivered = control.delivered.length;

    const parked = await runRemapJob(current, integrationId, { provider, pageSize: 2, parkAfterPages: 1 });
    expect(parked.result.kind).toBe('parked');
    // Nothing of the other types was ever staged either (the CRM has none).
    const notStaged = {
      project: 'not_staged',
      event: 'not_staged',
      invoice: 'not_staged',
      payment: 'not_staged',
    };
    expect(parked.job.checkpoint).toMatchObject({
      plan: ['client'],
      phase: 0,
      skipped_types: notStaged,
      totals: { client: 5 },
    });
    expect(parked.job.counts).toMatchObject({
      'client.read': 2,
      'client.updated': 2,
      'type_skipped.project.not_staged': 1,
      record_types_skipped: 4,
    });
    const resumed = await runRemapJob(current, integrationId, {
      provider,
      pageSize: 2,
      resume: parked.job.id,
    });
    expect(resumed.pages).toBe(2);
    expect(resumed.job).toMatchObject({ job_status: 'completed', result_status: 'success' });
    expect(resumed.result.counts).toMatchObject({
      read: 5,
      updated: 5,
      created: 0,
      requests: 0,
      'client.read': 5,
      'type_skipped.project.not_staged': 1,
      'type_skipped.payment.not_staged': 1,
      record_types_skipped: 4,
    });
    expect(resumed.result.counts['project.read']).toBeUndefined();
    // The provider was not asked for anything.
    expect(control.sessionsOpened).toBe(sessions);
    expect(control.delivered).toHaveLength(delivered);

    const links = await current.storage.links.findByExternalIds(integrationId, 'client', ['c1', 'c5']);
    const twins = await current.clientStore.findByIds('client', {
      supplierId: current.supplierId,
      ids: links.map((link) => link.wedsync_record_id),
    });
    expect([...twins.values()].map((twin) => twin.record.notes)).toEqual(['Able', 'Able']);
    const { logs } = await current.storage.logs.list(integrationId, { jobId: resumed.job.id, per_page: 100 });
    expect(logs.map((log) => log.record_id).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('reads the latest staged record of each id; rows without data are left out, deletions read again', async () => {
    const data = emptyData();
    data.client = [
      crmClient('c1', { firstName: 'Ava', lastName: 'First' }),
      crmClient('c2', { firstName: 'Ben', lastName: 'First' }),
      { externalId: '', data: { firstName: 'No id' } },
      crmClient('gone', { firstName: 'Never' }, { deleted: true }),
    ];
    const { provider } = createFakeProvider({ data, pageSize: 10 });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({
      created: 2,
      rejected: 1,
      skipped: 1,
    });
    // Ben changes in the CRM: the next import stages his new raw record (Ava is still listed, unchanged; a CRM
    // that no longer listed her would have her marked deleted by the import's deletion sweep).
    data.client = [
      crmClient('c1', { firstName: 'Ava', lastName: 'First' }),
      crmClient('c2', { firstName: 'Ben', lastName: 'Second' }),
    ];
    current.clock.advance(60_000);
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({
      read: 2,
      updated: 1,
      skipped: 1,
    });
    await remapField(current, integrationId, 'notes', 'lastName');

    const run = await runRemapJob(current, integrationId, { provider });
    expect(run.result.counts).toMatchObject({
      read: 3,
      updated: 2,
      skipped: 1,
      rejected: 0,
      requests: 0,
    });
    const links = await current.storage.links.findByExternalIds(integrationId, 'client', ['c1', 'c2']);
    const twins = await current.clientStore.findByIds('client', {
      supplierId: current.supplierId,
      ids: links.map((link) => link.wedsync_record_id),
    });
    const notes = Object.fromEntries(
      links.map((link) => [link.external_id, twins.get(link.wedsync_record_id)?.record.notes]),
    );
    expect(notes).toEqual({ c1: 'First', c2: 'Second' });
    const { logs } = await current.storage.logs.list(integrationId, { jobId: run.job.id, per_page: 100 });
    expect(logs.find((log) => log.record_id === 'gone')?.action_details).toMatchObject({
      reason: 'deleted_in_crm_before_import',
    });
  });

  it('the staged session pages by cursor, refuses what it cannot do, and reports the stored CRM settings', async () => {
    const data = emptyData();
    data.client = Array.from({ length: 5 }, (_, index) =>
      crmClient(
        `c${index}`,
        { firstName: `Client ${index}` },
        { modifiedAt: `2026-01-0${index + 1}T10:00:00Z` },
      ),
    );
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    await importOnce(current, integrationId);
    const { storage } = current;

    const session = createStagedSession(storage, integrationId, { pageSize: 2 });
    const pages = [];
    for await (const page of session.read('client', { cursor: null })) pages.push(page);
    expect(pages.map((page) => page.records.map((record) => record.externalId))).toEqual([
      ['c0', 'c1'],
      ['c2', 'c3'],
      ['c4'],
    ]);
    expect(pages.map((page) => page.totalRecords)).toEqual([5, 5, 5]);
    expect(pages[0]?.records[1]).toEqual({
      externalId: 'c1',
      modifiedAt: '2026-01-02T10:00:00Z',
      data: { id: 'c1', firstName: 'Client 1' },
    });
    const rest = [];
    for await (const page of session.read('client', { cursor: pages[0]?.cursor ?? null })) rest.push(page);
    expect(rest.flatMap((page) => page.records.map((record) => record.externalId))).toEqual([
      'c2',
      'c3',
      'c4',
    ]);
    const empty = [];
    for await (const page of session.read('event')) empty.push(page);
    expect(empty).toEqual([{ records: [], cursor: null, totalRecords: 0 }]);

    expect(() => session.read('client', { since: '2026-01-01T00:00:00Z' })).toThrow(
      expect.objectContaining({ code: 'unsupported_capability' }),
    );
    expect(() => session.read('contact' as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => createStagedSession(storage, integrationId, { pageSize: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(defaultStagedPageSize).toBe(100);

    // No completed job kept CRM settings: none reported. Then one does.
    expect(await session.testConnection()).toEqual({ availableFeatures: [] });
    const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
    const owner = 'settings-test';
    await storage.jobs.claim({ owner, leaseMs: 60_000, now: current.clock.read(), integrationId });
    await storage.jobs.saveProgress(job.id, {
      owner,
      checkpoint: { [connectionSettingsCheckpointKey]: { currencyCode: 'EUR', dateFormat: 'j/n/Y' } },
    });
    await storage.jobs.finish(job.id, { owner, job_status: 'completed', now: current.clock.read() });
    expect(await session.testConnection()).toEqual({
      availableFeatures: [],
      settings: { currencyCode: 'EUR', dateFormat: 'j/n/Y' },
    });
  });

  it('refuses to resume from a checkpoint it did not write', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const job = await current.storage.jobs.create({
      integration_id: integrationId,
      job_type: 'field_mapping_update',
    });
    await expect(
      startingFieldMappingUpdateCheckpoint({ ...job, checkpoint: { version: 99 } }, async () => ({
        plan: [],
        skipped: {},
      })),
    ).rejects.toMatchObject({ code: 'invalid_argument', context: { jobId: job.id } });
  });
});
