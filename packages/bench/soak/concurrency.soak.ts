/**
 * Concurrency, through the built packages on real databases, with two hubs on two connections (pools) of one
 * database, as two host processes have:
 *
 * - two triggers of the same integration at once give one job; the other gets JobAlreadyActiveError naming it
 *   (a SQLite file, and a fresh PostgreSQL schema when CRM_TEST_PG_URL is set);
 * - two runners draining one PostgreSQL database (and, as well, one SQLite file) never run the same job twice:
 *   many jobs across several integrations, each run counted by the `jobStarted` events of both hubs, and each
 *   job's writes counted in the database.
 */
import {
  CrmError,
  type CrmHub,
  createInProcessRunner,
  type InProcessRunner,
  type JobStartedEvent,
} from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, rowsOf } from './support/checks.js';
import {
  createPostgresSchema,
  createSqliteFile,
  postgresUrl,
  type SoakDatabase,
} from './support/databases.js';
import { reportFigures, secondsSince } from './support/figures.js';
import { connectTave, createSoakHub, createSupplier, migrate } from './support/hub.js';
import { soakScale, soakSizes } from './support/scale.js';

const sizes = soakSizes();
const { integrations, rounds, triggerPairs } = sizes.concurrency;
const apiKey = 'tave-soak-concurrency-key-91d0e6c3a4';
const vaultKey = Buffer.alloc(32, 3).toString('base64');

const backends: { name: string; create: () => Promise<SoakDatabase> }[] = [
  { name: 'sqlite-file', create: createSqliteFile },
];
const pgUrl = postgresUrl();
if (pgUrl !== undefined) backends.push({ name: 'postgres', create: () => createPostgresSchema(pgUrl) });
if (pgUrl === undefined && soakScale() === 'full') {
  throw new Error('The full soak runs two runners on PostgreSQL: set CRM_TEST_PG_URL');
}

