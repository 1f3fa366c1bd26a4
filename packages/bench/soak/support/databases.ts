/**
 * The real databases the reliability suites run on: a SQLite file in WAL mode (as a host runs one; another
 * process can open the same file) and a fresh schema in the PostgreSQL database of CRM_TEST_PG_URL (every
 * connection of a test, from any process, sees only that schema).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

// biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
export type AnyDatabase = Kysely<any>;

/** A database of one test, and how to dispose of it. */
export interface SoakDatabase {
  readonly name: 'sqlite-file' | 'postgres';
  readonly db: AnyDatabase;
  /** A further, independent connection (pool) to the same database, as another process would open. */
  connect(): AnyDatabase;
  /** Closes every connection opened here and removes the database (file or schema). */
  destroy(): Promise<void>;
}

/** A SQLite database file in a fresh temporary directory. */
export interface SqliteFileDatabase extends SoakDatabase {
  readonly name: 'sqlite-file';
  /** The file, for a child process to open. */
  readonly path: string;
}

/** Opens the SQLite file at `path` (creating it) in WAL mode, foreign keys on, waiting up to 10 s for locks. */
export function openSqliteFile(path: string): AnyDatabase {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  return new Kysely({
    dialect: new SqliteDialect({
      database,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('PRAGMA foreign_keys = ON'));
      },
    }),
  });
}

/** A fresh SQLite file in WAL mode in a temporary directory (removed by destroy). */
export async function createSqliteFile(): Promise<SqliteFileDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'crm-soak-'));
  const path = join(directory, 'wedsync.sqlite');
  const opened: AnyDatabase[] = [];
  const connect = () => {
    const db = openSqliteFile(path);
    opened.push(db);
    return db;
  };
  return {
    name: 'sqlite-file',
    path,
    db: connect(),
    connect,
    async destroy() {
      await Promise.all(opened.map((db) => db.destroy()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The PostgreSQL URL of the test run (CRM_TEST_PG_URL), or undefined when none is set. */
export function postgresUrl(): string | undefined {
  const url = process.env['CRM_TEST_PG_URL'];
  return url === undefined || url.trim() === '' ? undefined : url.trim();
}

/** A fresh schema `crm_soak_<random>` in the database of `url`: its tables are the test's alone. */
export interface PostgresSchemaDatabase extends SoakDatabase {
  readonly name: 'postgres';
  readonly schema: string;
  /** The connection options a child process passes to pg to see the same schema. */
  readonly poolOptions: { readonly connectionString: string; readonly options: string };
}

/**
 * Creates a schema in the database of `url` and a pool whose connections use it (search_path), so the hub's
 * migrations and tables live there; destroy() drops it.
 */
export async function createPostgresSchema(url: string): Promise<PostgresSchemaDatabase> {
  const schema = `crm_soak_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const poolOptions = { connectionString: url, options: `-c search_path=${schema}` };
  const opened: AnyDatabase[] = [];
  const connect = () => {
    const db: AnyDatabase = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ ...poolOptions, max: 5 }) }),
    });
    opened.push(db);
    return db;
  };
  return {
    name: 'postgres',
    schema,
    poolOptions,
    db: connect(),
    connect,
    async destroy() {
      await Promise.all(opened.map((db) => db.destroy()));
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
