/**
 * Crashes: an import of a generated Tave studio into a SQLite FILE, run by a child process (fixtures/
 * crash-child.mjs, the built packages on plain Node) that this suite kills with SIGKILL at 10 random moments
 * (3 at small scale): some while the job reads, most a random few milliseconds after a random number of records
 * committed. Each time a NEW child process resumes the job once the dead one's lease lapses; the last one runs it
 * to its end. The fake VSCO Workspace lives in this process, so its request log spans every child.
 *
 * The end must be exactly an uninterrupted import's (made first, into another SQLite file): the same counts,
 * exactly N clients (N from the generated studio and its manifest), nobody twice, no CRM record linked twice, no
 * link whose WedSync record is missing. And from the request log: each crash cost at most one page fetched twice
 * (the page in flight); the rest of a resume's cost is the provider's documented re-read of its reference data
 * and, for clients, of its pre-pass and of the clients its cursor names as waiting for a partner
 * (packages/providers/tave/README.md, "Cursors and cost").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CrmHub, createInProcessRunner } from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RequestLogEntry,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExpectedImport,
  expectEveryRecordAccounted,
  expectedImport,
  expectLinksWhole,
  expectNoDoubledPeople,
  expectRelationships,
  recordCounts,
  rowsOf,
  type SoakRecordType,
  taveServedClient,
} from './support/checks.js';
import { createSqliteFile, type SqliteFileDatabase } from './support/databases.js';
import { reportFigures, secondsSince, seededRandom } from './support/figures.js';
import { connectTave, createSoakHub, createSupplier, migrate } from './support/hub.js';
import { soakSizes } from './support/scale.js';

const sizes = soakSizes();
const { clients, crashes, pageSize } = sizes.crashes;
const apiKey = 'tave-soak-crash-key-0c4e9b7a21d8';
const vaultKey = Buffer.alloc(32, 11).toString('base64');
/** The children's lease: short, so a resume waits little; renewed every third of it. */
const leaseMs = 2_000;
const childScript = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a job stands (its `checkpoint` column): the plan, the record type being read, the cursor after it. */
interface Checkpoint {
  readonly plan: readonly SoakRecordType[];
  readonly phase: number;
  readonly cursor: string | null;
}

/** One walk over a collection in the request log: consecutive pages of one path and query. */
interface Walk {
  readonly path: string;
  readonly pages: number[];
}

/** The path each record type's yielding walk reads (its cursors are `<walk>:page:N`). */
const dataPaths: Readonly<Record<SoakRecordType, string>> = {
  client: '/address-book',
  project: '/job',
  event: '/event',
  invoice: '/order',
  payment: '/payment',
};

/**
 * Splits requests (in order) into walks: a request of a page goes on the latest walk of the same path and query
 * whose last page is the one before it, else starts a walk. Requests without a page (lookups by id, the studio)
 * are not walks. Walks are in the order they started.
 */
function walksOf(entries: readonly RequestLogEntry[]): Walk[] {
  const walks: (Walk & { readonly key: string })[] = [];
  for (const entry of entries) {
    const { page: rawPage, ...rest } = entry.query;
    if (typeof rawPage !== 'string') continue;
    const page = Number(rawPage);
    const key = `${entry.path}?${JSON.stringify(rest)}`;
    const open = walks.findLast((walk) => walk.key === key && walk.pages.at(-1) === page - 1);
    if (open !== undefined) open.pages.push(page);
    else walks.push({ key, path: entry.path, pages: [page] });
  }
  return walks;
}

/**
 * The pages of each record type's yielding walk in one process's requests, for a process that started at
 * `startPhase` of `plan`. The reads come one after another, each after the one before has yielded its walk: a
 * client read walks `/job-contact` and `/job` (its pre-pass), then `/address-book`, the walk that yields; a
 * project read walks `/job-contact` (unless a client read of the same process kept what it needs), then `/job`;
 * the others walk their collection once after small reference reads. So each record type's walk is the first
 * walk of its path that starts after the walk the record type before it yielded.
 */
