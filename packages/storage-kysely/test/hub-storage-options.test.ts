import { randomUUID } from 'node:crypto';
import { CrmSyncConfigSchema } from '@wedsync/crm-core';
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  SqliteDialect,
  sql,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKyselyStorage, detectDialect, transactionOfHandle } from '../src/index.js';
import { type TestDatabase, testBackends } from './backends.js';

describe.each(testBackends())('detectDialect [$name]', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('reads the dialect from the adapter, also inside a transaction', async () => {
    const expected = backend.name === 'pglite' || backend.name === 'postgres' ? 'postgres' : 'sqlite';
    expect(detectDialect(database.db)).toBe(expected);
    await database.db.transaction().execute(async (transaction) => {
      expect(detectDialect(transaction)).toBe(expected);
    });
  });
});

describe('createKyselyStorage options', () => {
  const mysql = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  });
  const sqlite = () =>
    new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

  it('refuses a database that is neither PostgreSQL nor SQLite, naming the adapter', () => {
    expect(() => detectDialect(mysql)).toThrow(/MysqlAdapter/);
    expect(() => createKyselyStorage({ db: mysql })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('checks every option up front with a message naming it', () => {
    const db = sqlite();
    expect(() => createKyselyStorage({ db: {} as never })).toThrow('Expected `db` to be a Kysely instance');
    expect(() => createKyselyStorage(undefined as never)).toThrow('Expected options to be an object');
    expect(() => createKyselyStorage({ db, hostTables: 'some' as never })).toThrow(
      "Expected `hostTables` to be 'create' or 'existing', got `some` (string)",
    );
    expect(() => createKyselyStorage({ db, clock: 5 as never })).toThrow('Expected `clock` to be a function');
    expect(() => createKyselyStorage({ db, supplierTiers: 'yes' as never })).toThrow(
      'Expected `supplierTiers` to be a boolean',
    );
    expect(() => createKyselyStorage({ db, migrationTableName: 'drop table;' })).toThrow(
      'Expected `migrationTableName` to be an SQL identifier',
    );
  });

  it('uses the given clock and migration table; without supplier tiers there is no getSupplierTier', async () => {
    const db = sqlite();
    try {
      const at = new Date('2029-09-09T09:09:09.009Z');
      const storage = createKyselyStorage({ db, clock: () => at, migrationTableName: 'hub_migrations' });
      expect(storage.getSupplierTier).toBeTypeOf('function');
      await storage.migrate();
      const tables = (await db.introspection.getTables()).map((table) => table.name);
      expect(tables).toContain('hub_migrations');
      expect(tables).toContain('hub_migrations_lock');
      const supplierId = randomUUID();
      await sql`INSERT INTO suppliers (id, name, tier) VALUES (${supplierId}, 'S', 'SCALE')`.execute(db);
      const integration = await storage.integrations.create({
        supplier_id: supplierId,
        crm_provider: 'dubsado',
        connection_name: 'Main',
        auth_config: {},
        sync_config: CrmSyncConfigSchema.parse({}),
      });
      expect(integration.created_at).toBe('2029-09-09T09:09:09.009Z');
      expect(createKyselyStorage({ db, supplierTiers: false }).getSupplierTier).toBeUndefined();
      expect(createKyselyStorage({ db, hostTables: 'existing' }).getSupplierTier).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('turns SQLite foreign keys on when a connection has them off, so cascades work', async () => {
    const db = sqlite();
    try {
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      const storage = createKyselyStorage({ db });
      await storage.migrate();
      const supplierId = randomUUID();
      await sql`INSERT INTO suppliers (id, name, tier) VALUES (${supplierId}, 'S', 'SCALE')`.execute(db);
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      const fresh = createKyselyStorage({ db });
      const integration = await fresh.integrations.create({
        supplier_id: supplierId,
        crm_provider: 'tave',
        connection_name: 'Main',
        auth_config: {},
        sync_config: CrmSyncConfigSchema.parse({}),
      });
      const job = await fresh.jobs.create({ integration_id: integration.id, job_type: 'full_import' });
      const foreignKeys = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
      expect(foreignKeys.rows[0]?.foreign_keys).toBe(1);
      await fresh.integrations.delete(integration.id, { supplierId });
      await expect(fresh.jobs.get(job.id)).rejects.toMatchObject({ code: 'not_found' });
      const orphans = await sql<{ count: number }>`SELECT count(*) AS count FROM crm_sync_jobs`.execute(db);
      expect(orphans.rows[0]?.count).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('binds a storage to a transaction handle and refuses foreign handles', async () => {
    const db = sqlite();
    try {
      const storage = createKyselyStorage({ db });
      await storage.migrate();
      await storage.transaction(async (_bound, handle) => {
        expect(handle.storageKind).toBe('kysely');
        expect(transactionOfHandle(handle).isTransaction).toBe(true);
      });
      expect(() => transactionOfHandle({ storageKind: 'kysely' } as never)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
      expect(() => transactionOfHandle(null as never)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    } finally {
      await db.destroy();
    }
  });
});
