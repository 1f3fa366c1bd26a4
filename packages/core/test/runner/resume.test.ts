/**
 * Crash and resume on every backend (SQLite in memory and on file, PGlite, and PostgreSQL when CRM_TEST_PG_URL
 * is set): a job stopped hard after k committed pages resumes from its checkpoint once its lease expires,
 * writing nothing twice — exact counts, no duplicate clients, no duplicate links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import { type JobStartedEvent, recordOutcomeKinds } from '../../src/index.js';
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
  waitFor,
} from '../sync/fixtures.js';

function data(): FakeData {
  const result = emptyData();
  result.client = Array.from({ length: 7 }, (_, index) =>
    crmClient(`c${index}`, {
      firstName: `First${index}`,
      lastName: `Last${index}`,
      email: `client${index}@example.com`,
    }),
  );
  // The fourth client is a certain duplicate of the first: it resolves to the first client's id.
  result.client[3] = crmClient('c3', {
    firstName: 'first0',
    lastName: 'LAST0',
    email: 'Client0@example.com',
  });
  result.project = [
    crmChild('p0', { client: 'c0' }, { name: 'Wedding 0' }),
    crmChild('p3', { client: 'c3' }, { name: 'Wedding 3' }),
    crmChild('p5', { client: 'c5' }, { name: 'Wedding 5' }),
  ];
  return result;
}

for (const backend of testBackends()) {
  describe(`resume after a crash [${backend.name}]`, () => {
    let testHub: TestHub;
    const source = data();
    const { provider, control } = createFakeProvider({ data: source });

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend });
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('resumes from the last committed page with exact counts and nothing written twice', async () => {
      const { hub, supplierId } = testHub;
      const integrationId = await createIntegration(testHub);
      const started: JobStartedEvent[] = [];
      hub.on('jobStarted', (event) => started.push(event));
      control.hangRead = { recordType: 'client', afterPages: 2 };
      const { sync_job } = await hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });

      // Runner 1 commits two pages, then "crashes" while the third is in flight.
      const first = createInProcessRunner({ hub, owner: 'runner-1', leaseMs: 30_000, pollIntervalMs: 10 });
      first.start();
      await waitFor(() => control.hanging);
      await first.stop({ graceful: false });
      const crashed = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
      expect(crashed).toMatchObject({ job_status: 'running', lease_owner: 'runner-1', records_processed: 4 });
      expect(crashed.checkpoint).toMatchObject({
        phase: 0,
        cursor: '4',
        aliases: { c3: expect.any(String) },
      });
      expect(crashed.counts).toMatchObject({ read: 4, created: 3, linked: 1 });

      // The lease still holds: nobody may take the job yet.
      const second = createInProcessRunner({ hub, owner: 'runner-2', leaseMs: 30_000 });
      expect(await second.runOnce()).toBeUndefined();

      // Once it lapses, runner 2 resumes from the checkpoint.
      testHub.clock.advance(30_001);
      const outcome = await second.runOnce();
      expect(outcome?.status).toBe('completed');
      expect(
        control.readsFrom.filter((read) => read.recordType === 'client').map((read) => read.cursor),
      ).toEqual([null, '4']);
      const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
      expect(job).toMatchObject({
        job_status: 'completed',
        result_status: 'success',
        attempts: 2,
        records_processed: 10,
      });
      expect(job.counts).toMatchObject({
        read: 10,
        created: 9,
        linked: 1,
        skipped: 0,
        rejected: 0,
        updated: 0,
      });
      expect(recordOutcomeKinds.reduce((sum, kind) => sum + (job.counts?.[kind] ?? 0), 0)).toBe(10);
      expect(started.map((event) => event.resumed)).toEqual([false, true]);

      // Nothing twice: 6 clients (c3 is c0), one link per CRM record, one log per record read.
      expect(await rowsOf(testHub.db, 'clients')).toHaveLength(6);
      const links = await rowsOf(testHub.db, 'crm_record_links');
      expect(links).toHaveLength(9);
      expect(new Set(links.map((link) => `${link['record_type']}:${link['external_id']}`)).size).toBe(9);
      expect(await rowsOf(testHub.db, 'crm_sync_logs')).toHaveLength(10);
      // The alias saved in the checkpoint survived the crash: p3 belongs to c0's client.
      const [c0] = await testHub.storage.links.findByExternalIds(integrationId, 'client', ['c0']);
      const [p3] = await testHub.storage.links.findByExternalIds(integrationId, 'project', ['p3']);
      const projects = await testHub.clientStore.findByIds('project', {
        supplierId,
        ids: [p3!.wedsync_record_id],
      });
      expect(projects.get(p3!.wedsync_record_id)?.record.client_id).toBe(c0?.wedsync_record_id);
      const { integration } = await hub.getIntegration({ supplierId, integrationId });
      expect(integration).toMatchObject({ connection_status: 'connected', last_sync_status: 'success' });

      // A full re-import afterwards changes nothing.
      await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
      const again = await second.runOnce();
      expect(again?.counts).toMatchObject({ read: 10, created: 0, skipped: 9, linked: 1 });
      expect(await rowsOf(testHub.db, 'clients')).toHaveLength(6);
    });
  });
}
