/**
 * What the Tave incremental-sync tests share: a fake Tave with a generated studio, a hub on SQLite with a Tave
 * integration (pageSize 100, as the demo), a runner of one sync job that records the GET requests it sent, and
 * the change of 10 clients in the CRM.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RequestLogEntry, type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { expect } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import type { RecordLink } from '../../src/spec/hub-storage.js';
import { createTestHub, type TestHub } from '../sync/fixtures.js';

export const apiKey = 'tave-incremental-key-0123456789';

/** A fake Tave with a generated studio, a hub on SQLite and a Tave integration (pageSize 100, as the demo). */
export interface Studio {
  readonly fake: RunningFakeTave;
  readonly testHub: TestHub;
  readonly integrationId: string;
}

/** Starts the fake with a studio of `clients` clients, and a hub with a Tave integration for it. */
export async function startStudio(
  clients: number,
  options: { readonly seed?: number; readonly syncConfig?: Record<string, unknown> } = {},
): Promise<Studio> {
  const fake = await startFakeTave({ apiKey, studio: { seed: options.seed ?? 11, clients } });
  const testHub = await createTestHub({
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
      sync_config: { auto_sync_enabled: true, sync_interval_minutes: 60, ...options.syncConfig },
    } as never,
  });
  return { fake, testHub, integrationId: integration.id };
}

/** Every link of a record type, page by page. */
export async function allLinks(studio: Studio, recordType: 'client' | 'project'): Promise<RecordLink[]> {
  const links: RecordLink[] = [];
  let after: string | null = null;
  do {
    const page = await studio.testHub.storage.links.list(studio.integrationId, recordType, {
      limit: 5000,
      after,
    });
    links.push(...page.links);
    after = page.next_cursor;
  } while (after !== null);
  return links;
}

/** Runs one sync job to its end; returns its outcome, the job, and the GET requests it sent to the fake. */
export async function run(studio: Studio, jobType: 'full_import' | 'incremental_sync') {
  const { fake, testHub, integrationId } = studio;
  const { hub, supplierId } = testHub;
  testHub.clock.advance(60_000);
  fake.requestLog.clear();
  const queued = await hub.triggerSync({ supplierId, integrationId, body: { job_type: jobType } });
  const [outcome] = await createInProcessRunner({ hub }).drain();
  const job = await testHub.storage.jobs.get(queued.sync_job.id);
  const gets: RequestLogEntry[] = fake.requestLog.entries({ method: 'GET' });
  const walks = gets.filter((entry) => entry.query['sortBy'] === 'modified desc').map((entry) => entry.path);
  return { outcome, job, requests: gets.length, gets, walks };
}

/** Changes 10 clients in the CRM (clients linked alone, from the middle of the address book); their ids. */
export async function changeTenClients(studio: Studio): Promise<string[]> {
  const { fake } = studio;
  const clientLinks = await allLinks(studio, 'client');
  const perWedsyncRecord = new Map<string, number>();
  for (const link of clientLinks) {
    perWedsyncRecord.set(link.wedsync_record_id, (perWedsyncRecord.get(link.wedsync_record_id) ?? 0) + 1);
  }
  const changed = clientLinks
    .filter((link) => perWedsyncRecord.get(link.wedsync_record_id) === 1)
    .slice(100, 110)
    .map((link) => link.external_id);
  expect(changed).toHaveLength(10);
  for (const [index, id] of changed.entries()) {
    fake.state.update('address-book', id, { companyName: `Changed Studio ${index}` } as never);
  }
  return changed;
}

/** The ids the job logged as updated. */
export async function updatedIds(studio: Studio, jobId: string): Promise<Set<string>> {
  const { logs } = await studio.testHub.storage.logs.list(studio.integrationId, {
    jobId,
    actionType: 'updated',
    per_page: 500,
  });
  return new Set(logs.map((log) => log.record_id));
}

/** The newest CRM modification time among the links of a type (what the import committed). */
export async function newestCommitted(studio: Studio, recordType: 'client' | 'project'): Promise<string> {
  const links = await allLinks(studio, recordType);
  const times = links.map((link) => Date.parse(link.crm_modified_at ?? '')).filter(Number.isFinite);
  return new Date(Math.max(...times)).toISOString();
}

/** The walks by `modified desc` each incremental read starts with, in the order the sync reads the types. */
export const incrementalWalks: readonly string[] = [
  // client: the job contacts, jobs and contacts changed since the watermark
  '/job-contact',
  '/job',
  '/address-book',
  // project: the job contacts, then the jobs
  '/job-contact',
  '/job',
  '/event',
  '/order',
  '/payment',
];