function dataPagesOf(
  entries: readonly RequestLogEntry[],
  plan: readonly SoakRecordType[],
  startPhase: number,
): Map<SoakRecordType, number[]> {
  const walks = walksOf(entries);
  const found = new Map<SoakRecordType, number[]>();
  let position = 0;
  for (let phase = startPhase; phase < plan.length; phase += 1) {
    const recordType = plan[phase] as SoakRecordType;
    const path = dataPaths[recordType];
    // The client read's pre-pass walks `/job` before its own yielding walk: a project walk starts after that one.
    const index = walks.findIndex((walk, at) => at >= position && walk.path === path);
    if (index === -1) break;
    found.set(recordType, [...(walks[index] as Walk).pages]);
    position = index + 1;
  }
  return found;
}

/** The first page a checkpoint's cursor resumes at (`address-book:page:7` -> 7; none -> 1). */
function resumePage(checkpoint: Checkpoint): number {
  const match = checkpoint.cursor === null ? null : /:page:(\d+)(?::waiting:|$)/.exec(checkpoint.cursor);
  return match === null ? 1 : Number(match[1]);
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** One child process's run: its output, when it started and ended, and the checkpoint it left. */
interface ChildRun {
  readonly output: () => string;
  readonly child: ChildProcess;
  readonly spawnedAt: number;
}

describe(`crashes [sqlite-file] (${sizes.scale}: ${clients} clients, ${crashes} SIGKILLs)`, () => {
  let studio: GeneratedStudio;
  let expected: ExpectedImport;
  let fake: RunningFakeTave;
  let reference: {
    counts: Record<string, number>;
    clients: number;
    links: number;
    entries: RequestLogEntry[];
  };
  let database: SqliteFileDatabase;
  const children: ChildProcess[] = [];
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    const missing = ['crm-core', 'crm-provider-kit', 'crm-storage-kysely', 'crm-tave']
      .map((name) =>
        fileURLToPath(new URL(`../node_modules/@wedsync/${name}/dist/index.js`, import.meta.url)),
      )
      .filter((path) => !existsSync(path));
    if (missing.length > 0) {
      throw new Error(
        `The crash suite runs the built packages in child processes; run \`pnpm build\` first (missing: ${missing.join(', ')})`,
      );
    }
    studio = generateStudio({
      seed: 1313,
      clients,
      duplicates: { case: 1, spacing: 1, phoneFormat: 1, typo: 1 },
      badRecords: { invalidEmail: 1, impossibleDate: 1, missingName: 1 },
      name: 'Soak Crash Studio',
    });
    fake = await startFakeTave({ apiKey, studio });
    expected = expectedImport(studio, (id) =>
      taveServedClient(fake.state.get('address-book', id) as unknown as Record<string, unknown>),
    );

    // The uninterrupted import the crashed one must end like, and the requests it makes.
    const started = performance.now();
    const uninterrupted = await createSqliteFile();
    try {
      await migrate(uninterrupted.db);
      const supplierId = await createSupplier(uninterrupted.db);
      const hub = createSoakHub({ db: uninterrupted.db, taveUrl: fake.url, vaultKey, pageSize });
      const integrationId = await connectTave(hub, supplierId, apiKey);
      fake.requestLog.clear();
      await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      expect(outcome?.status).toBe('completed');
      reference = {
        counts: outcome?.counts ?? {},
        clients: (await rowsOf(uninterrupted.db, 'clients')).length,
        links: (await expectLinksWhole(uninterrupted.db, integrationId)).size,
        entries: fake.requestLog.entries(),
      };
    } finally {
      await uninterrupted.destroy();
    }
    figures['uninterrupted_seconds'] = secondsSince(started);
    figures['uninterrupted_requests'] = reference.entries.length;
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await fake?.close();
    await database?.destroy();
    reportFigures('crashes', sizes.scale, figures);
  });

  it('an import killed at random moments and resumed by new processes ends exactly as an uninterrupted one', async () => {
    database = await createSqliteFile();
    const { db } = database;
    await migrate(db);
    const supplierId = await createSupplier(db);
    const hub: CrmHub = createSoakHub({ db, taveUrl: fake.url, vaultKey, pageSize });
    const integrationId = await connectTave(hub, supplierId, apiKey);
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'full_import' },
    });
    const jobId = sync_job.id;
    const total = reference.counts['read'] ?? 0;
    expect(total).toBe(expected.total);
    fake.requestLog.clear();

    const spawnChild = (owner: string): ChildRun => {
      let output = '';
      const child = spawn(process.execPath, [childScript], {
        env: {
          ...process.env,
          SOAK_DATABASE: database.path,
          SOAK_VAULT_KEY: vaultKey,
          SOAK_TAVE_URL: fake.url,
          SOAK_PAGE_SIZE: String(pageSize),
          SOAK_LEASE_MS: String(leaseMs),
          SOAK_OWNER: owner,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout?.on('data', (chunk) => (output += String(chunk)));
      child.stderr?.on('data', (chunk) => (output += String(chunk)));
      return { child, output: () => output, spawnedAt: Date.now() };
    };
    const processed = async () =>
      Number(
        (
          await db
            .selectFrom('crm_sync_jobs')
            .select('records_processed')
            .where('id', '=', jobId)
            .executeTakeFirstOrThrow()
        ).records_processed,
      );
    const waitUntil = async (run: ChildRun, what: string, condition: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + 120_000;
      while (!(await condition())) {
        if (run.child.exitCode !== null || run.child.signalCode !== null) {
          throw new Error(`The child ended before ${what}:\n${run.output()}`);
        }
        if (Date.now() > deadline)
          throw new Error(`The child did not reach ${what} within 120 s:\n${run.output()}`);
        await sleep(5);
      }
    };

    const random = seededRandom(90210);
    const started = performance.now();
    const windows: { from: number; to: number; start: Checkpoint; end: Checkpoint | null }[] = [];
    const moments: Record<string, unknown>[] = [];
    let start: Checkpoint = {
      plan: ['client', 'project', 'event', 'invoice', 'payment'],
      phase: 0,
      cursor: null,
    };
    for (let crash = 1; crash <= crashes; crash += 1) {
      const run = spawnChild(`crashing-host-${crash}`);
      await waitUntil(run, 'claiming the job', () => /^claimed /m.test(run.output()));
      const before = await processed();
      // A random moment: every fourth crash (the 2nd, 6th, 10th) a random few hundred milliseconds after the
      // child claimed the job, while it reads (a pre-pass, or a page in flight); the others a random few
      // milliseconds after a random number of records committed, drawn within the crash's share of the import
      // so that the crashes spread over every record type (landing mid-page or mid-transaction).
      const whileReading = crash % 4 === 2;
      const delayMs = Math.floor(random() * (whileReading ? 300 : 30));
      const target = Math.max(before + 1, Math.floor((total * (crash - 1 + random())) / (crashes + 1)));
      if (!whileReading) {
        await waitUntil(run, `${target} records committed`, async () => (await processed()) >= target);
      }
      await sleep(delayMs);
      run.child.kill('SIGKILL');
      expect(await exited(run.child)).toEqual({ code: null, signal: 'SIGKILL' });
      expect(run.output(), 'killed before it finished').not.toMatch(/^finished/m);
      const job = (await hub.getSyncJob({ supplierId, jobId })).sync_job;
      expect(job).toMatchObject({
        job_status: 'running',
        lease_owner: `crashing-host-${crash}`,
        attempts: crash,
      });
      const end = job.checkpoint as unknown as Checkpoint | undefined;
      windows.push({ from: run.spawnedAt, to: Date.now(), start, end: end ?? null });
      moments.push({
        crash,
        moment: whileReading ? `${delayMs} ms after claiming` : `${delayMs} ms after ${target} records`,
        processed_at_kill: job.records_processed ?? 0,
        checkpoint: end === undefined ? null : `${end.plan[end.phase] ?? 'done'} ${end.cursor ?? 'start'}`,
      });
      if (end !== undefined) start = end;
      // The dead host's lease must lapse before anyone may resume the job.
      const leaseEnds = Date.parse(String(job.lease_expires_at));
      await sleep(Math.max(0, leaseEnds - Date.now()) + 50);
    }
    const last = spawnChild('finishing-host');
    expect(await exited(last.child), last.output()).toEqual({ code: 0, signal: null });
    expect(last.output()).toMatch(/^finished completed$/m);
    windows.push({ from: last.spawnedAt, to: Date.now(), start, end: null });
    figures['crashed_import_seconds'] = secondsSince(started);
    figures['moments'] = moments;

    // Exactly the uninterrupted import's outcome: every record once, none twice.
    const job = (await hub.getSyncJob({ supplierId, jobId })).sync_job;
    expect(job).toMatchObject({ job_status: 'completed', attempts: crashes + 1 });
    expect(recordCounts(job.counts ?? {})).toEqual(recordCounts(reference.counts));
    expectEveryRecordAccounted(job.counts ?? {});
    expect(job.records_processed).toBe(total);
    const wedsyncClients = await expectNoDoubledPeople(db);
    expect(wedsyncClients).toHaveLength(expected.created.client);
    expect(wedsyncClients).toHaveLength(reference.clients);
    const links = await expectLinksWhole(db, integrationId);
    expect(links.size).toBe(reference.links);
    await expectRelationships(db);
    const logs = await rowsOf(db, 'crm_sync_logs');
    expect(logs).toHaveLength(total);
    expect(new Set(logs.map((log) => `${String(log['record_type'])}:${String(log['record_id'])}`)).size).toBe(
      logs.length,
    );

    // From the request log: each crash lost at most the page in flight, fetched again by the next process.
    const entries = fake.requestLog.entries();
    const runOf = (entry: RequestLogEntry) =>
      windows.findIndex((window) => {
        const at = Date.parse(entry.time);
        return at >= window.from - 5 && at <= window.to + 5;
      });
    expect(
      entries.filter((entry) => runOf(entry) === -1),
      'requests outside every child run',
    ).toEqual([]);
    const plan = start.plan;
    const baseline = dataPagesOf(reference.entries, plan, 0);
    expect([...baseline.keys()], 'the uninterrupted import walked every record type').toEqual([...plan]);
    const fetched = new Map<string, number>();
    const lostPerCrash: number[] = [];
    for (const [index, window] of windows.entries()) {
      const pages = dataPagesOf(
        entries.filter((entry) => runOf(entry) === index),
        plan,
        window.start.phase,
      );
      for (const [recordType, list] of pages) {
        for (const page of list)
          fetched.set(`${recordType}:${page}`, (fetched.get(`${recordType}:${page}`) ?? 0) + 1);
      }
      if (window.end !== null) {
        const recordType = plan[window.end.phase] as SoakRecordType;
        const from = resumePage(window.end);
        lostPerCrash.push((pages.get(recordType) ?? []).filter((page) => page >= from).length);
      }
    }
    expect(
      lostPerCrash.every((lost) => lost <= 1),
      `pages lost per crash: ${lostPerCrash.join(', ')}`,
    ).toBe(true);
    const baselinePages = [...baseline].flatMap(([recordType, pages]) =>
      pages.map((page) => `${recordType}:${page}`),
    );
    expect(
      baselinePages.filter((page) => !fetched.has(page)),
      'pages never fetched',
    ).toEqual([]);
    expect(
      [...fetched.keys()].filter((page) => !baselinePages.includes(page)),
      'pages beyond the data',
    ).toEqual([]);
    // Each fetch of a page beyond its first is one a crash lost (two crashes in a row on one page, the second
    // before anything committed, fetch it three times: one lost page per crash still).
    const fetchedAgain = [...fetched.values()].reduce((sum, count) => sum + count - 1, 0);
    expect(fetchedAgain, 'pages fetched again = pages lost by the crashes').toBe(
      lostPerCrash.reduce((sum, lost) => sum + lost, 0),
    );
    expect(fetchedAgain).toBeLessThanOrEqual(crashes);

    Object.assign(figures, {
      records: total,
      clients: wedsyncClients.length,
      crashes,
      data_pages: baselinePages.length,
      pages_lost_per_crash: lostPerCrash,
      pages_fetched_again: fetchedAgain,
      requests: entries.length,
      extra_requests: entries.length - reference.entries.length,
    });
  });
});
