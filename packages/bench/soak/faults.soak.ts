/**
 * Faults: a full import, then an incremental sync, of a generated Tave studio (20,000 records at full scale,
 * 1,000 at small) through a fake VSCO Workspace on 127.0.0.1 that fails, from a seeded stream, 10% of requests
 * with a 5xx, 5% with 429 and `Retry-After`, 2% with a connection reset and 1% with malformed JSON. Into a SQLite
 * file, through the built packages' public APIs.
 *
 * Every record must arrive exactly once (WedSync's clients and projects counted against the generated studio
 * and its manifest of planted duplicates and bad records), both jobs complete, and the retries are bounded and
 * reported: the job's `requests`, `retries` and `rate_limited` equal what the fake's request log saw, and no
 * request needed more attempts than the client allows.
 */
import type { CrmHub, HubSyncJob } from '@wedsync/crm-core';
import { createInProcessRunner } from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RequestLogEntry,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countOf,
  type ExpectedImport,
  expectEveryRecordAccounted,
  expectedImport,
  expectLinksWhole,
  expectNoDoubledPeople,
  expectRelationships,
  recordTables,
  recordTypes,
  rowsOf,
  taveServedClient,
} from './support/checks.js';
import { createSqliteFile, type SqliteFileDatabase } from './support/databases.js';
import { reportFigures, secondsSince, seededRandom } from './support/figures.js';
import { connectTave, createSoakHub, createSupplier, migrate, recordingLogger } from './support/hub.js';
import { soakSizes } from './support/scale.js';

const sizes = soakSizes();
const apiKey = 'tave-soak-faults-key-3f9c2a71b5e4';
const vaultKey = Buffer.alloc(32, 7).toString('base64');
/** The fault mix. Resets win over 5xx, 5xx over 429, 429 over malformed JSON (see FaultDecision). */
const faultRates = {
  serverErrorRate: 0.1,
  rateLimitRate: 0.05,
  rateLimitRetryAfterSeconds: 1,
  connectionResetRate: 0.02,
  malformedJsonRate: 0.01,
} as const;
/**
 * The HTTP client's retries: at most 8 per request. A request fails for good only after 9 faults in a row
 * (0.18^9, about 2 in 10 million at these rates); backoff is shortened so 5xx waits do not dominate the run,
 * while every 429's Retry-After (1 s) is waited out in full.
 */
const retry = { retries: 8, minTimeoutMs: 10, maxTimeoutMs: 200 } as const;
/** Records per client of the generator (client, jobs, events, invoices, payments): about 5.3; 5 errs high. */
const recordsPerClient = 5;

/** A request's identity in the log: path and query (the same page asked again is a retry or a re-read). */
const requestKey = (entry: RequestLogEntry) => `${entry.path}?${JSON.stringify(entry.query)}`;

/** Fault figures of a job's requests, from the fake's log. */
function faultFigures(entries: readonly RequestLogEntry[]) {
  const byKind: Record<string, number> = {};
  let longestRun = 0;
  const runs = new Map<string, number>();
  for (const entry of entries) {
    const key = requestKey(entry);
    // Latency is not a fault here (none is injected); every other fault kind made the client retry.
    const faulted = entry.fault !== null && entry.fault !== 'latency';
    if (faulted) {
      byKind[entry.fault as string] = (byKind[entry.fault as string] ?? 0) + 1;
      const run = (runs.get(key) ?? 0) + 1;
      runs.set(key, run);
      longestRun = Math.max(longestRun, run);
    } else {
      runs.set(key, 0);
    }
  }
  const faults = Object.values(byKind).reduce((sum, count) => sum + count, 0);
  return { requests: entries.length, faults, byKind, longestFaultRun: longestRun };
}

