/**
 * The kysely scratch space beyond the shared contract: a put of 100,000 items on every backend, names with NUL
 * refused alike on every dialect, driver errors that name the job, namespace and operation but no value, the
 * planner statistics a put keeps on PostgreSQL (PGlite and the server), and (on a PostgreSQL server) binary item
 * order in a database whose default collation is a locale's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CrmError, CrmSyncConfigSchema, type ScratchItem, type ScratchStore } from '@wedsync/crm-core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKyselyStorage, type KyselyHubStorage } from '../src/index.js';
import { dropTestDatabase, type TestBackend, type TestDatabase, testBackends } from './backends.js';

/** The batch the scratch space must take in one call (five parameters a row: 500,000 parameters). */
const hugeBatch = 100_000;

/** A job of a new supplier and integration, for scratch rows to reference. */
async function createJob(storage: KyselyHubStorage, db: TestDatabase['db']): Promise<string> {
  const supplierId = randomUUID();
  await db.insertInto('suppliers').values({ id: supplierId, name: 'Studio', tier: 'PROFESSIONAL' }).execute();
  const integration = await storage.integrations.create({
    supplier_id: supplierId,
    crm_provider: 'tave',
    connection_name: `Main ${supplierId}`,
    auth_config: {},
    sync_config: CrmSyncConfigSchema.parse({}),
  });
  return (await storage.jobs.create({ integration_id: integration.id, job_type: 'full_import' })).id;
}

function scratchOf(storage: KyselyHubStorage): ScratchStore {
  const scratch = storage.scratch;
  if (scratch === undefined) throw new Error('The kysely storage has no scratch space');
  return scratch;
}

/** The CrmError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<CrmError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(CrmError.isInstance(error), `expected a CrmError, got ${String(error)}`).toBe(true);
  return error as CrmError;
}

/**
 * A fresh database of `backend` with the storage migrated on it, for one suite (created before its tests,
 * destroyed after them); read `database()` and `storage()` inside the tests.
 */
function migratedStorage(backend: TestBackend): {
  database: () => TestDatabase;
  storage: () => KyselyHubStorage;
} {
  let database: TestDatabase | undefined;
  let storage: KyselyHubStorage | undefined;
  beforeAll(async () => {
    database = await backend.create();
    storage = createKyselyStorage({ db: database.db });
    await storage.migrate();
  });
  afterAll(async () => {
    await database?.destroy();
  });
  const ready = <Value>(value: Value | undefined): Value => {
    if (value === undefined) throw new Error('The suite has not set up its database yet');
    return value;
  };
  return { database: () => ready(database), storage: () => ready(storage) };
}

describe.each(testBackends())('kysely scratch space [$name]', (backend) => {
  const { database, storage } = migratedStorage(backend);

  it('puts and gets 100,000 items in one call each', async () => {
    const scratch = scratchOf(storage());
    const jobId = await createJob(storage(), database().db);
    const items: ScratchItem[] = Array.from({ length: hugeBatch }, (_, index) => ({
      key: `key-${index % 25_000}`,
      item: `item-${Math.floor(index / 25_000)}`,
      value: { index },
    }));
    await scratch.put(jobId, 'huge', items);
    const keys = Array.from({ length: 25_000 }, (_, index) => `key-${index}`);
    const found = await scratch.get(jobId, 'huge', keys);
    expect(found.size).toBe(25_000);
    expect(found.get('key-0')).toEqual([
      { index: 0 },
      { index: 25_000 },
      { index: 50_000 },
      { index: 75_000 },
    ]);
    expect(found.get('key-24999')?.map((value) => (value as { index: number }).index)).toEqual([
      24_999, 49_999, 74_999, 99_999,
    ]);
    // Again, as an upsert of every row.
    await scratch.put(
      jobId,
      'huge',
      items.map((item) => ({ ...item, value: 'replaced' })),
    );
    expect((await scratch.get(jobId, 'huge', ['key-12345'])).get('key-12345')).toEqual([
      'replaced',
      'replaced',
      'replaced',
      'replaced',
    ]);
    await scratch.clear(jobId);
  }, 120_000);

  it('refuses names with a NUL character on every dialect, and a job id that is no UUID on put', async () => {
    const scratch = scratchOf(storage());
    const jobId = await createJob(storage(), database().db);
    const invalid = async (promise: Promise<unknown>, field: string) => {
      const error = await failure(promise);
      expect(error.code).toBe('invalid_argument');
      expect(error.context).toMatchObject({ field });
    };
    await invalid(scratch.put(jobId, 'ns', [{ key: 'a\u0000b', item: 'x', value: 1 }]), 'items[0].key');
    await invalid(scratch.put(jobId, 'ns', [{ key: 'k', item: '\u0000', value: 1 }]), 'items[0].item');
    await invalid(scratch.put(jobId, 'n\u0000s', []), 'namespace');
    await invalid(scratch.put(jobId, '', []), 'namespace');
    await invalid(scratch.put('job-1', 'ns', []), 'jobId');
    await invalid(scratch.get(jobId, 'ns', ['ok', 'not\u0000ok']), 'keys[1]');
    await invalid(scratch.clear(jobId, { namespace: '\u0000' }), 'namespace');
    // A job id that is no UUID names no job: nothing to read or clear.
    expect(await scratch.get('job-1', 'ns', ['k'])).toEqual(new Map());
    await scratch.clear('job-1');
  });

  it('names the job, namespace and operation of a driver error, never a key, an item or a value', async () => {
    const scratch = scratchOf(storage());
    const jobId = await createJob(storage(), database().db);
    // Runs last in this database: without its table every scratch statement fails in the driver.
    await sql`DROP TABLE crm_job_scratch`.execute(database().db);
    const secret = 'secret-4f1c';
    const calls: ReadonlyArray<readonly [operation: string, () => Promise<unknown>, namespace?: string]> = [
      [
        'put scratch values',
        () =>
          scratch.put(jobId, 'contacts', [{ key: `key ${secret}`, item: `item ${secret}`, value: secret }]),
        'contacts',
      ],
      ['get scratch values', () => scratch.get(jobId, 'contacts', [`key ${secret}`]), 'contacts'],
      ['clear scratch values', () => scratch.clear(jobId, { namespace: 'contacts' }), 'contacts'],
      ['clear scratch values', () => scratch.clear(jobId)],
    ];
    for (const [operation, call, namespace] of calls) {
      const error = await failure(call());
      expect(error.code, operation).toBe('storage_failed');
      expect(error.context, operation).toMatchObject({ operation, table: 'crm_job_scratch', jobId });
      if (namespace === undefined) expect(error.context).not.toHaveProperty('namespace');
      else expect(error.context).toMatchObject({ namespace });
      expect(error.cause, operation).toBeDefined();
      expect(`${error.message} ${JSON.stringify(error.context)}`, operation).not.toContain(secret);
    }
  });
});

