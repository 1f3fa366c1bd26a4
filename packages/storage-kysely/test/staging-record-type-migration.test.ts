/**
 * Migration `0007_staging_record_type_column` on a database staged under 0006: the new column is backfilled
 * from `raw_data`, the indexes move to it, and rows staged before it are read by listLatest and deletion detection.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKyselyStorage, type KyselyHubStorage } from '../src/index.js';
import { hubMigrationNames } from '../src/migrations/index.js';
import { type TestDatabase, testBackends } from '../test/backends.js';
import { insertIntegration, migrateUpTo } from './older-release.js';

async function indexColumns(
  database: TestDatabase,
  dialect: 'postgres' | 'sqlite',
  index: string,
): Promise<string[]> {
  if (dialect === 'postgres') {
    const result = await sql<{ definition: string }>`
      SELECT pg_get_indexdef(to_regclass(${index})) AS definition`.execute(database.db);
    const definition = result.rows[0]?.definition ?? '';
    return (/\((.*)\)$/.exec(definition)?.[1] ?? '').split(',').map((column) => column.trim());
  }
  const result = await sql<{ name: string | null }>`
    SELECT name FROM pragma_index_xinfo(${index}) WHERE key = 1 ORDER BY seqno`.execute(database.db);
  return result.rows.map((row) => row.name ?? '<expression>');
}

describe.each(testBackends())('migration 0007_staging_record_type_column [$name]', (backend) => {
  let database: TestDatabase;
  let storage: KyselyHubStorage;
  const integrationId = randomUUID();
  const jobId = randomUUID();
  const deep = (() => {
    let nested: Record<string, unknown> = { leaf: true };
    for (let level = 1; level < 1200; level += 1) nested = { child: nested };
    return { record_type: 'client', nested };
  })();

  beforeAll(async () => {
    database = await backend.create();
    storage = createKyselyStorage({ db: database.db });
    await migrateUpTo(database.db, storage.dialect, '0006_staging_job_index');
    await insertIntegration(database.db, { supplierId: randomUUID(), integrationId });
    await database.db
      .insertInto('crm_sync_jobs')
      .values({ id: jobId, integration_id: integrationId, job_type: 'full_import', job_status: 'completed' })
      .execute();
    const row = (externalId: string, rawData: unknown) => ({
      id: randomUUID(),
      integration_id: integrationId,
      sync_job_id: jobId,
      external_id: externalId,
      raw_data: JSON.stringify(rawData),
      import_status: 'processed',
    });
    await database.db
      .insertInto('crm_client_staging')
      .values([
        row('c1', { record_type: 'client', data: { id: 'c1' } }),
        row('c2', { record_type: 'client', data: { id: 'c2' } }),
        row('p1', { record_type: 'project', data: { id: 'p1' } }),
        row('n1', { record_type: 7 }),
        row('x1', { data: {} }),
      ])
      .execute();
  });

  afterAll(async () => {
    await database?.destroy();
  });

  it('under 0006, SQLite cannot stage a row nested deeper than its JSON functions accept', async () => {
    const insert = database.db
      .insertInto('crm_client_staging')
      .values({
        id: randomUUID(),
        integration_id: integrationId,
        sync_job_id: jobId,
        external_id: 'deep-0',
        raw_data: JSON.stringify(deep),
      })
      .execute();
    if (storage.dialect === 'sqlite') await expect(insert).rejects.toThrow(/malformed JSON/);
    else {
      await insert;
      await database.db.deleteFrom('crm_client_staging').where('external_id', '=', 'deep-0').execute();
    }
  });

  it('backfills record_type (strings only), moves the indexes to the column, and reads the old rows', async () => {
    // 0007 and every migration after it.
    expect((await storage.migrate()).applied).toEqual(
      hubMigrationNames.slice(hubMigrationNames.indexOf('0007_staging_record_type_column')),
    );
    const rows = await database.db
      .selectFrom('crm_client_staging')
      .select(['external_id', 'record_type'])
      .orderBy('external_id')
      .execute();
    expect(rows).toEqual([
      { external_id: 'c1', record_type: 'client' },
      { external_id: 'c2', record_type: 'client' },
      { external_id: 'n1', record_type: null },
      { external_id: 'p1', record_type: 'project' },
      { external_id: 'x1', record_type: null },
    ]);
    expect(await indexColumns(database, storage.dialect, 'crm_client_staging_latest_idx')).toEqual([
      'integration_id',
      'record_type',
      'external_id',
      'created_at',
      'id',
    ]);
    expect(await indexColumns(database, storage.dialect, 'crm_client_staging_job_record_idx')).toEqual([
      'sync_job_id',
      'record_type',
      'external_id',
    ]);
    const latest = await storage.staging.listLatest(integrationId, 'client');
    expect(latest.staging_rows.map((row) => row.external_id)).toEqual(['c1', 'c2']);
    expect(await storage.staging.countLatest(integrationId, 'project')).toBe(1);
    await storage.links.upsert(
      ['c1', 'c9'].map((externalId) => ({
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: externalId,
        wedsync_record_id: randomUUID(),
      })),
    );
    const notStaged = await storage.links.listNotStagedByJob(integrationId, 'client', jobId);
    expect(notStaged.links.map((link) => link.external_id)).toEqual(['c9']);
    await storage.staging.insert([
      { integration_id: integrationId, sync_job_id: jobId, external_id: 'deep-1', raw_data: deep },
    ]);
    const after = await storage.staging.listLatest(integrationId, 'client');
    expect(after.staging_rows.map((row) => row.external_id)).toEqual(['c1', 'c2', 'deep-1']);
    expect((await storage.migrate()).applied).toEqual([]);
  });
});
