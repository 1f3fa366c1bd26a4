/**
 * The export fast path on the kysely storage, beyond what the shared contracts can see: migration
 * `0008_link_base_updated_at_column` on a database migrated under 0007 (old links have no stamp), and the SQL
 * of `links.findBaseStamps` and `changeStampsSince`, which must select only the stamps (one query per chunk of
 * ids), never the JSON of the links or of the records, which is what they exist to avoid reading.
 */
import { randomUUID } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxParameters } from '../src/hub-storage/context.js';
import { createKyselyClientStore, createKyselyStorage } from '../src/index.js';
import { hubMigrationNames } from '../src/migrations/index.js';
import { addLinkBaseUpdatedAtColumn } from '../src/migrations/link-base-updated-at-column.js';
import { type TestDatabase, testBackends } from './backends.js';
import { insertIntegration, migrateUpTo } from './older-release.js';

/** Past both dialects' bound-parameter limits (SQLite 32,766, PostgreSQL 65,535): needs several chunks. */
const manyIds = 70_000;

describe.each(testBackends())('base stamps [$name]', (backend) => {
  let database: TestDatabase;
  const supplierId = randomUUID();
  const integrationId = randomUUID();
  const oldLinkWedsyncId = randomUUID();
  /** SQL of the statements run through {@link recorded}. */
  const statements: string[] = [];
  const recorder: KyselyPlugin = {
    transformQuery(args) {
      statements.push(database.db.getExecutor().compileQuery(args.node, args.queryId).sql);
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  const recorded = () => database.db.withPlugin(recorder);

  beforeAll(async () => {
    database = await backend.create();
    const dialect = createKyselyStorage({ db: database.db }).dialect;
    // Migrated by the release before 0008, with a link written then.
    await migrateUpTo(database.db, dialect, '0007_staging_record_type_column');
    await insertIntegration(database.db, { supplierId, integrationId });
    await database.db
      .insertInto('crm_record_links')
      .values({
        id: randomUUID(),
        integration_id: integrationId,
        record_type: 'client',
        external_id: 'old-1',
        wedsync_record_id: oldLinkWedsyncId,
      })
      .execute();
  });

  afterAll(async () => {
    await database?.destroy();
  });

  it('0008 adds a nullable base_updated_at; links written before it have none; it can run again', async () => {
    const storage = createKyselyStorage({ db: database.db });
    // 0008 and every migration after it.
    expect((await storage.migrate()).applied).toEqual(
      hubMigrationNames.slice(hubMigrationNames.indexOf('0008_link_base_updated_at_column')),
    );
    await addLinkBaseUpdatedAtColumn(database.db, storage.dialect);
    const [old] = await storage.links.findByWedsyncIds(integrationId, 'client', [oldLinkWedsyncId]);
    expect(old?.external_id).toBe('old-1');
    expect(old).not.toHaveProperty('base_updated_at');
    expect((await storage.links.findBaseStamps(integrationId, 'client', [oldLinkWedsyncId])).size).toBe(0);
    await storage.links.upsert([
      {
        integration_id: integrationId,
        record_type: 'client',
        external_id: 'old-1',
        wedsync_record_id: oldLinkWedsyncId,
        base_updated_at: '2030-01-02T03:04:05.678+01:00',
      },
    ]);
    expect(await storage.links.findBaseStamps(integrationId, 'client', [oldLinkWedsyncId])).toEqual(
      new Map([[oldLinkWedsyncId, '2030-01-02T02:04:05.678Z']]),
    );
    expect((await storage.migrate()).applied).toEqual([]);
  });

  it('findBaseStamps selects the two columns only, in one query per chunk of ids', async () => {
    const storage = createKyselyStorage({ db: database.db });
    await storage.migrate();
    const ids = Array.from({ length: manyIds }, (_, index) => `w-${index}`);
    const stamped = [ids[0]!, ids[40_000]!, ids[manyIds - 1]!];
    await storage.links.upsert(
      stamped.map((id) => ({
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: `e-${id}`,
        wedsync_record_id: id,
        base_snapshot: { first_name: 'Ava' },
        base_updated_at: '2031-05-06T07:08:09.010Z',
      })),
    );
    statements.length = 0;
    const stamps = await createKyselyStorage({ db: recorded() }).links.findBaseStamps(
      integrationId,
      'client',
      ids,
    );
    expect([...stamps.keys()].sort()).toEqual([...stamped].sort());
    const perChunk = maxParameters(storage.dialect) - 10;
    // SQLite's foreign-key pragma aside, every statement is a lookup.
    const lookups = statements.filter((statement) => !statement.startsWith('PRAGMA'));
    expect(lookups).toHaveLength(Math.ceil(manyIds / perChunk));
    for (const statement of lookups) {
      expect(statement).toMatch(
        /^select "wedsync_record_id", "base_updated_at" from "crm_record_links" where /,
      );
    }
  });

  it('changeStampsSince selects id, updated_at and deleted_at only', async () => {
    const store = createKyselyClientStore({ db: database.db });
    await store.upsert('client', [{ supplier_id: supplierId, record: { first_name: 'Ava' } }]);
    statements.length = 0;
    const page = await createKyselyClientStore({ db: recorded() }).changeStampsSince('client', {
      supplierId,
      cursor: null,
      limit: 10,
    });
    expect(page.rows).toHaveLength(1);
    const reads = statements.filter((statement) => statement.includes(' from "clients"'));
    expect(reads).toHaveLength(1);
    const selected = reads[0]!.slice(0, reads[0]!.indexOf(' from "clients"'));
    expect(selected).toContain('as "id"');
    expect(selected).toContain('as "updated_at"');
    expect(selected).toContain('as "deleted_at"');
    expect(selected).not.toMatch(/"data"|"supplier_id"|"created_at"|"deleted_reason"|crm_/);
  });
});
