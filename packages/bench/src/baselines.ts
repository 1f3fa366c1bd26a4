/**
 * The two baselines of the import benchmark, on a fresh database of the same kind as the hub's:
 *
 * - raw, the floor: the very rows the hub's import left (host records with their match keys, record links,
 *   before-images, conflicts, logs and staging rows), read back from the hub's database and written again with
 *   batched kysely inserts, one page of 100 CRM records per transaction. Reading is not timed; only the inserts
 *   are. Nothing is fetched, mapped, matched or computed.
 * - reference, the spec's algorithm as written: per CRM record, insert its staging row, one select, one insert or
 *   update, one log insert and one progress update, each its own statement and its own commit, without the
 *   spec's sleeps. It writes the same records' rows (already mapped: it does no mapping, so it is if anything
 *   faster than the spec's) but no record links, match keys or before-images, which the spec does not have.
 *   Again only the statements are timed.
 */
import { ConflictError } from '@wedsync/crm-core';
import { createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { type Kysely, sql } from 'kysely';
import type { BenchDatabase } from './databases.js';
import { cpuSecondsSince, type ProgressReporter } from './measure.js';
import {
  hostTables,
  type ImportedRecordType,
  importedRecordTypes,
  insertRows,
  parseJsonColumn,
  positionColumn,
  type Row,
  RowReader,
  withoutPosition,
} from './rows.js';

// biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
type AnyDb = Kysely<any>;

/** The import job whose rows the baselines write again. */
export interface ImportScope {
  readonly jobId: string;
  readonly integrationId: string;
  readonly supplierId: string;
}

/** The rows of one CRM record, as the hub's import left them. */
interface RecordRows {
  readonly type: ImportedRecordType;
  readonly log: Row;
  readonly staging: Row[];
  link?: Row;
  /** The WedSync record's id, when the record has one. */
  hostId?: string;
  /** The WedSync record, when this record is the first to write it. */
  host?: Row;
  readonly backups: Row[];
  readonly matchKeys: Row[];
  readonly conflicts: Row[];
}

/** The tables the hub's import writes, with what the setup copies before any timing. */
const setupTables = ['suppliers', 'crm_integrations', 'crm_field_mappings', 'crm_sync_jobs'] as const;
const dataTables = [
  ...importedRecordTypes.map((type) => hostTables[type]),
  'client_match_keys',
  'crm_record_links',
  'crm_record_backups',
  'crm_conflicts',
  'crm_sync_logs',
  'crm_client_staging',
] as const;

function isImportedType(value: unknown): value is ImportedRecordType {
  return typeof value === 'string' && value in hostTables;
}

function groupBy(rows: readonly Row[], key: (row: Row) => string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const value = key(row);
    const group = groups.get(value);
    if (group === undefined) groups.set(value, [row]);
    else group.push(row);
  }
  return groups;
}

/**
 * Walks the CRM records of an import job in the order the hub processed them (its log rows), `pageSize` at a
 * time, with every row each record left. Each row is yielded once.
 */
