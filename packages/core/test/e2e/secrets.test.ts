/**
 * Secrets never rest in plaintext, over real HTTP into real databases. After an import (with server errors
 * injected, so the HTTP client retries and logs) and after a connection refused with a wrong key (401), the API
 * keys appear nowhere: not in the stored bytes (the SQLite file, its WAL and shared memory, read raw while the
 * database is open), not in any column of any table (PostgreSQL and PGlite, every row printed as text), not in a
 * log line, a sync log, a job's or integration's error details, a hub event or a thrown error. A key counts as
 * leaked as typed, and base64 or hex encoded.
 */
import { readFile } from 'node:fs/promises';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import { CrmError } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { createTestHub, type TestHub } from '../sync/fixtures.js';
import {
  allSyncLogs,
  dumpPostgresTables,
  e2eStudio,
  importTave,
  leakedForms,
  recordHubEvents,
  sqliteFileBackend,
} from './harness.js';

const apiKey = 'tave-live-Zq8w1LmN4pR7sT0vX3yB';
const wrongKey = 'tave-typo-Kd93hFq2Lm8pWz4Nx7Rv';
const studio = e2eStudio({ seed: 5, clients: 24 });

const sqliteFile = sqliteFileBackend();
const backends = [
  sqliteFile,
  ...testBackends().filter((backend) => backend.name === 'pglite' || backend.name === 'postgres'),
];
const only = process.env['CRM_TEST_BACKENDS'];
const selected =
  only === undefined || only.trim() === ''
    ? backends
    : backends.filter((backend) => only.split(',').some((name) => name.trim() === backend.name));

/** Fails naming every place that holds a form of either key. */
function expectNoKeys(where: string, text: string | Buffer): void {
  for (const key of [apiKey, wrongKey]) {
    expect(
      leakedForms(text, key),
      `${where} holds ${key === apiKey ? 'the API key' : 'the refused key'}`,
    ).toEqual([]);
  }
}