const adminUrl = process.env['CRM_TEST_PG_URL'];

// PostgreSQL only (SQLite's planner takes the primary key without statistics): a database of its own, whose
// scratch table no other test has analyzed.
describe.each(testBackends().filter((backend) => backend.name === 'pglite' || backend.name === 'postgres'))(
  'kysely scratch statistics [$name]',
  (backend) => {
    const { database, storage } = migratedStorage(backend);

    it("analyzes the table's lookup columns when a job's rows reach 1,000 and each time they double", async () => {
      const scratch = scratchOf(storage());
      const jobId = await createJob(storage(), database().db);
      const rows = (from: number, count: number): ScratchItem[] =>
        Array.from({ length: count }, (_, index) => ({
          key: `key-${from + index}`,
          item: '',
          value: from + index,
        }));
      const analyzed = async () => {
        const { rows: columns } = await sql<{ attname: string }>`
          select attname from pg_stats where tablename = 'crm_job_scratch' order by attname`.execute(
          database().db,
        );
        const { rows: tables } = await sql<{ reltuples: number }>`
          select reltuples from pg_class where relname = 'crm_job_scratch'`.execute(database().db);
        return { columns: columns.map((row) => row.attname), rows: Number(tables[0]?.reltuples) };
      };
      await scratch.put(jobId, 'facts', rows(0, 999));
      expect((await analyzed()).columns).toEqual([]);
      await scratch.put(jobId, 'facts', rows(999, 1));
      // The lookup columns only, never the values.
      expect(await analyzed()).toEqual({ columns: ['job_id', 'key', 'namespace'], rows: 1000 });
      await scratch.put(jobId, 'facts', rows(1000, 999));
      expect((await analyzed()).rows).toBe(1000);
      await scratch.put(jobId, 'other', rows(0, 1));
      expect((await analyzed()).rows).toBe(2000);
      // A cleared job starts counting again.
      await scratch.clear(jobId);
      await scratch.put(jobId, 'facts', rows(0, 1000));
      expect((await analyzed()).rows).toBe(1000);
      await scratch.clear(jobId);
    });
  },
);

describe.runIf(adminUrl !== undefined && adminUrl !== '')(
  'kysely scratch space in a database with a locale collation [postgres]',
  () => {
    const databaseName = `crm_test_icu_${randomBytes(6).toString('hex')}`;
    // biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
    let db: Kysely<any> | undefined;
    let storage: KyselyHubStorage;

    beforeAll(async () => {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        // ICU's en-US orders 'a' before 'B' and ignores case and punctuation at first: not binary order.
        await admin.query(
          `CREATE DATABASE ${databaseName} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
        );
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl as string);
      url.pathname = `/${databaseName}`;
      db = new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 2 }) }),
      });
      storage = createKyselyStorage({ db });
      await storage.migrate();
    });

    afterAll(async () => {
      await db?.destroy();
      await dropTestDatabase(adminUrl as string, databaseName);
    });

    it('returns items in binary order, not in the database collation order', async () => {
      const live = db as Kysely<unknown>;
      const items = ['b', 'a', 'B', 'Z', '10', '9', '_x', 'é'];
      const binary = [...items].sort();
      const byLocale = await sql<{ item: string }>`
        SELECT item FROM unnest(${items}::text[]) AS item ORDER BY item`.execute(live);
      // The database's own order differs, so the check below means something.
      expect(byLocale.rows.map((row) => row.item)).not.toEqual(binary);

      const scratch = scratchOf(storage);
      const jobId = await createJob(storage, live);
      await scratch.put(
        jobId,
        'ordered',
        items.map((item) => ({ key: 'k', item, value: item })),
      );
      expect((await scratch.get(jobId, 'ordered', ['k'])).get('k')).toEqual(binary);
    });
  },
);