describe.each(backends.map((backend) => [backend.name, backend] as const))(
  'concurrency [%s]',
  (backendName, backend) => {
    let studio: GeneratedStudio;
    let fake: RunningFakeTave;
    let database: SoakDatabase;
    /** Two hubs on two connections of one database: two host processes. */
    let hubs: [CrmHub, CrmHub];
    const figures: Record<string, unknown> = {};

    beforeAll(async () => {
      studio = generateStudio({ seed: 5150, clients: 3, name: 'Soak Concurrency Studio' });
      fake = await startFakeTave({ apiKey, studio });
      database = await backend.create();
      await migrate(database.db);
      hubs = [
        createSoakHub({ db: database.db, taveUrl: fake.url, vaultKey }),
        createSoakHub({ db: database.connect(), taveUrl: fake.url, vaultKey }),
      ];
    });

    afterAll(async () => {
      await fake?.close();
      await database?.destroy();
      reportFigures(`concurrency [${backendName}]`, sizes.scale, figures);
    });

    it(`two triggers of one integration at once give one job, ${triggerPairs} times`, async () => {
      const [first, second] = hubs;
      const supplierId = await createSupplier(database.db);
      const integrationIds: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        integrationIds.push(await connectTave(first, supplierId, apiKey, `Tave ${index + 1}`));
      }
      let pairs = 0;
      while (pairs < triggerPairs) {
        // A pair per integration, all at once: each pair races itself, and the pairs race each other.
        const batch = integrationIds.slice(0, Math.min(integrationIds.length, triggerPairs - pairs));
        const settled = await Promise.all(
          batch.map((integrationId) =>
            Promise.allSettled([
              first.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } }),
              second.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } }),
            ]),
          ),
        );
        for (const [index, results] of settled.entries()) {
          const created = results.filter((result) => result.status === 'fulfilled');
          const refused = results.filter((result) => result.status === 'rejected');
          expect(created, `pair ${pairs + index}: one job`).toHaveLength(1);
          expect(refused, `pair ${pairs + index}: one refusal`).toHaveLength(1);
          const job = (created[0] as PromiseFulfilledResult<{ sync_job: { id: string } }>).value.sync_job;
          const reason = (refused[0] as PromiseRejectedResult).reason as CrmError & { activeJobId?: string };
          expect(CrmError.isInstance(reason), String(reason)).toBe(true);
          expect(reason).toMatchObject({ name: 'JobAlreadyActiveError', code: 'job_already_active' });
          expect(reason.activeJobId).toBe(job.id);
          // Cancelled while pending, so the next pair may queue one.
          await first.cancelSyncJob({ supplierId, jobId: job.id });
        }
        pairs += batch.length;
      }
      for (const integrationId of integrationIds) {
        const jobs = await first.listSyncJobs({ supplierId, integrationId, per_page: 100 });
        expect(jobs.sync_jobs.every((job) => job.job_status === 'cancelled')).toBe(true);
      }
      const total = (
        await Promise.all(
          integrationIds.map(
            async (integrationId) =>
              (
                await first.listSyncJobs({ supplierId, integrationId, per_page: 100 })
              ).sync_jobs.length,
          ),
        )
      ).reduce((sum, count) => sum + count, 0);
      expect(total, 'jobs created = pairs').toBe(triggerPairs);
      figures['trigger_pairs'] = { pairs: triggerPairs, jobs: total, refused: triggerPairs };
    });

    it(`two runners draining ${integrations} integrations × ${rounds} jobs never run a job twice`, async () => {
      const [first, second] = hubs;
      const runs: { jobId: string; attempt: number; runner: string }[] = [];
      const record = (runner: string) => (event: JobStartedEvent) =>
        runs.push({ jobId: event.jobId, attempt: event.attempt, runner });
      const unsubscribe = [first.on('jobStarted', record('a')), second.on('jobStarted', record('b'))];
      const targets: { supplierId: string; integrationId: string }[] = [];
      for (let index = 0; index < integrations; index += 1) {
        const supplierId = await createSupplier(database.db);
        targets.push({ supplierId, integrationId: await connectTave(first, supplierId, apiKey) });
      }
      const jobIds: string[] = [];
      const started = performance.now();
      for (let round = 1; round <= rounds; round += 1) {
        const queued = await Promise.all(
          targets.map(async ({ supplierId, integrationId }, index) => {
            // Queued through either hub, as requests reach either host.
            const hub = index % 2 === 0 ? first : second;
            return (await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } }))
              .sync_job.id;
          }),
        );
        jobIds.push(...queued);
        if (round % 2 === 1) {
          // Two runners draining one after the other's heels.
          const a = createInProcessRunner({ hub: first, owner: `runner-a-${round}` });
          const b = createInProcessRunner({ hub: second, owner: `runner-b-${round}` });
          await Promise.all([a.drain(), b.drain()]);
        } else {
          // Two background runners, three jobs at once each, woken as jobs are queued.
          const loops: InProcessRunner[] = [
            createInProcessRunner({
              hub: first,
              owner: `runner-a-${round}`,
              concurrency: 3,
              pollIntervalMs: 20,
            }),
            createInProcessRunner({
              hub: second,
              owner: `runner-b-${round}`,
              concurrency: 3,
              pollIntervalMs: 20,
            }),
          ];
          for (const loop of loops) loop.start();
          const deadline = Date.now() + 10 * 60_000;
          while (true) {
            const open = await database.db
              .selectFrom('crm_sync_jobs')
              .select('id')
              .where('id', 'in', queued)
              .where('job_status', 'in', ['pending', 'running'])
              .execute();
            if (open.length === 0) break;
            if (Date.now() > deadline) throw new Error(`${open.length} jobs still open after 10 minutes`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await Promise.all(loops.map((loop) => loop.stop()));
        }
      }
      const seconds = secondsSince(started);
      for (const stop of unsubscribe) stop();

      // Every job ran exactly once, by one runner or the other.
      const runsPerJob = new Map<string, number>();
      for (const run of runs) runsPerJob.set(run.jobId, (runsPerJob.get(run.jobId) ?? 0) + 1);
      expect(jobIds).toHaveLength(integrations * rounds);
      expect(
        jobIds.filter((jobId) => runsPerJob.get(jobId) !== 1),
        'jobs not run exactly once',
      ).toEqual([]);
      expect(runs.filter((run) => !jobIds.includes(run.jobId))).toEqual([]);
      const jobs = (await rowsOf(database.db, 'crm_sync_jobs')).filter((row) =>
        jobIds.includes(String(row['id'])),
      );
      expect(
        jobs.filter((job) => job['job_status'] !== 'completed' || Number(job['attempts']) !== 1),
      ).toEqual([]);
      // Each run's writes once: one log row per record read, and each supplier's clients once.
      const logs = await rowsOf(database.db, 'crm_sync_logs');
      const logsPerJob = new Map<string, number>();
      for (const log of logs)
        logsPerJob.set(String(log['sync_job_id']), (logsPerJob.get(String(log['sync_job_id'])) ?? 0) + 1);
      for (const job of jobs) {
        const counts = (typeof job['counts'] === 'string' ? JSON.parse(job['counts']) : job['counts']) as
          | Record<string, number>
          | undefined;
        expect(logsPerJob.get(String(job['id'])) ?? 0, `logs of job ${String(job['id'])}`).toBe(
          counts?.['read'],
        );
      }
      const supplierIds = new Set(targets.map((target) => target.supplierId));
      const clientsPerSupplier = new Map<string, number>();
      for (const client of await rowsOf(database.db, 'clients')) {
        const supplier = String(client['supplier_id']);
        if (supplierIds.has(supplier))
          clientsPerSupplier.set(supplier, (clientsPerSupplier.get(supplier) ?? 0) + 1);
      }
      expect([...clientsPerSupplier.values()]).toEqual(targets.map(() => studio.manifest.counts.clients));
      expect(await countOf(database.db, 'crm_record_links')).toBeGreaterThan(0);
      figures['two_runners'] = {
        integrations,
        rounds,
        jobs: jobIds.length,
        runs: runs.length,
        runs_by_runner: {
          a: runs.filter((run) => run.runner === 'a').length,
          b: runs.filter((run) => run.runner === 'b').length,
        },
        seconds,
      };
    });
  },
);
