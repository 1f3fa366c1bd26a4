/**
 * Deletion detection with the Tave provider against the fake VSCO Workspace over HTTP, into SQLite: after a full
 * import of a generated studio, the studio deletes three clients in Tave (their contacts and the jobs they are
 * the client of, which takes the jobs' events, orders and payments along) and one job of a client who stays.
 * Tave lists deleted records no more and reports no deletion; the next full import marks exactly the WedSync
 * twins of what is gone (rows kept), logs and counts them, a third import changes nothing, and rolling back the
 * import that marked them makes them live again. (The deleted jobs' partners, now on no job, are listed by Tave
 * as clients of their own from then on: the second import creates them, which is no deletion.)
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { generateStudio, type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrmProviderV1,
  createVault,
  generateVaultKey,
  type ImportMappingOptions,
  type RecordType,
} from '../../src/index.js';
import { createTestHub, type TestHub } from '../sync/fixtures.js';
import { runImportJob } from './driver.js';

const apiKey = 'tave-deletions-key-0123456789';
const dateOrders = { 'n/j/Y': 'month_first', 'j/n/Y': 'day_first', 'Y-m-d': 'year_first' } as const;
const recordTypes: readonly RecordType[] = ['client', 'project', 'event', 'invoice', 'payment'];

/** The mapping options the runner derives from the studio's settings (currency, country, date format). */
function studioMappingOptions(fake: RunningFakeTave): ImportMappingOptions {
  const { currency, country, dateFormat } = fake.settings;
  return {
    currency: currency.toUpperCase(),
    defaultCountry: country.toUpperCase(),
    dateOrder: dateOrders[dateFormat as keyof typeof dateOrders],
  } as ImportMappingOptions;
}