describe(`faults [sqlite-file] (${sizes.scale}: ${sizes.faults.records} records)`, () => {
  let studio: GeneratedStudio;
  let expected: ExpectedImport;
  let fake: RunningFakeTave;
  let database: SqliteFileDatabase;
  let hub: CrmHub;
  let supplierId: string;
  let integrationId: string;
  const logger = recordingLogger();
  const figures: Record<string, unknown> = {};
  const allEntries: RequestLogEntry[] = [];

  beforeAll(async () => {
    const started = performance.now();
    studio = generateStudio({
      seed: 2026,
      clients: Math.ceil(sizes.faults.records / recordsPerClient),
      duplicates: { case: 1, spacing: 1, phoneFormat: 1, typo: 1 },
      badRecords: { invalidEmail: 1, impossibleDate: 1, missingName: 1 },
      name: 'Soak Faults Studio',
    });
    figures['generate_seconds'] = secondsSince(started);
    fake = await startFakeTave({ apiKey, studio });
    expected = expectedImport(studio, (id) =>
      taveServedClient(fake.state.get('address-book', id) as unknown as Record<string, unknown>),
    );
    database = await createSqliteFile();
    await migrate(database.db);
    supplierId = await createSupplier(database.db);
    hub = createSoakHub({
      db: database.db,
      taveUrl: fake.url,
      vaultKey,
      pageSize: sizes.faults.pageSize,
      http: { retry },
      logger,
    });
    // Connected while the CRM behaves; the faults start with the jobs.
    integrationId = await connectTave(hub, supplierId, apiKey);
  });

  afterAll(async () => {
    await fake?.close();
    await database?.destroy();
    reportFigures('faults', sizes.scale, figures);
  });

  /** Queues a job, runs it to its end under the fault mix, and returns it with its requests. */
  async function runUnderFaults(jobType: 'full_import' | 'incremental_sync', seed: number) {
    fake.requestLog.clear();
    fake.faults.configure({ seed, ...faultRates });
    const { sync_job } = await hub.triggerSync({ supplierId, integrationId, body: { job_type: jobType } });
    const started = performance.now();
    const outcomes = await createInProcessRunner({ hub }).drain();
    const seconds = secondsSince(started);
    fake.faults.clear();
    const entries = fake.requestLog.entries();
    allEntries.push(...entries);
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status])).toEqual([[sync_job.id, 'completed']]);
    const job = (await hub.getSyncJob({ supplierId, jobId: sync_job.id })).sync_job;
    return { job, entries, seconds };
  }

  /** The job's request counters equal the fake's log: every attempt, every retry, every 429 reported. */
  function expectRetriesReported(job: HubSyncJob, entries: readonly RequestLogEntry[]) {
    const counts = job.counts ?? {};
    const seen = faultFigures(entries);
    expect(counts['requests'], 'requests = attempts the fake answered (or reset)').toBe(seen.requests);
    expect(counts['retries'], 'retries = faulted attempts (each retried once)').toBe(seen.faults);
    expect(counts['rate_limited'], 'rate_limited = 429 answers').toBe(seen.byKind['rate_limited'] ?? 0);
    expect(
      seen.longestFaultRun,
      'attempts of one request stay within the retries allowed',
    ).toBeLessThanOrEqual(retry.retries);
    // Bounded overall too: about 18% of attempts fail, so retries stay well under a third of the attempts.
    expect(seen.faults).toBeLessThan(seen.requests / 3);
    return seen;
  }

  it('a full import through 5xx, 429, resets and malformed JSON brings every record exactly once', async () => {
    const { job, entries, seconds } = await runUnderFaults('full_import', 41);
    const counts = job.counts ?? {};
    expect(job).toMatchObject({ job_status: 'completed', result_status: 'partial', attempts: 1 });
    expectEveryRecordAccounted(counts);
    expect(expected.total).toBeGreaterThanOrEqual(sizes.faults.records);
    for (const recordType of recordTypes) {
      expect(counts[`${recordType}.read`], `${recordType}.read`).toBe(expected.read[recordType]);
      expect(counts[`${recordType}.created`] ?? 0, `${recordType}.created`).toBe(
        expected.created[recordType],
      );
      expect(await countOf(database.db, recordTables[recordType]), `${recordTables[recordType]} rows`).toBe(
        expected.created[recordType],
      );
    }
    expect(counts['client.linked'], 'certain duplicates linked').toBe(expected.linked);
    expect(counts['client.flagged'], 'possible duplicates flagged').toBe(expected.flagged);
    expect(counts['client.rejected'], 'planted bad clients rejected').toBe(expected.rejectedClients);
    // One log row per record read, none twice.
    const logs = await rowsOf(database.db, 'crm_sync_logs');
    expect(logs).toHaveLength(counts['read'] ?? 0);
    expect(new Set(logs.map((log) => `${String(log['record_type'])}:${String(log['record_id'])}`)).size).toBe(
      logs.length,
    );
    await expectNoDoubledPeople(database.db);
    const links = await expectLinksWhole(database.db, integrationId);
    expect(links.size).toBe(recordTypes.reduce((sum, recordType) => sum + expected.created[recordType], 0));
    await expectRelationships(database.db);

    const seen = expectRetriesReported(job, entries);
    figures['full_import'] = {
      records: counts['read'],
      created: counts['created'],
      linked: counts['linked'],
      flagged: counts['flagged'],
      rejected: counts['rejected'],
      requests: counts['requests'],
      retries: counts['retries'],
      rate_limited: counts['rate_limited'],
      faults_by_kind: seen.byKind,
      longest_fault_run: seen.longestFaultRun,
      seconds,
      records_per_second: Math.round((counts['read'] ?? 0) / seconds),
    };
  });

  it('an incremental sync through the same faults brings each change once and writes nothing else', async () => {
    const random = seededRandom(17);
    // Clients imported as themselves, and nothing planted: their changes must arrive as updates.
    const planted = new Set([
      ...studio.manifest.badRecords.map((entry) => entry.contactId),
      ...studio.manifest.duplicates.flatMap((entry) => [entry.originalId, entry.duplicateId]),
    ]);
    const plainClients = studio.people.filter(
      (person) => expected.createdClientIds.has(person.id) && !planted.has(person.id),
    );
    const plainClientIds = new Set(plainClients.map((person) => person.id));
    const pick = <T>(items: readonly T[], count: number): T[] => {
      const chosen = new Set<number>();
      while (chosen.size < Math.min(count, items.length)) chosen.add(Math.floor(random() * items.length));
      return [...chosen].map((index) => items[index] as T);
    };
    // About 1% of the clients and of the jobs change in Tave, and 0.5% new clients are added.
    const changedClients = pick(plainClients, Math.max(5, Math.round(plainClients.length / 100)));
    const plainJobs = studio.jobs.filter((job) => plainClientIds.has(job.clientId));
    const changedJobs = pick(plainJobs, Math.max(5, Math.round(plainJobs.length / 100)));
    const newClients = Math.max(3, Math.round(plainClients.length / 200));
    for (const [index, person] of changedClients.entries()) {
      fake.state.update('address-book', person.id, { maidenName: `Changed-${index}` });
    }
    for (const [index, job] of changedJobs.entries()) {
      fake.state.update('job', job.id, { leadNotes: `Changed notes ${index}` });
    }
    const added = Array.from({ length: newClients }, (_, index) =>
      fake.state.create('address-book', {
        kind: 'person',
        firstName: 'Newly',
        lastName: `Added${index}`,
        email: `newly.added.${index}@example.org`,
      }),
    );

    const { job, entries, seconds } = await runUnderFaults('incremental_sync', 43);
    const counts = job.counts ?? {};
    expect(job).toMatchObject({ job_status: 'completed', attempts: 1 });
    expectEveryRecordAccounted(counts);
    expect(counts['client.updated'], 'changed clients').toBe(changedClients.length);
    expect(counts['client.created'], 'new clients').toBe(added.length);
    expect(counts['project.updated'], 'changed jobs').toBe(changedJobs.length);
    expect(counts['client.flagged'] ?? 0).toBe(0);
    for (const recordType of ['project', 'event', 'invoice', 'payment'] as const) {
      expect(counts[`${recordType}.created`] ?? 0, `${recordType}.created`).toBe(0);
    }
    // Nothing beyond the changes reached WedSync: the same rows, plus the new clients.
    expect(await countOf(database.db, 'clients')).toBe(expected.created.client + added.length);
    for (const recordType of ['project', 'event', 'invoice', 'payment'] as const) {
      expect(await countOf(database.db, recordTables[recordType])).toBe(expected.created[recordType]);
    }
    // Each change landed on the WedSync twin of its Tave record.
    const links = await expectLinksWhole(database.db, integrationId);
    const dataOf = async (table: string, id: unknown) => {
      const row = (await rowsOf(database.db, table)).find((candidate) => candidate['id'] === id);
      return typeof row?.['data'] === 'string' ? row['data'] : JSON.stringify(row?.['data'] ?? null);
    };
    for (const [index, person] of changedClients.entries()) {
      const link = links.get(`client:${person.id}`);
      expect(await dataOf('clients', link?.['wedsync_record_id'])).toContain(`Changed-${index}`);
    }
    for (const [index, tavejob] of changedJobs.entries()) {
      const link = links.get(`project:${tavejob.id}`);
      expect(await dataOf('projects', link?.['wedsync_record_id'])).toContain(`Changed notes ${index}`);
    }
    for (const contact of added) expect(links.has(`client:${contact.id}`)).toBe(true);
    await expectNoDoubledPeople(database.db);
    await expectRelationships(database.db);

    const seen = expectRetriesReported(job, entries);
    figures['incremental_sync'] = {
      records: counts['read'],
      updated: counts['updated'],
      created: counts['created'],
      skipped: counts['skipped'],
      requests: counts['requests'],
      retries: counts['retries'],
      rate_limited: counts['rate_limited'],
      faults_by_kind: seen.byKind,
      longest_fault_run: seen.longestFaultRun,
      seconds,
    };
  });

  it('exercised every fault kind, and no secret reached a log, a job or a staged row', async () => {
    const seen = faultFigures(allEntries);
    // Each kind whose expected number of occurrences is 5 or more must have occurred (the chance of none is
    // below 0.7%, and the seeded stream repeats run to run); at small scale malformed JSON (1%) may not.
    const rates: Record<string, number> = {
      server_error: faultRates.serverErrorRate,
      rate_limited: faultRates.rateLimitRate,
      connection_reset: faultRates.connectionResetRate,
      malformed_json: faultRates.malformedJsonRate,
    };
    const due = Object.keys(rates).filter((kind) => (rates[kind] ?? 0) * seen.requests >= 5);
    expect(due).toEqual(expect.arrayContaining(['server_error', 'rate_limited']));
    expect(
      due.filter((kind) => (seen.byKind[kind] ?? 0) === 0),
      'fault kinds that never occurred',
    ).toEqual([]);
    figures['faults_seen'] = seen.byKind;
    const forms = [apiKey, Buffer.from(apiKey).toString('base64').replace(/=+$/, '')];
    const jobs = JSON.stringify(await rowsOf(database.db, 'crm_sync_jobs'));
    const logs = JSON.stringify(await rowsOf(database.db, 'crm_sync_logs'));
    for (const form of forms) {
      expect(logger.lines.filter((line) => line.includes(form))).toEqual([]);
      expect(jobs.includes(form)).toBe(false);
      expect(logs.includes(form)).toBe(false);
    }
  });
});
