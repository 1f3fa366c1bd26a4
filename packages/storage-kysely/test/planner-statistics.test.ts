/**
 * `refreshStatistics` of the HubStorage and of the ClientStore: on PostgreSQL (and PGlite) each analyzes the table
 * its lookups search — the record links, the dedupe match keys — so a table filled by one import gets planner
 * statistics; on SQLite neither store offers it (its planner picks those indexes without statistics).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKyselyClientStore, createKyselyStorage, type KyselyClientStore } from '../src/index.js';
import { type TestDatabase, testBackends } from './backends.js';

const rows = 120;

describe.each(testBackends())('planner statistics [$name]', (backend) => {
  let database: TestDatabase;
  let storage: ReturnType<typeof createKyselyStorage>;
  let clientStore: KyselyClientStore;
  const supplierId = randomUUID();
  const integrationId = randomUUID();

  /** What PostgreSQL's planner knows of a table: its row estimate and the columns it has statistics of. */
  const statisticsOf = async (table: string) => {
    const { rows: found } = await sql<{ estimate: number; columns: string[] | null }>`
      select c.reltuples::float8 as estimate,
        (select array_agg(s.attname::text order by s.attname) from pg_stats s where s.tablename = c.relname)
          as columns
      from pg_class c where c.relname = ${table}`.execute(database.db);
    return { estimate: Number(found[0]?.estimate), columns: found[0]?.columns ?? [] };
  };

  beforeAll(async () => {
    database = await backend.create();
    storage = createKyselyStorage({ db: database.db });
    await storage.migrate();
    clientStore = createKyselyClientStore({ db: database.db });
    await database.db
      .insertInto('suppliers' as never)
      .values({ id: supplierId, name: 'Studio' } as never)
      .execute();
    await database.db
      .insertInto('crm_integrations' as never)
      .values({
        id: integrationId,
        supplier_id: supplierId,
        crm_provider: 'tave',
        connection_name: 'Main',
      } as never)
      .execute();
    const clients = await clientStore.upsert(
      'client',
      Array.from({ length: rows }, (_, index) => ({
        supplier_id: supplierId,
        record: { first_name: `Ana${index}`, last_name: 'Lima', email: `ana.${index}@example.com` },
      })),
    );
    await storage.links.upsert(
      clients.map((client, index) => ({
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: `crm-${index}`,
        wedsync_record_id: client.id,
      })),
    );
  }, 60_000);
  afterAll(async () => {
    await database?.destroy();
  });

  if (backend.name === 'pglite' || backend.name === 'postgres') {
    it('analyzes the record links and the match keys, which an import fills without statistics', async () => {
      await storage.refreshStatistics?.();
      await clientStore.refreshStatistics?.();
      // The lookup keys only: statistics of the JSON base snapshots would cost most of the time.
      expect(await statisticsOf('crm_record_links')).toEqual({
        estimate: rows,
        columns: ['external_id', 'integration_id', 'record_type', 'wedsync_record_id'],
      });
      const keys = await statisticsOf('client_match_keys');
      // Each client: its email and its name.
      expect(keys.estimate).toBeGreaterThanOrEqual(2 * rows);
      expect(keys.columns).toEqual(['client_id', 'kind', 'supplier_id', 'value']);
    });

    it('refuses an aborted call before analyzing anything', async () => {
      const signal = AbortSignal.abort(new Error('stopped'));
      await expect(storage.refreshStatistics?.({ signal })).rejects.toThrow('stopped');
      await expect(clientStore.refreshStatistics?.({ signal })).rejects.toThrow('stopped');
    });
  } else {
    it('is not offered on SQLite', () => {
      expect(storage.refreshStatistics).toBeUndefined();
      expect(clientStore.refreshStatistics).toBeUndefined();
    });
  }
});
