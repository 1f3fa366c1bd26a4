/**
 * Crash and resume with a real crash: a CHILD PROCESS (fixtures/crash-child.mjs, the built packages on plain
 * Node) runs the import of a Tave studio into a SQLite file — and into PostgreSQL when CRM_TEST_PG_URL is set —
 * against a fake Tave served by this process, slowed so that the import takes many pages. Once the job has
 * committed pages, the test kills the child with SIGKILL. A runner in this process then waits for the child's
 * lease to lapse, resumes the job from its checkpoint, and must end exactly where an uninterrupted import of the
 * same studio ends: the same counts, nobody twice, no record linked twice, one log per record read.
 *
 * The child imports the packages' dist folders, so `pnpm build` must have run (CI builds before it tests);
 * the test fails with that instruction when a dist is missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import {
  type CrmHub,
  createCrmHub,
  createInProcessRunner,
  createVault,
  generateVaultKey,
  type JobStartedEvent,
} from '../../src/index.js';
import { createTestHub, rowsOf } from '../sync/fixtures.js';
import {
  createPostgresDatabase,
  createSqliteFile,
  e2eStudio,
  expectEveryRecordAccounted,
  expectNoDoubledPeople,
  expectRelationships,
  importTave,
  linksByExternalId,
  postgresAdminUrl,
  recordCounts,
  seedHandTypedClients,
} from './harness.js';

const apiKey = 'tave-crash-resume-key-77a01c4d2e';
const studio = e2eStudio({ seed: 99, clients: 48 });
const pageSize = 10;
/** The studio's quota: the import needs more than the default 60 requests a minute. */
const rateLimits = { requestsPerMinute: 600, requestsPerHour: 20_000 };
/** The child's lease: short, so the resumer does not wait long, and renewed every third of it. */
const childLeaseMs = 2_000;
const childScript = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const builtPackages = [
  '../../dist/index.js',
  '../../../provider-kit/dist/index.js',
  '../../../storage-kysely/dist/index.js',
  '../../../providers/tave/dist/index.js',
].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/** A database this process and the child can both open. */
interface SharedDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  /** The SQLite path or PostgreSQL URL the child opens. */
  readonly location: string;
  // biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
  readonly db: Kysely<any>;
  destroy(): Promise<void>;
}

const databases: { name: string; create: () => Promise<SharedDatabase> }[] = [
  {
    name: 'sqlite-file',
    async create() {
      const file = await createSqliteFile();
      return { dialect: 'sqlite', location: file.path, db: file.db, destroy: file.destroy };
    },
  },
];
const postgresBackend = testBackends().find((backend) => backend.name === 'postgres');
const adminUrl = postgresAdminUrl();
if (postgresBackend !== undefined && adminUrl !== undefined) {
  databases.push({
    name: 'postgres',
    async create() {
      const created = await createPostgresDatabase(postgresBackend, adminUrl);
      return { dialect: 'postgres', location: created.url, db: created.db, destroy: created.destroy };
    },
  });
}
const only = process.env['CRM_TEST_BACKENDS'];
const selected =
  only === undefined || only.trim() === ''
    ? databases
    : databases.filter((database) => only.split(',').some((name) => name.trim() === database.name));

/** The counts, clients and links of an import of the same studio that was never interrupted. */
async function uninterruptedImport(fakeUrl: string) {
  const reference = await createTestHub({
    providers: [createTave({ baseUrl: fakeUrl, pageSize, rateLimits })],
    hubOptions: { httpClientFactory: createProviderHttpFactory() },
  });
  try {
    await seedHandTypedClients(reference, studio);
    const { integrationId, outcome } = await importTave(reference, {
      apiKey,
      runner: createInProcessRunner({ hub: reference.hub }),
    });
    return {
      counts: outcome.counts,
      clients: (await rowsOf(reference.db, 'clients')).length,
      links: (await linksByExternalId(reference.db, integrationId)).size,
    };
  } finally {
    await reference.destroy();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

let fake: RunningFakeTave;
let expected: Awaited<ReturnType<typeof uninterruptedImport>>;
beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  expected = await uninterruptedImport(fake.url);
});
afterAll(async () => {
  await fake?.close();
});