async function* walkImport(
  reader: RowReader,
  scope: ImportScope,
  pageSize: number,
): AsyncGenerator<RecordRows[]> {
  const seen = {
    host: new Set<string>(),
    staging: new Set<string>(),
    links: new Set<string>(),
    backups: new Set<string>(),
    conflicts: new Set<string>(),
  };
  const fresh = (set: Set<string>) => (row: Row) => {
    const id = String(row['id']);
    if (set.has(id)) return false;
    set.add(id);
    return true;
  };
  let after: string | number | null = null;
  for (;;) {
    const logs = await reader.page(
      'crm_sync_logs',
      { integration_id: scope.integrationId, sync_job_id: scope.jobId },
      after,
      pageSize,
      'processed_at',
    );
    if (logs.length === 0) return;
    after = (logs[logs.length - 1] as Row)[positionColumn] as string | number;
    const records: RecordRows[] = logs
      .filter((log) => isImportedType(log['record_type']))
      .map((log) => ({
        type: log['record_type'] as ImportedRecordType,
        log: withoutPosition(log),
        staging: [],
        backups: [],
        matchKeys: [],
        conflicts: [],
      }));
    for (const type of importedRecordTypes) {
      const ofType = records.filter((record) => record.type === type);
      if (ofType.length === 0) continue;
      const externalIds = [...new Set(ofType.map((record) => String(record.log['record_id'])))];
      // By (integration, external id), the index that finds them; the job and the type are checked here (with
      // the job in the query, SQLite picks an index that scans every staging row of the job).
      const staging = (
        await reader.whereIn('crm_client_staging', 'external_id', externalIds, {
          integration_id: scope.integrationId,
        })
      ).filter(
        (row) =>
          row['sync_job_id'] === scope.jobId &&
          (parseJsonColumn(row['raw_data']) as { record_type?: unknown })?.record_type === type,
      );
      const links = await reader.whereIn('crm_record_links', 'external_id', externalIds, {
        integration_id: scope.integrationId,
        record_type: type,
      });
      const linkByExternalId = new Map(links.map((link) => [String(link['external_id']), link]));
      for (const record of ofType) {
        const link = linkByExternalId.get(String(record.log['record_id']));
        const id = link?.['wedsync_record_id'] ?? record.log['wedsync_record_id'];
        if (typeof id === 'string' && id !== '') record.hostId = id;
      }
      const hostIds = [
        ...new Set(ofType.flatMap((record) => (record.hostId === undefined ? [] : [record.hostId]))),
      ];
      const newHostIds = hostIds.filter((id) => !seen.host.has(id));
      const hosts = new Map(
        (await reader.whereIn(hostTables[type], 'id', newHostIds)).map((row) => [String(row['id']), row]),
      );
      const backups = groupBy(
        (
          await reader.whereIn('crm_record_backups', 'wedsync_record_id', hostIds, {
            sync_job_id: scope.jobId,
            record_type: type,
          })
        ).filter(fresh(seen.backups)),
        (row) => String(row['wedsync_record_id']),
      );
      const matchKeys =
        type === 'client'
          ? groupBy(await reader.whereIn('client_match_keys', 'client_id', [...hosts.keys()]), (row) =>
              String(row['client_id']),
            )
          : new Map<string, Row[]>();
      const conflicts = groupBy(
        (
          await reader.whereIn('crm_conflicts', 'external_id', externalIds, {
            integration_id: scope.integrationId,
            record_type: type,
          })
        ).filter(fresh(seen.conflicts)),
        (row) => String(row['external_id']),
      );
      const stagingByExternalId = groupBy(staging.filter(fresh(seen.staging)), (row) =>
        String(row['external_id']),
      );
      for (const record of ofType) {
        const externalId = String(record.log['record_id']);
        record.staging.push(...(stagingByExternalId.get(externalId) ?? []));
        stagingByExternalId.delete(externalId);
        const link = linkByExternalId.get(externalId);
        if (link !== undefined && fresh(seen.links)(link)) record.link = link;
        record.conflicts.push(...(conflicts.get(externalId) ?? []));
        conflicts.delete(externalId);
        const hostId = record.hostId;
        if (hostId === undefined) continue;
        const host = hosts.get(hostId);
        if (host !== undefined && !seen.host.has(hostId)) {
          seen.host.add(hostId);
          record.host = host;
          record.matchKeys.push(...(matchKeys.get(hostId) ?? []));
        }
        record.backups.push(...(backups.get(hostId) ?? []));
        backups.delete(hostId);
      }
    }
    yield records;
  }
}

/**
 * Prepares the hub's database for the walk, after the hub's import (so it costs the import nothing): an index
 * that finds a page's before-images by WedSync id (the storage's own indexes do not lead with it); on PostgreSQL
 * one that serves the walk's keyset over the job's log, `(processed_at, id) > (…)` (the storage's
 * `(integration_id, processed_at)` index cannot take that row comparison as a bound, so every page scanned the
 * log from its start: quadratic, more than 16 minutes at 100,000 clients); and fresh planner statistics
 * (PostgreSQL's autovacuum may not have analysed tables that grew by hundreds of thousands of rows in minutes).
 */
