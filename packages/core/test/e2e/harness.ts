/**
 * Shared pieces of the end-to-end reliability tests of the first import: a generated Tave studio with planted
 * duplicates and bad records, the clients a supplier typed into WedSync by hand before connecting Tave, an
 * import over real HTTP, and the checks every test repeats (each record accounted for, nobody doubled, every
 * relationship intact, no secret anywhere).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderHttp, SlidingWindowLimiter } from '@wedsync/crm-provider-kit';
import { type GeneratedStudio, generateStudio } from '@wedsync/crm-testkit/servers';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import { expect } from 'vitest';
import type { TestBackend, TestDatabase } from '../../../storage-kysely/test/backends.js';
import {
  type CanonicalClient,
  type CrmHub,
  type CrmSyncLog,
  type ProviderHttpClientFactory,
  type ProviderRateLimits,
  type ProviderRecordType,
  recordOutcomeKinds,
  type SyncJobCounts,
} from '../../src/index.js';
import type { JobRunOutcome } from '../../src/sync/run-job.js';
import { rowsOf, type TestHub } from '../sync/fixtures.js';

/** The record types a Tave import reads, in the order it reads them. */
export const recordTypes: readonly ProviderRecordType[] = [
  'client',
  'project',
  'event',
  'invoice',
  'payment',
];

/** The duplicates every test studio plants: three certain ones and a one-letter typo. */
export const plantedDuplicates = { case: 1, spacing: 1, phoneFormat: 1, typo: 1 } as const;

/** The bad records every test studio plants: the import rejects them, with reasons, and keeps the rest. */
export const plantedBadRecords = { invalidEmail: 1, impossibleDate: 1, missingName: 1 } as const;

/** A studio of `clients` clients plus the planted duplicates and bad records (deterministic per seed). */
export function e2eStudio(options: { readonly seed: number; readonly clients: number }): GeneratedStudio {
  return generateStudio({
    seed: options.seed,
    clients: options.clients,
    duplicates: plantedDuplicates,
    badRecords: plantedBadRecords,
    name: 'Reliability Test Studio',
  });
}

/** A client the supplier typed into WedSync by hand; `tavePersonId` when the same person is in Tave. */
export interface HandTypedClient {
  readonly record: CanonicalClient;
  readonly tavePersonId: string | null;
}

/**
 * Clients typed into WedSync before Tave was connected, the way people type: three of the studio's clients
 * (lower-case email, no phone) and two people Tave does not know.
 */
export function handTypedClients(studio: GeneratedStudio): HandTypedClient[] {
  const planted = new Set([
    ...studio.manifest.duplicates.flatMap((entry) => [entry.originalId, entry.duplicateId]),
    ...studio.manifest.badRecords.map((entry) => entry.contactId),
  ]);
  const inTave = studio.people
    .filter(
      (person) =>
        person.role === 'client' &&
        !planted.has(person.id) &&
        person.email !== null &&
        person.firstName !== null &&
        person.lastName !== null,
    )
    .slice(0, 3)
    .map((person) => ({
      record: {
        first_name: person.firstName as string,
        last_name: person.lastName as string,
        email: (person.email as string).toLowerCase(),
        notes: 'Typed in by hand at a wedding fair',
      },
      tavePersonId: person.id,
    }));
  return [
    ...inTave,
    {
      record: { first_name: 'Amara', last_name: 'Okafor', email: 'amara.okafor@example.org' },
      tavePersonId: null,
    },
    {
      record: { first_name: 'Liam', last_name: "O'Connell", email: 'liam.oconnell@example.net' },
      tavePersonId: null,
    },
  ];
}

/** A hand-typed client as stored, with its WedSync id. */
export interface SeededClient extends HandTypedClient {
  readonly id: string;
}

/** Writes the hand-typed clients of `studio` into the supplier's WedSync. */
export async function seedHandTypedClients(
  testHub: Pick<TestHub, 'clientStore' | 'supplierId'>,
  studio: GeneratedStudio,
): Promise<SeededClient[]> {
  const typed = handTypedClients(studio);
  const results = await testHub.clientStore.upsert(
    'client',
    typed.map((client) => ({ supplier_id: testHub.supplierId, record: client.record })),
  );
  return typed.map((client, index) => ({ ...client, id: (results[index] as { id: string }).id }));
}

/** Connects the supplier's Tave with `apiKey` and runs one full import to its end. */
export async function importTave(
  testHub: Pick<TestHub, 'hub' | 'supplierId'>,
  options: { readonly apiKey: string; readonly runner: { drain(): Promise<JobRunOutcome[]> } },
): Promise<{ integrationId: string; outcome: JobRunOutcome }> {
  const { hub, supplierId } = testHub;
  const { integration } = await hub.createIntegration({
    supplierId,
    body: { crm_provider: 'tave', connection_name: 'Tave', auth_config: { api_key: options.apiKey } },
  });
  const connection = await hub.testConnection({ supplierId, integrationId: integration.id });
  expect(connection, 'test connection').toMatchObject({ success: true });
  await hub.triggerSync({ supplierId, integrationId: integration.id, body: { job_type: 'full_import' } });
  const [outcome] = await options.runner.drain();
  if (outcome === undefined) throw new Error('The runner found no job to run');
  return { integrationId: integration.id, outcome };
}

