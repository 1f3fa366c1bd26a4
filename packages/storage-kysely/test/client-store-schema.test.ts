/**
 * The embedded host tables, renamed host schemas, chunking and option checks of the kysely ClientStore.
 * (The behaviour every ClientStore shares is in the contract suite: client-store.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { type CanonicalClient, CrmError, type TransactionHandle } from '@wedsync/crm-core';
import Database from 'better-sqlite3';
import { InsertQueryNode, Kysely, type KyselyPlugin, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHostTables,
  createKyselyClientStore,
  createKyselyStorage,
  detectDialect,
  type HostSchemaOptions,
  hostTableColumns,
  resolveHostSchema,
} from '../src/index.js';
import { testBackends } from './backends.js';

/** A client with a partner and a wedding date. */
function sampleClient(): CanonicalClient {
  return {
    first_name: 'José',
    last_name: "O'Brien-García",
    email: 'Jose.OBrien@Example.COM',
    phone: '+14155550123',
    partner: { first_name: 'Zoë', last_name: 'Kim', email: 'zoe.kim@example.org', phone: '+447700900123' },
    wedding_date: '2025-06-14',
    venue_name: 'Château de la Loire 🏰',
    status: { stage: 'booked', raw: 'Booked' },
  };
}

/** The n-th of many small clients. */
function bulkClient(index: number): CanonicalClient {
  return { first_name: `Guest${index}`, last_name: 'Ñúñez', email: `guest${index}@bulk.example.com` };
}

/** Awaits a promise expected to reject with a CrmError of this code. */
async function crmError(promise: Promise<unknown>, code: CrmError['code']): Promise<CrmError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(CrmError.isInstance(error), `expected a CrmError ${code}, got ${String(error)}`).toBe(true);
  expect((error as CrmError).code).toBe(code);
  return error as CrmError;
}

function invalidArgument(action: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(CrmError.isInstance(caught)).toBe(true);
  expect((caught as CrmError).code).toBe('invalid_argument');
  expect((caught as Error).message).toMatch(message);
}

/** Counts INSERT statements per table. */
function insertCounter(): { plugin: KyselyPlugin; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    plugin: {
      transformQuery({ node }) {
        if (InsertQueryNode.is(node) && node.into !== undefined) {
          const table = node.into.table.identifier.name;
          counts.set(table, (counts.get(table) ?? 0) + 1);
        }
        return node;
      },
      async transformResult({ result }) {
        return result;
      },
    },
  };
}

describe('resolveHostSchema', () => {
  it('fills in the default names', () => {
    const schema = resolveHostSchema();
    expect(schema.tables).toEqual({
      suppliers: 'suppliers',
      clients: 'clients',
      projects: 'projects',
      events: 'events',
      invoices: 'invoices',
      payments: 'payments',
      client_match_keys: 'client_match_keys',
    });
    for (const [table, columns] of Object.entries(hostTableColumns)) {
      const resolved = schema.columns[table as keyof typeof hostTableColumns] as Record<string, string>;
      expect(Object.keys(resolved)).toEqual([...columns]);
      for (const column of columns) expect(resolved[column]).toBe(column);
    }
  });

  it('applies renames and accepts a resolved schema again', () => {
    const options: HostSchemaOptions = {
      tables: { clients: 'couples' },
      columns: { clients: { wedding_date: 'event_day' }, suppliers: { id: 'supplier_uuid' } },
    };
    const schema = resolveHostSchema(options);
    expect(schema.tables.clients).toBe('couples');
    expect(schema.columns.clients.wedding_date).toBe('event_day');
    expect(schema.columns.clients.first_name).toBe('first_name');
    expect(schema.columns.suppliers.id).toBe('supplier_uuid');
    expect(resolveHostSchema(schema)).toEqual(schema);
  });

  it('rejects unknown keys, bad identifiers and clashing names', () => {
    invalidArgument(
      () => resolveHostSchema('clients' as never),
      /`schema` to be an object, got `clients` \(string\)/,
    );
    invalidArgument(
      () => resolveHostSchema({ table: {} } as never),
      /only `tables` and `columns`, got `table`/,
    );
    invalidArgument(
      () => resolveHostSchema({ tables: { client: 'x' } } as never),
      /`schema.tables` keys .* got `client`/,
    );
    invalidArgument(
      () => resolveHostSchema({ columns: { clients: { email_address: 'x' } } } as never),
      /`schema.columns.clients` keys .* got `email_address`/,
    );
    invalidArgument(
      () => resolveHostSchema({ tables: { clients: 'clients; drop table x' } }),
      /`schema.tables.clients` to be an SQL identifier/,
    );
    invalidArgument(() => resolveHostSchema({ tables: { clients: 42 as never } }), /got `42` \(number\)/);
    invalidArgument(() => resolveHostSchema({ tables: { projects: 'Clients' } }), /distinct table names/);
    invalidArgument(
      () => resolveHostSchema({ columns: { clients: { email: 'phone' } } }),
      /distinct column names in `clients`/,
    );
    invalidArgument(
      () => resolveHostSchema({ columns: { clients: [] as never } }),
      /to be an object, got \(array\)/,
    );
  });
});