describe('deletion detection with the fake Tave over HTTP', () => {
  const vault = createVault({ keys: [{ id: 'k1', key: generateVaultKey() }] });
  let fake: RunningFakeTave;
  let testHub: TestHub;
  let provider: CrmProviderV1;
  let integrationId: string;

  const run = () =>
    runImportJob(testHub, integrationId, {
      provider,
      vault,
      httpClientFactory: createProviderHttpFactory(),
      mappingOptions: studioMappingOptions(fake),
    });

  /** The integration's links of a type: external id -> WedSync id. */
  const linksOf = async (recordType: RecordType): Promise<Map<string, string>> => {
    const { links } = await testHub.storage.links.list(integrationId, recordType, { limit: 5000 });
    return new Map(links.map((link) => [link.external_id, link.wedsync_record_id]));
  };

  /** The external ids whose WedSync twin is marked deleted, per record type (sorted). */
  const markedDeleted = async (): Promise<Record<string, string[]>> => {
    const marked: Record<string, string[]> = {};
    for (const recordType of recordTypes) {
      const links = await linksOf(recordType);
      const records = await testHub.clientStore.findByIds(recordType, {
        supplierId: testHub.supplierId,
        ids: [...links.values()],
      });
      const ids = [...links]
        .filter(([, wedsyncId]) => records.get(wedsyncId)?.deleted_at != null)
        .map(([externalId]) => externalId)
        .sort();
      if (ids.length > 0) marked[recordType] = ids;
    }
    return marked;
  };

  /** The ids Tave still has, per record type as the provider reads them. */
  const stillInTave = (): Record<RecordType, Set<string>> => ({
    client: new Set(fake.state.list('address-book').map((contact) => contact.id)),
    project: new Set(fake.state.list('job').map((job) => job.id)),
    event: new Set(fake.state.list('event').map((event) => event.id)),
    invoice: new Set(
      fake.state.list('order').flatMap((order) => (order.invoices ?? []).map((invoice) => invoice.id)),
    ),
    payment: new Set(fake.state.list('payment').map((payment) => payment.id)),
  });

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio: generateStudio({ seed: 41, clients: 30 }) });
    provider = createTave({
      baseUrl: fake.url,
      pageSize: 100,
      rateLimits: { requestsPerMinute: 6000, requestsPerHour: 100_000, concurrency: 4 },
    });
    testHub = await createTestHub({
      providers: [provider],
      hubOptions: { vault, httpClientFactory: createProviderHttpFactory() },
    });
    const { integration } = await testHub.hub.createIntegration({
      supplierId: testHub.supplierId,
      body: { crm_provider: 'tave', connection_name: 'Tave', auth_config: { api_key: apiKey } },
    });
    integrationId = integration.id;
  }, 120_000);

  afterAll(async () => {
    await testHub?.destroy();
    await fake?.close();
  });

  it('marks exactly the records deleted in Tave; a re-import does nothing more; a rollback revives them', async () => {
    const first = await run();
    expect(first.job).toMatchObject({ job_status: 'completed' });
    const firstCounts = first.job.counts ?? {};
    expect(firstCounts['client.created']).toBeGreaterThan(20);
    expect(firstCounts['deleted']).toBe(0);
    expect(await markedDeleted()).toEqual({});

    // Which WedSync records exist for what, before the studio deletes anything.
    const linked = new Map<RecordType, Map<string, string>>();
    for (const recordType of recordTypes) linked.set(recordType, await linksOf(recordType));
    const clientLinks = linked.get('client') as Map<string, string>;
    const jobContacts = fake.state.list('job-contact');
    const clientJobs = (contactId: string) =>
      jobContacts.filter((row) => row.contactId === contactId && row.client === true).map((row) => row.jobId);
    const withJobs = [...clientLinks.keys()].filter((id) => clientJobs(id).length > 0);
    expect(withJobs.length).toBeGreaterThan(5);

    // Three clients deleted with their jobs; one job of a client who stays.
    const goneClients = withJobs.slice(0, 3);
    for (const contactId of goneClients) {
      for (const jobId of clientJobs(contactId)) fake.state.remove('job', jobId);
      fake.state.remove('address-book', contactId);
    }
    const stayingClient = withJobs[withJobs.length - 1] as string;
    const goneJob = clientJobs(stayingClient)[0] as string;
    fake.state.remove('job', goneJob);

    const present = stillInTave();
    const expected: Record<string, string[]> = {};
    let expectedTotal = 0;
    for (const recordType of recordTypes) {
      const gone = [...(linked.get(recordType) as Map<string, string>).keys()]
        .filter((id) => !present[recordType].has(id))
        .sort();
      if (gone.length > 0) expected[recordType] = gone;
      expectedTotal += gone.length;
    }
    expect(expected['client']).toEqual([...goneClients].sort());
    expect(expected['project']).toContain(goneJob);
    expect(expected['project']?.length).toBeGreaterThan(3);

    const second = await run();
    expect(second.job).toMatchObject({ job_status: 'completed' });
    const counts = second.job.counts ?? {};
    expect(counts).not.toHaveProperty('deletions_withheld');
    expect(counts).toMatchObject({
      deleted: expectedTotal,
      gone_from_crm: expectedTotal,
      'client.deleted': 3,
      'project.deleted': expected['project']?.length,
    });
    expect(await markedDeleted()).toEqual(expected);

    // The rows are kept; the client who stays is live.
    const stayingId = clientLinks.get(stayingClient) as string;
    const goneId = clientLinks.get(goneClients[0] as string) as string;
    const clients = await testHub.clientStore.findByIds('client', {
      supplierId: testHub.supplierId,
      ids: [stayingId, goneId],
    });
    expect(clients.get(stayingId)?.deleted_at).toBeNull();
    expect(clients.get(goneId)).toMatchObject({ deleted_reason: 'deleted in tave' });
    expect(clients.get(goneId)?.deleted_at).not.toBeNull();

    const { logs, total } = await testHub.hub.listSyncLogs({
      supplierId: testHub.supplierId,
      integrationId,
      job_id: second.job.id,
      action_type: 'deleted',
      per_page: 500,
    });
    expect(total).toBe(expectedTotal);
    expect(new Set(logs.map((log) => log.action_details['reason']))).toEqual(new Set(['gone_from_crm']));

    // Importing again: still gone, nothing more to do.
    const third = await run();
    expect(third.job.counts).toMatchObject({ deleted: 0, created: 0, updated: 0 });
    expect(await markedDeleted()).toEqual(expected);

    // Rolling back the import that marked them: live again.
    const rolledBack = await testHub.hub.rollbackJob({
      supplierId: testHub.supplierId,
      jobId: second.job.id,
    });
    expect(rolledBack.restored).toBeGreaterThanOrEqual(expectedTotal);
    expect(rolledBack.skipped).toBe(0);
    expect(await markedDeleted()).toEqual({});
  }, 120_000);
});
