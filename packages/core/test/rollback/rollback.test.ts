/**
 * Rollback of a sync job on every backend (SQLite in memory and on file, PGlite, and PostgreSQL when
 * CRM_TEST_PG_URL is set): the WedSync tables after rolling back a job hash exactly as before it ran; an older job
 * whose records changed since is refused with the records named, unless forced; and the job's state rules.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import {
  type BackupListOptions,
  CrmError,
  contentHash,
  type ExternalRecord,
  type HubStorage,
  type TransactionHandle,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { type RollbackJobResult, rollbackSyncJob } from '../../src/sync/index.js';
import {
  createFakeProvider,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type FakeData,
  type TestHub,
} from '../sync/fixtures.js';

/** The WedSync tables and the columns that order their rows. */
const wedsyncTables: readonly (readonly [string, readonly string[]])[] = [
  ['clients', ['id']],
  ['projects', ['id']],
  ['events', ['id']],
  ['invoices', ['id']],
  ['payments', ['id']],
  ['client_match_keys', ['client_id', 'kind', 'value']],
];

/** A content hash of every row of the WedSync tables (SELECT *, in key order). */
async function hashWedsyncTables(db: Kysely<unknown>): Promise<string> {
  const all: Record<string, unknown> = {};
  for (const [table, order] of wedsyncTables) {
    let query = db.selectFrom(table as never).selectAll();
    for (const column of order) query = query.orderBy(column as never);
    all[table] = await query.execute();
  }
  return contentHash(all);
}

async function countRows(db: Kysely<unknown>, supplierId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table] of wedsyncTables) {
    const rows = await db
      .selectFrom(table as never)
      .select('supplier_id' as never)
      .where('supplier_id' as never, '=', supplierId as never)
      .execute();
    counts[table] = rows.length;
  }
  return counts;
}

async function expectCrmError(promise: Promise<unknown>, code: string): Promise<CrmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(CrmError.isInstance(error), `expected a CrmError with code ${code}`).toBe(true);
  expect((error as CrmError).code).toBe(code);
  return error as CrmError;
}

/** A wedding studio's CRM: two hand-typed clients exist in WedSync already (Ava and Olivia). */
function studioData(): FakeData {
  const data = emptyData();
  data.client = [
    crmClient('c-ava', {
      firstName: 'Ava',
      lastName: 'Reed',
      email: 'ava@example.com',
      phone: '+14155550111',
    }),
    crmClient('c-olivia', {
      firstName: 'Olivia',
      lastName: 'Brown',
      email: 'olivia.brown@example.com',
      weddingDate: '2026-09-12',
    }),
    crmClient('c-noah', { firstName: 'Noah', lastName: 'Lee', email: 'noah@example.com' }),
    crmClient('c-mia', { firstName: 'Mia', lastName: 'Lee', email: 'mia@example.com' }),
    crmClient('c-liam', { firstName: 'Liam', lastName: 'Hart', email: 'liam@example.com' }),
  ];
  data.project = [
    crmChild('p-ava', { client: 'c-ava' }, { name: 'Reed wedding', eventDate: '2026-05-02' }),
    crmChild('p-noah', { client: 'c-noah', partner: 'c-mia' }, { name: 'Lee wedding' }),
    crmChild('p-liam', { client: 'c-liam' }, { name: 'Hart engagement' }),
  ];
  data.event = [
    crmChild('e-ava', { project: 'p-ava' }, { name: 'Ceremony', startDate: '2026-05-02' }),
    crmChild('e-noah', { project: 'p-noah' }, { name: 'Reception', startDate: '2026-06-20' }),
  ];
  data.invoice = [
    crmChild(
      'i-ava',
      { project: 'p-ava' },
      { number: 'INV-1', status: 'open', total: 90000, currency: 'GBP' },
    ),
  ];
  data.payment = [
    crmChild('pay-ava', { invoice: 'i-ava' }, { amount: 30000, currency: 'GBP', status: 'paid' }),
  ];
  return data;
}