describe.each(selected.map((database) => [database.name, database] as const))(
  'crash and resume [%s]',
  (_, shared) => {
    let database: SharedDatabase | undefined;
    let child: ChildProcess | undefined;
    afterAll(async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await database?.destroy();
      fake.faults.clear();
    });

    it('a child killed mid-import leaves whole pages; a new runner resumes and ends exactly as an uninterrupted import', async () => {
      const missing = builtPackages.filter((path) => !existsSync(path));
      if (missing.length > 0) {
        throw new Error(
          `The crash test runs the built packages in a child process; run \`pnpm build\` first (missing: ${missing.join(', ')})`,
        );
      }

      database = await shared.create();
      const { db } = database;
      const storage = createKyselyStorage({ db });
      await storage.migrate();
      const clientStore = createKyselyClientStore({ db });
      const supplierId = '3a1f6c2e-8b4d-4e7a-9f10-5c2b8d7e6a41';
      await db
        .insertInto('suppliers')
        .values({ id: supplierId, name: studio.settings.name, tier: 'PROFESSIONAL' })
        .execute();
      const vaultKey = generateVaultKey();
      const hub: CrmHub = createCrmHub({
        storage,
        clientStore,
        vault: createVault({ keys: [{ id: 'e2e', key: vaultKey }] }),
        providers: [createTave({ baseUrl: fake.url, pageSize, rateLimits })],
        httpClientFactory: createProviderHttpFactory(),
      });
      const seeded = await seedHandTypedClients({ clientStore, supplierId }, studio);
      const { integration } = await hub.createIntegration({
        supplierId,
        body: { crm_provider: 'tave', connection_name: 'Tave', auth_config: { api_key: apiKey } },
      });
      const integrationId = integration.id;
      const { sync_job } = await hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });

      // The host process: runs the pending job until it is killed. Each request is slowed, so that the import
      // takes a second or more of many pages after its first commit.
      fake.faults.configure({ latencyMs: 30 });
      let output = '';
      child = spawn(process.execPath, [childScript], {
        env: {
          ...process.env,
          CRASH_DIALECT: database.dialect,
          CRASH_DATABASE: database.location,
          CRASH_VAULT_KEY: vaultKey,
          CRASH_TAVE_URL: fake.url,
          CRASH_PAGE_SIZE: String(pageSize),
          CRASH_REQUESTS_PER_MINUTE: String(rateLimits.requestsPerMinute),
          CRASH_REQUESTS_PER_HOUR: String(rateLimits.requestsPerHour),
          CRASH_LEASE_MS: String(childLeaseMs),
          CRASH_OWNER: 'crashing-host',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk) => (output += String(chunk)));
      child.stderr?.on('data', (chunk) => (output += String(chunk)));
      const jobRow = () =>
        db
          .selectFrom('crm_sync_jobs')
          .select(['job_status', 'records_processed'])
          .where('id', '=', sync_job.id)
          .executeTakeFirstOrThrow();

      // Kill it in the middle: once every client and some projects have committed, so that the resumed run
      // needs what the checkpoint carries across record types (which CRM duplicates resolved to which client).
      const clientsRead = expected.counts['client.read'] ?? 0;
      const deadline = Date.now() + 20_000;
      while (true) {
        if (child.exitCode !== null) throw new Error(`The child ended before it was killed:\n${output}`);
        if (Date.now() > deadline) throw new Error(`The child committed too little within 20 s:\n${output}`);
        const row = await jobRow();
        if (Number(row.records_processed) > clientsRead) break;
        await sleep(10);
      }
      child.kill('SIGKILL');
      expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
      expect(output).toMatch(/^claimed /m);
      expect(output).not.toMatch(/^finished/m);

      fake.faults.clear();
      fake.requestLog.clear();

      // What the crash left: the job still running under the dead host's lease, and whole pages only — the
      // progress, the logs and the clients of every committed page, nothing of the page in flight.
      const crashed = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
      expect(crashed).toMatchObject({ job_status: 'running', lease_owner: 'crashing-host', attempts: 1 });
      const processedAtCrash = crashed.records_processed ?? 0;
      expect(processedAtCrash).toBeGreaterThan(clientsRead);
      expect(processedAtCrash).toBeLessThan(expected.counts['read'] ?? 0);
      expect(crashed.counts?.['read']).toBe(processedAtCrash);
      expect(await rowsOf(db, 'crm_sync_logs')).toHaveLength(processedAtCrash);
      expect(await rowsOf(db, 'clients')).toHaveLength(
        seeded.length + (crashed.counts?.['client.created'] ?? 0),
      );

      // The lease still holds: nobody may take the job yet. Once it lapses, a runner here resumes it.
      const resumer = createInProcessRunner({ hub, owner: 'resuming-host' });
      expect(await resumer.runOnce()).toBeUndefined();
      const leaseEnds = Date.parse(String(crashed.lease_expires_at));
      expect(leaseEnds).toBeGreaterThan(Date.now());
      await sleep(leaseEnds - Date.now() + 20);
      const started: JobStartedEvent[] = [];
      hub.on('jobStarted', (event) => started.push(event));
      const outcome = await resumer.runOnce();

      expect(outcome).toMatchObject({ jobId: sync_job.id, status: 'completed', resultStatus: 'partial' });
      expect(started).toEqual([expect.objectContaining({ jobId: sync_job.id, resumed: true, attempt: 2 })]);
      // It went on from the checkpoint instead of starting over.
      expect(fake.requestLog.size).toBeLessThan(expected.counts['requests'] ?? 0);
      const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
      expect(job).toMatchObject({ job_status: 'completed', attempts: 2 });
      // Exactly the uninterrupted import's outcome: every record once, none twice.
      expect(recordCounts(job.counts ?? {})).toEqual(recordCounts(expected.counts));
      expectEveryRecordAccounted(job.counts ?? {});
      expect(job.records_processed).toBe(expected.counts['read']);
      const clients = await expectNoDoubledPeople(db);
      expect(clients).toHaveLength(expected.clients);
      expect((await linksByExternalId(db, integrationId)).size).toBe(expected.links);
      const logs = await rowsOf(db, 'crm_sync_logs');
      expect(logs).toHaveLength(expected.counts['read'] ?? 0);
      expect(
        new Set(logs.map((log) => `${String(log['record_type'])}:${String(log['record_id'])}`)).size,
      ).toBe(logs.length);
      await expectRelationships(db);
    }, 60_000);
  },
);