async function indexSource(source: BenchDatabase): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS bench_backups_record_idx ON crm_record_backups (sync_job_id, record_type, wedsync_record_id)`.execute(
    source.db,
  );
  if (source.kind !== 'sqlite') {
    await sql`CREATE INDEX IF NOT EXISTS bench_logs_walk_idx ON crm_sync_logs (integration_id, sync_job_id, processed_at, id)`.execute(
      source.db,
    );
  }
  await sql`ANALYZE`.execute(source.db);
}

/** A fresh database with the hub's tables and the rows the import started from (supplier, integration, job). */
async function prepareTarget(source: RowReader, target: BenchDatabase): Promise<void> {
  await createKyselyStorage({ db: target.db }).migrate();
  for (const table of setupTables) await insertRows(target.db, table, await source.all(table));
}

/** What a baseline wrote and how long its writes took. */
export interface BaselineResult {
  /** Seconds spent in the timed writes. */
  readonly seconds: number;
  /** CPU seconds this process used in the timed writes (see `cpuSecondsSince`). */
  readonly cpuSeconds: number;
  /** CRM records written (one per log row of the import). */
  readonly records: number;
  /** Pages (transactions) of the raw baseline; statements of the reference. */
  readonly batches: number;
  /** Rows written per table. */
  readonly rows: Readonly<Record<string, number>>;
  /** Characters of the values written (text and JSON columns), in millions: the volume of the rows. */
  readonly megacharacters: number;
}

/** Characters of a row's string values (JSON columns are text here). */
function rowCharacters(row: Row): number {
  let characters = 0;
  for (const value of Object.values(row)) if (typeof value === 'string') characters += value.length;
  return characters;
}

/** Characters of every row of a page. */
function pageCharacters(page: readonly RecordRows[]): number {
  let characters = 0;
  for (const record of page) {
    for (const row of [
      record.log,
      ...record.staging,
      ...record.backups,
      ...record.matchKeys,
      ...record.conflicts,
    ])
      characters += rowCharacters(row);
    if (record.link !== undefined) characters += rowCharacters(record.link);
    if (record.host !== undefined) characters += rowCharacters(record.host);
  }
  return characters;
}

/** Rows per data table of a database. */
async function dataRowCounts(reader: RowReader): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of dataTables) counts[table] = await reader.count(table);
  return counts;
}

/**
 * The raw floor: writes the import's rows again into `target`, one transaction per page of `pageSize` CRM
 * records. Throws when the copy does not hold exactly the rows the hub left.
 */
export async function runRawBaseline(
  source: BenchDatabase,
  target: BenchDatabase,
  scope: ImportScope,
  options: { readonly pageSize?: number; readonly report?: ProgressReporter } = {},
): Promise<BaselineResult> {
  const reader = new RowReader(source.db, source.kind);
  await indexSource(source);
  await prepareTarget(reader, target);
  let seconds = 0;
  let cpuSeconds = 0;
  let records = 0;
  let batches = 0;
  let characters = 0;
  for await (const page of walkImport(reader, scope, options.pageSize ?? 100)) {
    characters += pageCharacters(page);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await target.db.transaction().execute(async (transaction: AnyDb) => {
      for (const type of importedRecordTypes) {
        const hosts = page.flatMap((record) => (record.type === type && record.host ? [record.host] : []));
        await insertRows(transaction, hostTables[type], hosts);
        if (type === 'client') {
          await insertRows(
            transaction,
            'client_match_keys',
            page.flatMap((record) => record.matchKeys),
          );
        }
      }
      await insertRows(
        transaction,
        'crm_record_links',
        page.flatMap((record) => (record.link ? [record.link] : [])),
      );
      await insertRows(
        transaction,
        'crm_record_backups',
        page.flatMap((record) => record.backups),
      );
      await insertRows(
        transaction,
        'crm_conflicts',
        page.flatMap((record) => record.conflicts),
      );
      await insertRows(
        transaction,
        'crm_sync_logs',
        page.map((record) => record.log),
      );
      await insertRows(
        transaction,
        'crm_client_staging',
        page.flatMap((record) => record.staging),
      );
    });
    seconds += (performance.now() - started) / 1000;
    cpuSeconds += cpuSecondsSince(cpuStarted);
    records += page.length;
    batches += 1;
    if (batches % 200 === 0) options.report?.(`  raw: ${records} records written`);
  }
  const rows = await dataRowCounts(new RowReader(target.db, target.kind));
  const expected = await dataRowCounts(reader);
  const differing = dataTables.filter((table) => rows[table] !== expected[table]);
  if (differing.length > 0) {
    throw new ConflictError('The raw baseline wrote other rows than the hub left', {
      context: Object.fromEntries(
        differing.map((table) => [table, { raw: rows[table], hub: expected[table] }]),
      ),
    });
  }
  return { seconds, cpuSeconds, records, batches, rows, megacharacters: characters / 1_000_000 };
}

/** The all-zero UUID: no record's id. */
const nilUuid = '00000000-0000-0000-0000-000000000000';

/**
 * The spec's per-record algorithm: for each CRM record, in the hub's order, five statements each committed on
 * its own (no transaction): insert the staging row, select the WedSync record, insert or update it, insert the
 * log row, update the job's progress.
 */
export async function runReferenceBaseline(
  source: BenchDatabase,
  target: BenchDatabase,
  scope: ImportScope,
  options: { readonly report?: ProgressReporter } = {},
): Promise<BaselineResult> {
  const reader = new RowReader(source.db, source.kind);
  await indexSource(source);
  await prepareTarget(reader, target);
  const db = target.db;
  const written = new Set<string>();
  let seconds = 0;
  let cpuSeconds = 0;
  let records = 0;
  let statements = 0;
  let characters = 0;
  for await (const page of walkImport(reader, scope, 100)) {
    characters += pageCharacters(page);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (const record of page) {
      const table = hostTables[record.type];
      for (const staging of record.staging) {
        await db.insertInto('crm_client_staging').values(staging).execute();
        statements += 1;
      }
      const host = record.host;
      const hostId = record.hostId;
      // The spec's select: a client by its CRM id, other records by id.
      const existing =
        record.type === 'client'
          ? await db
              .selectFrom(table)
              .select('id')
              .where('supplier_id', '=', scope.supplierId)
              .where('external_crm_id', '=', String(record.log['record_id']))
              .executeTakeFirst()
          : await db
              .selectFrom(table)
              .select('id')
              // A record the hub imported nowhere (rejected, flagged) still costs the spec its select: by the nil
              // UUID, which no record has and which PostgreSQL's uuid column accepts (an empty string it refuses).
              .where('id', '=', hostId ?? nilUuid)
              .executeTakeFirst();
      statements += 1;
      if (host !== undefined && existing === undefined && !written.has(String(host['id']))) {
        await db.insertInto(table).values(host).execute();
        written.add(String(host['id']));
        statements += 1;
      } else if (hostId !== undefined && written.has(hostId)) {
        const { id: _id, ...changes } = host ?? { id: hostId, updated_at: record.log['processed_at'] };
        await db.updateTable(table).set(changes).where('id', '=', hostId).execute();
        statements += 1;
      }
      await db.insertInto('crm_sync_logs').values(record.log).execute();
      await db
        .updateTable('crm_sync_jobs')
        .set((builder) => ({ records_processed: builder('records_processed', '+', 1) }))
        .where('id', '=', scope.jobId)
        .execute();
      statements += 2;
      records += 1;
    }
    seconds += (performance.now() - started) / 1000;
    cpuSeconds += cpuSecondsSince(cpuStarted);
    if (records % 20_000 < page.length) options.report?.(`  reference: ${records} records written`);
  }
  return {
    seconds,
    cpuSeconds,
    records,
    batches: statements,
    rows: await dataRowCounts(new RowReader(db, target.kind)),
    megacharacters: characters / 1_000_000,
  };
}
