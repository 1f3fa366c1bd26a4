import { randomUUID } from 'node:crypto';
import { CrmError, InvalidArgumentError } from '@wedsync/crm-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKyselyStorage, hubMigrationNames, type KyselyHubStorage } from '../src/index.js';
import { type TestDatabase, testBackends } from './backends.js';

/** Every table and column the spec's schema names (WS-343, "Database Schema Required"). */
const specColumns: Record<string, readonly string[]> = {
  crm_integrations: [
    'id',
    'supplier_id',
    'crm_provider',
    'connection_name',
    'connection_status',
    'auth_config',
    'sync_config',
    'last_sync_at',
    'last_sync_status',
    'sync_error_details',
    'created_at',
    'updated_at',
  ],
  crm_sync_jobs: [
    'id',
    'integration_id',
    'job_type',
    'job_status',
    'job_config',
    'progress_percent',
    'records_processed',
    'records_total',
    'error_details',
    'started_at',
    'completed_at',
    'created_at',
  ],
  crm_field_mappings: [
    'id',
    'integration_id',
    'wedsync_field',
    'crm_field',
    'field_type',
    'transform_rules',
    'sync_direction',
    'is_required',
    'created_at',
  ],
  crm_sync_logs: [
    'id',
    'integration_id',
    'sync_job_id',
    'record_type',
    'record_id',
    'wedsync_record_id',
    'action_type',
    'action_details',
    'error_message',
    'processed_at',
  ],
  crm_client_staging: [
    'id',
    'integration_id',
    'sync_job_id',
    'external_id',
    'raw_data',
    'mapped_data',
    'import_status',
    'error_details',
    'created_at',
  ],
  clients: ['crm_integration_id', 'external_crm_id', 'last_crm_sync_at'],
};

/** The documented extensions. */
const extensionColumns: Record<string, readonly string[]> = {
  crm_sync_jobs: [
    'lease_owner',
    'lease_expires_at',
    'heartbeat_at',
    'attempts',
    'checkpoint',
    'dry_run',
    'result_status',
    'counts',
    'cancel_requested_at',
    'rolled_back_at',
    'updated_at',
  ],
  crm_record_links: [
    'id',
    'integration_id',
    'record_type',
    'external_id',
    'wedsync_record_id',
    'base_snapshot',
    'content_hash',
    'last_written_hash',
    'last_written_side',
    'last_written_at',
    'crm_modified_at',
    'wedsync_modified_at',
    'base_updated_at',
    'last_synced_at',
    'deleted_in_crm_at',
  ],
  crm_conflicts: [
    'id',
    'integration_id',
    'sync_job_id',
    'record_type',
    'external_id',
    'wedsync_record_id',
    'field',
    'base_value',
    'wedsync_value',
    'crm_value',
    'wedsync_modified_at',
    'crm_modified_at',
    'status',
    'resolution',
    'created_at',
    'resolved_at',
  ],
  crm_record_backups: [
    'id',
    'sync_job_id',
    'integration_id',
    'record_type',
    'wedsync_record_id',
    'operation',
    'before_image',
    'after_hash',
    'created_at',
  ],
  crm_job_scratch: ['job_id', 'namespace', 'key', 'item', 'value'],
};

/** The spec's indexes (inline INDEX and CREATE INDEX), by the columns they cover. */
const specIndexes: ReadonlyArray<readonly [table: string, columns: readonly string[]]> = [
  ['crm_sync_logs', ['integration_id', 'processed_at']],
  ['crm_sync_logs', ['sync_job_id']],
  ['crm_sync_logs', ['record_type', 'record_id']],
  ['crm_client_staging', ['sync_job_id', 'import_status']],
  ['crm_client_staging', ['integration_id', 'external_id']],
  ['clients', ['crm_integration_id']],
  ['clients', ['external_crm_id']],
];