/** Every sync log of an integration, through the hub (decoded the same on every backend), page by page. */
export async function allSyncLogs(
  testHub: Pick<TestHub, 'hub' | 'supplierId'>,
  integrationId: string,
): Promise<CrmSyncLog[]> {
  const logs: CrmSyncLog[] = [];
  for (let page = 1; ; page += 1) {
    const response = await testHub.hub.listSyncLogs({
      supplierId: testHub.supplierId,
      integrationId,
      page,
      per_page: 500,
    });
    logs.push(...response.logs);
    if (response.logs.length < 500) return logs;
  }
}

/**
 * Counts a record type's outcomes add up to (`read + gone_from_crm = created + updated + ... + deleted`: a record
 * the deletion sweep found gone from the CRM was not read, but is `deleted`), per type and in all.
 */
export function expectEveryRecordAccounted(counts: SyncJobCounts): void {
  const sum = (prefix: string) =>
    recordOutcomeKinds.reduce((total, kind) => total + (counts[`${prefix}${kind}`] ?? 0), 0);
  expect(sum(''), 'read + gone = sum of outcomes').toBe(
    (counts['read'] ?? 0) + (counts['gone_from_crm'] ?? 0),
  );
  let perType = 0;
  for (const recordType of recordTypes) {
    expect(sum(`${recordType}.`), `${recordType}.read + gone = sum of its outcomes`).toBe(
      (counts[`${recordType}.read`] ?? 0) + (counts[`${recordType}.gone_from_crm`] ?? 0),
    );
    perType += counts[`${recordType}.read`] ?? 0;
  }
  expect(perType, 'read = sum of reads per type').toBe(counts['read']);
}

/** The record outcomes of a job (no request counters), for comparing two imports of one studio. */
export function recordCounts(counts: SyncJobCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).filter(
      ([key]) =>
        key === 'read' || recordOutcomeKinds.some((kind) => key === kind || key.endsWith(`.${kind}`)),
    ),
  ) as Record<string, number>;
}

// biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
type AnyDb = Kysely<any>;

/**
 * Nobody is in WedSync twice: the supplier's clients have pairwise different normalized emails, and no two
 * clients share a normalized name unless their emails say they are different people.
 */
export async function expectNoDoubledPeople(db: AnyDb): Promise<Record<string, unknown>[]> {
  const clients = await rowsOf(db, 'clients');
  const byEmail = new Map<string, number>();
  for (const client of clients) {
    const email = client['email_normalized'];
    if (typeof email === 'string' && email !== '') byEmail.set(email, (byEmail.get(email) ?? 0) + 1);
  }
  expect(
    [...byEmail].filter(([, count]) => count > 1),
    'emails held by two clients',
  ).toEqual([]);
  const byName = new Map<string, Record<string, unknown>[]>();
  for (const client of clients) {
    const name = client['name_key'];
    if (typeof name === 'string' && name !== '') byName.set(name, [...(byName.get(name) ?? []), client]);
  }
  const doubled = [...byName].filter(
    ([, rows]) =>
      rows.length > 1 &&
      // Same name and no email, or the same email: one person twice.
      new Set(rows.map((row) => row['email_normalized'] ?? null)).size < rows.length,
  );
  expect(
    doubled.map(([name]) => name),
    'names held by two clients without telling them apart',
  ).toEqual([]);
  return clients;
}

/** Every imported record points at records that exist: projects at clients, the rest at projects. */
export async function expectRelationships(db: AnyDb): Promise<void> {
  const ids = async (table: string) => new Set((await rowsOf(db, table)).map((row) => String(row['id'])));
  const clientIds = await ids('clients');
  const projects = await rowsOf(db, 'projects');
  const projectIds = new Set(projects.map((row) => String(row['id'])));
  expect(
    projects.filter((project) => !clientIds.has(String(project['client_id']))),
    'projects without their client',
  ).toEqual([]);
  for (const table of ['events', 'invoices', 'payments']) {
    const rows = await rowsOf(db, table);
    expect(
      rows.filter((row) => !projectIds.has(String(row['project_id']))),
      `${table} without their project`,
    ).toEqual([]);
  }
  const invoiceIds = await ids('invoices');
  const payments = await rowsOf(db, 'payments');
  expect(
    payments.filter((row) => row['invoice_id'] != null && !invoiceIds.has(String(row['invoice_id']))),
    'payments of a missing invoice',
  ).toEqual([]);
}

/** The record links of one integration, by `recordType:externalId`, failing on any pair linked twice. */
export async function linksByExternalId(
  db: AnyDb,
  integrationId: string,
): Promise<Map<string, Record<string, unknown>>> {
  const rows = (await rowsOf(db, 'crm_record_links')).filter(
    (row) => String(row['integration_id']) === integrationId,
  );
  const links = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const key = `${String(row['record_type'])}:${String(row['external_id'])}`;
    expect(links.has(key), `${key} linked twice`).toBe(false);
    links.set(key, row);
  }
  return links;
}

