/**
 * Fresh databases for one benchmark run, of the three kinds the hub supports: a SQLite file in WAL mode in a
 * temporary directory, an in-process PGlite, or a new database on a PostgreSQL server (CRM_BENCH_PG_URL, else
 * `postgres://postgres@127.0.0.1:5432/test`), dropped after the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { InvalidArgumentError } from '@wedsync/crm-core';
import { cacheSqliteStatements } from '@wedsync/crm-storage-kysely';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';

/** The kinds of database a benchmark can run on. */
export const databaseKinds = ['sqlite', 'pglite', 'postgres'] as const;

/** A kind of database. */
export type DatabaseKind = (typeof databaseKinds)[number];

/** The PostgreSQL server used when CRM_BENCH_PG_URL is not set. */
export const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database of one run. */
export interface BenchDatabase {
  readonly kind: DatabaseKind;
  // biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
  readonly db: Kysely<any>;
  /** Facts about the database for the report (journal mode, server version), never credentials. */
  readonly settings: Readonly<Record<string, string>>;
  /** Closes the connections and removes the database (file, instance or PostgreSQL database). */
  destroy(): Promise<void>;
}

/** Options of {@link createBenchDatabase}. */
export interface BenchDatabaseOptions {
  /** Kysely's `log` option: called with every statement and its duration (see query-log.ts). */
  readonly log?: (event: LogEvent) => void;
}

/** Checks a `--db` value. @throws InvalidArgumentError listing the kinds. */
export function parseDatabaseKind(value: string): DatabaseKind {
  if ((databaseKinds as readonly string[]).includes(value)) return value as DatabaseKind;
  throw new InvalidArgumentError(
    `Unknown database \`${value}\`; expected one of ${databaseKinds.map((kind) => `\`${kind}\``).join(', ')}`,
    { context: { option: 'db' } },
  );
}

/** The PostgreSQL admin URL of the benchmarks. */
export function postgresUrl(): string {
  const url = process.env['CRM_BENCH_PG_URL'];
  return url === undefined || url.trim() === '' ? defaultPostgresUrl : url;
}

/** Prepared statements each SQLite database keeps (hub and baselines alike). */
const statementCacheSize = 100;

function logOption(options: BenchDatabaseOptions): { log?: (event: LogEvent) => void } {
  return options.log === undefined ? {} : { log: options.log };
}

async function createSqlite(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'crm-bench-'));
  const database = new Database(join(directory, 'wedsync.sqlite'));
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  const synchronous = String(database.pragma('synchronous', { simple: true }));
  const db = new Kysely({
    dialect: new SqliteDialect({
      // As a host should: kysely prepares every query anew, and better-sqlite3 frees a statement only when V8
      // collects it (see cacheSqliteStatements).
      database: cacheSqliteStatements(database, { size: statementCacheSize }),
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('PRAGMA foreign_keys = ON'));
      },
    }),
    ...logOption(options),
  });
  return {
    kind: 'sqlite',
    db,
    settings: {
      journal_mode: 'wal',
      synchronous,
      statement_cache: String(statementCacheSize),
      sqlite_version: database.prepare('select sqlite_version() as v').pluck().get() as string,
    },
    async destroy() {
      await db.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function createPglite(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const client = await PGlite.create();
  const db = new Kysely({ dialect: new PGliteDialect(client), ...logOption(options) });
  return { kind: 'pglite', db, settings: { storage: 'in-memory' }, destroy: () => db.destroy() };
}

async function createPostgres(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const adminUrl = postgresUrl();
  const name = `crm_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let version = '';
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    version = String((await admin.query('show server_version')).rows[0]?.server_version ?? '');
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 5 }) }),
    ...logOption(options),
  });
  return {
    kind: 'postgres',
    db,
    settings: { server_version: version, host: url.hostname },
    async destroy() {
      // The pool waits for queries in flight; an interrupted run does not wait long: the drop forces them off.
      await Promise.race([db.destroy(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The databases created and not yet destroyed (so an interrupted run can still remove them). */
const live = new Set<BenchDatabase>();

/** A fresh, empty database of `kind`. */
export async function createBenchDatabase(
  kind: DatabaseKind,
  options: BenchDatabaseOptions = {},
): Promise<BenchDatabase> {
  const created =
    kind === 'sqlite'
      ? await createSqlite(options)
      : kind === 'pglite'
        ? await createPglite(options)
        : await createPostgres(options);
  const database: BenchDatabase = {
    ...created,
    async destroy() {
      live.delete(database);
      await created.destroy();
    },
  };
  live.add(database);
  return database;
}

/** Destroys every database still open (the CLI calls this when interrupted). */
export async function destroyOpenDatabases(): Promise<void> {
  for (const database of [...live]) await database.destroy().catch(() => undefined);
}