describe('createKyselyClientStore options', () => {
  const backend = testBackends().find((candidate) => candidate.name === 'sqlite-memory')!;

  it('checks its options up front', async () => {
    const { db, destroy } = await backend.create();
    try {
      invalidArgument(() => createKyselyClientStore(undefined as never), /options to be an object/);
      invalidArgument(
        () => createKyselyClientStore({ db: {} as never }),
        /`db` to be a Kysely instance, got \(object\)/,
      );
      invalidArgument(
        () => createKyselyClientStore({ db, maxRowsPerStatement: 0 }),
        /`maxRowsPerStatement` to be an integer from 1 to 10000, got `0` \(number\)/,
      );
      invalidArgument(
        () => createKyselyClientStore({ db, maxRowsPerStatement: 1.5 }),
        /`maxRowsPerStatement` to be an integer/,
      );
      invalidArgument(
        () => createKyselyClientStore({ db, clock: 'now' as never }),
        /`clock` to be a function/,
      );
      invalidArgument(
        () => createKyselyClientStore({ db, schema: { tables: { x: 'y' } } as never }),
        /got `x`/,
      );
      const store = createKyselyClientStore({ db });
      expect(store.dialect).toBe('sqlite');
      expect(store.schema).toEqual(resolveHostSchema());
    } finally {
      await destroy();
    }
  });
});