async function indexColumns(
  db: TestDatabase['db'],
  dialect: 'postgres' | 'sqlite',
  table: string,
): Promise<string[][]> {
  if (dialect === 'postgres') {
    const result = await sql<{ columns: string[] | string }>`
      SELECT array_agg(a.attname ORDER BY k.ordinality) AS columns
      FROM pg_index i
      JOIN pg_class t ON t.oid = i.indrelid
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE t.relname = ${table}
      GROUP BY i.indexrelid`.execute(db);
    return result.rows.map((row) =>
      Array.isArray(row.columns) ? row.columns : row.columns.replace(/[{}]/g, '').split(','),
    );
  }
  const indexes = await sql<{ name: string }>`SELECT name FROM pragma_index_list(${table})`.execute(db);
  const all: string[][] = [];
  for (const index of indexes.rows) {
    const columns = await sql<{
      name: string;
    }>`SELECT name FROM pragma_index_info(${index.name}) ORDER BY seqno`.execute(db);
    all.push(columns.rows.map((column) => column.name));
  }
  return all;
}

function isRejected(error: unknown): boolean {
  return error instanceof Error && !CrmError.isInstance(error);
}

async function createMinimalHostTables(
  database: TestDatabase,
  dialect: 'postgres' | 'sqlite',
): Promise<void> {
  const id = dialect === 'postgres' ? 'uuid' : 'text';
  await sql`CREATE TABLE suppliers (id ${sql.raw(id)} PRIMARY KEY, name text NOT NULL, tier text NOT NULL)`.execute(
    database.db,
  );
  await sql`CREATE TABLE clients (id ${sql.raw(id)} PRIMARY KEY, supplier_id ${sql.raw(id)} NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE, first_name text)`.execute(
    database.db,
  );
}

