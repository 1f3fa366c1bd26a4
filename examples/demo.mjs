// The demo: a photographer's whole Tave studio comes into WedSync.
//
// It starts a fake Tave server (the VSCO Workspace API v2, on 127.0.0.1) seeded as a real studio — 250 client
// records over three years with partners, events, orders and payments, a few planted duplicates and bad
// records — and a WedSync on an embedded SQLite file that already holds a few clients the supplier once typed
// in by hand (some of them are also in Tave). It connects the studio with an API key, runs a full import under
// Tave-like limits (60 requests a minute, pages of 100) with a live progress bar, and prints what happened.
// Then a two-way round: the integration turns bidirectional, a few records are edited in WedSync and a few in Tave
// (one of them on both sides), and an incremental sync moves each change its way and decides the conflict by the
// integration's policy.
//
//   pnpm demo                          a summary a person can read
//   pnpm demo --json                   the same as one JSON object (with a `sync` object for the two-way round)
//   pnpm demo --policy manual_review   the conflict policy of the two-way round (default newest_wins)
//
// DEMO_TAVE_API_KEY, when set, is the key the studio and the integration use.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCrmHub, createInProcessRunner, createVault, generateVaultKey } from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import {
  cacheSqliteStatements,
  createKyselyClientStore,
  createKyselyStorage,
} from '@wedsync/crm-storage-kysely';
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
    policy: { type: 'string', default: 'newest_wins' },
  },
});
const policies = ['wedsync_wins', 'crm_wins', 'newest_wins', 'manual_review'];
if (!policies.includes(args.policy)) {
  throw new Error(`Expected --policy to be one of ${policies.join(', ')}, got ${args.policy}`);
}
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
// Kysely prepares every query anew: the cache keeps the hub's few statements compiled (and their memory bounded).
const db = new Kysely({ dialect: new SqliteDialect({ database: cacheSqliteStatements(sqlite) }) });
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
// A hub holds the request budget of each integration (60 a minute, 1,000 an hour, like Tave's).
const createHub = () =>
  createCrmHub({
    storage,
    clientStore,
    vault,
    providers: [createTave({ baseUrl: fake.url, pageSize: 100 })],
    httpClientFactory: createProviderHttpFactory(),
  });
let hub = createHub();

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
const round = await twoWayRound(integration.id);
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
  sync: round,
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
  console.log(`\nTwo-way round (incremental sync, policy ${round.policy})\n`);
  for (const item of round.toWedsync) {
    line(`Tave -> WedSync  ${item.type} ${item.crm_id}`, item.fields.join(', '));
  }
  for (const item of round.toCrm) {
    line(`WedSync -> Tave  ${item.type} ${item.crm_id ?? '(new)'}`, item.fields.join(', '));
  }
  for (const conflict of round.conflicts) {
    line(
      `conflict on ${conflict.type} ${conflict.crm_id}`,
      `${conflict.field}: WedSync "${conflict.wedsync_value}", Tave "${conflict.crm_value}"`,
    );
    line('  decided', conflict.decision);
    line('  now in WedSync / in Tave', `"${conflict.final_wedsync}" / "${conflict.final_crm}"`);
  }
  line('requests to Tave in the round', round.requests);
  line(
    'the next sync moves',
    `${round.second_sync.toWedsync} to WedSync, ${round.second_sync.toCrm} to Tave${
      round.second_sync.fields.length > 0 ? ` (${round.second_sync.fields.join(', ')}: derived by Tave)` : ''
    }`,
  );
  console.log('');
}
if (databaseHoldsKey) process.exitCode = 1;

/**
 * The two-way round: the integration turns bidirectional with the chosen policy; WedSync edits two clients, Tave
 * edits a client and a job, and one client is edited on both sides (WedSync first, Tave a moment later); one
 * incremental sync moves everything, and a second one right after shows that nothing echoes back. Returns what
 * moved each way, field by field, and how the conflict went.
 */
