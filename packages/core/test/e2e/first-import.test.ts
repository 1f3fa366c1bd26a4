/**
 * The first import of a whole Tave studio, over real HTTP (the fake VSCO Workspace on 127.0.0.1, provider-kit's
 * rate-limited client) into real databases: a SQLite file, PGlite, and PostgreSQL when CRM_TEST_PG_URL is set.
 * The studio plants duplicates and bad records, and the supplier already typed a few of its clients into WedSync
 * by hand. Every record read must be accounted for; planted duplicates and hand-typed clients are linked (or,
 * for the typo, flagged) and never doubled; bad records are rejected with reasons while the rest import; and
 * every imported record points at the right parent.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import type { JobRunOutcome } from '../../src/sync/run-job.js';
import { createTestHub, rowsOf, type TestHub } from '../sync/fixtures.js';
import {
  allSyncLogs,
  e2eStudio,
  expectEveryRecordAccounted,
  expectNoDoubledPeople,
  expectRelationships,
  importTave,
  linksByExternalId,
  plantedBadRecords,
  plantedDuplicates,
  type SeededClient,
  seedHandTypedClients,
} from './harness.js';

const apiKey = 'tave-first-import-key-8d2e4f60a1';
const studio = e2eStudio({ seed: 343, clients: 56 });
const { manifest } = studio;
const plantedBadCount = Object.values(plantedBadRecords).reduce((sum, count) => sum + count, 0);
const plantedDuplicateCount = Object.values(plantedDuplicates).reduce((sum, count) => sum + count, 0);

for (const backend of testBackends().filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`first import [${backend.name}]`, () => {
    let fake: RunningFakeTave;
    let testHub: TestHub;
    let seeded: SeededClient[];
    let integrationId: string;
    let outcome: JobRunOutcome;
    let links: Awaited<ReturnType<typeof linksByExternalId>>;
    const linkOf = (recordType: string, externalId: string) => links.get(`${recordType}:${externalId}`);

    beforeAll(async () => {
      fake = await startFakeTave({ apiKey, studio });
      testHub = await createTestHub({
        // Pages of 25 make ~50 requests: a quota above the default 60 a minute keeps a bigger studio quick too.
        providers: [
          createTave({
            baseUrl: fake.url,
            pageSize: 25,
            rateLimits: { requestsPerMinute: 600, requestsPerHour: 20_000 },
          }),
        ],
        backend,
        hubOptions: { httpClientFactory: createProviderHttpFactory() },
      });
      seeded = await seedHandTypedClients(testHub, studio);
      ({ integrationId, outcome } = await importTave(testHub, {
        apiKey,
        runner: createInProcessRunner({ hub: testHub.hub }),
      }));
      links = await linksByExternalId(testHub.db, integrationId);
    });
    afterAll(async () => {
      await testHub?.destroy();
      await fake?.close();
    });

    it('accounts for every record the CRM delivered, per record type', () => {
      const counts = outcome.counts;
      expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'partial' });
      expectEveryRecordAccounted(counts);
      expect(manifest.duplicates).toHaveLength(plantedDuplicateCount);
      expect(manifest.badRecords).toHaveLength(plantedBadCount);
      expect(counts['client.read']).toBe(manifest.counts.clients + manifest.duplicates.length);
      expect(counts['project.read']).toBe(manifest.counts.jobs);
      expect(counts['event.read']).toBe(manifest.counts.events);
      expect(counts['invoice.read']).toBe(manifest.counts.invoices);
      expect(counts['payment.read']).toBe(manifest.counts.payments);
      // One request per page at least: five record types, a client pre-pass, pages of 25.
      expect(counts['requests']).toBeGreaterThan(10);
      expect(counts['rate_limited']).toBe(0);
      // Every request of the connection test and the job was answered, none refused or failed.
      expect(fake.requestLog.entries().filter((entry) => entry.status !== 200)).toEqual([]);
      expect(fake.requestLog.size).toBeGreaterThanOrEqual(counts['requests'] ?? 0);
    });

    it('links the certain planted duplicates and flags the typo, never doubling a person', async () => {
      const logs = await allSyncLogs(testHub, integrationId);
      const staging = await rowsOf(testHub.db, 'crm_client_staging');
      const logOf = (externalId: string) =>
        logs.filter((log) => log.record_type === 'client' && log.record_id === externalId);
      for (const duplicate of manifest.duplicates) {
        const original = linkOf('client', duplicate.originalId);
        expect(original, `${duplicate.kind}: the original is imported`).toBeDefined();
        const [log, ...more] = logOf(duplicate.duplicateId);
        expect(more, `${duplicate.kind}: logged once`).toEqual([]);
        if (duplicate.kind === 'typo') {
          // Maybe the same person: staged for review, not written, not linked.
          expect(linkOf('client', duplicate.duplicateId)).toBeUndefined();
          expect(log?.action_details).toMatchObject({
            reason: 'possible_duplicate',
            candidates: [expect.objectContaining({ external_id: duplicate.originalId })],
          });
          expect(
            staging
              .filter((row) => row['external_id'] === duplicate.duplicateId)
              .map((row) => row['import_status']),
          ).toEqual(['duplicate']);
        } else {
          // Certainly the same person: resolved to the original's WedSync client, which keeps its one link.
          expect(log?.action_details, duplicate.kind).toMatchObject({
            reason: 'duplicate_in_crm',
            duplicate_of_external_id: duplicate.originalId,
            linked_to: original?.['wedsync_record_id'],
          });
          expect(linkOf('client', duplicate.duplicateId), duplicate.kind).toBeUndefined();
        }
      }
      expect(outcome.counts['client.flagged']).toBe(plantedDuplicates.typo);
      const clients = await expectNoDoubledPeople(testHub.db);
      // Exactly the hand-typed clients plus the clients the import created.
      expect(clients).toHaveLength(seeded.length + (outcome.counts['client.created'] ?? 0));
    });

    it('rejects the planted bad records with their reasons and imports everything else', async () => {
      const logs = await allSyncLogs(testHub, integrationId);
      for (const bad of manifest.badRecords) {
        const [log] = logs.filter((row) => row.record_type === 'client' && row.record_id === bad.contactId);
        expect(log?.action_type, bad.kind).toBe('error');
        expect(log?.error_message ?? '', bad.kind).not.toBe('');
        expect(linkOf('client', bad.contactId), bad.kind).toBeUndefined();
      }
      const reasons = logs
        .filter((row) => row.record_type === 'client' && row.action_type === 'error')
        .map((row) => String(row.error_message));
      expect(reasons).toHaveLength(plantedBadCount);
      expect(reasons.join('\n')).toMatch(/email: invalid_email/);
      expect(reasons.join('\n')).toMatch(/wedding_date: invalid_date/);
      expect(reasons.join('\n')).toMatch(/first_name/);
      const counts = outcome.counts;
      expect(counts['client.rejected']).toBe(plantedBadCount);
      // Every other client: created, or linked to the hand-typed twin or the original of a certain duplicate.
      const inTave = seeded.filter((client) => client.tavePersonId !== null).length;
      const certainDuplicates = manifest.duplicates.length - plantedDuplicates.typo;
      expect(counts['client.created']).toBe(manifest.counts.clients - plantedBadCount - inTave);
      expect(counts['client.linked']).toBe(inTave + certainDuplicates);
      // Each rejected record left an error log with its reason, and nothing else failed.
      const errors = logs.filter((row) => row.action_type === 'error');
      const rejected = ['client', 'project', 'event', 'invoice', 'payment'].reduce(
        (sum, type) => sum + (counts[`${type}.rejected`] ?? 0),
        0,
      );
      expect(errors).toHaveLength(rejected);
      expect(errors.filter((row) => (row.error_message ?? '') === '')).toEqual([]);
      // Only records that hang off a rejected record are rejected besides the planted ones.
      const rejectedProjects = errors.filter((row) => row.record_type === 'project');
      expect(rejectedProjects.length).toBe(counts['project.rejected']);
      for (const row of rejectedProjects) {
        const job = studio.jobs.find((candidate) => candidate.id === row.record_id);
        const planted = manifest.badRecords.some(
          (bad) => bad.jobId === job?.id || bad.contactId === job?.clientId,
        );
        expect(planted, `project ${row.record_id} rejected: ${row.error_message}`).toBe(true);
      }
    });

    it('links the clients typed in by hand to their Tave twins instead of creating them again', async () => {
      for (const client of seeded) {
        const linked = [...links.values()].filter(
          (link) => link['record_type'] === 'client' && link['wedsync_record_id'] === client.id,
        );
        if (client.tavePersonId === null) {
          expect(linked, `${client.record.email} is not in Tave`).toEqual([]);
        } else {
          expect(
            linked.map((link) => link['external_id']),
            `${client.record.email}`,
          ).toEqual([client.tavePersonId]);
        }
      }
      const clients = await rowsOf(testHub.db, 'clients');
      for (const client of seeded) {
        expect(clients.filter((row) => row['email_normalized'] === client.record.email)).toHaveLength(1);
      }
    });

    it('keeps every relationship: projects to their client, the rest to their project', async () => {
      await expectRelationships(testHub.db);
      const byId = async (table: string) =>
        new Map((await rowsOf(testHub.db, table)).map((row) => [String(row['id']), row]));
      const projects = await byId('projects');
      // A certain duplicate has no link of its own: its jobs belong to the original's client.
      const originalOf = new Map(manifest.duplicates.map((entry) => [entry.duplicateId, entry.originalId]));
      const clientOf = (contactId: string) =>
        linkOf('client', originalOf.get(contactId) ?? contactId)?.['wedsync_record_id'];
      const projectOf = (jobId: string) => linkOf('project', jobId)?.['wedsync_record_id'];
      // Each imported project belongs to the WedSync twin of its Tave job's client.
      let checked = 0;
      for (const job of studio.jobs) {
        const projectId = projectOf(job.id);
        if (projectId === undefined) continue;
        expect(projects.get(String(projectId))?.['client_id'], `job ${job.id}`).toBe(clientOf(job.clientId));
        checked += 1;
      }
      expect(checked).toBe(outcome.counts['project.created']);
      // Events, invoices and payments belong to the project of their Tave job.
      const events = await byId('events');
      for (const event of studio.events) {
        const id = linkOf('event', event.id)?.['wedsync_record_id'];
        if (id !== undefined) expect(events.get(String(id))?.['project_id']).toBe(projectOf(event.jobId));
      }
      const invoices = await byId('invoices');
      for (const order of studio.orders) {
        for (const invoice of order.invoices) {
          const id = linkOf('invoice', invoice.id)?.['wedsync_record_id'];
          if (id !== undefined) expect(invoices.get(String(id))?.['project_id']).toBe(projectOf(order.jobId));
        }
      }
      const payments = await byId('payments');
      for (const payment of studio.payments) {
        const id = linkOf('payment', payment.id)?.['wedsync_record_id'];
        if (id !== undefined) expect(payments.get(String(id))?.['project_id']).toBe(projectOf(payment.jobId));
      }
      for (const [table, type] of [
        ['projects', 'project'],
        ['events', 'event'],
        ['invoices', 'invoice'],
        ['payments', 'payment'],
      ] as const) {
        expect((await rowsOf(testHub.db, table)).length, table).toBe(outcome.counts[`${type}.created`]);
      }
    });
  });
}
