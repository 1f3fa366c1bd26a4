/**
 * Two-way `incremental_sync` end to end: the Tave provider against the fake VSCO Workspace over HTTP, on SQLite
 * (a database file) and on PostgreSQL (when CRM_TEST_PG_URL is set). After a full import of a small studio, each
 * test edits records on one side or both and runs the sync:
 *
 * - every conflict policy, field by field: a field changed on both sides differently (decided by the policy), one
 *   changed in WedSync only (reaches the CRM), one in the CRM only (reaches WedSync), one changed the same way;
 * - the review queue: a manual_review conflict survives a restart (a new hub on new connections), is resolved
 *   through the hub, and the chosen value reaches both systems on the next sync;
 * - echo: two syncs in a row after one edit move the edit once, then nothing;
 * - round trip: unicode names, apostrophes, long notes, money and date-only dates intact both ways;
 * - dry run: its report equals the real run's that follows it, and it writes nothing to either side.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase } from '../../../storage-kysely/test/backends.js';
import {
  type ConflictResolution,
  type CrmHub,
  createCrmHub,
  createVault,
  type SyncReport,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';

const apiKey = 'tave-two-way-key-0123456789';
const vaultKey = randomBytes(32).toString('base64');

/** A database the test can open again on new connections (a restart). */
interface ReopenableDatabase {
  readonly name: string;
  open(): Kysely<unknown>;
  drop(): Promise<void>;
}

async function sqliteFile(): Promise<ReopenableDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'crm-two-way-'));
  const file = join(directory, 'hub.sqlite');
  return {
    name: 'sqlite-file',
    open: () =>
      new Kysely({
        dialect: new SqliteDialect({
          database: new Database(file),
          onCreateConnection: async (connection) => {
            await connection.executeQuery(CompiledQuery.raw('PRAGMA foreign_keys = ON'));
          },
        }),
      }),
    drop: () => rm(directory, { recursive: true, force: true }),
  };
}

