// The demo: a photographer's whole Tave studio comes into WedSync.
//
// It starts a fake Tave server (the VSCO Workspace API v2, on 127.0.0.1) seeded as a real studio — 250 client
// records over three years with partners, events, orders and payments, a few planted duplicates and bad
// records — and a WedSync on an embedded SQLite file that already holds a few clients the supplier once typed
// in by hand (some of them are also in Tave). It connects the studio with an API key, runs a full import under
// Tave-like limits (60 requests a minute, pages of 100) with a live progress bar, and prints what happened.
//
//   pnpm demo            a summary a person can read
//   pnpm demo --json     the same as one JSON object
//
// DEMO_TAVE_API_KEY, when set, is the key the studio and the integration use.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCrmHub, createInProcessRunner, createVault, generateVaultKey } from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import { generateStudio, startFakeTave } from '@wedsync/crm-testkit/servers';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    records: { type: 'string', default: '250' },
    database: { type: 'string', default: join(here, '..', '.demo', 'wedsync-demo.sqlite') },
    seed: { type: 'string', default: '343' },
  },
});
const records = Number(args.records);
if (!Number.isInteger(records) || records < 20) {
  throw new Error(`Expected --records to be a whole number of at least 20, got ${args.records}`);
}
const apiKey = process.env.DEMO_TAVE_API_KEY || `demo-${randomBytes(12).toString('hex')}`;
const databasePath = resolve(args.database);
const startedAt = performance.now();

// The studio: client records in Tave = generated clients + planted duplicates (extra contacts of the same people).
const duplicates = { case: 1, spacing: 1, phoneFormat: 1, typo: 1 };
const badRecords = { invalidEmail: 1, impossibleDate: 1, missingName: 1 };
const studio = generateStudio({
  seed: Number(args.seed),
  clients: records - Object.values(duplicates).reduce((sum, count) => sum + count, 0),
  duplicates,
  badRecords,
  name: 'Sarah Ellis Photography',
});
const fake = await startFakeTave({ apiKey, studio, rateLimits: { perMinute: 60, perHour: 1000 } });

// WedSync: an embedded SQLite file, the hub's tables, and the clients Sarah once typed in by hand.
rmSync(databasePath, { force: true });
for (const suffix of ['-wal', '-shm']) rmSync(databasePath + suffix, { force: true });
mkdirSync(dirname(databasePath), { recursive: true });
const sqlite = new Database(databasePath);
sqlite.pragma('journal_mode = WAL');
const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
const storage = createKyselyStorage({ db });
await storage.migrate();
const clientStore = createKyselyClientStore({ db });
const supplierId = '7f3c2a10-5d4e-4b8a-9c1f-2e6d8a4b0c35';
await db
  .insertInto('suppliers')
  .values({ id: supplierId, name: studio.settings.name, tier: 'PROFESSIONAL' })
  .execute();
const typedByHand = handTypedClients(studio);
await clientStore.upsert(
  'client',
  typedByHand.map((record) => ({ supplier_id: supplierId, record })),
);

// The hub, with the Tave provider pointed at the fake studio, and a vault key for the API key.
const vault = createVault({ keys: [{ id: 'demo-key', key: generateVaultKey() }] });
const hub = createCrmHub({
  storage,
  clientStore,
  vault,
  providers: [createTave({ baseUrl: fake.url, pageSize: 100 })],
  httpClientFactory: createProviderHttpFactory(),
});

const { integration } = await hub.createIntegration({
  supplierId,
  body: { crm_provider: 'tave', connection_name: "Sarah's Tave studio", auth_config: { api_key: apiKey } },
});
const connection = await hub.testConnection({ supplierId, integrationId: integration.id });
if (!connection.success)
  throw new Error(`Could not connect to the fake Tave studio: ${connection.error_message}`);

const progress = createProgressBar(!args.json && process.stderr.isTTY);
hub.on('progress', (event) => progress.update(event));
await hub.triggerSync({ supplierId, integrationId: integration.id, body: { job_type: 'full_import' } });
const [outcome] = await createInProcessRunner({ hub }).drain();
progress.done();
const seconds = (performance.now() - startedAt) / 1000;

const counts = outcome?.counts ?? {};
const rejectedLogs = (
  await hub.listSyncLogs({
    supplierId,
    integrationId: integration.id,
    action_type: 'error',
    record_type: 'client',
    per_page: 100,
  })
).logs;
await db.destroy();
await fake.close();
const databaseHoldsKey = readFileSync(databasePath).includes(Buffer.from(apiKey));

