// Getting started: embed the hub in a host service and import a supplier's Tave studio into SQLite.
// Run: node examples/getting-started.mjs (after `pnpm build`). docs/getting-started.md quotes this file, and
// examples/test/docs.test.mjs checks that every code block of the guide is still in it.
//
// So that it runs offline, the first lines (not in the guide) start a fake Tave studio on 127.0.0.1, with the
// API key the supplier would paste into your settings page, and make up a vault key when CRM_VAULT_KEY is unset.
// The provider is pointed at the fake through `baseUrl`.
import { randomBytes } from 'node:crypto';
import { createCrmHub, createInProcessRunner, createVault } from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

// Offline set-up: a fake Tave studio (24 clients, one of them with a bad email address) and a vault key.
const { startFakeTave } = await import('@wedsync/crm-testkit/servers');
const taveApiKey = 'studio-api-key-from-the-supplier';
const fakeStudio = await startFakeTave({
  apiKey: taveApiKey,
  studio: { seed: 7, clients: 24, badRecords: { invalidEmail: 1 }, name: 'Sarah Ellis Photography' },
});
process.env.CRM_VAULT_KEY ??= randomBytes(32).toString('base64');

// 1. The database: the host's Kysely instance. migrate() creates the hub's crm_* tables, and here also the
//    embedded host tables (suppliers, clients, projects, events, invoices, payments).
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const storage = createKyselyStorage({ db });
await storage.migrate();
const clientStore = createKyselyClientStore({ db });

// 2. The hub: storage, the host's records, a vault key from the host's secrets, the providers it offers,
//    and provider-kit's HTTP factory (every integration's requests rate limited and retried).
const hub = createCrmHub({
  storage,
  clientStore,
  vault: createVault({ keys: [{ id: 'vault-2026-11', key: process.env.CRM_VAULT_KEY }] }),
  providers: [createTave({ baseUrl: fakeStudio.url })], // leave baseUrl out to reach VSCO Workspace itself
  httpClientFactory: createProviderHttpFactory(),
});
const runner = createInProcessRunner({ hub });
runner.start(); // runs queued jobs in this process, one page per transaction

// 3. A supplier connects their studio: the API key is sealed by the vault before storage sees it.
const supplierId = '7f3c2a10-5d4e-4b8a-9c1f-2e6d8a4b0c35';
await db
  .insertInto('suppliers')
  .values({ id: supplierId, name: 'Sarah Ellis Photography', tier: 'PROFESSIONAL' })
  .execute();
const { integration } = await hub.createIntegration({
  supplierId,
  body: { crm_provider: 'tave', connection_name: 'Tave studio', auth_config: { api_key: taveApiKey } },
});
const integrationId = integration.id;
const connection = await hub.testConnection({ supplierId, integrationId });
console.log(`connection: ${connection.success ? 'ok' : connection.error_message}`);
console.log(`account: ${connection.connection_info.account_name}`);

// 4. A full import: queue the job, follow its progress, wait for its end.
hub.on('progress', (event) => {
  console.log(`progress: ${event.recordType} ${event.progressPercent}% (${event.recordsProcessed} records)`);
});
const finished = new Promise((resolve) => hub.on('jobFinished', resolve));
const { sync_job } = await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
await finished;

// 5. What happened: the job's counts, and the log of every record that was not imported.
const { sync_job: job } = await hub.getSyncJob({ supplierId, jobId: sync_job.id });
console.log(`job: ${job.job_status} (${job.result_status}), ${job.records_processed} records`);
for (const type of ['client', 'project', 'event', 'invoice', 'payment']) {
  const count = (outcome) => job.counts[`${type}.${outcome}`] ?? 0;
  console.log(`${type}: ${count('read')} read, ${count('created')} created, ${count('rejected')} rejected`);
}
const { logs } = await hub.listSyncLogs({ supplierId, integrationId, action_type: 'error', per_page: 20 });
for (const log of logs) console.log(`rejected ${log.record_type} ${log.record_id}: ${log.error_message}`);

// 6. At shutdown: let the runner finish its page in flight, then close the database.
await runner.stop();
await db.destroy();

// Offline set-up: stop the fake studio.
await fakeStudio.close();
