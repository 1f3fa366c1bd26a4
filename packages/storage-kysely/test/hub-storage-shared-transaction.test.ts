/**
 * One page of a sync writes through the HubStorage and the ClientStore in ONE transaction: both stores of this
 * package must join each other's transactions through the opaque handle, on every backend.
 */
import { randomUUID } from 'node:crypto';
import { type ClientStore, CrmSyncConfigSchema, type HubStorage } from '@wedsync/crm-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKyselyClientStore,
  createKyselyStorage,
  type KyselyClientStore,
  type KyselyHubStorage,
} from '../src/index.js';
import { type TestDatabase, testBackends } from './backends.js';

class PageFailed extends Error {}

describe.each(testBackends())('hub storage and client store share a transaction [$name]', (backend) => {
  let database: TestDatabase;
  let hub: KyselyHubStorage;
  let clients: KyselyClientStore;
  let supplierId: string;
  let integrationId: string;

  beforeAll(async () => {
    database = await backend.create();
    hub = createKyselyStorage({ db: database.db });
    await hub.migrate();
    clients = createKyselyClientStore({ db: database.db });
    supplierId = randomUUID();
    await sql`INSERT INTO suppliers (id, name, tier) VALUES (${supplierId}, 'Studio', 'PROFESSIONAL')`.execute(
      database.db,
    );
    integrationId = (
      await hub.integrations.create({
        supplier_id: supplierId,
        crm_provider: 'tave',
        connection_name: 'Main',
        auth_config: {},
        sync_config: CrmSyncConfigSchema.parse({}),
      })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await database?.destroy();
  });

  const writePage = async (hubStorage: HubStorage, store: ClientStore, externalId: string) => {
    const [result] = await store.upsert('client', [
      {
        supplier_id: supplierId,
        record: { first_name: 'Zoë', last_name: 'Ångström', email: `${externalId}@example.com` },
        crm_integration_id: integrationId,
        external_crm_id: externalId,
        last_crm_sync_at: '2026-11-01T00:00:00.000Z',
      },
    ]);
    const clientId = result?.id ?? '';
    await hubStorage.links.upsert([
      {
        integration_id: integrationId,
        record_type: 'client',
        external_id: externalId,
        wedsync_record_id: clientId,
      },
    ]);
    await hubStorage.logs.insert([
      {
        integration_id: integrationId,
        record_type: 'client',
        record_id: externalId,
        wedsync_record_id: clientId,
        action_type: 'created',
      },
    ]);
    return clientId;
  };

  it('rolls back client records and hub rows together when the page fails', async () => {
    let clientId = '';
    await expect(
      hub.transaction(async (tx, handle) => {
        clientId = await writePage(tx, clients.withTransaction(handle), 'tave-rollback');
        throw new PageFailed('mapping failed after writes');
      }),
    ).rejects.toBeInstanceOf(PageFailed);
    expect(clientId).not.toBe('');
    expect((await clients.findByIds('client', { supplierId, ids: [clientId] })).size).toBe(0);
    expect(await hub.links.findByExternalIds(integrationId, 'client', ['tave-rollback'])).toEqual([]);
  });

  it('commits both when the page succeeds, from either side', async () => {
    const fromHub = await hub.transaction((tx, handle) =>
      writePage(tx, clients.withTransaction(handle), 'tave-a'),
    );
    const fromClients = await clients.transaction((store, handle) =>
      writePage(hub.withTransaction(handle), store, 'tave-b'),
    );
    const found = await clients.findByIds('client', { supplierId, ids: [fromHub, fromClients] });
    expect(found.get(fromHub)).toMatchObject({
      crm_integration_id: integrationId,
      external_crm_id: 'tave-a',
    });
    expect(found.get(fromClients)).toMatchObject({
      crm_integration_id: integrationId,
      external_crm_id: 'tave-b',
    });
    const links = await hub.links.findByExternalIds(integrationId, 'client', ['tave-a', 'tave-b']);
    expect(links.map((link) => link.wedsync_record_id).sort()).toEqual([fromHub, fromClients].sort());
  });

  it('deleting the integration keeps the clients and clears their crm_integration_id (ON DELETE SET NULL)', async () => {
    const clientId = await hub.transaction((tx, handle) =>
      writePage(tx, clients.withTransaction(handle), 'tave-kept'),
    );
    await hub.integrations.delete(integrationId, { supplierId });
    const found = await clients.findByIds('client', { supplierId, ids: [clientId] });
    expect(found.get(clientId)).toMatchObject({ crm_integration_id: null, external_crm_id: 'tave-kept' });
  });
});