for (const hostTables of ['create', 'existing'] as const) {
  describe.each(testBackends())(`migrations (hostTables: ${hostTables}) [$name]`, (backend) => {
    let database: TestDatabase;
    let storage: KyselyHubStorage;
    let firstRun: readonly string[];

    beforeAll(async () => {
      database = await backend.create();
      storage = createKyselyStorage({ db: database.db, hostTables });
      if (hostTables === 'existing') await createMinimalHostTables(database, storage.dialect);
      firstRun = (await storage.migrate()).applied;
    });

    afterAll(async () => {
      await database?.destroy();
    });

    it('applies every migration once, in order', () => {
      expect(firstRun).toEqual([...hubMigrationNames]);
    });

    it('creates every table and column of the spec and of the documented extensions', async () => {
      const tables = await database.db.introspection.getTables();
      const byName = new Map(
        tables.map((table) => [table.name, new Set(table.columns.map((column) => column.name))]),
      );
      for (const [table, columns] of [...Object.entries(specColumns), ...Object.entries(extensionColumns)]) {
        const present = byName.get(table);
        expect(present, `table ${table}`).toBeDefined();
        for (const column of columns) expect(present?.has(column), `${table}.${column}`).toBe(true);
      }
    });

    it('creates the spec indexes', async () => {
      for (const [table, columns] of specIndexes) {
        const indexes = await indexColumns(database.db, storage.dialect, table);
        expect(
          indexes.some((index) => index.join(',') === columns.join(',')),
          `index on ${table}(${columns.join(', ')})`,
        ).toBe(true);
      }
    });

    it('enforces the CHECK constraints, UNIQUE rules and foreign keys', async () => {
      const db = database.db;
      const supplierId = randomUUID();
      const supplierRow =
        hostTables === 'existing'
          ? { id: supplierId, name: 'Studio', tier: 'PROFESSIONAL' }
          : { id: supplierId, name: 'Studio', tier: 'PROFESSIONAL' };
      await db.insertInto('suppliers').values(supplierRow).execute();
      const integration = (provider: string, name: string = randomUUID()) => ({
        id: randomUUID(),
        supplier_id: supplierId,
        crm_provider: provider,
        connection_name: name,
      });

      await expect(
        db.insertInto('crm_integrations').values(integration('salesforce')).execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_integrations')
          .values({ ...integration('tave'), connection_status: 'sleeping' })
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_integrations')
          .values({ ...integration('tave'), last_sync_status: 'meh' })
          .execute(),
      ).rejects.toSatisfy(isRejected);

      const good = integration('tave', 'Main studio');
      await db.insertInto('crm_integrations').values(good).execute();
      // UNIQUE(supplier_id, crm_provider, connection_name)
      await expect(
        db
          .insertInto('crm_integrations')
          .values({ ...good, id: randomUUID() })
          .execute(),
      ).rejects.toSatisfy(isRejected);
      // The supplier must exist.
      await expect(
        db
          .insertInto('crm_integrations')
          .values({ ...integration('tave'), supplier_id: randomUUID() })
          .execute(),
      ).rejects.toSatisfy(isRejected);

      const job = (values: Record<string, unknown>) => ({
        id: randomUUID(),
        integration_id: good.id,
        job_type: 'full_import',
        job_status: 'completed',
        ...values,
      });
      await expect(
        db
          .insertInto('crm_sync_jobs')
          .values(job({ progress_percent: 101 }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_sync_jobs')
          .values(job({ progress_percent: -1 }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_sync_jobs')
          .values(job({ job_type: 'sync_all' }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_sync_jobs')
          .values(job({ job_status: 'paused' }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await db
        .insertInto('crm_sync_jobs')
        .values(job({ progress_percent: 100 }))
        .execute();

      // One pending or running job per integration.
      await db
        .insertInto('crm_sync_jobs')
        .values(job({ job_status: 'pending' }))
        .execute();
      await expect(
        db
          .insertInto('crm_sync_jobs')
          .values(job({ job_status: 'running' }))
          .execute(),
      ).rejects.toSatisfy(isRejected);

      const mapping = (values: Record<string, unknown>) => ({
        id: randomUUID(),
        integration_id: good.id,
        wedsync_field: 'first_name',
        crm_field: 'firstName',
        field_type: 'text',
        ...values,
      });
      await expect(
        db
          .insertInto('crm_field_mappings')
          .values(mapping({ field_type: 'blob' }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_field_mappings')
          .values(mapping({ sync_direction: 'sideways' }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await db.insertInto('crm_field_mappings').values(mapping({})).execute();
      await expect(db.insertInto('crm_field_mappings').values(mapping({})).execute()).rejects.toSatisfy(
        isRejected,
      );

      await expect(
        db
          .insertInto('crm_sync_logs')
          .values({
            id: randomUUID(),
            integration_id: good.id,
            record_type: 'client',
            record_id: 'x',
            action_type: 'merged',
          })
          .execute(),
      ).rejects.toSatisfy(isRejected);

      const [pending] = await db
        .selectFrom('crm_sync_jobs')
        .select('id')
        .where('job_status', '=', 'pending')
        .execute();
      await expect(
        db
          .insertInto('crm_client_staging')
          .values({
            id: randomUUID(),
            integration_id: good.id,
            sync_job_id: pending?.id,
            external_id: 'x',
            raw_data: '{}',
            import_status: 'imported',
          })
          .execute(),
      ).rejects.toSatisfy(isRejected);

      await expect(
        db
          .insertInto('crm_conflicts')
          .values({
            id: randomUUID(),
            integration_id: good.id,
            record_type: 'client',
            external_id: 'x',
            field: 'email',
            status: 'ignored',
          })
          .execute(),
      ).rejects.toSatisfy(isRejected);
      await expect(
        db
          .insertInto('crm_record_backups')
          .values({
            id: randomUUID(),
            sync_job_id: pending?.id,
            integration_id: good.id,
            record_type: 'client',
            wedsync_record_id: 'x',
            operation: 'merged',
          })
          .execute(),
      ).rejects.toSatisfy(isRejected);
    });

    it('creates crm_job_scratch: keyed by (job, namespace, key, item), JSON as text, binary item order, dropped with its job', async () => {
      const db = database.db;
      const supplierId = randomUUID();
      await db
        .insertInto('suppliers')
        .values({ id: supplierId, name: 'Scratch', tier: 'PROFESSIONAL' })
        .execute();
      const integrationId = randomUUID();
      await db
        .insertInto('crm_integrations')
        .values({
          id: integrationId,
          supplier_id: supplierId,
          crm_provider: 'tave',
          connection_name: 'Scratch',
        })
        .execute();
      const jobId = randomUUID();
      await db
        .insertInto('crm_sync_jobs')
        .values({
          id: jobId,
          integration_id: integrationId,
          job_type: 'full_import',
          job_status: 'completed',
        })
        .execute();
      const row = (values: Record<string, unknown> = {}) => ({
        job_id: jobId,
        namespace: 'contacts',
        key: 'job-1',
        item: 'a',
        value: '{"b":1,"a":2}',
        ...values,
      });
      await db.insertInto('crm_job_scratch').values(row()).execute();
      // The primary key: one value per (job, namespace, key, item).
      await expect(db.insertInto('crm_job_scratch').values(row()).execute()).rejects.toSatisfy(isRejected);
      // The job must exist.
      await expect(
        db
          .insertInto('crm_job_scratch')
          .values(row({ job_id: randomUUID() }))
          .execute(),
      ).rejects.toSatisfy(isRejected);
      for (const item of ['b', 'B', '10', '9', 'Z']) {
        await db.insertInto('crm_job_scratch').values(row({ item })).execute();
      }
      // Plain column order is binary on both dialects (C collation on PostgreSQL, BINARY on SQLite).
      const items = await db
        .selectFrom('crm_job_scratch')
        .select(['item', 'value'])
        .where('job_id', '=', jobId)
        .orderBy('item')
        .execute();
      expect(items.map((stored) => stored.item)).toEqual(['10', '9', 'B', 'Z', 'a', 'b']);
      // Stored as text, key order and all (jsonb would re-order the object's keys).
      expect(items[4]?.value).toBe('{"b":1,"a":2}');

      if (storage.dialect === 'postgres') {
        const columns = await sql<{ name: string; type: string; collation: string | null }>`
          SELECT column_name AS name, data_type AS type, collation_name AS collation
          FROM information_schema.columns
          WHERE table_name = 'crm_job_scratch' AND table_schema = ANY (current_schemas(false))
          ORDER BY ordinal_position`.execute(db);
        expect(columns.rows).toEqual([
          { name: 'job_id', type: 'uuid', collation: null },
          { name: 'namespace', type: 'text', collation: null },
          { name: 'key', type: 'text', collation: 'C' },
          { name: 'item', type: 'text', collation: 'C' },
          { name: 'value', type: 'text', collation: null },
        ]);
      } else {
        const table = await sql<{ wr: number }>`
          SELECT wr FROM pragma_table_list WHERE name = 'crm_job_scratch'`.execute(db);
        expect(table.rows).toEqual([{ wr: 1 }]);
      }
      expect(await indexColumns(db, storage.dialect, 'crm_job_scratch')).toContainEqual([
        'job_id',
        'namespace',
        'key',
        'item',
      ]);

      // Deleting the job deletes its scratch rows (ON DELETE CASCADE).
      await db.deleteFrom('crm_sync_jobs').where('id', '=', jobId).execute();
      const left = await db
        .selectFrom('crm_job_scratch')
        .select('item')
        .where('job_id', '=', jobId)
        .execute();
      expect(left).toEqual([]);
    });

    it('leaves the database unchanged when run again', async () => {
      const before = await database.db.introspection.getTables();
      const again = await storage.migrate();
      expect(again.applied).toEqual([]);
      const after = await database.db.introspection.getTables();
      expect(after.map((table) => [table.name, table.columns.length])).toEqual(
        before.map((table) => [table.name, table.columns.length]),
      );
      // A second storage over the same database sees it up to date as well.
      const other = createKyselyStorage({ db: database.db, hostTables });
      expect((await other.migrate()).applied).toEqual([]);
    });
  });
}

describe.each(testBackends().filter((backend) => backend.name === 'postgres'))(
  'migrations from two processes at once [$name]',
  (backend) => {
    it('runs them once when two connections migrate concurrently', async () => {
      const first = await backend.create();
      try {
        // Two storages on one pool: the Migrator's advisory lock serialises them.
        const one = createKyselyStorage({ db: first.db });
        const two = createKyselyStorage({ db: first.db });
        const [a, b] = await Promise.all([one.migrate(), two.migrate()]);
        expect([...a.applied, ...b.applied].sort()).toEqual([...hubMigrationNames].sort());
      } finally {
        await first.destroy();
      }
    });
  },
);

describe.each(testBackends().filter((backend) => backend.name === 'sqlite-memory'))(
  'migrations with hostTables existing but no host tables [$name]',
  (backend) => {
    it('says which host table is missing', async () => {
      const database = await backend.create();
      try {
        const storage = createKyselyStorage({ db: database.db, hostTables: 'existing' });
        await expect(storage.migrate()).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(storage.migrate()).rejects.toThrow(/suppliers/);
      } finally {
        await database.destroy();
      }
    });
  },
);
