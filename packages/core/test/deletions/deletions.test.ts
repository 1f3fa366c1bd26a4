/**
 * Deletion detection after a full import, with the in-memory CRM, on every backend (SQLite in memory and on file,
 * PGlite, and PostgreSQL when CRM_TEST_PG_URL is set): records gone from the CRM are marked deleted (rows kept),
 * logged, counted and backed up, children first; a re-import changes nothing more; a record that reappears is
 * revived; the safety valve withholds marks when the CRM lists nothing or too much is gone; `rollbackJob`
 * restores the marked records; a sweep parked halfway resumes without doing anything twice.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import {
  CrmError,
  contentHash,
  createVault,
  generateVaultKey,
  type RecordType,
  recordOutcomeKinds,
  type StoredRecord,
  type SyncJobCounts,
} from '../../src/index.js';
import { deletionThresholdOf, fullyReadRecordTypes } from '../../src/sync/index.js';
import { runRemapJob } from '../remap/driver.js';
import {
  createFakeProvider,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type FakeData,
  type TestHub,
} from '../sync/fixtures.js';
import { type ImportRunOptions, runImportJob } from './driver.js';

const recordTypes: readonly RecordType[] = ['client', 'project', 'event', 'invoice', 'payment'];

/** Ten couples, each with a project; two events, an invoice and a payment. */
function studioData(): FakeData {
  const data = emptyData();
  const names = ['Ava', 'Ben', 'Cleo', 'Dan', 'Eve', 'Finn', 'Gia', 'Hal', 'Ivy', 'Jude'];
  data.client = names.map((name, index) =>
    crmClient(`c-${index + 1}`, {
      firstName: name,
      lastName: 'Marsh',
      email: `${name.toLowerCase()}@example.com`,
    }),
  );
  data.project = names.map((name, index) =>
    crmChild(`p-${index + 1}`, { client: `c-${index + 1}` }, { name: `${name} wedding` }),
  );
  data.event = [
    crmChild('e-1', { project: 'p-1' }, { name: 'Ceremony', startDate: '2027-05-01' }),
    crmChild('e-2', { project: 'p-2' }, { name: 'Reception', startDate: '2027-06-01' }),
  ];
  data.invoice = [
    crmChild('i-1', { project: 'p-1' }, { number: 'INV-1', status: 'open', total: 90000, currency: 'GBP' }),
  ];
  data.payment = [crmChild('pay-1', { invoice: 'i-1' }, { amount: 30000, currency: 'GBP', status: 'paid' })];
  return data;
}

/** The CRM after the studio deleted three clients (with their projects) and Ben's project (with its event). */
function afterDeletions(): FakeData {
  const data = studioData();
  const gone = new Set(['c-8', 'c-9', 'c-10', 'p-8', 'p-9', 'p-10', 'p-2', 'e-2']);
  for (const recordType of recordTypes) {
    data[recordType] = data[recordType].filter((record) => !gone.has(record.externalId));
  }
  return data;
}

/** What the sweep marks after {@link afterDeletions}, per record type. */
const expectedGone: Readonly<Record<string, readonly string[]>> = {
  client: ['c-10', 'c-8', 'c-9'],
  project: ['p-10', 'p-2', 'p-8', 'p-9'],
  event: ['e-2'],
};

/** A content hash of every row of the WedSync tables. */
async function hashWedsyncTables(db: Kysely<unknown>): Promise<string> {
  const all: Record<string, unknown> = {};
  for (const table of ['clients', 'projects', 'events', 'invoices', 'payments', 'client_match_keys']) {
    let query = db.selectFrom(table as never).selectAll();
    for (const column of table === 'client_match_keys' ? ['client_id', 'kind', 'value'] : ['id'])
      query = query.orderBy(column as never);
    all[table] = await query.execute();
  }
  return contentHash(all);
}