async function twoWayRound(integrationId) {
  await hub.updateIntegration({
    supplierId,
    integrationId,
    body: { sync_config: { sync_direction: 'bidirectional', conflict_resolution: args.policy } },
  });
  // Clients linked one to one that have a job in Tave (not the planted duplicates).
  const links = (await storage.links.list(integrationId, 'client', { limit: 5000 })).links;
  const perRecord = new Map();
  for (const link of links) {
    perRecord.set(link.wedsync_record_id, (perRecord.get(link.wedsync_record_id) ?? 0) + 1);
  }
  const projectLinks = (await storage.links.list(integrationId, 'project', { limit: 5000 })).links;
  const projects = await clientStore.findByIds('project', {
    supplierId,
    ids: projectLinks.map((link) => link.wedsync_record_id),
  });
  const jobOfClient = new Map();
  for (const link of projectLinks) {
    const clientId = projects.get(link.wedsync_record_id)?.record.client_id;
    if (clientId !== undefined && !jobOfClient.has(clientId)) jobOfClient.set(clientId, link.external_id);
  }
  const [newPhone, secondEmail, newEmail, biggerParty, both] = links
    .filter((link) => perRecord.get(link.wedsync_record_id) === 1 && jobOfClient.has(link.wedsync_record_id))
    .slice(20, 25);
  const client = async (link) =>
    (await clientStore.findByIds('client', { supplierId, ids: [link.wedsync_record_id] })).get(
      link.wedsync_record_id,
    ).record;
  const editWedsync = async (link, patch) =>
    clientStore.upsert('client', [
      { id: link.wedsync_record_id, supplier_id: supplierId, record: { ...(await client(link)), ...patch } },
    ]);

  // In WedSync: a new mobile number; a second email address.
  await editWedsync(newPhone, { phone: '+447700900777' });
  await editWedsync(secondEmail, { secondary_email: 'at.work@example.com' });
  // In Tave: a new email address; forty more guests on a job.
  fake.state.update('address-book', newEmail.external_id, { email: 'new.address@example.com' });
  const job = fake.state.get('job', jobOfClient.get(biggerParty.wedsync_record_id));
  fake.state.update('job', job.id, { guestCount: (job.guestCount ?? 80) + 40 });
  // On both sides: the first name, differently (WedSync first, then Tave a moment later).
  const bothBefore = await client(both);
  const wedsyncName = `${bothBefore.first_name}ie`;
  const crmName = `${bothBefore.first_name.slice(0, 3)}.`;
  await editWedsync(both, { first_name: wedsyncName });
  await new Promise((resolve) => setTimeout(resolve, 5));
  fake.state.update('address-book', both.external_id, { firstName: crmName });

  // Each sync of the round stands for a scheduled one (every 15 minutes or more): rather than wait for Tave's
  // minute to pass, the demo starts each with fresh request budgets on both sides (a new hub, the fake's window
  // cleared), as a later process would have.
  const syncOnce = async () => {
    hub = createHub();
    fake.rateLimits.reset();
    const { sync_job } = await hub.triggerSync({
      supplierId,
      integrationId,
      body: { job_type: 'incremental_sync' },
    });
    const [done] = await createInProcessRunner({ hub }).drain();
    const report = await hub.getSyncReport({ supplierId, jobId: sync_job.id });
    return { counts: done?.counts ?? {}, report };
  };
  const first = await syncOnce();
  const moved = (direction) =>
    first.report.entries
      .filter((entry) => entry.direction === direction && ['created', 'updated'].includes(entry.action))
      .filter((entry) => entry.changed_fields.length > 0)
      .map((entry) => ({
        type: entry.record_type,
        crm_id: direction === 'to_wedsync' ? entry.record : entry.counterpart,
        fields: entry.changed_fields,
      }));
  const open = (await hub.listConflicts({ supplierId, integrationId })).conflicts;
  const decided = first.report.entries
    .find((entry) => entry.direction === 'to_wedsync' && entry.record === both.external_id)
    ?.decided.find((item) => item.field === 'first_name');
  const pending = open.find((item) => item.external_id === both.external_id && item.field === 'first_name');
  const conflicts = [
    {
      type: 'client',
      crm_id: both.external_id,
      field: 'first_name',
      wedsync_value: wedsyncName,
      crm_value: crmName,
      decision:
        decided !== undefined
          ? `${decided.winner === 'crm' ? "Tave's" : "WedSync's"} value kept (${args.policy})`
          : pending !== undefined
            ? 'open for review: each side keeps its value until a person decides (hub.resolveConflict)'
            : 'not a conflict',
      final_wedsync: (await client(both)).first_name,
      final_crm: fake.state.get('address-book', both.external_id).firstName,
    },
  ];
  const second = await syncOnce();
  const total = (counts, keys) => keys.reduce((sum, key) => sum + (counts[key] ?? 0), 0);
  return {
    policy: args.policy,
    toWedsync: moved('to_wedsync'),
    toCrm: moved('to_crm'),
    conflicts,
    open_conflicts: open.length,
    requests: first.counts.requests ?? 0,
    // What the next sync moves: nothing, but what Tave itself derived from the hub's writes (it recomputes a
    // contact's display name, `full_name` in WedSync, when a first or last name is written).
    second_sync: {
      toWedsync: total(second.counts, ['created', 'updated', 'deleted']),
      toCrm: total(second.counts, ['to_crm.created', 'to_crm.updated']),
      fields: [
        ...new Set(
          second.report.entries
            .filter((entry) => ['created', 'updated'].includes(entry.action))
            .flatMap((entry) => entry.changed_fields),
        ),
      ],
    },
  };
}

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