const summary = {
  seeded: counts['client.read'] ?? 0,
  created: counts['client.created'] ?? 0,
  linked: counts['client.linked'] ?? 0,
  flagged: counts['client.flagged'] ?? 0,
  rejected: counts['client.rejected'] ?? 0,
  skipped: counts['client.skipped'] ?? 0,
  requests: counts['requests'] ?? 0,
  seconds: Math.round(seconds * 100) / 100,
  database: databasePath,
  job: { id: outcome?.jobId, status: outcome?.status, result: outcome?.resultStatus },
  studio: {
    clients: studio.manifest.counts.clients,
    planted_duplicates: studio.manifest.duplicates.length,
    planted_bad_records: studio.manifest.badRecords.length,
    typed_by_hand_in_wedsync: typedByHand.length,
  },
  records: Object.fromEntries(
    ['client', 'project', 'event', 'invoice', 'payment'].map((type) => [
      type,
      {
        read: counts[`${type}.read`] ?? 0,
        created: counts[`${type}.created`] ?? 0,
        rejected: counts[`${type}.rejected`] ?? 0,
      },
    ]),
  ),
  rejected_reasons: rejectedLogs.map((log) => ({ crm_id: log.record_id, reason: log.error_message })),
  retries: counts['retries'] ?? 0,
  rate_limited: counts['rate_limited'] ?? 0,
  database_contains_api_key: databaseHoldsKey,
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  const line = (label, value) => console.log(`  ${label.padEnd(40)} ${value}`);
  console.log(
    `\nImported ${connection.connection_info.account_name ?? 'the studio'} from Tave into WedSync\n`,
  );
  line('client records in Tave', summary.seeded);
  line('created in WedSync', summary.created);
  line('linked to clients WedSync had', summary.linked);
  line('flagged for review (maybe a duplicate)', summary.flagged);
  line('rejected, with reasons', summary.rejected);
  for (const { crm_id, reason } of summary.rejected_reasons) console.log(`      ${crm_id}: ${reason}`);
  for (const type of ['project', 'event', 'invoice', 'payment']) {
    const { read, created, rejected } = summary.records[type];
    line(`${type}s`, `${created} of ${read} imported${rejected > 0 ? `, ${rejected} rejected` : ''}`);
  }
  line('requests to Tave', `${summary.requests} (60 a minute allowed; ${summary.rate_limited} answered 429)`);
  line('seconds', summary.seconds);
  line('database', summary.database);
  line(
    'API key stored in plaintext',
    summary.database_contains_api_key ? 'YES — a bug' : 'no (sealed by the vault)',
  );
  console.log('');
}
if (databaseHoldsKey) process.exitCode = 1;

/**
 * Clients the supplier typed into WedSync by hand before connecting Tave: three of the studio's clients (typed
 * the way people type — lower-case email, a national phone number) and two who are not in Tave at all.
 */
function handTypedClients(generated) {
  const dataset = generated.people;
  const planted = new Set([
    ...generated.manifest.duplicates.flatMap((entry) => [entry.originalId, entry.duplicateId]),
    ...generated.manifest.badRecords.map((entry) => entry.contactId),
  ]);
  const inTave = dataset
    .filter(
      (person) =>
        person.role === 'client' &&
        !planted.has(person.id) &&
        person.email &&
        person.firstName &&
        person.lastName,
    )
    .slice(0, 3)
    .map((person) => ({
      first_name: person.firstName,
      last_name: person.lastName,
      email: person.email.toLowerCase(),
      notes: 'Typed in by hand at a wedding fair',
    }));
  return [
    ...inTave,
    { first_name: 'Amara', last_name: 'Okafor', email: 'amara.okafor@example.org', phone: '+447700900461' },
    {
      first_name: 'Liam',
      last_name: "O'Connell",
      email: 'liam.oconnell@example.net',
      wedding_date: '2027-09-18',
    },
  ];
}

function createProgressBar(enabled) {
  let last = '';
  return {
    update(event) {
      if (!enabled) return;
      const width = 30;
      const filled = Math.round((event.progressPercent / 100) * width);
      const text = `  ${event.recordType.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(event.progressPercent).padStart(3)}%  ${event.recordsProcessed}${event.recordsTotal ? `/${event.recordsTotal}` : ''} records`;
      if (text !== last) process.stderr.write(`\r${text}`);
      last = text;
    },
    done() {
      if (enabled && last !== '') process.stderr.write('\n');
    },
  };
}
