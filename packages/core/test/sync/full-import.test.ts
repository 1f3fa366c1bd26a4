/**
 * The full import pipeline end to end on real SQLite: every record accounted for, bad records rejected with
 * reasons while the rest import, relationships resolved through record links, unchanged records skipped by
 * content hash, updates merged three ways, deletions marked, progress emitted once per page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CanonicalClient,
  type ProgressEvent,
  recordOutcomeKinds,
  type StoredRecord,
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
} from './fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

function weddingData(): FakeData {
  const data = emptyData();
  data.client = [
    crmClient('c1', {
      firstName: 'Emma',
      lastName: 'Thompson',
      email: 'emma@example.com',
      phone: '+14155550101',
      weddingDate: '2026-06-20',
    }),
    crmClient('c2', {
      firstName: 'Liam',
      lastName: 'Okafor',
      email: 'liam@example.com',
      phone: '+14155550102',
      weddingDate: '2026-07-04',
    }),
    crmClient('c3', {
      firstName: 'Sofia',
      lastName: 'García',
      email: 'sofia@example.com',
      weddingDate: '2026-09-12',
    }),
  ];
  data.project = [
    crmChild('p1', { client: 'c1', partner: 'c2' }, { name: 'Thompson wedding', eventDate: '2026-06-20' }),
    crmChild('p2', { client: 'c3' }, { name: 'García wedding', eventDate: '2026-09-12' }),
  ];
  data.event = [
    crmChild('e1', { project: 'p1' }, { name: 'Ceremony', startDate: '2026-06-20' }),
    crmChild('e2', { project: 'p1' }, { name: 'Reception', startDate: '2026-06-20' }),
    crmChild('e3', { project: 'p2' }, { name: 'Ceremony', startDate: '2026-09-12' }),
  ];
  data.invoice = [
    crmChild('i1', { project: 'p1' }, { number: 'INV-1', status: 'open', total: 350000, currency: 'USD' }),
  ];
  data.payment = [
    crmChild('pay1', { project: 'p1', invoice: 'i1' }, { amount: 100000, currency: 'USD', status: 'paid' }),
    crmChild('pay2', { invoice: 'i1' }, { amount: 50000, currency: 'USD', status: 'scheduled' }),
  ];
  return data;
}

async function runImport(testHub: TestHub, integrationId: string) {
  const { sync_job } = await testHub.hub.triggerSync({
    supplierId: testHub.supplierId,
    integrationId,
    body: { job_type: 'full_import' },
  });
  const runner = createInProcessRunner({ hub: testHub.hub, owner: 'test-runner' });
  const outcomes = await runner.drain();
  const job = (await testHub.hub.getSyncJob({ supplierId: testHub.supplierId, jobId: sync_job.id })).sync_job;
  return { job, outcomes };
}

async function linkOf(
  testHub: TestHub,
  integrationId: string,
  recordType: 'client' | 'project' | 'event' | 'invoice' | 'payment',
  externalId: string,
) {
  const [link] = await testHub.storage.links.findByExternalIds(integrationId, recordType, [externalId]);
  return link;
}

function sumOfOutcomes(counts: Record<string, number>, prefix = ''): number {
  return recordOutcomeKinds.reduce((sum, kind) => sum + (counts[`${prefix}${kind}`] ?? 0), 0);
}

describe('full import', () => {
  it('imports every record type with its relationships, and accounts for every record', async () => {
    const data = weddingData();
    const { provider, control } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const progress: ProgressEvent[] = [];
    current.hub.on('progress', (event) => progress.push(event));

    const { job, outcomes } = await runImport(current, integrationId);

    expect(outcomes).toHaveLength(1);
    expect(job.job_status).toBe('completed');
    expect(job.result_status).toBe('success');
    expect(job.progress_percent).toBe(100);
    const counts = job.counts ?? {};
    expect(counts['read']).toBe(11);
    expect(counts['created']).toBe(11);
    expect(sumOfOutcomes(counts)).toBe(counts['read']);
    for (const type of ['client', 'project', 'event', 'invoice', 'payment']) {
      expect(sumOfOutcomes(counts, `${type}.`)).toBe(counts[`${type}.read`]);
    }
    expect(job.records_processed).toBe(11);
    expect(job.records_total).toBe(11);

    // Relationships through record links.
    const c1 = await linkOf(current, integrationId, 'client', 'c1');
    const c2 = await linkOf(current, integrationId, 'client', 'c2');
    const p1 = await linkOf(current, integrationId, 'project', 'p1');
    const i1 = await linkOf(current, integrationId, 'invoice', 'i1');
    const projects = await current.clientStore.findByIds('project', {
      supplierId: current.supplierId,
      ids: [p1!.wedsync_record_id],
    });
    expect(projects.get(p1!.wedsync_record_id)?.record.client_id).toBe(c1!.wedsync_record_id);
    const e1 = await linkOf(current, integrationId, 'event', 'e1');
    const events = await current.clientStore.findByIds('event', {
      supplierId: current.supplierId,
      ids: [e1!.wedsync_record_id],
    });
    expect(events.get(e1!.wedsync_record_id)?.record.project_id).toBe(p1!.wedsync_record_id);
    const pay1 = await linkOf(current, integrationId, 'payment', 'pay1');
    const pay2 = await linkOf(current, integrationId, 'payment', 'pay2');
    const payments = await current.clientStore.findByIds('payment', {
      supplierId: current.supplierId,
      ids: [pay1!.wedsync_record_id, pay2!.wedsync_record_id],
    });
    expect(payments.get(pay1!.wedsync_record_id)?.record).toMatchObject({
      project_id: p1!.wedsync_record_id,
      invoice_id: i1!.wedsync_record_id,
    });
    // A payment without a project link takes its invoice's project.
    expect(payments.get(pay2!.wedsync_record_id)?.record).toMatchObject({
      project_id: p1!.wedsync_record_id,
      invoice_id: i1!.wedsync_record_id,
    });

    // The project's partner fills its client's partner.
    const clients = await current.clientStore.findByIds('client', {
      supplierId: current.supplierId,
      ids: [c1!.wedsync_record_id],
    });
    const emma = clients.get(c1!.wedsync_record_id) as StoredRecord<'client'>;
    expect(emma.record.partner).toMatchObject({
      first_name: 'Liam',
      last_name: 'Okafor',
      email: 'liam@example.com',
    });
    expect(emma.crm_integration_id).toBe(integrationId);
    expect(emma.external_crm_id).toBe('c1');
    expect(c2).toBeDefined();

    // One log and one staging row per record.
    expect(await rowsOf(current.db, 'crm_sync_logs')).toHaveLength(11);
    const staging = await rowsOf(current.db, 'crm_client_staging');
    expect(staging).toHaveLength(11);
    expect(new Set(staging.map((row) => row['import_status']))).toEqual(new Set(['processed']));

    // Progress: once per page, after commit, never with record data.
    expect(progress).toHaveLength(control.delivered.length);
    expect(progress.map((event) => event.recordsProcessed)).toEqual(
      control.delivered.map((_, index) =>
        control.delivered.slice(0, index + 1).reduce((sum, page) => sum + page.records, 0),
      ),
    );
    expect(progress.at(-1)?.progressPercent).toBe(100);
    expect(JSON.stringify(progress)).not.toContain('emma@example.com');

    const { integration } = await current.hub.getIntegration({
      supplierId: current.supplierId,
      integrationId,
    });
    expect(integration.connection_status).toBe('connected');
    expect(integration.last_sync_status).toBe('success');
    expect(integration.last_sync_at).toBeDefined();
    expect(control.sessionsClosed).toBe(control.sessionsOpened);
  });

  it('rejects bad records with their reasons while the rest import, and ends partial', async () => {
    const data = emptyData();
    data.client = [
      crmClient('ok', { firstName: 'Ava', lastName: 'Reed', email: 'ava@example.com' }),
      crmClient('no-name', { email: 'someone@example.com' }),
      crmClient('bad-email', { firstName: 'Noah', email: 'not an email' }),
      { externalId: '', data: {} },
    ];
    data.project = [
      crmChild('p-ok', { client: 'ok' }, { name: 'Reed wedding' }),
      crmChild('p-orphan', { client: 'no-name' }, { name: 'Orphan' }),
      crmChild('p-unknown', { client: 'ghost' }, { name: 'Ghost' }),
      crmChild('p-none', {}, { name: 'No client' }),
    ];
    data.invoice = [
      crmChild('i-bad', { project: 'p-ok' }, { status: 'paid-in-full', total: 1000, currency: 'USD' }),
    ];
    const { provider } = createFakeProvider({ data, pageSize: 3 });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);

    const { job } = await runImport(current, integrationId);

    expect(job.job_status).toBe('completed');
    expect(job.result_status).toBe('partial');
    const counts = job.counts ?? {};
    expect(counts['read']).toBe(9);
    expect(counts['created']).toBe(2);
    expect(counts['rejected']).toBe(7);
    expect(sumOfOutcomes(counts)).toBe(9);

    const errors = await current.hub.listSyncLogs({
      supplierId: current.supplierId,
      integrationId,
      action_type: 'error',
    });
    expect(errors.total).toBe(7);
    const byRecord = new Map(errors.logs.map((log) => [log.record_id, log]));
    expect(byRecord.get('no-name')?.action_details['reason']).toBe('mapping_failed');
    expect(byRecord.get('no-name')?.error_message).toContain('first_name: required_missing');
    expect(byRecord.get('bad-email')?.error_message).toContain('email: invalid_email');
    expect(byRecord.get('bad-email')?.error_message).not.toContain('not an email');
    expect(byRecord.get('(missing)')?.action_details['reason']).toBe('invalid_record');
    expect(byRecord.get('p-orphan')?.action_details).toMatchObject({
      reason: 'parent_missing',
      parent_type: 'client',
      parent_external_id: 'no-name',
    });
    expect(byRecord.get('p-unknown')?.error_message).toContain('`ghost`');
    expect(byRecord.get('p-none')?.error_message).toContain('names no client');
    expect(byRecord.get('i-bad')?.action_details['reason']).toBe('invalid_record');
    expect(byRecord.get('i-bad')?.error_message).toContain('status');

    const staged = await current.storage.staging.list({ jobId: job.id, status: 'error' });
    expect(staged.staging_rows).toHaveLength(7);
    expect(staged.staging_rows.find((row) => row.external_id === 'bad-email')?.error_details).toMatchObject({
      reason: 'mapping_failed',
      errors: [{ field: 'email', code: 'invalid_email', value_kind: 'string' }],
    });
    const { integration } = await current.hub.getIntegration({
      supplierId: current.supplierId,
      integrationId,
    });
    expect(integration.last_sync_status).toBe('partial');
  });

  it('skips unchanged records by content hash, updates changed ones and marks deleted ones', async () => {
    const data = weddingData();
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    await runImport(current, integrationId);

    // Same data, keys in another order: all skipped.
    data.client = data.client.map((record) => ({
      ...record,
      data: Object.fromEntries(Object.entries(record.data).reverse()),
    }));
    const second = await runImport(current, integrationId);
    expect(second.job.counts).toMatchObject({ read: 11, skipped: 11, created: 0, updated: 0 });
    const skippedLogs = await current.hub.listSyncLogs({
      supplierId: current.supplierId,
      integrationId,
      job_id: second.job.id,
    });
    expect(
      skippedLogs.logs.every(
        (log) => log.action_type === 'skipped' && log.action_details['reason'] === 'unchanged',
      ),
    ).toBe(true);

    // One client changes, one is deleted in the CRM.
    data.client = data.client.map((record) =>
      record.externalId === 'c3'
        ? { ...record, data: { ...record.data, notes: 'Prefers film' } }
        : record.externalId === 'c2'
          ? { ...record, deleted: true }
          : record,
    );
    const third = await runImport(current, integrationId);
    expect(third.job.counts).toMatchObject({ read: 11, updated: 1, deleted: 1, skipped: 9 });
    const c3 = await linkOf(current, integrationId, 'client', 'c3');
    const c2 = await linkOf(current, integrationId, 'client', 'c2');
    const clients = await current.clientStore.findByIds('client', {
      supplierId: current.supplierId,
      ids: [c3!.wedsync_record_id, c2!.wedsync_record_id],
    });
    expect(clients.get(c3!.wedsync_record_id)?.record.notes).toBe('Prefers film');
    expect(clients.get(c2!.wedsync_record_id)?.deleted_at).not.toBeNull();
    expect(c2?.deleted_in_crm_at).toBeDefined();
    const updateLog = (
      await current.hub.listSyncLogs({
        supplierId: current.supplierId,
        integrationId,
        job_id: third.job.id,
        action_type: 'updated',
      })
    ).logs[0];
    expect(updateLog?.action_details['changed_fields']).toEqual(['notes']);
    // Before-images for rollback: the update kept the record as it was.
    const backups = await current.storage.backups.list(third.job.id);
    expect(backups.backups.map((backup) => backup.operation).sort()).toEqual(['deleted', 'updated']);

    // Every client exists once: nothing was created twice.
    expect(await rowsOf(current.db, 'clients')).toHaveLength(3);
    expect(await rowsOf(current.db, 'projects')).toHaveLength(2);
  });

  it('keeps WedSync edits and records a conflict when both sides changed a field (manual review)', async () => {
    const data = emptyData();
    data.client = [
      crmClient('c1', {
        firstName: 'Emma',
        lastName: 'Thompson',
        email: 'emma@example.com',
        notes: 'CRM note',
      }),
    ];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    await runImport(current, integrationId);
    const link = await linkOf(current, integrationId, 'client', 'c1');
    const id = link!.wedsync_record_id;
    const stored = (
      await current.clientStore.findByIds('client', { supplierId: current.supplierId, ids: [id] })
    ).get(id)!;
    await current.clientStore.upsert('client', [
      {
        id,
        supplier_id: current.supplierId,
        record: { ...stored.record, notes: 'WedSync note', venue_name: 'The Barn' },
      },
    ]);
    data.client = [
      crmClient('c1', {
        firstName: 'Emma',
        lastName: 'Thompson-Reed',
        email: 'emma@example.com',
        notes: 'CRM note 2',
      }),
    ];

    const { job } = await runImport(current, integrationId);

    expect(job.counts).toMatchObject({ updated: 1 });
    const after = (
      await current.clientStore.findByIds('client', { supplierId: current.supplierId, ids: [id] })
    ).get(id)!;
    expect(after.record).toMatchObject({
      last_name: 'Thompson-Reed',
      notes: 'WedSync note',
      venue_name: 'The Barn',
    });
    const conflicts = await current.storage.conflicts.list(integrationId);
    expect(conflicts.conflicts).toHaveLength(1);
    expect(conflicts.conflicts[0]).toMatchObject({
      field: 'notes',
      base_value: 'CRM note',
      wedsync_value: 'WedSync note',
      crm_value: 'CRM note 2',
      status: 'open',
    });

    // The field stays alone while its conflict is open, even when only the CRM changes it again.
    data.client = [
      crmClient('c1', {
        firstName: 'Emma',
        lastName: 'Thompson-Reed',
        email: 'emma@example.com',
        notes: 'CRM note 3',
      }),
    ];
    await runImport(current, integrationId);
    const again = (
      await current.clientStore.findByIds('client', { supplierId: current.supplierId, ids: [id] })
    ).get(id)!;
    expect((again.record as CanonicalClient).notes).toBe('WedSync note');
    const refreshed = await current.storage.conflicts.list(integrationId);
    expect(refreshed.conflicts).toHaveLength(1);
    expect(refreshed.conflicts[0]?.crm_value).toBe('CRM note 3');
  });

  it('skips record types the provider cannot read, the integration excludes, or no mapping targets', async () => {
    const data = weddingData();
    const { provider, control } = createFakeProvider({
      data,
      features: {
        client: { read: true, write: false, delete: false },
        project: { read: true, write: false, delete: false },
        event: { read: true, write: false, delete: false },
        invoice: { read: true, write: false, delete: false },
      },
    });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current, {
      sync_config: {
        excluded_record_types: ['event'],
        field_mappings: [
          { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
          { wedsync_field: 'project.name', crm_field: 'name', field_type: 'text' },
        ],
      },
    });

    const { job } = await runImport(current, integrationId);

    expect(job.job_status).toBe('completed');
    expect(job.counts).toMatchObject({
      read: 5,
      created: 5,
      record_types_skipped: 3,
      'type_skipped.event.excluded': 1,
      'type_skipped.invoice.no_mappings': 1,
      'type_skipped.payment.unsupported': 1,
    });
    expect(new Set(control.readsFrom.map((read) => read.recordType))).toEqual(new Set(['client', 'project']));
  });
});