for (const backend of testBackends()) {
  describe(`rollbackJob [${backend.name}]`, () => {
    let testHub: TestHub;
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
      return { supplierId, integrationId: integration.id };
    };

    const runImport = async (supplierId: string, integrationId: string) => {
      testHub.clock.advance(60_000);
      const { sync_job } = await testHub.hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });
      const [outcome] = await createInProcessRunner({ hub: testHub.hub }).drain();
      expect(outcome?.status).toBe('completed');
      return { jobId: sync_job.id, counts: outcome?.counts ?? {} };
    };

    /** Hand-typed WedSync clients the import will link: Ava (no phone yet) and Olivia (no wedding date). */
    const handTyped = async (supplierId: string) => {
      const results = await testHub.clientStore.upsert('client', [
        {
          supplier_id: supplierId,
          record: { first_name: 'Ava', last_name: 'Reed', email: 'ava@example.com' },
        },
        {
          supplier_id: supplierId,
          record: {
            first_name: 'Olivia',
            last_name: 'Brown',
            email: 'Olivia.Brown@Example.com',
            notes: 'VIP',
          },
        },
        {
          supplier_id: supplierId,
          record: { first_name: 'Zoe', last_name: 'Walk', email: 'zoe@example.com' },
        },
      ]);
      return results.map((result) => result.id);
    };

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend });
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('restores the WedSync tables exactly after rolling back a full import', async () => {
      const { hub, db, storage, clientStore } = testHub;
      const { supplierId, integrationId } = await newStudio();
      const [avaId, oliviaId] = await handTyped(supplierId);
      useData(studioData());
      const before = await hashWedsyncTables(db);
      const rowsBefore = await countRows(db, supplierId);

      const first = await runImport(supplierId, integrationId);
      expect(first.counts).toMatchObject({ created: 10, linked: 2 });
      expect(await hashWedsyncTables(db)).not.toBe(before);
      const linked = await clientStore.findByIds('client', { supplierId, ids: [avaId as string] });
      expect(linked.get(avaId as string)?.record.phone).toBe('+14155550111');

      const result: RollbackJobResult = await hub.rollbackJob({ supplierId, jobId: first.jobId });
      // Ava and Olivia filled in: 2 restored; 3 clients (Noah twice: created, then given his partner) and 7 others created.
      expect(result).toMatchObject({ restored: 2, removed: 10, skipped: 0 });
      expect(result.sync_job.rolled_back_at).toBeDefined();
      expect(await hashWedsyncTables(db)).toBe(before);
      expect(await countRows(db, supplierId)).toEqual(rowsBefore);

      // The links it made are gone; its rollback is logged per record.
      const links = await storage.links.findByWedsyncIds(integrationId, 'client', [
        avaId as string,
        oliviaId as string,
      ]);
      expect(links).toEqual([]);
      for (const recordType of ['client', 'project', 'event', 'invoice', 'payment'] as const) {
        const page = await storage.links.list(integrationId, recordType);
        expect(page.links).toEqual([]);
      }
      const logs = await hub.listSyncLogs({ supplierId, integrationId, job_id: first.jobId, per_page: 100 });
      const rollbackLogs = logs.logs.filter(
        (log) => (log.action_details as Record<string, unknown>)['rollback_of'] === first.jobId,
      );
      expect(rollbackLogs).toHaveLength(12);
      expect(rollbackLogs.filter((log) => log.action_type === 'deleted')).toHaveLength(10);
      const avaLog = rollbackLogs.find((log) => log.wedsync_record_id === avaId);
      expect(avaLog).toMatchObject({ action_type: 'updated', record_id: 'c-ava', record_type: 'client' });

      // Importing again does the same as the first time (the rollback left nothing that says "synced").
      const again = await runImport(supplierId, integrationId);
      expect(again.counts).toMatchObject({ created: 10, linked: 2, skipped: 0 });
    });

    it('rolls back the latest job first, deletion marks included, then the older one', async () => {
      const { hub, db, clientStore } = testHub;
      const { supplierId, integrationId } = await newStudio();
      await handTyped(supplierId);
      useData(studioData());
      const beforeFirst = await hashWedsyncTables(db);
      const first = await runImport(supplierId, integrationId);

      // The CRM changes: Liam's email changes, Noah's project is deleted, a new client arrives.
      const changed = studioData();
      changed.client[4] = crmClient('c-liam', {
        firstName: 'Liam',
        lastName: 'Hart',
        email: 'liam@hart.example',
      });
      changed.client.push(crmClient('c-ella', { firstName: 'Ella', lastName: 'Fox' }));
      changed.project[1] = { ...(changed.project[1] as ExternalRecord), deleted: true };
      useData(changed);
      const beforeSecond = await hashWedsyncTables(db);
      const second = await runImport(supplierId, integrationId);
      expect(second.counts).toMatchObject({ created: 1, updated: 1, deleted: 1 });

      // The older job's records changed since: refused, naming them.
      const refused = await expectCrmError(hub.rollbackJob({ supplierId, jobId: first.jobId }), 'conflict');
      const context = refused.context as {
        records: { record_type: string; wedsync_record_id: string; reason: string }[];
        total: number;
      };
      // Liam's client and Noah's project were written by the later job; Noah's client must stay with his project.
      expect(context.total).toBe(3);
      expect(context.records.map((record) => [record.record_type, record.reason]).sort()).toEqual([
        ['client', 'has_dependents'],
        ['client', 'later_job'],
        ['project', 'later_job'],
      ]);
      expect(refused.message).toContain('changed since it ran');
      expect(refused.message).toContain(context.records[0]?.wedsync_record_id);

      const latest = await hub.rollbackJob({ supplierId, jobId: second.jobId });
      expect(latest).toMatchObject({ restored: 2, removed: 1, skipped: 0 });
      expect(await hashWedsyncTables(db)).toBe(beforeSecond);
      const projects = await clientStore.changesSince('project', { supplierId, cursor: null, limit: 100 });
      expect(projects.rows.every((row) => row.deleted_at === null)).toBe(true);

      // With the later job rolled back, nothing the older one wrote changed since.
      const older = await hub.rollbackJob({ supplierId, jobId: first.jobId });
      expect(older).toMatchObject({ restored: 2, removed: 10, skipped: 0 });
      expect(await hashWedsyncTables(db)).toBe(beforeFirst);
    });

    it('restores a record moved under a record the job created before erasing that one', async () => {
      const { hub, db, clientStore, storage } = testHub;
      const { supplierId, integrationId } = await newStudio();
      useData(studioData());
      await runImport(supplierId, integrationId);
      // In the CRM, Ava's project moves to a new client.
      const moved = studioData();
      moved.client.push(crmClient('c-sam', { firstName: 'Sam', lastName: 'Reed', email: 'sam@example.com' }));
      moved.project[0] = crmChild(
        'p-ava',
        { client: 'c-sam' },
        { name: 'Reed wedding', eventDate: '2026-05-02' },
      );
      useData(moved);
      const before = await hashWedsyncTables(db);
      const second = await runImport(supplierId, integrationId);
      expect(second.counts).toMatchObject({ created: 1, updated: 1 });
      const [sam] = await storage.links.findByExternalIds(integrationId, 'client', ['c-sam']);
      const [project] = await storage.links.findByExternalIds(integrationId, 'project', ['p-ava']);
      const projects = await clientStore.findByIds('project', {
        supplierId,
        ids: [project!.wedsync_record_id],
      });
      expect(projects.get(project!.wedsync_record_id)?.record.client_id).toBe(sam?.wedsync_record_id);

      // Erasing Sam first would take the project (and its event, invoice and payment) with him.
      const result = await hub.rollbackJob({ supplierId, jobId: second.jobId });
      expect(result).toMatchObject({ restored: 1, removed: 1, skipped: 0 });
      expect(await hashWedsyncTables(db)).toBe(before);
      expect(await storage.links.findByExternalIds(integrationId, 'client', ['c-sam'])).toEqual([]);
    });

    it('rolls back an older job with force, leaving the records changed since as they are', async () => {
      const { hub, db, clientStore } = testHub;
      const { supplierId, integrationId } = await newStudio();
      useData(studioData());
      const first = await runImport(supplierId, integrationId);
      const changed = studioData();
      changed.client[2] = crmClient('c-noah', {
        firstName: 'Noah',
        lastName: 'Lee',
        email: 'noah@lee.example',
      });
      useData(changed);
      const second = await runImport(supplierId, integrationId);
      expect(second.counts).toMatchObject({ updated: 1 });

      await expectCrmError(hub.rollbackJob({ supplierId, jobId: first.jobId }), 'conflict');
      const forced = await hub.rollbackJob({ supplierId, jobId: first.jobId, force: true });
      // Noah's client (changed by the later job) stays; everything else the job created goes, his project too.
      expect(forced).toMatchObject({ restored: 0, removed: 11, skipped: 1 });
      const clients = await clientStore.changesSince('client', { supplierId, cursor: null, limit: 100 });
      expect(clients.rows.map((row) => row.record.email)).toContain('noah@lee.example');
      expect(clients.rows.map((row) => row.record.first_name)).not.toContain('Liam');
      const logs = await hub.listSyncLogs({
        supplierId,
        integrationId,
        job_id: first.jobId,
        action_type: 'skipped',
      });
      const skippedNoah = logs.logs.find(
        (log) => (log.action_details as Record<string, unknown>)['change'] === 'later_job',
      );
      expect(skippedNoah).toMatchObject({ record_type: 'client', record_id: 'c-noah' });
      expect(skippedNoah?.action_details).toMatchObject({
        later_job_id: second.jobId,
        rollback_of: first.jobId,
      });

      // Rolling back the later job still works on what it wrote.
      const latest = await hub.rollbackJob({ supplierId, jobId: second.jobId });
      expect(latest).toMatchObject({ restored: 1, removed: 0, skipped: 0 });
      expect(await countRows(db, supplierId)).toMatchObject({ clients: 1 });
    });

    it('refuses when a record was edited, erased or gained a dependent in WedSync since the job', async () => {
      const { hub, clientStore } = testHub;
      const { supplierId, integrationId } = await newStudio();
      const data = emptyData();
      data.client = [
        crmClient('c-1', { firstName: 'Ruby', lastName: 'Cole', email: 'ruby@example.com' }),
        crmClient('c-2', { firstName: 'Finn', lastName: 'Gray', email: 'finn@example.com' }),
        crmClient('c-3', { firstName: 'Iris', lastName: 'Moss', email: 'iris@example.com' }),
      ];
      useData(data);
      const job = await runImport(supplierId, integrationId);
      const linkOf = async (externalId: string) => {
        const [link] = await testHub.storage.links.findByExternalIds(integrationId, 'client', [externalId]);
        if (link === undefined) throw new Error(`No link for ${externalId}`);
        return link;
      };
      const ruby = await linkOf('c-1');
      const finn = await linkOf('c-2');
      const stored = await clientStore.findByIds('client', { supplierId, ids: [ruby.wedsync_record_id] });
      await clientStore.upsert('client', [
        {
          id: ruby.wedsync_record_id,
          supplier_id: supplierId,
          record: { ...stored.get(ruby.wedsync_record_id)!.record, notes: 'Typed in WedSync' },
        },
      ]);
      const [handProject] = await clientStore.upsert('project', [
        { supplier_id: supplierId, record: { client_id: finn.wedsync_record_id, name: 'Typed by hand' } },
      ]);

      const iris = await linkOf('c-3');
      expect(await clientStore.remove('client', { supplierId, ids: [iris.wedsync_record_id] })).toBe(1);

      const refused = await expectCrmError(hub.rollbackJob({ supplierId, jobId: job.jobId }), 'conflict');
      const records = (refused.context as { records: Record<string, unknown>[] }).records;
      expect(records).toHaveLength(3);
      expect(records).toContainEqual({
        record_type: 'client',
        wedsync_record_id: iris.wedsync_record_id,
        reason: 'missing',
      });
      expect(records).toContainEqual({
        record_type: 'client',
        wedsync_record_id: ruby.wedsync_record_id,
        reason: 'modified',
      });
      expect(records).toContainEqual({
        record_type: 'client',
        wedsync_record_id: finn.wedsync_record_id,
        reason: 'has_dependents',
        dependent: { record_type: 'project', wedsync_record_id: handProject!.id },
      });

      const forced = await hub.rollbackJob({ supplierId, jobId: job.jobId, force: true });
      expect(forced).toMatchObject({ restored: 0, removed: 0, skipped: 3 });
      const left = await clientStore.findByIds('client', {
        supplierId,
        ids: [ruby.wedsync_record_id, finn.wedsync_record_id],
      });
      expect(left.size).toBe(2);
      const project = await clientStore.findByIds('project', { supplierId, ids: [handProject!.id] });
      expect(project.size).toBe(1);
    });

    it('rolls back a job that changed nothing, and refuses a second rollback', async () => {
      const { hub, db } = testHub;
      const { supplierId, integrationId } = await newStudio();
      useData(studioData());
      await runImport(supplierId, integrationId);
      const before = await hashWedsyncTables(db);
      const unchanged = await runImport(supplierId, integrationId);
      expect(unchanged.counts).toMatchObject({ created: 0, updated: 0 });

      const result = await hub.rollbackJob({ supplierId, jobId: unchanged.jobId });
      expect(result).toMatchObject({ restored: 0, removed: 0, skipped: 0 });
      expect(result.sync_job.rolled_back_at).toBeDefined();
      expect(await hashWedsyncTables(db)).toBe(before);

      const twice = await expectCrmError(hub.rollbackJob({ supplierId, jobId: unchanged.jobId }), 'conflict');
      expect(twice.message).toContain('already rolled back');
      expect(twice.context).toMatchObject({ jobId: unchanged.jobId });
    });

    it('rolls a job back once when two rollbacks of it run at once', async () => {
      const { hub, db } = testHub;
      const { supplierId, integrationId } = await newStudio();
      await handTyped(supplierId);
      useData(studioData());
      const before = await hashWedsyncTables(db);
      const { jobId } = await runImport(supplierId, integrationId);

      // Two callers at once (on PostgreSQL: two connections of the pool, each in its own transaction).
      const settled = await Promise.allSettled([
        hub.rollbackJob({ supplierId, jobId }),
        hub.rollbackJob({ supplierId, jobId }),
      ]);
      const done = settled.filter((result) => result.status === 'fulfilled');
      const refused = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(done).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(CrmError);
      expect((refused[0] as CrmError).code).toBe('conflict');
      expect(await hashWedsyncTables(db)).toBe(before);
      // One log row per record, written once.
      const logs = await hub.listSyncLogs({ supplierId, integrationId, job_id: jobId, per_page: 100 });
      const rollbackLogs = logs.logs.filter(
        (log) => (log.action_details as Record<string, unknown>)['rollback_of'] === jobId,
      );
      expect(rollbackLogs).toHaveLength(12);
    });

    it('keeps the job rules: supplier scope, finished jobs only, no job active, valid options', async () => {
      const { hub } = testHub;
      const { supplierId, integrationId } = await newStudio();
      await handTyped(supplierId);
      useData(studioData());
      const done = await runImport(supplierId, integrationId);

      const other = await testHub.createSupplier();
      const notFound = await expectCrmError(
        hub.rollbackJob({ supplierId: other, jobId: done.jobId }),
        'not_found',
      );
      expect(notFound.context).toMatchObject({ jobId: done.jobId });
      await expectCrmError(
        hub.rollbackJob({ supplierId, jobId: '00000000-0000-4000-8000-000000000000' }),
        'not_found',
      );
      await expectCrmError(
        hub.rollbackJob({ supplierId, jobId: done.jobId, force: 'yes' as never }),
        'invalid_argument',
      );
      await expectCrmError(hub.rollbackJob(null as never), 'invalid_argument');

      const { sync_job: pending } = await hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });
      const active = await expectCrmError(
        hub.rollbackJob({ supplierId, jobId: done.jobId }),
        'job_already_active',
      );
      expect(active.context).toMatchObject({ activeJobId: pending.id });
      expect(active.message).toContain(pending.id);
      const unfinished = await expectCrmError(hub.rollbackJob({ supplierId, jobId: pending.id }), 'conflict');
      expect(unfinished.message).toContain('only a finished job');
      await hub.cancelSyncJob({ supplierId, jobId: pending.id });

      // A cancelled job can be rolled back (it wrote nothing here).
      const cancelled = await hub.rollbackJob({ supplierId, jobId: pending.id });
      expect(cancelled).toMatchObject({ restored: 0, removed: 0, skipped: 0 });

      // A storage that lost the before-images cannot restore them: refused, naming the records.
      const { storage, clientStore } = testHub;
      const withoutImages = (bound: HubStorage): HubStorage =>
        Object.assign(Object.create(bound) as HubStorage, {
          backups: {
            insert: bound.backups.insert.bind(bound.backups),
            async list(jobId: string, options?: BackupListOptions) {
              const page = await bound.backups.list(jobId, options);
              return { ...page, backups: page.backups.map(({ before_image: _, ...rest }) => rest) };
            },
          },
        });
      const lossy: HubStorage = Object.assign(Object.create(storage) as HubStorage, {
        transaction: <T>(fn: (bound: HubStorage, handle: TransactionHandle) => Promise<T>) =>
          storage.transaction((bound, handle) => fn(withoutImages(bound), handle)),
      });
      const doneJob = (await hub.getSyncJob({ supplierId, jobId: done.jobId })).sync_job;
      const lost = await expectCrmError(
        rollbackSyncJob({ storage: lossy, clientStore }, doneJob),
        'conflict',
      );
      expect(lost.context).toMatchObject({ total: 2 });
      expect((lost.context['records'] as { reason: string }[]).map((record) => record.reason)).toEqual([
        'no_before_image',
        'no_before_image',
      ]);
      await expectCrmError(
        rollbackSyncJob({ storage, clientStore }, doneJob, { now: new Date(Number.NaN) }),
        'invalid_argument',
      );
      expect(await hub.rollbackJob({ supplierId, jobId: done.jobId })).toMatchObject({
        restored: 2,
        removed: 10,
      });

      // An export wrote to the CRM: a rollback of WedSync records cannot undo it.
      const exported = await storage.jobs.create({
        integration_id: integrationId,
        job_type: 'export_to_crm',
      });
      await storage.jobs.claim({ owner: 'test', leaseMs: 60_000, integrationId, now: testHub.clock.read() });
      await storage.jobs.finish(exported.id, {
        owner: 'test',
        job_status: 'completed',
        now: testHub.clock.read(),
      });
      const refusedExport = await expectCrmError(
        hub.rollbackJob({ supplierId, jobId: exported.id }),
        'unsupported_capability',
      );
      expect(refusedExport.context).toMatchObject({ jobId: exported.id, jobType: 'export_to_crm' });
    });
  });
}