/**
 * The forms a leaked secret would take in stored bytes or text: as typed, and base64 or hex encoded (a "hidden"
 * plaintext is still plaintext).
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret,
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
  ];
}

/** Which forms of `secret` occur in `haystack` (text or raw bytes). */
export function leakedForms(haystack: string | Buffer, secret: string): string[] {
  return secretForms(secret).filter((form) =>
    typeof haystack === 'string' ? haystack.includes(form) : haystack.includes(Buffer.from(form, 'utf8')),
  );
}

/** Every event of the hub, recorded as JSON. */
export function recordHubEvents(hub: CrmHub): string[] {
  const seen: string[] = [];
  for (const name of ['jobQueued', 'jobStarted', 'progress', 'jobParked', 'jobFinished'] as const) {
    hub.on(name, (event) => seen.push(JSON.stringify({ name, event })));
  }
  return seen;
}

/**
 * Every row of every table of a PostgreSQL (or PGlite) database as text, `(table, row)` per line: each column of
 * each row, whatever its type, as PostgreSQL prints the row.
 */
export async function dumpPostgresTables(db: AnyDb): Promise<string> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  expect(tables.rows.length).toBeGreaterThan(5);
  const lines: string[] = [];
  for (const { table_name: table } of tables.rows) {
    const rows = await sql<{
      line: string;
    }>`select ${sql.ref(table)}::text as line from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows) lines.push(`${table} ${row.line}`);
  }
  return lines.join('\n');
}

/** An HTTP factory like provider-kit's, with both windows of each integration's budget scaled by `windowScale`. */
export function createScaledHttpFactory(options: {
  /** Multiplies the minute and hour windows (0.02 makes a "minute" 1.2 s). */
  readonly windowScale: number;
  readonly retry?: { readonly minTimeoutMs?: number; readonly maxTimeoutMs?: number };
}): ProviderHttpClientFactory {
  const budgets = new Map<string, SlidingWindowLimiter>();
  const budgetOf = (integrationId: string, rateLimits: ProviderRateLimits) => {
    let limiter = budgets.get(integrationId);
    if (limiter === undefined) {
      limiter = new SlidingWindowLimiter({
        windows: [
          { limit: rateLimits.requestsPerMinute, durationMs: 60_000 * options.windowScale },
          { limit: rateLimits.requestsPerHour, durationMs: 3_600_000 * options.windowScale },
        ],
      });
      budgets.set(integrationId, limiter);
    }
    return limiter;
  };
  return (request) =>
    createProviderHttp({
      baseUrl: request.baseUrl,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      rateLimits: request.rateLimits,
      limiter: budgetOf(request.integrationId, request.rateLimits),
      signal: request.signal,
      logger: request.logger,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
}

/** A SQLite database file in WAL mode (as a host would run one), whose path the test knows. */
export interface SqliteFileDatabase extends TestDatabase {
  readonly path: string;
}

function sqliteFileDialect(path: string): SqliteDialect {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  return new SqliteDialect({
    database,
    onCreateConnection: async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('PRAGMA foreign_keys = ON'));
    },
  });
}

/** Opens (creating it if need be) the SQLite file at `path` in WAL mode. */
function openSqliteFile(path: string): AnyDb {
  return new Kysely({ dialect: sqliteFileDialect(path) });
}

/** A fresh SQLite file in WAL mode in a temporary directory (removed by destroy). */
export async function createSqliteFile(): Promise<SqliteFileDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'crm-e2e-'));
  const path = join(directory, 'wedsync.sqlite');
  const db = openSqliteFile(path);
  return {
    db,
    path,
    async destroy() {
      await db.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The SQLite file backend with a known path, in the shape of the storage tests' backends. */
export function sqliteFileBackend(): TestBackend & { last?: SqliteFileDatabase } {
  const backend: TestBackend & { last?: SqliteFileDatabase } = {
    name: 'sqlite-file',
    async create() {
      backend.last = await createSqliteFile();
      return backend.last;
    },
  };
  return backend;
}

/** A fresh PostgreSQL database of the storage tests' backend, with its own URL (for a child process). */
export interface PostgresDatabase extends TestDatabase {
  readonly url: string;
}

/** Creates a database through the storage tests' `postgres` backend (CRM_TEST_PG_URL); destroy() drops it. */
export async function createPostgresDatabase(
  backend: TestBackend,
  adminUrl: string,
): Promise<PostgresDatabase> {
  const created = await backend.create();
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(created.db);
  const url = new URL(adminUrl);
  url.pathname = `/${rows[0]?.name ?? ''}`;
  return { ...created, url: url.toString() };
}

/** The PostgreSQL admin URL of the test run, when CRM_TEST_PG_URL gives one. */
export function postgresAdminUrl(): string | undefined {
  const url = process.env['CRM_TEST_PG_URL'];
  return url === undefined || url.trim() === '' ? undefined : url;
}