/** `read` plus the gone records equals the sum of the outcomes, overall and per record type. */
function expectEveryRecordAccounted(counts: SyncJobCounts): void {
  const sum = (prefix: string) =>
    recordOutcomeKinds.reduce((total, kind) => total + (counts[`${prefix}${kind}`] ?? 0), 0);
  expect(sum(''), 'read + gone_from_crm = sum of outcomes').toBe(
    (counts['read'] ?? 0) + (counts['gone_from_crm'] ?? 0),
  );
  for (const recordType of recordTypes) {
    expect(sum(`${recordType}.`), `${recordType}: read + gone = sum of outcomes`).toBe(
      (counts[`${recordType}.read`] ?? 0) + (counts[`${recordType}.gone_from_crm`] ?? 0),
    );
  }
}

for (const backend of testBackends()) {
  describe(`deletion detection after a full import [${backend.name}]`, () => {
    let testHub: TestHub;
    const vault = createVault({ keys: [{ id: 'k1', key: generateVaultKey() }] });
    /** The CRM the fake provider reads (each test replaces its contents). */
    const source: FakeData = emptyData();
    const { provider } = createFakeProvider({ data: source, pageSize: 2 });

    const useData = (data: FakeData) => {
      for (const key of Object.keys(source) as (keyof FakeData)[]) source[key] = data[key];
    };

    /** A new supplier with an integration of the fake CRM (isolated from the other tests' records). */
    const newStudio = async () => {
      const supplierId = await testHub.createSupplier();
      const { integration } = await testHub.hub.createIntegration({
        supplierId,
        body: {
          crm_provider: 'tave',
          connection_name: 'Studio CRM',
          auth_config: { api_key: 'live-secret-key-123456' },
        },
      });
      const run = async (options: Partial<ImportRunOptions> = {}) => {
        const outcome = await runImportJob({ ...testHub, supplierId }, integration.id, {
          provider,
          vault,
          ...options,
        });
        return outcome;
      };
      return { supplierId, integrationId: integration.id, run };
    };

    /** Every record of a type of the supplier, by the external id its link names. */
    const recordsByExternalId = async (
      supplierId: string,
      integrationId: string,
      recordType: RecordType,
    ): Promise<Map<string, StoredRecord>> => {
      const { links } = await testHub.storage.links.list(integrationId, recordType, { limit: 1000 });
      const records = await testHub.clientStore.findByIds(recordType, {
        supplierId,
        ids: links.map((link) => link.wedsync_record_id),
      });
      const byExternalId = new Map<string, StoredRecord>();
      for (const link of links) {
        const record = records.get(link.wedsync_record_id);
        if (record !== undefined) byExternalId.set(link.external_id, record as StoredRecord);
      }
      return byExternalId;
    };

    /** The external ids of the records marked deleted, per record type (sorted). */
    const markedDeleted = async (supplierId: string, integrationId: string) => {
      const marked: Record<string, string[]> = {};
      for (const recordType of recordTypes) {
        const records = await recordsByExternalId(supplierId, integrationId, recordType);
        const ids = [...records]
          .filter(([, record]) => record.deleted_at !== null)
          .map(([externalId]) => externalId)
          .sort();
        if (ids.length > 0) marked[recordType] = ids;
      }
      return marked;
    };

    const logsOf = async (supplierId: string, integrationId: string, jobId: string) => {
      const { logs } = await testHub.hub.listSyncLogs({
        supplierId,
        integrationId,
        job_id: jobId,
        per_page: 500,
      });
      return logs;
    };

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend, hubOptions: { vault } });
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('marks exactly the records gone from the CRM, children first; logs, counts and backs them up', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      const first = await run();
      expect(first.result.kind).toBe('finished');
      expect(first.job.counts).toMatchObject({ created: 24, deleted: 0 });
      expect(first.job.counts).not.toHaveProperty('gone_from_crm');
      expect(await markedDeleted(supplierId, integrationId)).toEqual({});

      useData(afterDeletions());
      const second = await run();
      expect(second.job).toMatchObject({ job_status: 'completed', result_status: 'success' });
      const counts = second.job.counts ?? {};
      expect(counts).toMatchObject({
        read: 16,
        skipped: 16,
        deleted: 8,
        gone_from_crm: 8,
        'client.deleted': 3,
        'project.deleted': 4,
        'event.deleted': 1,
        'client.gone_from_crm': 3,
      });
      expect(counts).not.toHaveProperty('deletions_withheld');
      expect(counts['invoice.deleted'] ?? 0).toBe(0);
      expectEveryRecordAccounted(counts);
      expect(second.job.records_processed).toBe(16);

      // Marked, never erased: every row is still there, the gone ones with deleted_at and the reason.
      expect(await markedDeleted(supplierId, integrationId)).toEqual(expectedGone);
      const clients = await recordsByExternalId(supplierId, integrationId, 'client');
      expect(clients.size).toBe(10);
      expect(clients.get('c-9')).toMatchObject({ deleted_reason: 'deleted in tave' });
      expect(clients.get('c-9')?.record).toMatchObject({ first_name: 'Ivy', email: 'ivy@example.com' });
      expect(clients.get('c-2')?.deleted_at).toBeNull();
      const [goneLink] = await testHub.storage.links.findByExternalIds(integrationId, 'project', ['p-2']);
      expect(goneLink?.deleted_in_crm_at).toBe(testHub.clock.read().toISOString());
      expect(await testHub.storage.links.countActive(integrationId, 'client')).toBe(7);

      // One `deleted` log per record, with the reason.
      const logs = await logsOf(supplierId, integrationId, second.job.id);
      const deletedLogs = logs.filter((log) => log.action_type === 'deleted');
      expect(deletedLogs.map((log) => `${log.record_type}:${log.record_id}`).sort()).toEqual(
        Object.entries(expectedGone)
          .flatMap(([recordType, ids]) => ids.map((id) => `${recordType}:${id}`))
          .sort(),
      );
      for (const log of deletedLogs) {
        expect(log.action_details).toEqual({ reason: 'gone_from_crm', marked_deleted: true });
        expect(log.wedsync_record_id).toBeDefined();
      }
      expect(logs).toHaveLength(16 + 8);

      // Before-images for rollback, children first: the event, then the projects, then the clients.
      const { backups } = await testHub.storage.backups.list(second.job.id, { limit: 100 });
      expect(backups.map((backup) => backup.operation)).toEqual(Array(8).fill('deleted'));
      expect(backups.map((backup) => backup.record_type)).toEqual([
        'event',
        'project',
        'project',
        'project',
        'project',
        'client',
        'client',
        'client',
      ]);
      const ivy = backups.find((backup) => backup.wedsync_record_id === clients.get('c-9')?.id);
      expect(ivy?.before_image).toMatchObject({ deleted_at: null, record: { first_name: 'Ivy' } });

      // Staged as gone: a later field_mapping_update finds nothing of them to map again.
      const latest = await testHub.storage.staging.listLatest(integrationId, 'client', { limit: 100 });
      const stagedGone = latest.staging_rows.find((row) => row.external_id === 'c-9');
      expect(stagedGone).toMatchObject({
        sync_job_id: second.job.id,
        raw_data: { record_type: 'client', data: null, deleted: true, reason: 'gone_from_crm' },
      });

      // A re-import finds them still gone and does nothing more.
      const markedAt = clients.get('c-9')?.deleted_at;
      const third = await run();
      expect(third.job.counts).toMatchObject({ deleted: 0, skipped: 16, created: 0, updated: 0 });
      expect(third.job.counts).not.toHaveProperty('gone_from_crm');
      expect(await markedDeleted(supplierId, integrationId)).toEqual(expectedGone);
      expect((await recordsByExternalId(supplierId, integrationId, 'client')).get('c-9')?.deleted_at).toBe(
        markedAt,
      );
      const thirdLogs = await logsOf(supplierId, integrationId, third.job.id);
      expect(thirdLogs.filter((log) => log.action_type !== 'skipped')).toEqual([]);
    });

    it('revives a record that reappears in the CRM', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      useData(afterDeletions());
      await run();

      // Ivy's client and project come back (edited meanwhile).
      const back = afterDeletions();
      back.client.push(crmClient('c-9', { firstName: 'Ivy', lastName: 'Marsh', email: 'ivy@marsh.example' }));
      back.project.push(crmChild('p-9', { client: 'c-9' }, { name: 'Ivy wedding' }));
      useData(back);
      const revived = await run();
      expect(revived.job.counts).toMatchObject({ updated: 2, deleted: 0, 'client.updated': 1 });
      const clients = await recordsByExternalId(supplierId, integrationId, 'client');
      expect(clients.get('c-9')).toMatchObject({ deleted_at: null, deleted_reason: null });
      expect(clients.get('c-9')?.record).toMatchObject({ email: 'ivy@marsh.example' });
      const [link] = await testHub.storage.links.findByExternalIds(integrationId, 'client', ['c-9']);
      expect(link?.deleted_in_crm_at).toBeUndefined();
      const logs = await logsOf(supplierId, integrationId, revived.job.id);
      const ivyLog = logs.find((log) => log.record_id === 'c-9');
      expect(ivyLog).toMatchObject({ action_type: 'updated', action_details: { revived: true } });
      expect(await markedDeleted(supplierId, integrationId)).toEqual({
        client: ['c-10', 'c-8'],
        project: ['p-10', 'p-2', 'p-8'],
        event: ['e-2'],
      });

      // Gone again: marked again.
      useData(afterDeletions());
      const again = await run();
      expect(again.job.counts).toMatchObject({ deleted: 2, 'client.deleted': 1, 'project.deleted': 1 });
      expect(await markedDeleted(supplierId, integrationId)).toEqual(expectedGone);
    });

    it('a field_mapping_update after the sweep maps nothing of the gone records (they stay deleted)', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      useData(afterDeletions());
      await run();
      const remap = await runRemapJob(testHub, integrationId, { provider });
      expect(remap.result.kind).toBe('finished');
      expect(remap.job.counts).toMatchObject({ read: 16, skipped: 16, updated: 0, created: 0 });
      expect(await markedDeleted(supplierId, integrationId)).toEqual(expectedGone);
    });

    it('withholds the marks of a record type when the CRM lists nothing, or more than the threshold is gone', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();

      // A CRM glitch: every list comes back empty.
      useData(emptyData());
      const empty = await run();
      expect(empty.job.job_status).toBe('completed');
      expect(empty.job.counts).toMatchObject({
        read: 0,
        deleted: 0,
        deletions_withheld: 24,
        'deletions_withheld.client': 10,
        'deletions_withheld.project': 10,
        'deletions_withheld.event': 2,
        'deletions_withheld.invoice': 1,
        'deletions_withheld.payment': 1,
      });
      expect(await markedDeleted(supplierId, integrationId)).toEqual({});
      expect(await testHub.storage.links.countActive(integrationId, 'client')).toBe(10);
      const warnings = await logsOf(supplierId, integrationId, empty.job.id);
      expect(warnings).toHaveLength(5);
      const clientWarning = warnings.find((log) => log.record_type === 'client');
      expect(clientWarning).toMatchObject({ action_type: 'skipped', record_id: '*' });
      expect(clientWarning?.action_details).toMatchObject({
        reason: 'deletions_withheld',
        warning: true,
        not_listed: 10,
        linked: 10,
        read: 0,
        threshold: 0.5,
        message: 'The CRM listed no client records: 10 linked client records were not marked deleted',
      });
      expect(clientWarning?.action_details['external_ids']).toEqual(
        Array.from({ length: 10 }, (_, index) => `c-${index + 1}`).sort(),
      );

      // Six of ten clients (and their projects) gone: more than half, withheld too; the payment's type is fine.
      const most = studioData();
      const gone = new Set([
        'c-5',
        'c-6',
        'c-7',
        'c-8',
        'c-9',
        'c-10',
        'p-5',
        'p-6',
        'p-7',
        'p-8',
        'p-9',
        'p-10',
      ]);
      for (const recordType of recordTypes) {
        most[recordType] = most[recordType].filter((record) => !gone.has(record.externalId));
      }
      useData(most);
      const withheld = await run();
      expect(withheld.job.counts).toMatchObject({
        deleted: 0,
        deletions_withheld: 12,
        'deletions_withheld.client': 6,
        'deletions_withheld.project': 6,
      });
      const message = (await logsOf(supplierId, integrationId, withheld.job.id)).find(
        (log) => log.record_type === 'client' && log.record_id === '*',
      )?.action_details['message'];
      expect(message).toBe(
        '6 of 10 linked client records (60%) were not listed by the CRM, more than the deletion threshold (50%): none was marked deleted',
      );
      expect(await markedDeleted(supplierId, integrationId)).toEqual({});

      // A job with a higher threshold marks them.
      const allowed = await run({ jobConfig: { deletion_threshold: 0.6 } });
      expect(allowed.job.counts).toMatchObject({ deleted: 12, 'client.deleted': 6, 'project.deleted': 6 });
      expect(allowed.job.counts).not.toHaveProperty('deletions_withheld');
      expect((await markedDeleted(supplierId, integrationId))['client']).toHaveLength(6);

      // `false` turns the valve off: even an empty CRM marks everything.
      useData(emptyData());
      const off = await run({ jobConfig: { deletion_threshold: false } });
      expect(off.job.counts).toMatchObject({ read: 0, deleted: 12, 'client.deleted': 4 });
      expect((await markedDeleted(supplierId, integrationId))['client']).toHaveLength(10);
    });

    it('rolls back a job that marked records: they are live again, the WedSync tables as before it', async () => {
      const { hub, db } = testHub;
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      useData(afterDeletions());
      const before = await hashWedsyncTables(db);
      const second = await run();
      expect(second.job.counts).toMatchObject({ deleted: 8 });
      expect(await hashWedsyncTables(db)).not.toBe(before);

      const result = await hub.rollbackJob({ supplierId, jobId: second.job.id });
      expect(result).toMatchObject({ restored: 8, removed: 0, skipped: 0 });
      expect(await hashWedsyncTables(db)).toBe(before);
      expect(await markedDeleted(supplierId, integrationId)).toEqual({});
      const clients = await recordsByExternalId(supplierId, integrationId, 'client');
      expect(clients.get('c-9')).toMatchObject({ deleted_at: null, deleted_reason: null });
    });

    it('resumes a sweep parked halfway without marking, logging or counting anything twice', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      useData(afterDeletions());
      // Import pages: 4 of clients, 3 of projects, 1 each of events, invoices and payments; then the sweep's
      // pages of 2: the event, two of projects, two of clients. Park after the first page of projects.
      const parked = await run({ stopAfterPage: { page: 12, stop: 'park' }, deletionPageSize: 2 });
      expect(parked.result.kind).toBe('parked');
      expect(parked.job.job_status).toBe('running');
      expect(parked.job.counts).toMatchObject({ deleted: 3, 'event.deleted': 1, 'project.deleted': 2 });
      expect(await markedDeleted(supplierId, integrationId)).toEqual({
        project: ['p-10', 'p-2'],
        event: ['e-2'],
      });

      const resumed = await run({ resume: parked.job.id, deletionPageSize: 2 });
      expect(resumed.result.kind).toBe('finished');
      expect(resumed.job).toMatchObject({ job_status: 'completed', attempts: 2 });
      expect(resumed.job.counts).toMatchObject({
        read: 16,
        deleted: 8,
        'client.deleted': 3,
        'project.deleted': 4,
        'event.deleted': 1,
      });
      expectEveryRecordAccounted(resumed.job.counts ?? {});
      expect(await markedDeleted(supplierId, integrationId)).toEqual(expectedGone);
      const logs = await logsOf(supplierId, integrationId, parked.job.id);
      expect(logs.filter((log) => log.action_type === 'deleted')).toHaveLength(8);
      const { backups } = await testHub.storage.backups.list(parked.job.id, { limit: 100 });
      expect(backups).toHaveLength(8);
    });

    it('cancelled during the sweep: keeps what it marked and logged', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      useData(afterDeletions());
      // Page 11 is the sweep's event page, 12 its first page of projects: cancel there.
      const cancelled = await run({ stopAfterPage: { page: 12, stop: 'cancel' }, deletionPageSize: 2 });
      expect(cancelled.result.kind).toBe('cancelled');
      expect(cancelled.job.job_status).toBe('cancelled');
      expect(cancelled.job.counts).toMatchObject({ deleted: 3, 'event.deleted': 1, 'project.deleted': 2 });
      expect(await markedDeleted(supplierId, integrationId)).toEqual({
        project: ['p-10', 'p-2'],
        event: ['e-2'],
      });
      const logs = await logsOf(supplierId, integrationId, cancelled.job.id);
      expect(logs.filter((log) => log.action_type === 'deleted')).toHaveLength(3);
    });

    it('decides a withheld record type once when the job resumes', async () => {
      const { supplierId, integrationId, run } = await newStudio();
      useData(studioData());
      await run();
      const data = afterDeletions();
      data.event = [];
      useData(data);
      // Page 11 is the sweep's warning about events (the CRM listed none): park there, then resume.
      const parked = await run({ stopAfterPage: { page: 11, stop: 'park' }, deletionPageSize: 2 });
      expect(parked.result.kind).toBe('parked');
      expect(parked.job.counts).toMatchObject({ deleted: 0, 'deletions_withheld.event': 2 });
      const resumed = await run({ resume: parked.job.id, deletionPageSize: 2 });
      expect(resumed.job.counts).toMatchObject({
        deleted: 7,
        'project.deleted': 4,
        'client.deleted': 3,
        deletions_withheld: 2,
        'deletions_withheld.event': 2,
      });
      const logs = await logsOf(supplierId, integrationId, parked.job.id);
      expect(logs.filter((log) => log.record_id === '*')).toHaveLength(1);
      expect(await markedDeleted(supplierId, integrationId)).toEqual({
        client: ['c-10', 'c-8', 'c-9'],
        project: ['p-10', 'p-2', 'p-8', 'p-9'],
      });
    });
  });
}