describe.each(selected.map((backend) => [backend.name, backend] as const))(
  'secrets [%s]',
  (name, backend) => {
    let fake: RunningFakeTave;
    let testHub: TestHub;
    const logged: string[] = [];
    let events: string[];
    let goodIntegration: string;
    let refusedIntegration: string;
    let refusedSupplier: string;

    beforeAll(async () => {
      // One request in six fails with a 503: the client retries, and logs each retry.
      fake = await startFakeTave({ apiKey, studio, faults: { serverErrorRate: 0.15, seed: 3 } });
      const record =
        (level: string) =>
        (message: string, fields?: Readonly<Record<string, unknown>>): void => {
          logged.push(JSON.stringify({ level, message, fields }));
        };
      testHub = await createTestHub({
        providers: [createTave({ baseUrl: fake.url, pageSize: 25 })],
        backend,
        hubOptions: {
          httpClientFactory: createProviderHttpFactory({ retry: { minTimeoutMs: 5, maxTimeoutMs: 20 } }),
          logger: {
            debug: record('debug'),
            info: record('info'),
            warn: record('warn'),
            error: record('error'),
          },
        },
      });
      events = recordHubEvents(testHub.hub);
    });
    afterAll(async () => {
      await testHub?.destroy();
      await fake?.close();
    });

    it('an import leaves the API key in no result, sync log, event or log line', async () => {
      const { hub, supplierId } = testHub;
      const { integrationId, outcome } = await importTave(testHub, {
        apiKey,
        runner: createInProcessRunner({ hub }),
      });
      goodIntegration = integrationId;
      expect(outcome).toMatchObject({ status: 'completed' });
      expect(outcome.counts['retries']).toBeGreaterThan(0);
      expect(logged.some((line) => line.includes('Retrying'))).toBe(true);
      const integration = (await hub.getIntegration({ supplierId, integrationId })).integration;
      expect(integration.auth_config).toEqual({ api_key: '[set]' });
      expectNoKeys('the outcome', JSON.stringify(outcome));
      expectNoKeys('the integration', JSON.stringify(integration));
      expectNoKeys('the integrations', JSON.stringify(await hub.listIntegrations({ supplierId })));
      expectNoKeys('the jobs', JSON.stringify(await hub.listSyncJobs({ supplierId, integrationId })));
      expectNoKeys('the sync logs', JSON.stringify(await allSyncLogs(testHub, integrationId)));
      expectNoKeys(
        'the field mappings',
        JSON.stringify(await hub.getFieldMappings({ supplierId, integrationId })),
      );
      expect(events.length).toBeGreaterThan(3);
      expectNoKeys('the events', events.join('\n'));
      expectNoKeys('the log', logged.join('\n'));
    });

    it('a refused key (401) leaves itself in no response, error, event or log line', async () => {
      const { hub } = testHub;
      refusedSupplier = await testHub.createSupplier();
      const { integration } = await hub.createIntegration({
        supplierId: refusedSupplier,
        body: { crm_provider: 'tave', connection_name: 'Tave (typo)', auth_config: { api_key: wrongKey } },
      });
      refusedIntegration = integration.id;
      const request = { supplierId: refusedSupplier, integrationId: refusedIntegration };
      const connection = await hub.testConnection(request);
      expect(connection.success).toBe(false);
      expect(connection.error_message).toMatch(/401/);
      expect(fake.requestLog.entries({ status: 401 }).length).toBeGreaterThan(0);
      expectNoKeys('the connection test', JSON.stringify(connection));

      await hub.triggerSync({ ...request, body: { job_type: 'full_import' } });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      expect(outcome).toMatchObject({ status: 'failed' });
      expect(outcome?.error).toBeDefined();
      expectNoKeys('the failed outcome', JSON.stringify(outcome));
      const { sync_jobs } = await hub.listSyncJobs(request);
      expect(sync_jobs[0]?.error_details).toBeDefined();
      expectNoKeys('the failed job', JSON.stringify(sync_jobs));
      const after = (await hub.getIntegration(request)).integration;
      expect(after.connection_status).toBe('error');
      expectNoKeys('the refused integration', JSON.stringify(after));
      expectNoKeys(
        'its sync logs',
        JSON.stringify(await allSyncLogs({ hub, supplierId: refusedSupplier }, refusedIntegration)),
      );
      expectNoKeys('the events', events.join('\n'));
      expectNoKeys('the log', logged.join('\n'));

      // The error a session throws at its caller: message, stack, context and causes.
      const provider = createTave({ baseUrl: fake.url });
      const factory = createProviderHttpFactory({ retry: { retries: 0 } });
      const silent = { debug() {}, info() {}, warn() {}, error() {} };
      const session = await provider.connect({
        integrationId: refusedIntegration,
        credentials: { api_key: wrongKey },
        rateLimits: provider.rateLimits,
        logger: silent,
        signal: new AbortController().signal,
        createHttpClient: (options) =>
          factory({
            ...options,
            integrationId: refusedIntegration,
            providerId: provider.id,
            rateLimits: provider.rateLimits,
            logger: silent,
            signal: new AbortController().signal,
          }),
      });
      const thrown = await session.testConnection().then(
        () => expect.unreachable('a wrong key must be refused'),
        (error: unknown) => error,
      );
      expect(CrmError.isInstance(thrown)).toBe(true);
      expect(String((thrown as Error).message)).toMatch(/401/);
      const chain: string[] = [];
      for (let error: unknown = thrown, depth = 0; error !== undefined && depth < 5; depth += 1) {
        const value = error as { message?: unknown; stack?: unknown; context?: unknown; cause?: unknown };
        chain.push(String(value.message), String(value.stack), JSON.stringify(value.context ?? null));
        error = value.cause;
      }
      chain.push(JSON.stringify(thrown));
      expectNoKeys('the thrown error', chain.join('\n'));
    });

    it('the stored data holds neither key, in any form', async () => {
      expect(goodIntegration).toBeDefined();
      expect(refusedIntegration).toBeDefined();
      if (name === 'sqlite-file') {
        const path = sqliteFile.last?.path as string;
        // Raw bytes of the open database: the file, its write-ahead log and its shared memory index.
        const files = await Promise.all(
          ['', '-wal', '-shm'].map(async (suffix) => ({ suffix, bytes: await readFile(path + suffix) })),
        );
        expect(files[1]?.bytes.length, 'the WAL holds the recent pages').toBeGreaterThan(0);
        const all = Buffer.concat(files.map((file) => file.bytes));
        // The scan sees the data: an imported client's email is there in plaintext.
        expect(all.includes(Buffer.from(knownEmail()))).toBe(true);
        for (const file of files) expectNoKeys(`wedsync.sqlite${file.suffix}`, file.bytes);
      } else {
        const dump = await dumpPostgresTables(testHub.db);
        expect(dump).toContain(knownEmail());
        expect(dump).toContain('crm_integrations');
        expectNoKeys('the tables', dump);
      }
    });
  },
);

/** The email of a client the import certainly wrote (not planted, with an email). */
function knownEmail(): string {
  const planted = new Set([
    ...studio.manifest.duplicates.flatMap((entry) => [entry.originalId, entry.duplicateId]),
    ...studio.manifest.badRecords.map((entry) => entry.contactId),
  ]);
  const person = studio.people.find(
    (candidate) => candidate.role === 'client' && !planted.has(candidate.id) && candidate.email !== null,
  );
  if (person?.email == null) throw new Error('The studio has no plain client with an email');
  return person.email.toLowerCase();
}
