/**
 * Incremental sync by watermark, over HTTP against the fake Tave into real SQLite: after a full import of a studio
 * of ~1,000 clients, an `incremental_sync` reads only what the CRM changed since the import's watermark (Tave walks
 * contacts by `modified desc` and stops there), updates exactly those records, and a second one with no changes
 * updates nothing. The scheduler queues an incremental sync once an import completed.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import { findPreviousImport, watermarkMarginMs } from '../../src/sync/incremental.js';
import { createTestHub, type TestHub } from '../sync/fixtures.js';

const apiKey = 'tave-incremental-key-0123456789';

describe('incremental sync by watermark from the fake Tave over HTTP', () => {
  let fake: RunningFakeTave;
  let testHub: TestHub;
  let integrationId: string;
  let fullCounts: Record<string, number>;

  const run = async (jobType: 'full_import' | 'incremental_sync') => {
    const { hub, supplierId } = testHub;
    testHub.clock.advance(60_000);
    fake.requestLog.clear();
    const queued = await hub.triggerSync({ supplierId, integrationId, body: { job_type: jobType } });
    const [outcome] = await createInProcessRunner({ hub }).drain();
    const job = await testHub.storage.jobs.get(queued.sync_job.id);
    const gets = fake.requestLog.entries({ method: 'GET' });
    const walks = gets
      .filter((entry) => entry.query['sortBy'] === 'modified desc')
      .map((entry) => entry.path);
    return { outcome, job, requests: gets.length, walks };
  };

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio: { seed: 11, clients: 1000 } });
    testHub = await createTestHub({
      providers: [
        createTave({
          baseUrl: fake.url,
          pageSize: 100,
          rateLimits: { requestsPerMinute: 6000, requestsPerHour: 100_000, concurrency: 4 },
        }),
      ],
      hubOptions: { httpClientFactory: createProviderHttpFactory() },
    });
    const { hub, supplierId } = testHub;
    const { integration } = await hub.createIntegration({
      supplierId,
      body: {
        crm_provider: 'tave',
        connection_name: 'Tave',
        auth_config: { api_key: apiKey },
        sync_config: { auto_sync_enabled: true, sync_interval_minutes: 60 },
      },
    });
    integrationId = integration.id;
  }, 120_000);
  afterAll(async () => {
    await testHub?.destroy();
    await fake?.close();
  });

  it('an incremental sync without a previous import reads everything, as a full import', async () => {
    expect(await findPreviousImport(testHub.storage, integrationId)).toBeUndefined();
  });

  it('reads only the contacts changed since the full import and updates exactly those', async () => {
    const full = await run('full_import');
    expect(full.outcome).toMatchObject({ status: 'completed' });
    fullCounts = full.outcome?.counts ?? {};
    expect(fullCounts['client.read']).toBeGreaterThanOrEqual(1000);
    const previous = await findPreviousImport(testHub.storage, integrationId);
    expect(previous?.jobId).toBe(full.job.id);
    // The watermark is the newest modification time among the contacts the import read.
    const contacts = fake.state.list('address-book');
    const newest = Math.max(...contacts.map((contact) => Date.parse(String(contact.modified))));
    expect(previous?.watermarks['client']).toBe(new Date(newest).toISOString());

    // Change 10 clients in the CRM: their `modified` moves past the watermark.
    const clientLinks = (await testHub.storage.links.list(integrationId, 'client', { limit: 5000 })).links;
    const perWedsyncRecord = new Map<string, number>();
    for (const link of clientLinks) {
      perWedsyncRecord.set(link.wedsync_record_id, (perWedsyncRecord.get(link.wedsync_record_id) ?? 0) + 1);
    }
    // Clients linked alone (not CRM duplicates of one another), from the middle of the address book.
    const changed = clientLinks
      .filter((link) => perWedsyncRecord.get(link.wedsync_record_id) === 1)
      .slice(100, 110)
      .map((link) => link.external_id);
    expect(changed).toHaveLength(10);
    for (const [index, id] of changed.entries()) {
      fake.state.update('address-book', id, { companyName: `Changed Studio ${index}` } as never);
    }

    const incremental = await run('incremental_sync');
    expect(incremental.outcome).toMatchObject({ status: 'completed' });
    const counts = incremental.outcome?.counts ?? {};
    // Read: the 10 changes, plus the contacts inside the safety margin below the watermark (no-ops).
    const inMargin = contacts.filter(
      (contact) => Date.parse(String(contact.modified)) > newest - watermarkMarginMs,
    ).length;
    expect(inMargin).toBeGreaterThanOrEqual(1);
    expect(counts['client.read']).toBe(10 + inMargin);
    expect(counts['client.updated']).toBe(10);
    expect(counts['created']).toBe(0);
    expect(counts['updated']).toBe(10);
    // Other types: nothing changed; only their records inside the margin are read again, as no-ops.
    for (const type of ['project', 'event', 'invoice', 'payment']) {
      expect(counts[`${type}.read`] ?? 0).toBeLessThanOrEqual(5);
      expect(counts[`${type}.skipped`] ?? 0).toBe(counts[`${type}.read`] ?? 0);
    }
    expect(incremental.job.checkpoint?.['since']).toMatchObject({
      client: new Date(newest - watermarkMarginMs).toISOString(),
    });
    // The reads by watermark: one page per record type (Tave walks `modified desc` and stops at the watermark).
    expect(incremental.walks).toEqual(['/address-book', '/job', '/event', '/order', '/payment']);
    expect(incremental.requests).toBeLessThan(full.requests);
    // The changed records are the ones updated.
    const { logs } = await testHub.storage.logs.list(integrationId, {
      jobId: incremental.job.id,
      actionType: 'updated',
      per_page: 500,
    });
    const updatedIds = logs.map((log) => log.record_id);
    expect(new Set(updatedIds)).toEqual(new Set(changed));

    // The new watermark is the newest change.
    const after = await findPreviousImport(testHub.storage, integrationId);
    expect(after?.jobId).toBe(incremental.job.id);
    const newestChange = Math.max(
      ...changed.map((id) =>
        Date.parse(String(fake.state.list('address-book').find((contact) => contact.id === id)?.modified)),
      ),
    );
    expect(after?.watermarks['client']).toBe(new Date(newestChange).toISOString());
    // Types with nothing changed keep the full import's watermark.
    expect(after?.watermarks['project']).toBe(previous?.watermarks['project']);

    // Again with nothing changed: about one page per type, nothing written.
    const again = await run('incremental_sync');
    expect(again.outcome).toMatchObject({ status: 'completed' });
    expect(again.outcome?.counts).toMatchObject({ created: 0, updated: 0 });
    expect(again.walks).toEqual(['/address-book', '/job', '/event', '/order', '/payment']);
    expect(again.requests).toBeLessThanOrEqual(incremental.requests);
  }, 120_000);

  it.todo(
    'an incremental sync of the whole studio sends < 15 requests (needs the Tave client and project reads to skip their full-size reference pre-passes when `since` is set)',
  );

  it('the scheduler queues an incremental sync for an integration with a completed import', async () => {
    const { hub, storage, clock } = testHub;
    clock.advance(61 * 60_000);
    const jobs = await hub.scheduleDueSyncs();
    expect(jobs.map((job) => [job.integration_id, job.job_type])).toEqual([
      [integrationId, 'incremental_sync'],
    ]);
    expect((await storage.jobs.get(jobs[0]?.id ?? '')).job_config).toEqual({ trigger: 'schedule' });
  });
});