describe('kysely client store on SQLite with foreign keys off', () => {
  it('turns them on before its first statement, so removals cascade', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the embedded tables directly.
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    try {
      await createKyselyStorage({ db }).migrate();
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      const supplierId = randomUUID();
      await db.insertInto('suppliers').values({ id: supplierId, name: 'Studio' }).execute();
      const store = createKyselyClientStore({ db });
      const [client] = await store.upsert('client', [{ supplier_id: supplierId, record: bulkClient(1) }]);
      const { rows } = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
      expect(Number(rows[0]?.foreign_keys)).toBe(1);
      const [project] = await store.upsert('project', [
        { supplier_id: supplierId, record: { client_id: client!.id } },
      ]);
      expect(await store.remove('client', { supplierId, ids: [client!.id] })).toBe(1);
      expect((await store.findByIds('project', { supplierId, ids: [project!.id] })).size).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});

for (const backend of testBackends()) {
  describe(`kysely client store [${backend.name}]`, () => {
    // biome-ignore lint/suspicious/noExplicitAny: the tests read the embedded tables directly.
    let db: Kysely<any>;
    let destroy: () => Promise<void>;
    let supplierId: string;

    beforeAll(async () => {
      ({ db, destroy } = await backend.create());
      await createKyselyStorage({ db }).migrate();
      supplierId = randomUUID();
      await db.insertInto('suppliers').values({ id: supplierId, name: 'Studio' }).execute();
    });
    afterAll(async () => {
      await destroy();
    });

    it('createHostTables is idempotent', async () => {
      await createHostTables(db, { dialect: detectDialect(db) });
      await createHostTables(db, { dialect: detectDialect(db) });
      const store = createKyselyClientStore({ db });
      const [result] = await store.upsert('client', [{ supplier_id: supplierId, record: bulkClient(1) }]);
      expect((await store.findByIds('client', { supplierId, ids: [result!.id] })).size).toBe(1);
    });

    it('createHostTables rejects an unknown dialect', async () => {
      await crmError(createHostTables(db, { dialect: 'mysql' as never }), 'invalid_argument');
    });

    it('suppliers default to the FREE tier and CHECK the tier', async () => {
      const id = randomUUID();
      await db.insertInto('suppliers').values({ id, name: 'Tiered' }).execute();
      const row = await db
        .selectFrom('suppliers')
        .select('tier')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.tier).toBe('FREE');
      await expect(
        db.insertInto('suppliers').values({ id: randomUUID(), name: 'Gold', tier: 'GOLD' }).execute(),
      ).rejects.toThrow();
    });

    it('derives the host columns from the record', async () => {
      const store = createKyselyClientStore({ db });
      const [result] = await store.upsert('client', [
        {
          supplier_id: supplierId,
          record: sampleClient(),
        },
      ]);
      const row = await db
        .selectFrom('clients')
        .select([
          'first_name',
          'last_name',
          'email',
          'email_normalized',
          'phone_e164',
          'name_key',
          'stage',
          'venue_name',
        ])
        .where('id', '=', result!.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({
        first_name: 'José',
        last_name: "O'Brien-García",
        email: 'Jose.OBrien@Example.COM',
        email_normalized: 'jose.obrien@example.com',
        phone_e164: '+14155550123',
        name_key: 'jose obrien garcia',
        stage: 'booked',
        venue_name: 'Château de la Loire 🏰',
      });
      const keys = await db
        .selectFrom('client_match_keys')
        .select(['kind', 'value'])
        .where('client_id', '=', result!.id)
        .orderBy('kind')
        .orderBy('value')
        .execute();
      expect(keys).toEqual([
        { kind: 'email', value: 'jose.obrien@example.com' },
        { kind: 'email', value: 'zoe.kim@example.org' },
        { kind: 'name', value: 'jose obrien garcia' },
        { kind: 'name', value: 'zoe kim' },
        { kind: 'name_date', value: 'jose obrien garcia|2025-06-14' },
        { kind: 'name_date', value: 'zoe kim|2025-06-14' },
        { kind: 'phone', value: '+14155550123' },
        { kind: 'phone', value: '+447700900123' },
      ]);
    });

    it('writes each chunk with one multi-row statement', async () => {
      const { plugin, counts } = insertCounter();
      const store = createKyselyClientStore({ db: db.withPlugin(plugin), maxRowsPerStatement: 7 });
      await store.upsert(
        'client',
        Array.from({ length: 20 }, (_, index) => ({
          supplier_id: supplierId,
          record: { first_name: `Chunk${index}` },
        })),
      );
      expect(counts.get('clients')).toBe(3);
      // One name key per client: 20 match keys, 7 rows per statement.
      expect(counts.get('client_match_keys')).toBe(3);
    });

    it('stays under the parameter limit when rows per statement allow more', async () => {
      const { plugin, counts } = insertCounter();
      const store = createKyselyClientStore({ db: db.withPlugin(plugin), maxRowsPerStatement: 10_000 });
      const results = await store.upsert(
        'client',
        Array.from({ length: 4_000 }, (_, index) => ({ supplier_id: supplierId, record: bulkClient(index) })),
      );
      expect(results).toHaveLength(4_000);
      // 21 columns a row: at most 1,560 rows under SQLite's 32,766 parameters, 3,120 under PostgreSQL's 65,535.
      expect(counts.get('clients')).toBe(detectDialect(db) === 'sqlite' ? 3 : 2);
    }, 120_000);

    it('throws the abort reason before touching the database', async () => {
      const store = createKyselyClientStore({ db });
      const controller = new AbortController();
      const reason = new Error('job cancelled');
      controller.abort(reason);
      await expect(
        store.upsert('client', [{ supplier_id: supplierId, record: bulkClient(1) }], {
          signal: controller.signal,
        }),
      ).rejects.toBe(reason);
      await expect(
        store.findByIds('client', { supplierId, ids: [randomUUID()], signal: controller.signal }),
      ).rejects.toBe(reason);
    });

    it('refuses a transaction handle of another storage', async () => {
      const store = createKyselyClientStore({ db });
      const foreign = { storageKind: 'memory' } as unknown as TransactionHandle;
      expect(() => store.withTransaction(foreign)).toThrow(/transaction handle made by the kysely storage/);
    });

    it('refuses CRM columns on records other than clients', async () => {
      const store = createKyselyClientStore({ db });
      await crmError(
        store.upsert('project', [
          { supplier_id: supplierId, record: { client_id: randomUUID() }, external_crm_id: 'x' },
        ]),
        'invalid_argument',
      );
    });

    it('checks arguments and accepts empty batches', async () => {
      const store = createKyselyClientStore({ db });
      const id = randomUUID();
      await crmError(
        store.upsert('client', [
          { id, supplier_id: supplierId, record: bulkClient(1) },
          { id, supplier_id: supplierId, record: bulkClient(2) },
        ]),
        'invalid_argument',
      );
      await crmError(store.upsert('client', 'rows' as never), 'invalid_argument');
      await crmError(store.upsert('client', [null as never]), 'invalid_argument');
      await crmError(
        store.upsert('client', [
          { supplier_id: supplierId, record: bulkClient(1), last_crm_sync_at: 'yesterday' },
        ]),
        'invalid_argument',
      );
      await crmError(
        store.findDedupeCandidates({ supplierId, names: [{ nameKey: 'ana', weddingDate: '01/05/2026' }] }),
        'invalid_argument',
      );
      await crmError(store.restore('client', [{ id } as never]), 'invalid_argument');
      await crmError(store.transaction('work' as never), 'invalid_argument');
      expect(await store.upsert('client', [])).toEqual([]);
      await store.restore('client', []);
      expect(await store.remove('client', { supplierId, ids: [] })).toBe(0);
      expect(await store.markDeleted('client', { supplierId, ids: [], reason: 'gone' })).toEqual([]);
      expect(await store.findDedupeCandidates({ supplierId, names: [{ nameKey: '  ' }] })).toEqual([]);
    });

    it('writes an explicit last_crm_sync_at', async () => {
      const store = createKyselyClientStore({ db });
      const [result] = await store.upsert('client', [
        {
          supplier_id: supplierId,
          record: bulkClient(7),
          external_crm_id: 'ext-7',
          last_crm_sync_at: '2025-01-02T03:04:05.678Z',
        },
      ]);
      const stored = (await store.findByIds('client', { supplierId, ids: [result!.id] })).get(result!.id);
      expect(stored?.last_crm_sync_at).toBe('2025-01-02T03:04:05.678Z');
    });

    it('reports a driver failure as a StorageError naming the table', async () => {
      const { db: empty, destroy: destroyEmpty } = await backend.create();
      try {
        const store = createKyselyClientStore({ db: empty });
        const error = await crmError(
          store.findByIds('client', { supplierId, ids: [randomUUID()] }),
          'storage_failed',
        );
        expect(error.context).toMatchObject({ operation: 'read records', table: 'clients' });
        expect(error.cause).toBeDefined();
      } finally {
        await destroyEmpty();
      }
    });

    it('binds to a transaction when created on one', async () => {
      const failure = new Error('rolled back');
      let id: string | undefined;
      await expect(
        db.transaction().execute(async (transaction) => {
          const store = createKyselyClientStore({ db: transaction });
          await store.transaction(async (bound, handle) => {
            expect(handle).toBeDefined();
            const [result] = await bound.upsert('client', [
              { supplier_id: supplierId, record: bulkClient(5) },
            ]);
            id = result!.id;
          });
          throw failure;
        }),
      ).rejects.toBe(failure);
      const store = createKyselyClientStore({ db });
      expect((await store.findByIds('client', { supplierId, ids: [id!] })).size).toBe(0);
    });
  });

  describe(`kysely client store on a renamed host schema [${backend.name}]`, () => {
    // biome-ignore lint/suspicious/noExplicitAny: the tests read the host tables directly.
    let db: Kysely<any>;
    let destroy: () => Promise<void>;
    const schema: HostSchemaOptions = {
      tables: {
        suppliers: 'vendors',
        clients: 'couples',
        projects: 'bookings',
        client_match_keys: 'couple_keys',
      },
      columns: {
        suppliers: { id: 'vendor_id' },
        clients: {
          supplier_id: 'vendor_id',
          wedding_date: 'event_day',
          data: 'payload',
          updated_at: 'modified_at',
        },
        projects: { client_id: 'couple_id' },
        client_match_keys: { client_id: 'couple_id' },
      },
    };

    beforeAll(async () => {
      ({ db, destroy } = await backend.create());
      await createKyselyStorage({ db, schema }).migrate();
    });
    afterAll(async () => {
      await destroy();
    });

    it('reads and writes through the renamed tables and columns', async () => {
      const vendorId = randomUUID();
      await db.insertInto('vendors').values({ vendor_id: vendorId, name: 'Renamed Studio' }).execute();
      const store = createKyselyClientStore({ db, schema });
      const [client] = await store.upsert('client', [{ supplier_id: vendorId, record: sampleClient() }]);
      const [project] = await store.upsert('project', [
        { supplier_id: vendorId, record: { client_id: client!.id, name: 'Wedding' } },
      ]);
      expect(
        (await store.findByIds('client', { supplierId: vendorId, ids: [client!.id] })).get(client!.id)
          ?.record,
      ).toEqual(sampleClient());
      const dayExpression =
        detectDialect(db) === 'postgres'
          ? sql<string>`to_char(event_day, 'YYYY-MM-DD')`
          : sql<string>`event_day`;
      const row = await db
        .selectFrom('couples')
        .select([dayExpression.as('day'), 'vendor_id'])
        .where('id', '=', client!.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ day: '2025-06-14', vendor_id: vendorId });
      const candidates = await store.findDedupeCandidates({
        supplierId: vendorId,
        emails: ['zoe.kim@example.org'],
      });
      expect(candidates.map((candidate) => candidate.client.id)).toEqual([client!.id]);
      const page = await store.changesSince('client', { supplierId: vendorId, cursor: null, limit: 5 });
      expect(page.rows.map((stored) => stored.id)).toEqual([client!.id]);
      expect(await store.remove('client', { supplierId: vendorId, ids: [client!.id] })).toBe(1);
      expect((await store.findByIds('project', { supplierId: vendorId, ids: [project!.id] })).size).toBe(0);
    });
  });
}