describe('deletion options', () => {
  it('reads `job_config.deletion_threshold`: 0 to 1, false for off, 0.5 by default', () => {
    expect(deletionThresholdOf({})).toBe(0.5);
    expect(deletionThresholdOf({ deletion_threshold: 0 })).toBe(0);
    expect(deletionThresholdOf({ deletion_threshold: 1 })).toBe(1);
    expect(deletionThresholdOf({ deletion_threshold: 0.25 })).toBe(0.25);
    expect(deletionThresholdOf({ deletion_threshold: false })).toBeNull();
    for (const value of [1.5, -0.1, '0.5', null, true, Number.NaN]) {
      let error: unknown;
      try {
        deletionThresholdOf({ deletion_threshold: value });
      } catch (caught) {
        error = caught;
      }
      expect(CrmError.isInstance(error) && error.code === 'invalid_argument', String(value)).toBe(true);
    }
  });

  it('sweeps only the record types a checkpoint reads without `since`', () => {
    expect(
      fullyReadRecordTypes({
        plan: ['client', 'project', 'event'],
        since: { project: '2026-01-01T00:00:00Z' },
      }),
    ).toEqual(['client', 'event']);
    expect(fullyReadRecordTypes({ plan: ['client', 'payment'] })).toEqual(['client', 'payment']);
  });
});