async function postgres(adminUrl: string): Promise<ReopenableDatabase> {
  const name = `crm_two_way_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name: 'postgres',
    open: () =>
      new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 4 }) }),
      }),
    drop: () => dropTestDatabase(adminUrl, name),
  };
}

const databases: { name: string; create: () => Promise<ReopenableDatabase> }[] = [
  { name: 'sqlite-file', create: sqliteFile },
];
const adminUrl = process.env['CRM_TEST_PG_URL'];
if (adminUrl !== undefined && adminUrl !== '') {
  databases.push({ name: 'postgres', create: () => postgres(adminUrl) });
}

interface Contact {
  readonly id: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly maidenName: string | null;
  readonly email: string | null;
  readonly secondaryEmail: string | null;
  readonly cellPhone: { readonly e164?: string | null } | null;
  readonly modified: string;
}

interface Job {
  readonly id: string;
  readonly name: string | null;
  readonly leadNotes: string | null;
  readonly eventDate: string | null;
  readonly guestCount: number | null;
  readonly leadMaxBudget: number | null;
  readonly budget?: { readonly amount?: number | null } | null;
}

for (const database of databases) {
  describe(`two-way incremental sync with the fake Tave [${database.name}]`, () => {
    let fake: RunningFakeTave;
    let place: ReopenableDatabase;
    let db: Kysely<unknown>;
    let hub: CrmHub;
    let storage: ReturnType<typeof createKyselyStorage>;
    let clientStore: ReturnType<typeof createKyselyClientStore>;
    let supplierId: string;
    let integrationId: string;
    /** Clients linked one to one, not yet used by a test. */
    let spare: { wedsyncId: string; externalId: string }[] = [];

    const provider = () =>
      createTave({
        baseUrl: fake.url,
        pageSize: 100,
        rateLimits: { requestsPerMinute: 6000, requestsPerHour: 100_000, concurrency: 4 },
      });

    /** A hub on new connections to the same database (what a restarted process has). */
    const openHub = async () => {
      db = place.open();
      storage = createKyselyStorage({ db });
      await storage.migrate();
      clientStore = createKyselyClientStore({ db });
      hub = createCrmHub({
        storage,
        clientStore,
        providers: [provider()],
        vault: createVault({ keys: [{ id: 'k1', key: vaultKey }] }),
        httpClientFactory: createProviderHttpFactory(),
      });
    };

    const sync = async (options: { dryRun?: boolean } = {}) => {
      const queued = await hub.triggerSync({
        supplierId,
        integrationId,
        body: { job_type: 'incremental_sync', job_config: options.dryRun === true ? { dry_run: true } : {} },
      });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      expect(outcome).toMatchObject({ jobId: queued.sync_job.id, status: 'completed' });
      const report = await hub.getSyncReport({ supplierId, jobId: queued.sync_job.id });
      return { counts: outcome?.counts ?? {}, report };
    };

    /** What moved: records changed in WedSync, records written to the CRM. */
    const moved = (counts: Record<string, number>) => ({
      toWedsync: (counts['created'] ?? 0) + (counts['updated'] ?? 0) + (counts['deleted'] ?? 0),
      toCrm: (counts['to_crm.created'] ?? 0) + (counts['to_crm.updated'] ?? 0),
    });

    const contact = (id: string) => fake.state.get('address-book', id) as unknown as Contact;
    const wedsyncClient = async (id: string) => {
      const stored = (await clientStore.findByIds('client', { supplierId, ids: [id] })).get(id);
      if (stored === undefined) throw new Error(`client ${id} is gone`);
      return stored.record as Record<string, unknown>;
    };
    const editWedsync = async (id: string, patch: Record<string, unknown>) => {
      const record = await wedsyncClient(id);
      await clientStore.upsert('client', [
        { id, supplier_id: supplierId, record: { ...record, ...patch } as never },
      ]);
    };
    const editCrm = (id: string, patch: Record<string, unknown>) =>
      fake.state.update('address-book', id, patch as never);
    const setPolicy = (conflict_resolution: ConflictResolution) =>
      hub.updateIntegration({ supplierId, integrationId, body: { sync_config: { conflict_resolution } } });
    const takeClient = () => {
      const next = spare.shift();
      if (next === undefined) throw new Error('no spare client left');
      return next;
    };
    /** Waits until the wall clock is past an instant (WedSync's edit must be newer than the CRM's). */
    const waitPast = async (iso: string) => {
      while (Date.now() <= Date.parse(iso) + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const entriesOf = (report: SyncReport, record: string) =>
      report.entries.filter((entry) => entry.record === record);

    beforeAll(async () => {
      fake = await startFakeTave({ apiKey, studio: { seed: 23, clients: 30 } });
      place = await database.create();
      await openHub();
      supplierId = crypto.randomUUID();
      await db
        .insertInto('suppliers' as never)
        .values({ id: supplierId, name: 'Two-way Studio', tier: 'PROFESSIONAL' } as never)
        .execute();
      const { integration } = await hub.createIntegration({
        supplierId,
        body: {
          crm_provider: 'tave',
          connection_name: 'Tave',
          auth_config: { api_key: apiKey },
          sync_config: { sync_direction: 'bidirectional', conflict_resolution: 'manual_review' },
        },
      });
      integrationId = integration.id;
      await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
      const [imported] = await createInProcessRunner({ hub }).drain();
      expect(imported?.status).toBe('completed');
      // The first two-way sync after the import sends what the import kept of WedSync's (nothing here: WedSync
      // was empty), then settles.
      const first = await sync();
      expect(moved(first.counts)).toEqual({ toWedsync: 0, toCrm: 0 });

      const links = (await storage.links.list(integrationId, 'client', { limit: 5000 })).links;
      const perRecord = new Map<string, number>();
      for (const link of links)
        perRecord.set(link.wedsync_record_id, (perRecord.get(link.wedsync_record_id) ?? 0) + 1);
      spare = links
        .filter((link) => perRecord.get(link.wedsync_record_id) === 1)
        .map((link) => ({ wedsyncId: link.wedsync_record_id, externalId: link.external_id }));
      expect(spare.length).toBeGreaterThanOrEqual(12);
    }, 120_000);

    afterAll(async () => {
      await db?.destroy();
      await place?.drop();
      await fake?.close();
    });

    const policyCases: {
      readonly policy: ConflictResolution;
      readonly newer: 'crm' | 'wedsync';
      readonly winner: 'crm' | 'wedsync' | 'none';
    }[] = [
      { policy: 'wedsync_wins', newer: 'crm', winner: 'wedsync' },
      { policy: 'crm_wins', newer: 'wedsync', winner: 'crm' },
      { policy: 'newest_wins', newer: 'crm', winner: 'crm' },
      { policy: 'newest_wins', newer: 'wedsync', winner: 'wedsync' },
      { policy: 'manual_review', newer: 'crm', winner: 'none' },
    ];

    for (const [index, { policy, newer, winner }] of policyCases.entries()) {
      it(`${policy} (${newer} edited last): decides the field both changed, moves the one-sided changes`, async () => {
        await setPolicy(policy);
        const { wedsyncId, externalId } = takeClient();
        const before = contact(externalId);
        const baseLastName = before.lastName;
        const wedsyncEdit = async () =>
          editWedsync(wedsyncId, {
            last_name: `Wedsync-${index}`,
            maiden_name: `Maiden-${index}`,
            first_name: `Same${index}`,
          });
        const crmEdit = () =>
          editCrm(externalId, {
            lastName: `Crm-${index}`,
            secondaryEmail: `crm-only-${index}@example.com`,
            firstName: `Same${index}`,
          });
        if (newer === 'crm') {
          await wedsyncEdit();
          crmEdit();
        } else {
          crmEdit();
          await waitPast(contact(externalId).modified);
          await wedsyncEdit();
        }

        const { counts, report } = await sync();
        const wedsync = await wedsyncClient(wedsyncId);
        const crm = contact(externalId);
        // One-sided changes travel; the same change on both sides is no conflict.
        expect(wedsync['secondary_email']).toBe(`crm-only-${index}@example.com`);
        expect(crm.maidenName).toBe(`Maiden-${index}`);
        expect(wedsync['first_name']).toBe(`Same${index}`);
        expect(crm.firstName).toBe(`Same${index}`);
        const [toWedsync] = entriesOf(report, externalId);
        const [toCrm] = entriesOf(report, wedsyncId);
        expect(toWedsync).toMatchObject({ direction: 'to_wedsync', action: 'updated' });
        expect(toWedsync?.changed_fields).toContain('secondary_email');
        expect(toWedsync?.changed_fields).not.toContain('first_name');
        expect(toCrm).toMatchObject({ direction: 'to_crm', action: 'updated', counterpart: externalId });
        expect(toCrm?.changed_fields).toContain('maiden_name');
        // Nothing else moved, but the CRM's own echo of an earlier write: Tave recomputes a contact's display
        // name when its last name is written, and WedSync takes it (import-only `full_name`).
        expect(moved(counts).toCrm).toBe(1);
        const others = report.entries.filter(
          (entry) => entry.action === 'updated' && entry.record !== externalId && entry.record !== wedsyncId,
        );
        for (const entry of others)
          expect(entry).toMatchObject({ direction: 'to_wedsync', changed_fields: ['full_name'] });

        const open = await hub.listConflicts({ supplierId, integrationId });
        const conflict = open.conflicts.find((item) => item.external_id === externalId);
        if (winner === 'none') {
          // Each side keeps its own value until a person decides; the conflict holds all three.
          expect(wedsync['last_name']).toBe(`Wedsync-${index}`);
          expect(crm.lastName).toBe(`Crm-${index}`);
          expect(conflict).toMatchObject({
            field: 'last_name',
            base_value: baseLastName,
            wedsync_value: `Wedsync-${index}`,
            crm_value: `Crm-${index}`,
            wedsync_record_id: wedsyncId,
            status: 'open',
          });
          expect(conflict?.crm_modified_at).toBeDefined();
          expect(conflict?.wedsync_modified_at).toBeDefined();
          expect(toWedsync?.conflicts).toEqual(['last_name']);
        } else {
          const expected = winner === 'crm' ? `Crm-${index}` : `Wedsync-${index}`;
          expect(wedsync['last_name']).toBe(expected);
          expect(crm.lastName).toBe(expected);
          expect(conflict).toBeUndefined();
          if (winner === 'crm') expect(toWedsync?.changed_fields).toContain('last_name');
          else expect(toCrm?.changed_fields).toContain('last_name');
          // The log says how the policy decided.
          expect(toWedsync?.decided).toEqual([{ field: 'last_name', winner }]);
        }
      }, 60_000);
    }

    it('keeps an open conflict across a restart, resolves it through the hub, and syncs the choice both ways', async () => {
      await setPolicy('manual_review');
      const { wedsyncId, externalId } = takeClient();
      await editWedsync(wedsyncId, { last_name: 'Review-Wedsync' });
      editCrm(externalId, { lastName: 'Review-Crm' });
      await sync();

      // Restart: new connections, a new hub, nothing kept in memory.
      await db.destroy();
      await openHub();
      const { conflicts, total } = await hub.listConflicts({ supplierId, integrationId });
      const conflict = conflicts.find((item) => item.external_id === externalId);
      expect(total).toBeGreaterThanOrEqual(1);
      expect(conflict).toMatchObject({ field: 'last_name', crm_value: 'Review-Crm', status: 'open' });

      // While open, syncs leave the field alone on both sides.
      const idle = await sync();
      expect(moved(idle.counts)).toEqual({ toWedsync: 0, toCrm: 0 });
      expect(contact(externalId).lastName).toBe('Review-Crm');

      // Another supplier cannot see or resolve it; a bad value is refused and nothing is written.
      await expect(
        hub.resolveConflict({
          supplierId: crypto.randomUUID(),
          conflictId: conflict?.id as string,
          resolution: { side: 'crm' },
        }),
      ).rejects.toMatchObject({ code: 'not_found' });
      await expect(
        hub.resolveConflict({ supplierId, conflictId: conflict?.id as string, resolution: { value: 42 } }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      expect((await wedsyncClient(wedsyncId))['last_name']).toBe('Review-Wedsync');

      const resolved = await hub.resolveConflict({
        supplierId,
        conflictId: conflict?.id as string,
        resolution: { value: "O'Connor-Ibáñez" },
      });
      expect(resolved).toMatchObject({ wedsyncUpdated: true, sendsToCrm: true });
      expect(resolved.conflict).toMatchObject({
        status: 'resolved',
        resolution: { value: "O'Connor-Ibáñez" },
      });
      expect((await wedsyncClient(wedsyncId))['last_name']).toBe("O'Connor-Ibáñez");
      await expect(
        hub.resolveConflict({ supplierId, conflictId: conflict?.id as string, resolution: { side: 'crm' } }),
      ).rejects.toMatchObject({ code: 'conflict' });

      const next = await sync();
      expect(contact(externalId).lastName).toBe("O'Connor-Ibáñez");
      expect(moved(next.counts)).toEqual({ toWedsync: 0, toCrm: 1 });
      expect(
        (await hub.listConflicts({ supplierId, integrationId })).conflicts.map((item) => item.id),
      ).not.toContain(conflict?.id);
      // The next sync reads the CRM's copy back: nothing to send, and only Tave's display name, which it
      // recomputed from the new last name, comes to WedSync. Then both sides rest.
      const settled = await sync();
      expect(moved(settled.counts).toCrm).toBe(0);
      expect(entriesOf(settled.report, externalId)[0]).toMatchObject({
        action: 'updated',
        changed_fields: ['full_name'],
      });
      expect(moved((await sync()).counts)).toEqual({ toWedsync: 0, toCrm: 0 });

      // Choosing the CRM's side changes WedSync only: nothing to send.
      const second = takeClient();
      await editWedsync(second.wedsyncId, { last_name: 'Mine' });
      editCrm(second.externalId, { lastName: 'Theirs' });
      await sync();
      const [open] = (await hub.listConflicts({ supplierId, integrationId })).conflicts.filter(
        (item) => item.external_id === second.externalId,
      );
      const byCrm = await hub.resolveConflict({
        supplierId,
        conflictId: open?.id as string,
        resolution: { side: 'crm' },
      });
      expect(byCrm).toMatchObject({ wedsyncUpdated: true, sendsToCrm: false });
      expect((await wedsyncClient(second.wedsyncId))['last_name']).toBe('Theirs');
      const quiet = await sync();
      expect(moved(quiet.counts).toWedsync).toBe(0);
      expect(contact(second.externalId).lastName).toBe('Theirs');
    }, 120_000);

    it('moves an edit once: the next sync reads the echo of its own write and moves nothing', async () => {
      const { wedsyncId, externalId } = takeClient();
      await editWedsync(wedsyncId, { maiden_name: 'Echo' });
      const first = await sync();
      expect(moved(first.counts)).toEqual({ toWedsync: 0, toCrm: 1 });
      expect(contact(externalId).maidenName).toBe('Echo');
      const second = await sync();
      expect(moved(second.counts)).toEqual({ toWedsync: 0, toCrm: 0 });
      // The CRM's copy of the hub's write was read back and recognised as an echo.
      const [echo] = entriesOf(second.report, externalId);
      expect(echo).toMatchObject({ direction: 'to_wedsync', action: 'skipped', reason: 'no_mapped_changes' });

      const other = takeClient();
      editCrm(other.externalId, { maidenName: 'From the CRM' });
      const third = await sync();
      expect(moved(third.counts)).toEqual({ toWedsync: 1, toCrm: 0 });
      expect((await wedsyncClient(other.wedsyncId))['maiden_name']).toBe('From the CRM');
      const fourth = await sync();
      expect(moved(fourth.counts)).toEqual({ toWedsync: 0, toCrm: 0 });
    }, 60_000);

    it('round-trips unicode names, apostrophes, long notes, money and date-only dates', async () => {
      const { wedsyncId, externalId } = takeClient();
      const projectLinks = (await storage.links.list(integrationId, 'project', { limit: 5000 })).links;
      const projects = await clientStore.findByIds('project', {
        supplierId,
        ids: projectLinks.map((link) => link.wedsync_record_id),
      });
      const projectLink = projectLinks.find(
        (link) =>
          (projects.get(link.wedsync_record_id)?.record as { client_id?: string } | undefined)?.client_id ===
          wedsyncId,
      );
      expect(projectLink).toBeDefined();
      const projectId = projectLink?.wedsync_record_id as string;
      const jobId = projectLink?.external_id as string;
      const notes = `${"Siobhán & Zoë's day — «first look» at 14:30, 🎉\n".repeat(80)}End.`;

      await editWedsync(wedsyncId, { first_name: 'Zoë', last_name: "O'Brien-Núñez", phone: '+442079460123' });
      const project = projects.get(projectId)?.record as Record<string, unknown>;
      await clientStore.upsert('project', [
        {
          id: projectId,
          supplier_id: supplierId,
          record: {
            ...project,
            notes,
            event_date: '2027-02-28',
            budget: {
              amount_minor: 1_234_567,
              currency: (project['budget'] as { currency?: string })?.currency ?? 'USD',
            },
          } as never,
        },
      ]);
      const out = await sync();
      expect(moved(out.counts).toCrm).toBe(2);
      const job = fake.state.get('job', jobId) as unknown as Job;
      expect(job.leadNotes).toBe(notes);
      expect(job.eventDate).toBe('2027-02-28');
      expect(job.leadMaxBudget).toBe(1_234_567);
      expect(contact(externalId)).toMatchObject({ firstName: 'Zoë', lastName: "O'Brien-Núñez" });
      expect(contact(externalId).cellPhone?.e164).toBe('+442079460123');

      // Now the CRM edits, and the sync brings them back.
      editCrm(externalId, { firstName: 'Siân' });
      fake.state.update('job', jobId, { guestCount: 142, eventDate: '2027-03-01' } as never);
      const back = await sync();
      expect(moved(back.counts).toWedsync).toBe(2);

      const client = await wedsyncClient(wedsyncId);
      const crm = contact(externalId);
      expect({
        first_name: client['first_name'],
        last_name: client['last_name'],
        email: client['email'],
        phone: client['phone'],
        maiden_name: client['maiden_name'] ?? null,
      }).toEqual({
        first_name: crm.firstName,
        last_name: crm.lastName,
        email: crm.email,
        phone: crm.cellPhone?.e164,
        maiden_name: crm.maidenName,
      });
      expect(client['first_name']).toBe('Siân');
      const stored = (await clientStore.findByIds('project', { supplierId, ids: [projectId] })).get(projectId)
        ?.record as Record<string, unknown>;
      const crmJob = fake.state.get('job', jobId) as unknown as Job;
      expect({
        notes: stored['notes'],
        event_date: stored['event_date'],
        guest_count: stored['guest_count'],
        budget: (stored['budget'] as { amount_minor?: number }).amount_minor,
      }).toEqual({
        notes: crmJob.leadNotes,
        event_date: crmJob.eventDate,
        guest_count: crmJob.guestCount,
        budget: crmJob.leadMaxBudget,
      });
      expect(stored['notes']).toBe(notes);
      expect(stored['event_date']).toBe('2027-03-01');
      const settled = await sync();
      expect(moved(settled.counts)).toEqual({ toWedsync: 0, toCrm: 0 });
    }, 60_000);

    it('previews a sync as a dry run: the same report as the real run, and nothing written anywhere', async () => {
      await setPolicy('manual_review');
      const fromCrm = takeClient();
      const fromWedsync = takeClient();
      const both = takeClient();
      editCrm(fromCrm.externalId, { lastName: 'Dry-Crm' });
      await editWedsync(fromWedsync.wedsyncId, { maiden_name: 'Dry-Wedsync' });
      await editWedsync(both.wedsyncId, { last_name: 'Dry-Both-W' });
      editCrm(both.externalId, { lastName: 'Dry-Both-C' });
      const [created] = await clientStore.upsert('client', [
        {
          supplier_id: supplierId,
          record: { first_name: 'Nova', last_name: 'Dryrun', email: 'nova.dryrun@example.com' },
        },
      ]);

      const tables = ['clients', 'projects', 'events', 'invoices', 'payments'];
      const fingerprint = async () => {
        const rows: unknown[] = [];
        for (const table of tables)
          rows.push(
            await db
              .selectFrom(table as never)
              .selectAll()
              .orderBy('id' as never)
              .execute(),
          );
        for (const table of [
          'crm_record_links',
          'crm_conflicts',
          'crm_record_backups',
          'crm_client_staging',
        ]) {
          rows.push(
            await db
              .selectFrom(table as never)
              .select((eb) => eb.fn.countAll().as('count'))
              .execute(),
          );
        }
        return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
      };
      const crmState = () =>
        JSON.stringify([
          fake.state.list('address-book'),
          fake.state.list('job'),
          fake.state.list('job-contact'),
        ]);
      const wedsyncBefore = await fingerprint();
      const crmBefore = crmState();
      fake.requestLog.clear();

      const dry = await sync({ dryRun: true });
      expect(dry.report.dry_run).toBe(true);
      expect(await fingerprint()).toBe(wedsyncBefore);
      expect(crmState()).toBe(crmBefore);
      expect(fake.requestLog.entries().filter((entry) => entry.method !== 'GET')).toEqual([]);
      expect(
        (await hub.listConflicts({ supplierId, integrationId })).conflicts.map((item) => item.external_id),
      ).not.toContain(both.externalId);
      // What it would do, per record and field.
      expect(entriesOf(dry.report, fromCrm.externalId)[0]).toMatchObject({
        action: 'updated',
        changed_fields: ['full_name', 'last_name'],
      });
      expect(entriesOf(dry.report, fromWedsync.wedsyncId)[0]).toMatchObject({
        direction: 'to_crm',
        action: 'updated',
        changed_fields: ['maiden_name'],
      });
      expect(entriesOf(dry.report, both.externalId)[0]).toMatchObject({ conflicts: ['last_name'] });
      expect(entriesOf(dry.report, created?.id as string)[0]).toMatchObject({
        direction: 'to_crm',
        action: 'created',
        counterpart: null,
      });

      const real = await sync();
      expect(real.report.dry_run).toBe(false);
      const comparable = (report: SyncReport) =>
        report.entries.map(({ counterpart: _id, ...entry }) => entry);
      expect(comparable(real.report)).toEqual(comparable(dry.report));
      expect(real.report.totals).toEqual(dry.report.totals);
      expect(contact(fromWedsync.externalId).maidenName).toBe('Dry-Wedsync');
      expect((await wedsyncClient(fromCrm.wedsyncId))['last_name']).toBe('Dry-Crm');
      expect(entriesOf(real.report, created?.id as string)[0]?.counterpart).toMatch(/\S/);
    }, 90_000);
  });
}
