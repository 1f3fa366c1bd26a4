/**
 * The import pipeline on every backend (SQLite in memory and on file, PGlite, and PostgreSQL when CRM_TEST_PG_URL
 * is set): relationships, dedupe against the store and within the import, rejected records, a conflict kept for
 * review, and an unchanged re-import — with one transaction per page on each database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type FakeData,
  type TestHub,
} from './fixtures.js';

function data(): FakeData {
  const result = emptyData();
  result.client = [
    crmClient('c-olivia', {
      firstName: 'OLIVIA',
      lastName: 'Brown ',
      email: ' Olivia.Brown@Example.com',
      notes: 'crm',
    }),
    crmClient('c-ava', {
      firstName: 'Ava',
      lastName: 'Reed',
      email: 'ava@example.com',
      phone: '+14155550111',
    }),
    crmClient('c-ava-again', { firstName: 'ava', lastName: 'REED', phone: '+1 415 555 0111' }),
    crmClient('c-jack', { firstName: 'Jack', lastName: 'Stone', email: 'stones@example.com' }),
    crmClient('c-jill', { firstName: 'Jill', lastName: 'Stone', email: 'stones@example.com' }),
    crmClient('c-bad', { email: 'nobody@example.com' }),
  ];
  result.project = [
    crmChild('p-ava', { client: 'c-ava' }, { name: 'Reed wedding', eventDate: '2026-05-02' }),
    crmChild('p-ava-2', { client: 'c-ava-again' }, { name: 'Anniversary' }),
    crmChild('p-jill', { client: 'c-jill' }, { name: 'Stone wedding' }),
  ];
  result.event = [crmChild('e1', { project: 'p-ava' }, { name: 'Ceremony', startDate: '2026-05-02' })];
  result.invoice = [
    crmChild('i1', { project: 'p-ava' }, { number: 'INV-1', status: 'open', total: 90000, currency: 'GBP' }),
  ];
  result.payment = [crmChild('pay1', { invoice: 'i1' }, { amount: 30000, currency: 'GBP', status: 'paid' })];
  return result;
}

for (const backend of testBackends()) {
  describe(`import pipeline [${backend.name}]`, () => {
    let testHub: TestHub;
    const source = data();
    const { provider } = createFakeProvider({ data: source, pageSize: 3 });

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend });
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('imports, links, flags, rejects and re-imports exactly', async () => {
      const { hub, supplierId, clientStore, storage } = testHub;
      const [olivia] = await clientStore.upsert('client', [
        {
          supplier_id: supplierId,
          record: {
            first_name: 'Olivia',
            last_name: 'Brown',
            email: 'olivia.brown@example.com',
            notes: 'wedsync',
          },
        },
      ]);
      const integrationId = await createIntegration(testHub);
      const run = async () => {
        await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
        const [outcome] = await createInProcessRunner({ hub }).drain();
        return outcome;
      };

      const first = await run();
      expect(first).toMatchObject({ status: 'completed', resultStatus: 'partial' });
      expect(first?.counts).toMatchObject({
        read: 12,
        created: 7,
        linked: 2,
        flagged: 1,
        rejected: 2,
        skipped: 0,
      });
      const clients = await clientStore.changesSince('client', { supplierId, cursor: null, limit: 100 });
      expect(clients.rows).toHaveLength(3);

      const [ava] = await storage.links.findByExternalIds(integrationId, 'client', ['c-ava']);
      const [project2] = await storage.links.findByExternalIds(integrationId, 'project', ['p-ava-2']);
      const [pay1] = await storage.links.findByExternalIds(integrationId, 'payment', ['pay1']);
      const [p1] = await storage.links.findByExternalIds(integrationId, 'project', ['p-ava']);
      const projects = await clientStore.findByIds('project', {
        supplierId,
        ids: [project2!.wedsync_record_id],
      });
      expect(projects.get(project2!.wedsync_record_id)?.record.client_id).toBe(ava?.wedsync_record_id);
      const payments = await clientStore.findByIds('payment', { supplierId, ids: [pay1!.wedsync_record_id] });
      expect(payments.get(pay1!.wedsync_record_id)?.record.project_id).toBe(p1?.wedsync_record_id);

      // Olivia was linked, not created; her differing note is a conflict kept for review.
      const stored = await clientStore.findByIds('client', { supplierId, ids: [olivia!.id] });
      expect(stored.get(olivia!.id)?.record.notes).toBe('wedsync');
      const conflicts = await storage.conflicts.list(integrationId);
      expect(conflicts.conflicts.map((conflict) => conflict.field)).toEqual(['notes']);

      const second = await run();
      expect(second?.counts).toMatchObject({
        read: 12,
        created: 0,
        skipped: 8,
        linked: 1,
        flagged: 1,
        rejected: 2,
      });
      expect(
        (await clientStore.changesSince('client', { supplierId, cursor: null, limit: 100 })).rows,
      ).toHaveLength(3);
      expect((await storage.conflicts.list(integrationId)).conflicts).toHaveLength(1);
    });
  });
}
