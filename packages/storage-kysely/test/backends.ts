/**
 * The databases the storage tests run on. Every suite loops over `testBackends()` so a test name says which
 * backend ran (`storage contract [pglite] > ...`). Each `create()` gives a fresh, isolated database:
 * - sqlite-memory: a new in-memory better-sqlite3 database;
 * - sqlite-file: a database file in a fresh temporary directory (removed by destroy), its statements cached by
 *   `cacheSqliteStatements` with a cache of 8, so that the whole suite also runs through a cache that keeps
 *   letting statements go;
 * - pglite: a new in-process PGlite instance (~4-5 s to start: create one per suite, not per test);
 * - postgres: only when CRM_TEST_PG_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test); create() makes a
 *   fresh database `crm_test_<random>` through that admin URL and destroy() drops it, so concurrent test files
 *   and helpers never share tables.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { cacheSqliteStatements } from '../src/index.js';

/** A database created for one suite, and how to dispose of it. */
export interface TestDatabase {
  // biome-ignore lint/suspicious/noExplicitAny: tests use the storage's own (untyped) tables.
  readonly db: Kysely<any>;
  /** Closes the connections and removes the database (file, directory or PostgreSQL database). */
  destroy(): Promise<void>;
}

/** One kind of database the tests can run on. */
export interface TestBackend {
  readonly name: 'sqlite-memory' | 'sqlite-file' | 'pglite' | 'postgres';
  /** A fresh, empty database. */
  create(): Promise<TestDatabase>;
}

function sqliteDatabase(filename: string, cachedStatements?: number): Kysely<unknown> {
  const database = new Database(filename);
  return new Kysely({
    dialect: new SqliteDialect({
      database:
        cachedStatements === undefined
          ? database
          : cacheSqliteStatements(database, { size: cachedStatements }),
      // better-sqlite3 enables foreign keys by default; say so explicitly as a host should.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('PRAGMA foreign_keys = ON'));
      },
    }),
  });
}

const sqliteMemory: TestBackend = {
  name: 'sqlite-memory',
  async create() {
    const db = sqliteDatabase(':memory:');
    return { db, destroy: () => db.destroy() };
  },
};

const sqliteFile: TestBackend = {
  name: 'sqlite-file',
  async create() {
    const directory = await mkdtemp(join(tmpdir(), 'crm-sqlite-'));
    const db = sqliteDatabase(join(directory, 'hub.sqlite'), 8);
    return {
      db,
      async destroy() {
        await db.destroy();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

const pglite: TestBackend = {
  name: 'pglite',
  async create() {
    const client = await PGlite.create();
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(client) });
    // The dialect's destroy() closes the PGlite instance.
    return { db, destroy: () => db.destroy() };
  },
};

/**
 * Drops a test database once its connections are gone. A pool that was just ended may still have backends on
 * their way out; `WITH (FORCE)` would kill them, and the server's "terminating connection" can then reach a
 * client that is closing as an uncaught error. So: a plain DROP, retried while the database is still in use
 * (55006), and FORCE only as a last resort.
 */
export async function dropTestDatabase(adminUrl: string, databaseName: string): Promise<void> {
  const cleanup = new pg.Client({ connectionString: adminUrl });
  await cleanup.connect();
  try {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${databaseName}`);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await cleanup.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  } finally {
    await cleanup.end();
  }
}

function postgres(adminUrl: string): TestBackend {
  return {
    name: 'postgres',
    async create() {
      const databaseName = `crm_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${databaseName}`);
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${databaseName}`;
      const db = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 5 }) }),
      });
      return {
        db,
        async destroy() {
          await db.destroy();
          await dropTestDatabase(adminUrl, databaseName);
        },
      };
    },
  };
}

/**
 * The backends to test on: both SQLite variants and PGlite always; PostgreSQL when the environment variable
 * CRM_TEST_PG_URL holds an admin connection URL. CRM_TEST_BACKENDS (comma-separated names) narrows the list.
 */
export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [sqliteMemory, sqliteFile, pglite];
  const adminUrl = process.env['CRM_TEST_PG_URL'];
  if (adminUrl !== undefined && adminUrl !== '') backends.push(postgres(adminUrl));
  const only = process.env['CRM_TEST_BACKENDS'];
  if (only === undefined || only.trim() === '') return backends;
  const names = new Set(only.split(',').map((name) => name.trim()));
  return backends.filter((backend) => names.has(backend.name));
}
