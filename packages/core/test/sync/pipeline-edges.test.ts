/**
 * Edges of the import pipeline on real SQLite: mapping options from the host, the CRM and the job; HTTP clients
 * counted and their secrets redacted; providers that misbehave; twins the host removed; deletions; mapping
 * warnings; payments without an imported invoice; merges that would break a record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  CountingProviderHttpClient,
  CrmProviderV1,
  ExternalRecord,
  ProviderHttpClientFactory,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  rowsOf,
  type TestHub,
  waitFor,
} from './fixtures.js';

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

async function importOnce(testHub: TestHub, integrationId: string, jobConfig: Record<string, unknown> = {}) {
  await testHub.hub.triggerSync({
    supplierId: testHub.supplierId,
    integrationId,
    body: { job_type: 'full_import', job_config: jobConfig },
  });
  const [outcome] = await createInProcessRunner({ hub: testHub.hub }).drain();
  return outcome;
}

async function logsOf(testHub: TestHub, integrationId: string) {
  return (await testHub.hub.listSyncLogs({ supplierId: testHub.supplierId, integrationId, per_page: 500 }))
    .logs;
}

describe('mapping options', () => {
  it("layers the host's defaults, the CRM's settings and the job's options", async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava', phone: '(415) 555-0101', weddingDate: '06/20/2026' })];
    const { provider } = createFakeProvider({ data, settings: { dateFormat: 'n/j/Y', currencyCode: 'usd' } });
    const seen: string[] = [];
    current = await createTestHub({
      providers: [provider],
      hubOptions: {
        mappingDefaults: (integration) => {
          seen.push(integration.id);
          return { defaultCountry: 'US' };
        },
      },
    });
    const integrationId = await createIntegration(current);
    const first = await importOnce(current, integrationId);
    expect(first?.counts).toMatchObject({ created: 1, rejected: 0 });
    expect(seen).toEqual([integrationId]);
    const stored = await rowsOf(current.db, 'clients');
    expect(JSON.parse(String(stored[0]?.['data']))).toMatchObject({
      phone: '+14155550101',
      wedding_date: '2026-06-20',
    });

    // The job's options win: read day first, the date is now 6 June... of month 20: invalid, so rejected.
    data.client = [
      crmClient('c1', { firstName: 'Ava', phone: '(415) 555-0101', weddingDate: '06/20/2026', notes: 'x' }),
    ];
    const second = await importOnce(current, integrationId, { mapping_options: { dateOrder: 'day_first' } });
    expect(second?.counts).toMatchObject({ rejected: 1 });
    const bad = await importOnce(current, integrationId, { mapping_options: 'day_first' });
    expect(bad).toMatchObject({ status: 'failed', error: { name: 'InvalidArgumentError' } });
  });

  it('reads day-first and year-first CRM date formats, and an explicit date order', async () => {
    for (const [settings, raw] of [
      [{ dateFormat: 'j/n/Y' }, '20/06/2026'],
      [{ dateFormat: 'Y-m-d' }, '2026-06-20'],
      [{ dateOrder: 'day_first', defaultCountry: 'gb' }, '20/06/2026'],
    ] as const) {
      const data = emptyData();
      data.client = [crmClient('c1', { firstName: 'Ava', weddingDate: raw })];
      const { provider } = createFakeProvider({ data, settings });
      const testHub = await createTestHub({ providers: [provider] });
      try {
        const integrationId = await createIntegration(testHub);
        expect((await importOnce(testHub, integrationId))?.counts).toMatchObject({ created: 1 });
      } finally {
        await testHub.destroy();
      }
    }
  });

  it('imports a record with a bad optional field when the job asks for warnings', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava', email: 'not-an-email' })];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const outcome = await importOnce(current, integrationId, {
      mapping_options: { optionalFieldErrors: 'warn' },
    });
    expect(outcome?.counts).toMatchObject({ created: 1 });
    const [log] = await logsOf(current, integrationId);
    expect(log?.action_details['warnings']).toMatchObject([{ field: 'email', code: 'invalid_email' }]);
  });
});

describe('HTTP clients of sessions', () => {
  function httpProvider(base: CrmProviderV1): CrmProviderV1 {
    return {
      ...base,
      connect(context) {
        const client = context.createHttpClient({
          baseUrl: 'https://crm.example/api',
          headers: { 'X-API-KEY': String(context.credentials['api_key']), Accept: 'json' },
        });
        return {
          async testConnection() {
            await client.request({ method: 'GET', path: 'me' });
            context.logger.info('connected with X-API-KEY live-secret-key-123456', {
              header: 'header-secret-value',
            });
            return { availableFeatures: ['client'] };
          },
          async *read(recordType) {
            if (recordType !== 'client') return;
            await client.request({ method: 'GET', path: 'contacts' });
            yield { records: [crmClient('c1', { firstName: 'Ava' })], cursor: null };
          },
          async close() {
            throw new Error('socket already closed');
          },
        };
      },
    };
  }

  it('counts requests, retries and 429s, and redacts credentials and auth headers in logs', async () => {
    const data = emptyData();
    const { provider } = createFakeProvider({ data });
    const requests: string[] = [];
    const factory: ProviderHttpClientFactory = (request) => {
      requests.push(`${request.integrationId}:${request.providerId}:${request.baseUrl}`);
      let sent = 0;
      const client: CountingProviderHttpClient = {
        async request<Body>() {
          sent += 1;
          return { status: 200, headers: {}, body: {} as Body };
        },
        stats: () => ({ requestsSent: sent * 2, retries: sent, rateLimited: sent }),
      };
      return client;
    };
    const logged: unknown[] = [];
    current = await createTestHub({
      providers: [httpProvider(provider)],
      hubOptions: {
        httpClientFactory: factory,
        logger: {
          debug() {},
          info: (message, fields) => logged.push([message, fields]),
          warn: (message, fields) => logged.push([message, fields]),
          error() {},
        },
      },
    });
    const integrationId = await createIntegration(current);
    const outcome = await importOnce(current, integrationId);
    expect(outcome?.counts).toMatchObject({ created: 1, requests: 4, retries: 2, rate_limited: 2 });
    expect(requests).toEqual([`${integrationId}:tave:https://crm.example/api`]);
    const text = JSON.stringify(logged);
    expect(text).toContain('connected with X-API-KEY [REDACTED]');
    expect(text).not.toContain('live-secret-key-123456');
    expect(text).toContain('Closing the provider session failed');
  });

  it('fails a job whose provider needs HTTP when the host gave no factory', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    current = await createTestHub({ providers: [httpProvider(provider)] });
    const integrationId = await createIntegration(current);
    const outcome = await importOnce(current, integrationId);
    expect(outcome).toMatchObject({ status: 'failed', error: { name: 'UnsupportedCapabilityError' } });
    expect(outcome?.error?.['message']).toContain('httpClientFactory');
  });
});

describe('providers that misbehave', () => {
  it('fails the job on a page that is not a page', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    const broken: CrmProviderV1 = {
      ...provider,
      async connect(context) {
        const session = await provider.connect(context);
        return {
          ...session,
          async *read() {
            yield { records: 'nope', cursor: 5 } as never;
          },
        };
      },
    };
    current = await createTestHub({ providers: [broken] });
    const integrationId = await createIntegration(current);
    const outcome = await importOnce(current, integrationId);
    expect(outcome).toMatchObject({ status: 'failed', error: { name: 'InvalidArgumentError' } });
  });

  it('moves on when a read ends without a last page, and stops a hard-stopped read that ignores its signal', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    let hang = false;
    let released: (() => void) | undefined;
    const odd: CrmProviderV1 = {
      ...provider,
      async connect(context) {
        const session = await provider.connect(context);
        return {
          ...session,
          async *read(recordType) {
            if (recordType === 'client') {
              yield { records: [crmClient('c1', { firstName: 'Ava' })], cursor: 'more' };
              if (hang) await new Promise<void>((resolve) => (released = resolve));
              return;
            }
          },
        };
      },
    };
    current = await createTestHub({ providers: [odd] });
    const integrationId = await createIntegration(current);
    const outcome = await importOnce(current, integrationId);
    expect(outcome).toMatchObject({ status: 'completed', counts: { created: 1 } });

    hang = true;
    const { sync_job } = await current.hub.triggerSync({
      supplierId: current.supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const runner = createInProcessRunner({ hub: current.hub, pollIntervalMs: 5 });
    runner.start();
    await waitFor(() => released !== undefined);
    await runner.stop({ graceful: false });
    released?.();
    const stopped = await current.hub.getSyncJob({ supplierId: current.supplierId, jobId: sync_job.id });
    expect(stopped.sync_job).toMatchObject({ job_status: 'running', checkpoint: { cursor: 'more' } });
  });

  it('finishes instead of parking when the stop comes on the last page', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava' })];
    const { provider, control } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const runner = createInProcessRunner({ hub: current.hub, pollIntervalMs: 5 });
    let stopping: Promise<void> | undefined;
    control.beforePage = (recordType) => {
      if (recordType === 'payment') stopping ??= runner.stop({ graceful: true });
    };
    runner.start();
    const { sync_job } = await current.hub.triggerSync({
      supplierId: current.supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    await waitFor(() => stopping !== undefined);
    await stopping;
    const job = (await current.hub.getSyncJob({ supplierId: current.supplierId, jobId: sync_job.id }))
      .sync_job;
    expect(job.job_status).toBe('completed');
  });

  it('fails a job whose checkpoint it cannot read', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const job = await current.storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
    const claimed = await current.storage.jobs.claim({
      owner: 'someone',
      leaseMs: 1,
      now: current.clock.read(),
    });
    await current.storage.jobs.saveProgress(job.id, { owner: 'someone', checkpoint: { version: 99 } });
    expect(claimed?.id).toBe(job.id);
    current.clock.advance(10);
    const [outcome] = await createInProcessRunner({ hub: current.hub }).drain();
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('checkpoint') },
    });
  });
});

describe('records over several imports', () => {
  it('re-creates a twin the host removed, and handles deletions and repeats', async () => {
    const data = emptyData();
    data.client = [
      crmClient('c1', { firstName: 'Ava' }),
      crmClient('c2', { firstName: 'Ben' }),
      crmClient('gone', { firstName: 'Never' }, { deleted: true }),
    ];
    const { provider } = createFakeProvider({ data, pageSize: 5 });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({ created: 2, skipped: 1 });
    const [c1] = await current.storage.links.findByExternalIds(integrationId, 'client', ['c1']);
    await current.clientStore.remove('client', {
      supplierId: current.supplierId,
      ids: [c1!.wedsync_record_id],
    });

    data.client = [data.client[0]!, data.client[0]!, { ...data.client[1]!, deleted: true }];
    const second = await importOnce(current, integrationId);
    expect(second?.counts).toMatchObject({ read: 3, created: 1, skipped: 1, deleted: 1 });
    const logs = await logsOf(current, integrationId);
    expect(
      logs.find(
        (log) => log.action_type === 'created' && log.record_id === 'c1' && log.action_details['recreated'],
      ),
    ).toMatchObject({
      wedsync_record_id: c1?.wedsync_record_id,
    });
    expect(logs.some((log) => log.action_details['reason'] === 'repeated_in_page')).toBe(true);
    expect(logs.some((log) => log.action_details['reason'] === 'deleted_in_crm_before_import')).toBe(true);

    // Deleted again: nothing more to do. Back in the CRM: revived.
    data.client = [{ ...data.client[2]! }];
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({ skipped: 1 });
    data.client = [crmClient('c2', { firstName: 'Ben' })];
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({ updated: 1 });
    const [c2] = await current.storage.links.findByExternalIds(integrationId, 'client', ['c2']);
    expect(c2?.deleted_in_crm_at).toBeUndefined();
    const revived = await current.clientStore.findByIds('client', {
      supplierId: current.supplierId,
      ids: [c2!.wedsync_record_id],
    });
    expect(revived.get(c2!.wedsync_record_id)?.deleted_at).toBeNull();
  });

  it('refreshes the hash of a record whose mapped fields did not change', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava', unmapped: 1 })];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    await importOnce(current, integrationId);
    data.client = [crmClient('c1', { firstName: 'Ava', unmapped: 2 })];
    const second = await importOnce(current, integrationId);
    const third = await importOnce(current, integrationId);
    const reasonsOf = async (jobId: string | undefined) =>
      (
        await current!.hub.listSyncLogs({
          supplierId: current!.supplierId,
          integrationId,
          job_id: jobId as string,
        })
      ).logs.map((log) => log.action_details['reason']);
    expect(await reasonsOf(second?.jobId)).toEqual(['no_mapped_changes']);
    expect(await reasonsOf(third?.jobId)).toEqual(['unchanged']);
    expect(third?.counts).toMatchObject({ skipped: 1 });
  });

  it('rejects a merge that would leave an invalid record', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava', budget: 1000, currency: 'USD' })];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current, {
      sync_config: {
        conflict_resolution: 'wedsync_wins',
        field_mappings: [
          { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
          { wedsync_field: 'budget.amount_minor', crm_field: 'budget', field_type: 'number' },
          { wedsync_field: 'budget.currency', crm_field: 'currency', field_type: 'text' },
        ],
      },
    });
    await importOnce(current, integrationId);
    const [link] = await current.storage.links.findByExternalIds(integrationId, 'client', ['c1']);
    const id = link!.wedsync_record_id;
    await current.clientStore.upsert('client', [
      {
        id,
        supplier_id: current.supplierId,
        record: { first_name: 'Ava', budget: { amount_minor: 1000, currency: 'EUR' } },
      },
    ]);
    data.client = [crmClient('c1', { firstName: 'Ava' })];
    const outcome = await importOnce(current, integrationId);
    expect(outcome?.counts).toMatchObject({ rejected: 1 });
    const { logs } = await current.hub.listSyncLogs({
      supplierId: current.supplierId,
      integrationId,
      job_id: outcome?.jobId as string,
    });
    expect(logs[0]?.action_details).toMatchObject({
      reason: 'merge_invalid',
      changed_fields: ['budget.amount_minor'],
    });
  });

  it('attaches a payment to its project when invoices are not imported', async () => {
    const data = emptyData();
    data.client = [crmClient('c1', { firstName: 'Ava' })];
    data.project = [crmChild('p1', { client: 'c1' }, { name: 'Wedding' })];
    data.invoice = [crmChild('i1', { project: 'p1' }, { status: 'open', total: 100, currency: 'USD' })];
    data.payment = [
      crmChild('pay1', { project: 'p1', invoice: 'i1' }, { amount: 100, currency: 'USD', status: 'paid' }),
      crmChild('pay2', { invoice: 'i-missing' }, { amount: 100, currency: 'USD', status: 'paid' }),
    ];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const excluded = await createIntegration(current, {
      sync_config: { excluded_record_types: ['invoice'] },
    });
    expect((await importOnce(current, excluded))?.counts).toMatchObject({
      'payment.created': 1,
      'payment.rejected': 1,
    });
    const payments = await rowsOf(current.db, 'payments');
    expect(JSON.parse(String(payments[0]?.['data'])).invoice_id).toBeUndefined();

    const included = await createIntegration(current);
    await importOnce(current, included);
    const logs = await logsOf(current, included);
    expect(logs.find((log) => log.record_id === 'pay2')?.action_details).toMatchObject({
      reason: 'parent_missing',
      parent_type: 'invoice',
      parent_external_id: 'i-missing',
    });
  });

  it('records a typed reason for records that are not objects', async () => {
    const data = emptyData();
    data.client = [null as unknown as ExternalRecord, crmClient('c1', { firstName: 'Ava' })];
    const { provider } = createFakeProvider({ data });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    expect((await importOnce(current, integrationId))?.counts).toMatchObject({ rejected: 1, created: 1 });
  });
});
