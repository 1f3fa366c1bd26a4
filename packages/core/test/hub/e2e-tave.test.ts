/**
 * End to end over HTTP: the Tave provider against the fake VSCO Workspace server, through provider-kit's rate
 * limited HTTP factory, into real SQLite. The generated studio plants duplicates and bad records and says where
 * (its manifest); the import must link the certain duplicates, flag the typo, reject the bad records with their
 * reasons, keep every relationship, and import nothing twice when run again.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOutcomeKinds } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { createTestHub, rowsOf, type TestHub } from '../sync/fixtures.js';

const apiKey = 'tave-e2e-key-0123456789';

describe('full import from the fake Tave over HTTP', () => {
  let fake: RunningFakeTave;
  let testHub: TestHub;

  beforeAll(async () => {
    fake = await startFakeTave({
      apiKey,
      studio: {
        seed: 7,
        clients: 25,
        duplicates: { case: 1, spacing: 1, phoneFormat: 1, typo: 1 },
        badRecords: { invalidEmail: 1, impossibleDate: 1, missingName: 1 },
      },
    });
    testHub = await createTestHub({
      providers: [createTave({ baseUrl: fake.url, pageSize: 100 })],
      hubOptions: { httpClientFactory: createProviderHttpFactory() },
    });
  });
  afterAll(async () => {
    await testHub?.destroy();
    await fake?.close();
  });

  it('links, flags, rejects and relates every record as planted, and re-imports nothing twice', async () => {
    const { hub, supplierId, storage, clientStore } = testHub;
    const { integration } = await hub.createIntegration({
      supplierId,
      body: { crm_provider: 'tave', connection_name: 'Tave', auth_config: { api_key: apiKey } },
    });
    const integrationId = integration.id;
    const connection = await hub.testConnection({ supplierId, integrationId });
    expect(connection.success).toBe(true);
    // The budget left is the hub's own count: the test connection's requests are already spent from 60.
    const { remaining_requests } = connection.connection_info.rate_limit_status;
    expect(remaining_requests).toBeGreaterThan(0);
    expect(remaining_requests).toBeLessThan(60);
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [outcome] = await createInProcessRunner({ hub }).drain();
    const counts = outcome?.counts ?? {};
    const { manifest } = fake;

    expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'partial' });
    expect(recordOutcomeKinds.reduce((sum, kind) => sum + (counts[kind] ?? 0), 0)).toBe(counts['read']);
    expect(counts['client.read']).toBe(manifest.counts.clients + manifest.duplicates.length);
    expect(counts['requests']).toBeGreaterThan(0);

    const logs = (await hub.listSyncLogs({ supplierId, integrationId, per_page: 500 })).logs;
    const logOf = (recordType: string, recordId: string) =>
      logs.find((log) => log.record_type === recordType && log.record_id === recordId);
    for (const duplicate of manifest.duplicates) {
      const log = logOf('client', duplicate.duplicateId);
      if (duplicate.kind === 'typo') {
        expect(log?.action_details).toMatchObject({
          reason: 'possible_duplicate',
          candidates: [expect.objectContaining({ external_id: duplicate.originalId })],
        });
      } else {
        expect(log?.action_details, duplicate.kind).toMatchObject({
          reason: 'duplicate_in_crm',
          duplicate_of_external_id: duplicate.originalId,
        });
      }
    }
    for (const bad of manifest.badRecords) {
      if (bad.kind === 'impossibleDate') {
        // The planted impossible date is the client's wedding date: the client and the job are both rejected.
        expect(logOf('client', bad.contactId)?.action_details).toMatchObject({
          reason: 'mapping_failed',
          errors: [expect.objectContaining({ field: 'wedding_date', code: 'invalid_date' })],
        });
        expect(logOf('project', bad.jobId ?? '')?.action_type).toBe('error');
      } else {
        const log = logOf('client', bad.contactId);
        expect(log?.action_type).toBe('error');
        expect(log?.action_details['reason']).toBe(
          bad.kind === 'invalidEmail' ? 'mapping_failed' : 'invalid_record',
        );
      }
    }
    expect(counts['client.created']).toBe(manifest.counts.clients - manifest.badRecords.length);

    // Every imported project belongs to the WedSync twin of its CRM client (or of the client it duplicates).
    const projectLinks = (await storage.links.list(integrationId, 'project', { limit: 500 })).links;
    const projects = await clientStore.findByIds('project', {
      supplierId,
      ids: projectLinks.map((link) => link.wedsync_record_id),
    });
    const clientIds = new Set((await rowsOf(testHub.db, 'clients')).map((row) => String(row['id'])));
    expect(projects.size).toBe(counts['project.created']);
    for (const project of projects.values()) expect(clientIds.has(project.record.client_id)).toBe(true);

    // Again: nothing new, nothing doubled.
    const clientsBefore = clientIds.size;
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [again] = await createInProcessRunner({ hub }).drain();
    expect(again?.counts).toMatchObject({ created: 0, updated: 0, read: counts['read'] });
    expect((await rowsOf(testHub.db, 'clients')).length).toBe(clientsBefore);
  }, 120_000);
});
