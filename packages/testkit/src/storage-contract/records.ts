/** Storage contract: staging rows, sync logs, record links, conflicts and backups — including large batches. */
import {
  CrmSyncLogSchema,
  type NewStagingRow,
  type NewSyncLog,
  type RecordLink,
  type StagingRow,
} from '@wedsync/crm-core';
import { expect } from 'vitest';
import {
  type ContractScope,
  expectCrmError,
  expectIsoTimestamps,
  integrationFixture,
  later,
  pause,
} from './harness.js';

/** A batch big enough to need several statements on SQLite (32766 parameters) at the storage's row widths. */
export const largeBatchSize = 5000;

/**
 * How many WedSync ids the contract looks base stamps up by at once: past both SQLite's (32,766) and
 * PostgreSQL's (65,535) bound-parameter limits, so a storage that does not split its lookups fails.
 */
const manyLookupIds = 70_000;

/** How deep the nested staged row of the contract goes: past SQLite's JSON depth limit (1,000). */
const deeplyNestedLevels = 1200;

/** Awkward JSON: unicode, emoji, quotes, backslashes, nesting, numbers, nulls, empty containers. */
export const awkwardJson = {
  name: 'Åsa Ñúñez-O’Brien 👰🏽‍♀️🤵🏿',
  quote: 'She said "yes" \\ then left',
  newline: 'line 1\nline 2\ttab',
  numbers: [0, -1, 2.5e-7, 1e21, 9007199254740991],
  flags: [true, false, null],
  nested: { empty: {}, list: [], deeper: { 中文: '婚礼', العربية: 'زفاف' } },
};

async function jobFixture(scope: ContractScope) {
  const { integrationId, supplierId } = await integrationFixture(scope.fixture());
  const job = await scope
    .fixture()
    .storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
  return { integrationId, supplierId, jobId: job.id };
}

/** Staging, logs, links, conflicts and backups. */
export function recordTests(scope: ContractScope): void {
  const { fixture, group, test } = scope;

  group('client staging', () => {
    test('insert stages a large batch; list walks it by keyset exactly once', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const rows: NewStagingRow[] = Array.from({ length: largeBatchSize }, (_, index) => ({
        integration_id: integrationId,
        sync_job_id: jobId,
        external_id: `tave-${index}`,
        raw_data: index === 0 ? awkwardJson : { id: `tave-${index}`, firstName: `Name ${index}`, index },
      }));
      const ids = await storage.staging.insert(rows);
      expect(ids).toHaveLength(largeBatchSize);
      expect(new Set(ids).size).toBe(largeBatchSize);

      const seen: StagingRow[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await storage.staging.list({ jobId, limit: 1200, after });
        seen.push(...page.staging_rows);
        after = page.next_cursor;
        pages += 1;
      } while (after !== null);
      expect(pages).toBe(5);
      expect(seen).toHaveLength(largeBatchSize);
      expect(new Set(seen.map((row) => row.id))).toEqual(new Set(ids));
      const first = seen.find((row) => row.external_id === 'tave-0');
      expect(first).toMatchObject({
        raw_data: awkwardJson,
        import_status: 'pending',
        integration_id: integrationId,
      });
      expect(first).not.toHaveProperty('mapped_data');
      expectIsoTimestamps(first as StagingRow, ['created_at']);
      await expectCrmError(storage.staging.list({ jobId, after: 'garbage' }), 'invalid_argument');
      await expectCrmError(storage.staging.list({}), 'invalid_argument');
    });

    test('updateStatus changes a large batch; absent fields stay, null clears', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const ids = await storage.staging.insert(
        Array.from({ length: largeBatchSize }, (_, index) => ({
          integration_id: integrationId,
          sync_job_id: jobId,
          external_id: `hb-${index}`,
          raw_data: { index },
          mapped_data: { first_name: `Old ${index}` },
        })),
      );
      const changed = await storage.staging.updateStatus(
        ids.map((id, index) =>
          index % 5 === 0
            ? {
                id,
                import_status: 'error' as const,
                mapped_data: null,
                error_details: { field: 'email', reason: 'invalid' },
              }
            : index % 5 === 1
              ? { id, import_status: 'duplicate' as const }
              : {
                  id,
                  import_status: 'processed' as const,
                  mapped_data: { first_name: `New ${index}`, note: '✓' },
                },
        ),
      );
      expect(changed).toBe(largeBatchSize);
      const byStatus = async (status: 'error' | 'duplicate' | 'processed' | 'pending') => {
        const rows: StagingRow[] = [];
        let after: string | null = null;
        do {
          const page = await storage.staging.list({ jobId, status, limit: 5000, after });
          rows.push(...page.staging_rows);
          after = page.next_cursor;
        } while (after !== null);
        return rows;
      };
      const errors = await byStatus('error');
      const duplicates = await byStatus('duplicate');
      const processed = await byStatus('processed');
      expect(errors).toHaveLength(largeBatchSize / 5);
      expect(duplicates).toHaveLength(largeBatchSize / 5);
      expect(processed).toHaveLength((largeBatchSize * 3) / 5);
      expect(await byStatus('pending')).toHaveLength(0);
      const error = errors[0] as StagingRow;
      expect(error).not.toHaveProperty('mapped_data');
      expect(error.error_details).toEqual({ field: 'email', reason: 'invalid' });
      const duplicate = duplicates[0] as StagingRow;
      const duplicateIndex = Number(duplicate.external_id.slice(3));
      expect(duplicate.mapped_data).toEqual({ first_name: `Old ${duplicateIndex}` });
      const done = processed[0] as StagingRow;
      expect(done.mapped_data).toEqual({ first_name: `New ${Number(done.external_id.slice(3))}`, note: '✓' });
      expect(
        await storage.staging.updateStatus([{ id: crypto.randomUUID(), import_status: 'processed' }]),
      ).toBe(0);
      await expectCrmError(
        storage.staging.updateStatus([{ id: ids[0] ?? '', import_status: 'imported' as never }]),
        'invalid_argument',
      );
    });

    test('an aborted batch writes nothing; rows naming unknown parents are not found', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const controller = new AbortController();
      controller.abort(new Error('stopped by the runner'));
      const rows = Array.from({ length: 10 }, (_, index) => ({
        integration_id: integrationId,
        sync_job_id: jobId,
        external_id: `abort-${index}`,
        raw_data: {},
      }));
      await expect(storage.staging.insert(rows, { signal: controller.signal })).rejects.toThrow(
        'stopped by the runner',
      );
      await expect(storage.logs.insert([], { signal: controller.signal })).resolves.toBeUndefined();
      expect((await storage.staging.list({ jobId })).staging_rows).toEqual([]);
      await expectCrmError(
        storage.staging.insert([
          { integration_id: integrationId, sync_job_id: crypto.randomUUID(), external_id: 'x', raw_data: {} },
        ]),
        'not_found',
      );
      await expectCrmError(
        storage.logs.insert([
          {
            integration_id: crypto.randomUUID(),
            record_type: 'client',
            record_id: 'x',
            action_type: 'created',
          },
        ]),
        'not_found',
      );
      await expectCrmError(
        storage.links.upsert([
          {
            integration_id: crypto.randomUUID(),
            record_type: 'client',
            external_id: 'x',
            wedsync_record_id: 'w',
          },
        ]),
        'not_found',
      );
    });

    test('list filters by integration; purge removes old rows', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      await storage.staging.insert([
        { integration_id: integrationId, sync_job_id: jobId, external_id: 'a', raw_data: {} },
        {
          integration_id: integrationId,
          sync_job_id: jobId,
          external_id: 'b',
          raw_data: {},
          import_status: 'processed',
        },
      ]);
      expect((await storage.staging.list({ integrationId })).staging_rows).toHaveLength(2);
      expect((await storage.staging.list({ integrationId, status: 'processed' })).staging_rows).toHaveLength(
        1,
      );
      expect(
        await storage.staging.purge({ olderThan: new Date('2000-01-01T00:00:00Z'), integrationId }),
      ).toBe(0);
      expect(await storage.staging.purge({ olderThan: later(new Date(), 60_000), integrationId })).toBe(2);
      expect((await storage.staging.list({ integrationId })).staging_rows).toEqual([]);
    });
  });

  group('latest staged rows', () => {
    const staged = (
      integrationId: string,
      jobId: string,
      recordType: string,
      externalId: string,
      version: number,
    ): NewStagingRow => ({
      integration_id: integrationId,
      sync_job_id: jobId,
      external_id: externalId,
      raw_data: { record_type: recordType, data: { id: externalId, version } },
      import_status: 'processed',
    });
    const walk = async (
      integrationId: string,
      recordType: 'client' | 'project' | 'event',
      limit: number,
    ): Promise<{ rows: StagingRow[]; pages: number }> => {
      const { storage } = scope.fixture();
      const rows: StagingRow[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await storage.staging.listLatest(integrationId, recordType, { limit, after });
        rows.push(...page.staging_rows);
        after = page.next_cursor;
        pages += 1;
      } while (after !== null);
      return { rows, pages };
    };

    test('listLatest pages the newest row of each external id of one record type, across jobs', async () => {
      const { storage } = fixture();
      const { integrationId, jobId: firstJob } = await jobFixture(scope);
      const other = await jobFixture(scope);
      await storage.staging.insert([
        ...['a', 'b', 'c', 'd', 'e'].map((id) => staged(integrationId, firstJob, 'client', id, 1)),
        staged(integrationId, firstJob, 'project', 'a', 1),
        staged(other.integrationId, other.jobId, 'client', 'b', 9),
      ]);
      await storage.jobs.cancel(firstJob);
      const secondJob = (
        await storage.jobs.create({ integration_id: integrationId, job_type: 'field_mapping_update' })
      ).id;
      await pause(2); // distinct created_at: "latest" is by staging time
      await storage.staging.insert([
        staged(integrationId, secondJob, 'client', 'b', 2),
        staged(integrationId, secondJob, 'client', 'd', 2),
      ]);
      await pause(2);
      await storage.staging.insert([staged(integrationId, secondJob, 'client', 'b', 3)]);

      const first = await storage.staging.listLatest(integrationId, 'client', { limit: 2 });
      expect(first.staging_rows.map((row) => [row.external_id, row.raw_data['data']])).toEqual([
        ['a', { id: 'a', version: 1 }],
        ['b', { id: 'b', version: 3 }],
      ]);
      expect(first.next_cursor).not.toBeNull();
      const latestB = first.staging_rows[1] as StagingRow;
      expect(latestB).toMatchObject({
        integration_id: integrationId,
        sync_job_id: secondJob,
        import_status: 'processed',
        raw_data: { record_type: 'client', data: { id: 'b', version: 3 } },
      });
      expectIsoTimestamps(latestB, ['created_at']);
      const second = await storage.staging.listLatest(integrationId, 'client', {
        limit: 2,
        after: first.next_cursor,
      });
      expect(second.staging_rows.map((row) => [row.external_id, row.raw_data['data']])).toEqual([
        ['c', { id: 'c', version: 1 }],
        ['d', { id: 'd', version: 2 }],
      ]);
      const third = await storage.staging.listLatest(integrationId, 'client', {
        limit: 2,
        after: second.next_cursor,
      });
      expect(third.staging_rows.map((row) => row.external_id)).toEqual(['e']);
      expect(third.next_cursor).toBeNull();

      const projects = await storage.staging.listLatest(integrationId, 'project');
      expect(projects.staging_rows.map((row) => [row.external_id, row.raw_data['record_type']])).toEqual([
        ['a', 'project'],
      ]);
      expect(projects.next_cursor).toBeNull();
      expect(await storage.staging.listLatest(integrationId, 'event')).toEqual({
        staging_rows: [],
        next_cursor: null,
      });
      expect(await storage.staging.countLatest(integrationId, 'client')).toBe(5);
      expect(await storage.staging.countLatest(integrationId, 'project')).toBe(1);
      expect(await storage.staging.countLatest(integrationId, 'event')).toBe(0);
      expect(await storage.staging.countLatest(other.integrationId, 'client')).toBe(1);
      expect(await storage.staging.countLatest('not-a-uuid', 'client')).toBe(0);
      expect((await storage.staging.listLatest('not-a-uuid', 'client')).staging_rows).toEqual([]);
      await expectCrmError(
        storage.staging.listLatest(integrationId, 'client', { after: 'garbage' }),
        'invalid_argument',
      );
      await expectCrmError(storage.staging.listLatest(integrationId, 'contact' as never), 'invalid_argument');
      await expectCrmError(
        storage.staging.countLatest(integrationId, 'contact' as never),
        'invalid_argument',
      );
      await expectCrmError(
        storage.staging.listLatest(integrationId, 'client', { limit: 0 }),
        'invalid_argument',
      );
    });

    test('listLatest walks a large staging table once per external id, rows of one instant included', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const ids = Array.from({ length: 1500 }, (_, index) => `ext-${String(index).padStart(5, '0')}`);
      // Every id twice in one insert (the same created_at), and the even ones a third time, later.
      await storage.staging.insert([
        ...ids.map((id) => staged(integrationId, jobId, 'client', id, 1)),
        ...ids.map((id) => staged(integrationId, jobId, 'client', id, 1)),
      ]);
      await pause(2);
      await storage.staging.insert(
        ids.filter((_, index) => index % 2 === 0).map((id) => staged(integrationId, jobId, 'client', id, 2)),
      );
      const { rows, pages } = await walk(integrationId, 'client', 400);
      expect(pages).toBe(4);
      expect(rows.map((row) => row.external_id)).toEqual(ids);
      for (const [index, row] of rows.entries()) {
        expect((row.raw_data['data'] as { version: number }).version).toBe(index % 2 === 0 ? 2 : 1);
      }
      expect(await storage.staging.countLatest(integrationId, 'client')).toBe(ids.length);
      const aborted = new AbortController();
      aborted.abort(new Error('stopped by the runner'));
      await expect(
        storage.staging.listLatest(integrationId, 'client', { signal: aborted.signal }),
      ).rejects.toThrow('stopped by the runner');
    });

    test('a row nested 1,200 levels deep is staged and read back by listLatest', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      // Deeper than SQLite's JSON functions accept (1,000 levels): storage must not need them to stage a row.
      let nested: Record<string, unknown> = { leaf: 'Åsa 👰🏽‍♀️' };
      for (let level = 1; level < deeplyNestedLevels; level += 1) nested = { child: nested };
      const rawData = { record_type: 'client', data: { id: 'deep-1' }, nested };
      await storage.staging.insert([
        {
          integration_id: integrationId,
          sync_job_id: jobId,
          external_id: 'deep-1',
          raw_data: rawData,
          import_status: 'processed',
        },
        staged(integrationId, jobId, 'client', 'shallow-1', 1),
      ]);
      const latest = await storage.staging.listLatest(integrationId, 'client');
      expect(latest.staging_rows.map((row) => row.external_id)).toEqual(['deep-1', 'shallow-1']);
      expect(latest.staging_rows[0]?.raw_data).toEqual(rawData);
      expect(latest.next_cursor).toBeNull();
      expect(await storage.staging.countLatest(integrationId, 'client')).toBe(2);
      expect((await storage.staging.listLatest(integrationId, 'project')).staging_rows).toEqual([]);
    });
  });

  group('sync logs', () => {
    test('insert writes a large batch; list pages newest first with totals and filters', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const base = new Date('2032-01-01T00:00:00.000Z');
      const actions = ['created', 'updated', 'skipped', 'error'] as const;
      const rows: NewSyncLog[] = Array.from({ length: largeBatchSize }, (_, index) => ({
        integration_id: integrationId,
        sync_job_id: index % 2 === 0 ? jobId : null,
        record_type: index % 10 === 0 ? 'project' : 'client',
        record_id: `ext-${index}`,
        wedsync_record_id: index % 3 === 0 ? crypto.randomUUID() : null,
        action_type: actions[index % 4] ?? 'created',
        action_details: { index, changed: ['email'], note: index === 0 ? awkwardJson : undefined },
        error_message: index % 4 === 3 ? `Ungültige Telefonnummer ${index}` : null,
        processed_at: later(base, index * 1000),
      }));
      await storage.logs.insert(rows);

      const first = await storage.logs.list(integrationId, { page: 1, per_page: 500 });
      expect(first).toMatchObject({ total: largeBatchSize, page: 1, per_page: 500 });
      expect(first.logs).toHaveLength(500);
      expect(first.logs[0]?.record_id).toBe(`ext-${largeBatchSize - 1}`);
      for (const log of first.logs) {
        expect(() => CrmSyncLogSchema.parse(log)).not.toThrow();
        expectIsoTimestamps(log, ['processed_at']);
      }
      const last = await storage.logs.list(integrationId, { page: largeBatchSize / 500, per_page: 500 });
      expect(last.logs[last.logs.length - 1]?.record_id).toBe('ext-0');
      expect(last.logs[last.logs.length - 1]?.action_details).toEqual({
        index: 0,
        changed: ['email'],
        note: awkwardJson,
      });
      expect(last.logs[last.logs.length - 1]?.processed_at).toBe('2032-01-01T00:00:00.000Z');

      expect((await storage.logs.list(integrationId, { jobId, per_page: 1 })).total).toBe(largeBatchSize / 2);
      expect((await storage.logs.list(integrationId, { actionType: 'error', per_page: 1 })).total).toBe(
        largeBatchSize / 4,
      );
      expect((await storage.logs.list(integrationId, { recordType: 'project', per_page: 1 })).total).toBe(
        largeBatchSize / 10,
      );
      const errorLog = (await storage.logs.list(integrationId, { actionType: 'error', per_page: 1 })).logs[0];
      expect(errorLog?.error_message).toMatch(/^Ungültige Telefonnummer/);
      const plain = (await storage.logs.list(integrationId, { actionType: 'created', per_page: 1 })).logs[0];
      expect(plain).not.toHaveProperty('error_message');
      await expectCrmError(
        storage.logs.insert([
          {
            integration_id: integrationId,
            record_type: 'client',
            record_id: 'x',
            action_type: 'merged' as never,
          },
        ]),
        'invalid_argument',
      );
    });

    test('purge deletes logs older than a date and returns how many', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      const base = new Date('2020-01-01T00:00:00.000Z');
      await storage.logs.insert(
        Array.from({ length: 30 }, (_, index) => ({
          integration_id: integrationId,
          record_type: 'client',
          record_id: `old-${index}`,
          action_type: 'updated' as const,
          processed_at: later(base, index * 86_400_000),
        })),
      );
      expect(await storage.logs.purge({ olderThan: later(base, 10 * 86_400_000), integrationId })).toBe(10);
      expect((await storage.logs.list(integrationId)).total).toBe(20);
      expect(await storage.logs.purge({ olderThan: later(base, 10 * 86_400_000), integrationId })).toBe(0);
      expect(await storage.logs.purge({ olderThan: new Date('2100-01-01T00:00:00Z'), integrationId })).toBe(
        20,
      );
    });
  });

  group('record links', () => {
    test('upsert inserts and overwrites links; lookups by either id find them', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      const links = Array.from({ length: largeBatchSize }, (_, index) => ({
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: `tave-${index}`,
        wedsync_record_id: `wedsync-${index}`,
        base_snapshot: { first_name: `Name ${index}`, email: `n${index}@example.com` },
        content_hash: `hash-${index}`,
        crm_modified_at: '2026-10-05T00:00:00+00:00',
      }));
      await storage.links.upsert(links);
      const found = await storage.links.findByExternalIds(
        integrationId,
        'client',
        links.map((link) => link.external_id),
      );
      expect(found).toHaveLength(largeBatchSize);
      const one = found.find((link) => link.external_id === 'tave-7');
      expect(one).toMatchObject({
        wedsync_record_id: 'wedsync-7',
        base_snapshot: { first_name: 'Name 7', email: 'n7@example.com' },
        content_hash: 'hash-7',
        crm_modified_at: '2026-10-05T00:00:00.000Z',
      });
      expectIsoTimestamps(one ?? {}, ['last_synced_at', 'created_at', 'updated_at', 'crm_modified_at']);
      expect(await storage.links.findByExternalIds(integrationId, 'project', ['tave-7'])).toEqual([]);

      await storage.links.upsert([
        {
          integration_id: integrationId,
          record_type: 'client',
          external_id: 'tave-7',
          wedsync_record_id: 'wedsync-7',
          base_snapshot: awkwardJson,
          content_hash: 'hash-7b',
          last_written_hash: 'written',
          last_written_side: 'crm',
          last_written_at: '2026-11-01T12:00:00.000Z',
        },
      ]);
      const [updated] = await storage.links.findByWedsyncIds(integrationId, 'client', ['wedsync-7']);
      expect(updated).toMatchObject({
        id: one?.id,
        created_at: one?.created_at,
        base_snapshot: awkwardJson,
        content_hash: 'hash-7b',
        last_written_side: 'crm',
        last_written_at: '2026-11-01T12:00:00.000Z',
      });
      expect(updated).not.toHaveProperty('crm_modified_at');
      const error = await expectCrmError(
        storage.links.upsert([
          {
            integration_id: integrationId,
            record_type: 'client',
            external_id: 'tave-new',
            wedsync_record_id: 'wedsync-8',
          },
        ]),
        'conflict',
      );
      expect(error.context['fields']).toEqual(['integration_id', 'record_type', 'wedsync_record_id']);
    });

    test('base_updated_at round-trips: set, cleared by null, cleared when absent (the row is written whole)', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      const link = {
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: 'tave-base',
        wedsync_record_id: 'wedsync-base',
        base_snapshot: { first_name: 'Ava' },
      };
      const read = async () => {
        const [byExternalId] = await storage.links.findByExternalIds(integrationId, 'client', ['tave-base']);
        const [byWedsyncId] = await storage.links.findByWedsyncIds(integrationId, 'client', ['wedsync-base']);
        const { links } = await storage.links.list(integrationId, 'client');
        expect(byWedsyncId).toEqual(byExternalId);
        expect(links).toEqual([byExternalId]);
        return byExternalId;
      };
      await storage.links.upsert([{ ...link, base_updated_at: '2030-01-02T03:04:05.678+01:00' }]);
      const stamped = await read();
      expect(stamped?.base_updated_at).toBe('2030-01-02T02:04:05.678Z');
      expectIsoTimestamps(stamped ?? {}, ['base_updated_at']);
      await storage.links.upsert([{ ...link, base_updated_at: null }]);
      expect(await read()).not.toHaveProperty('base_updated_at');
      await storage.links.upsert([{ ...link, base_updated_at: '2030-01-02T02:04:05.678Z' }]);
      expect((await read())?.base_updated_at).toBe('2030-01-02T02:04:05.678Z');
      await storage.links.upsert([link]);
      expect(await read()).not.toHaveProperty('base_updated_at');
      await expectCrmError(
        storage.links.upsert([{ ...link, base_updated_at: 'not a time' }]),
        'invalid_argument',
      );
    });

    test('findBaseStamps: the non-null base_updated_at of the active links of one integration and type', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      const other = await jobFixture(scope);
      const stamp = (day: number) => `2030-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
      const link = (
        integration: string,
        recordType: 'client' | 'project',
        wedsyncId: string,
        baseUpdatedAt?: string,
      ) => ({
        integration_id: integration,
        record_type: recordType,
        external_id: `e-${wedsyncId}`,
        wedsync_record_id: wedsyncId,
        base_snapshot: { first_name: wedsyncId },
        ...(baseUpdatedAt === undefined ? {} : { base_updated_at: baseUpdatedAt }),
      });
      await storage.links.upsert([
        link(integrationId, 'client', 'w-1', stamp(1)),
        link(integrationId, 'client', 'w-2'),
        { ...link(integrationId, 'client', 'w-3', stamp(3)), base_updated_at: null },
        link(integrationId, 'client', 'w-4', stamp(4)),
        link(integrationId, 'client', 'w-5', stamp(5)),
        link(integrationId, 'project', 'w-1', stamp(11)),
        link(other.integrationId, 'client', 'w-1', stamp(21)),
      ]);
      // A link marked deleted in the CRM is no base to skip an export by, whatever its stamp.
      expect(await storage.links.markDeletedInCrm(integrationId, 'client', ['e-w-4'])).toBe(1);
      const asked = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'unknown', 'w-1'];
      expect(await storage.links.findBaseStamps(integrationId, 'client', asked)).toEqual(
        new Map([
          ['w-1', stamp(1)],
          ['w-5', stamp(5)],
        ]),
      );
      expect(await storage.links.findBaseStamps(integrationId, 'project', asked)).toEqual(
        new Map([['w-1', stamp(11)]]),
      );
      expect(await storage.links.findBaseStamps(other.integrationId, 'client', asked)).toEqual(
        new Map([['w-1', stamp(21)]]),
      );
      expect(await storage.links.findBaseStamps(integrationId, 'event', asked)).toEqual(new Map());
      expect(await storage.links.findBaseStamps(integrationId, 'client', [])).toEqual(new Map());
      expect(await storage.links.findBaseStamps('not-a-uuid', 'client', asked)).toEqual(new Map());
      // A link written again with a stamp (as an import does when WedSync's record matches) is found again.
      await storage.links.upsert([link(integrationId, 'client', 'w-2', stamp(2))]);
      expect((await storage.links.findBaseStamps(integrationId, 'client', ['w-2'])).get('w-2')).toBe(
        stamp(2),
      );

      // More ids than any one statement takes, the linked ones spread over the whole list.
      const many = Array.from({ length: manyLookupIds }, (_, index) => `many-${index}`);
      const spread = [many[0]!, many[33_000]!, many[66_000]!, many[manyLookupIds - 1]!];
      await storage.links.upsert(
        spread.map((id, index) => link(integrationId, 'client', id, stamp(index + 1))),
      );
      expect(await storage.links.findBaseStamps(integrationId, 'client', many)).toEqual(
        new Map(spread.map((id, index) => [id, stamp(index + 1)])),
      );

      await expectCrmError(
        storage.links.findBaseStamps(integrationId, 'contact' as never, ['w-1']),
        'invalid_argument',
      );
      await expectCrmError(
        storage.links.findBaseStamps(integrationId, 'client', 'w-1' as never),
        'invalid_argument',
      );
      const aborted = new AbortController();
      aborted.abort(new Error('stopped by the runner'));
      await expect(
        storage.links.findBaseStamps(integrationId, 'client', ['w-1'], { signal: aborted.signal }),
      ).rejects.toThrow('stopped by the runner');
    });

    test('findWedsyncIds: the WedSync id of each linked CRM id of one integration and type, as findByExternalIds says', async () => {
      const { storage } = fixture();
      const find = storage.links.findWedsyncIds?.bind(storage.links);
      // An optional method: a storage without it leaves the hub to read whole links (findByExternalIds).
      if (find === undefined) return;
      const { integrationId } = await jobFixture(scope);
      const other = await jobFixture(scope);
      const link = (
        integration: string,
        recordType: 'client' | 'project',
        externalId: string,
        wedsyncId: string,
      ) => ({
        integration_id: integration,
        record_type: recordType,
        external_id: externalId,
        wedsync_record_id: wedsyncId,
        base_snapshot: { note: awkwardJson },
      });
      await storage.links.upsert([
        link(integrationId, 'client', 'c-1', 'w-1'),
        link(integrationId, 'client', 'c-2', 'w-2'),
        link(integrationId, 'client', 'C-1', 'w-3'),
        link(integrationId, 'project', 'c-1', 'w-11'),
        link(other.integrationId, 'client', 'c-1', 'w-21'),
      ]);
      // A link marked deleted in the CRM still names its record (a parent stays a parent).
      expect(await storage.links.markDeletedInCrm(integrationId, 'client', ['c-2'])).toBe(1);
      const asked = ['c-1', 'c-2', 'C-1', 'unknown', 'c-1'];
      const expected = new Map(
        (await storage.links.findByExternalIds(integrationId, 'client', asked)).map((found) => [
          found.external_id,
          found.wedsync_record_id,
        ]),
      );
      expect(expected).toEqual(
        new Map([
          ['c-1', 'w-1'],
          ['c-2', 'w-2'],
          ['C-1', 'w-3'],
        ]),
      );
      expect(await find(integrationId, 'client', asked)).toEqual(expected);
      expect(await find(integrationId, 'project', asked)).toEqual(new Map([['c-1', 'w-11']]));
      expect(await find(other.integrationId, 'client', asked)).toEqual(new Map([['c-1', 'w-21']]));
      expect(await find(integrationId, 'event', asked)).toEqual(new Map());
      expect(await find(integrationId, 'client', [])).toEqual(new Map());
      expect(await find('not-a-uuid', 'client', asked)).toEqual(new Map());

      // More ids than any one statement takes, the linked ones spread over the whole list.
      const many = Array.from({ length: manyLookupIds }, (_, index) => `many-${index}`);
      const spread = [many[0]!, many[33_000]!, many[66_000]!, many[manyLookupIds - 1]!];
      await storage.links.upsert(
        spread.map((id, index) => link(integrationId, 'project', id, `w-many-${index}`)),
      );
      expect(await find(integrationId, 'project', many)).toEqual(
        new Map(spread.map((id, index) => [id, `w-many-${index}`])),
      );

      await expectCrmError(find(integrationId, 'contact' as never, ['c-1']), 'invalid_argument');
      await expectCrmError(find(integrationId, 'client', 'c-1' as never), 'invalid_argument');
      const aborted = new AbortController();
      aborted.abort(new Error('stopped by the runner'));
      await expect(find(integrationId, 'client', ['c-1'], { signal: aborted.signal })).rejects.toThrow(
        'stopped by the runner',
      );
    });

    test('markDeletedInCrm marks links once; list pages them; deleteByWedsyncIds removes them', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      await storage.links.upsert(
        Array.from({ length: 25 }, (_, index) => ({
          integration_id: integrationId,
          record_type: 'project' as const,
          external_id: `p-${String(index).padStart(2, '0')}`,
          wedsync_record_id: `w-${index}`,
        })),
      );
      const at = new Date('2032-02-02T02:02:02.202Z');
      expect(
        await storage.links.markDeletedInCrm(integrationId, 'project', ['p-00', 'p-01', 'missing'], {
          now: at,
        }),
      ).toBe(2);
      expect(await storage.links.markDeletedInCrm(integrationId, 'project', ['p-00'])).toBe(0);
      const [marked] = await storage.links.findByExternalIds(integrationId, 'project', ['p-00']);
      expect(marked?.deleted_in_crm_at).toBe('2032-02-02T02:02:02.202Z');

      const all = [];
      let after: string | null = null;
      do {
        const page = await storage.links.list(integrationId, 'project', { limit: 10, after });
        all.push(...page.links);
        after = page.next_cursor;
      } while (after !== null);
      expect(all.map((link) => link.external_id)).toEqual(
        Array.from({ length: 25 }, (_, index) => `p-${String(index).padStart(2, '0')}`),
      );
      expect(
        (await storage.links.list(integrationId, 'project', { activeOnly: true, limit: 100 })).links,
      ).toHaveLength(23);
      expect(await storage.links.deleteByWedsyncIds(integrationId, 'project', ['w-0', 'w-1', 'w-2'])).toBe(3);
      expect((await storage.links.list(integrationId, 'project', { limit: 100 })).links).toHaveLength(22);
    });

    /** A staged row of `recordType` (as imports stage them: `raw_data.record_type`). */
    const stagedRow = (
      integrationId: string,
      jobId: string,
      recordType: string,
      externalId: string,
    ): NewStagingRow => ({
      integration_id: integrationId,
      sync_job_id: jobId,
      external_id: externalId,
      raw_data: { record_type: recordType, data: { id: externalId } },
      import_status: 'processed',
    });
    const linkOf = (integrationId: string, recordType: 'client' | 'project', externalId: string) => ({
      integration_id: integrationId,
      record_type: recordType,
      external_id: externalId,
      wedsync_record_id: `w-${recordType}-${externalId}`,
    });
    /** Every page of `listNotStagedByJob`, with the number of pages. */
    const walkNotStaged = async (
      integrationId: string,
      recordType: 'client' | 'project',
      jobId: string,
      limit: number,
      onPage?: (links: readonly RecordLink[]) => Promise<void>,
    ): Promise<{ ids: string[]; pages: number }> => {
      const { storage } = scope.fixture();
      const ids: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await storage.links.listNotStagedByJob(integrationId, recordType, jobId, {
          limit,
          after,
        });
        ids.push(...page.links.map((link) => link.external_id));
        await onPage?.(page.links);
        after = page.next_cursor;
        pages += 1;
      } while (after !== null);
      return { ids, pages };
    };

    test('listNotStagedByJob and countActive: the active links of a type the job staged no row of that type for', async () => {
      const { storage } = fixture();
      const { integrationId, jobId: olderJob } = await jobFixture(scope);
      await storage.jobs.cancel(olderJob);
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      const other = await jobFixture(scope);
      const clientIds = Array.from({ length: 30 }, (_, index) => `c-${String(index).padStart(2, '0')}`);
      await storage.links.upsert([
        ...clientIds.map((id) => linkOf(integrationId, 'client', id)),
        ...['p-0', 'p-1', 'p-2'].map((id) => linkOf(integrationId, 'project', id)),
        ...clientIds.map((id) => linkOf(other.integrationId, 'client', id)),
      ]);
      expect(await storage.links.markDeletedInCrm(integrationId, 'client', ['c-29'])).toBe(1);
      await storage.staging.insert([
        // This job staged c-00..c-19 but c-05 as clients, and c-25 as a project (another record type).
        ...clientIds
          .slice(0, 20)
          .filter((id) => id !== 'c-05')
          .map((id) => stagedRow(integrationId, job.id, 'client', id)),
        stagedRow(integrationId, job.id, 'project', 'c-25'),
        stagedRow(integrationId, job.id, 'client', 'unlinked'),
        // An older job of the integration, and another integration's job, staged the rest.
        ...clientIds.slice(20).map((id) => stagedRow(integrationId, olderJob, 'client', id)),
        ...clientIds.map((id) => stagedRow(other.integrationId, other.jobId, 'client', id)),
      ]);
      const gone = ['c-05', 'c-20', 'c-21', 'c-22', 'c-23', 'c-24', 'c-25', 'c-26', 'c-27', 'c-28'];

      const walked = await walkNotStaged(integrationId, 'client', job.id, 3);
      expect(walked.ids).toEqual(gone);
      expect(walked.pages).toBe(4);
      const [first] = (await storage.links.listNotStagedByJob(integrationId, 'client', job.id)).links;
      expect(first).toMatchObject({
        integration_id: integrationId,
        record_type: 'client',
        external_id: 'c-05',
        wedsync_record_id: 'w-client-c-05',
      });
      expect(first).not.toHaveProperty('deleted_in_crm_at');
      expect(await storage.links.countActive(integrationId, 'client')).toBe(29);
      expect(await storage.links.countActive(integrationId, 'client', { notStagedByJob: job.id })).toBe(10);
      expect(await storage.links.countActive(integrationId, 'project', { notStagedByJob: job.id })).toBe(3);
      expect((await walkNotStaged(integrationId, 'project', job.id, 10)).ids).toEqual(['p-0', 'p-1', 'p-2']);
      // The older job staged only c-20..c-29.
      expect(await storage.links.countActive(integrationId, 'client', { notStagedByJob: olderJob })).toBe(20);
      expect(
        await storage.links.countActive(other.integrationId, 'client', { notStagedByJob: other.jobId }),
      ).toBe(0);
      expect(
        (await storage.links.listNotStagedByJob(other.integrationId, 'client', other.jobId)).links,
      ).toEqual([]);
      // A job that staged nothing (or no job at all) leaves every active link.
      expect(await storage.links.countActive(integrationId, 'client', { notStagedByJob: 'not-a-job' })).toBe(
        29,
      );
      expect((await walkNotStaged(integrationId, 'client', 'not-a-job', 100)).ids).toHaveLength(29);
      expect(await storage.links.countActive('not-a-uuid', 'client')).toBe(0);
      expect(await storage.links.listNotStagedByJob('not-a-uuid', 'client', job.id)).toEqual({
        links: [],
        next_cursor: null,
      });
      await expectCrmError(
        storage.links.listNotStagedByJob(integrationId, 'contact' as never, job.id),
        'invalid_argument',
      );
      await expectCrmError(storage.links.countActive(integrationId, 'contact' as never), 'invalid_argument');
      await expectCrmError(
        storage.links.listNotStagedByJob(integrationId, 'client', job.id, { after: 'garbage' }),
        'invalid_argument',
      );
      await expectCrmError(
        storage.links.listNotStagedByJob(integrationId, 'client', job.id, { limit: 0 }),
        'invalid_argument',
      );
      const aborted = new AbortController();
      aborted.abort(new Error('stopped by the runner'));
      await expect(
        storage.links.listNotStagedByJob(integrationId, 'client', job.id, { signal: aborted.signal }),
      ).rejects.toThrow('stopped by the runner');

      // Marking each page deleted while walking (as deletion detection does) still visits every link once.
      const marked = await walkNotStaged(integrationId, 'client', job.id, 4, async (links) => {
        await storage.links.markDeletedInCrm(
          integrationId,
          'client',
          links.map((link) => link.external_id),
        );
      });
      expect(marked.ids).toEqual(gone);
      expect(await storage.links.countActive(integrationId, 'client', { notStagedByJob: job.id })).toBe(0);
      expect(await storage.links.countActive(integrationId, 'client')).toBe(19);
    });

    test('listNotStagedByJob pages a large integration with one query per page', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const ids = Array.from(
        { length: largeBatchSize },
        (_, index) => `ext-${String(index).padStart(5, '0')}`,
      );
      await storage.links.upsert(ids.map((id) => linkOf(integrationId, 'client', id)));
      await storage.staging.insert(
        ids.filter((_, index) => index % 7 !== 0).map((id) => stagedRow(integrationId, jobId, 'client', id)),
      );
      const expected = ids.filter((_, index) => index % 7 === 0);
      expect(await storage.links.countActive(integrationId, 'client', { notStagedByJob: jobId })).toBe(
        expected.length,
      );
      const walked = await walkNotStaged(integrationId, 'client', jobId, 300);
      expect(walked.ids).toEqual(expected);
      expect(walked.pages).toBe(Math.ceil(expected.length / 300));
    });
  });

  group('conflicts', () => {
    test('insert records open conflicts with exact JSON values; the same field again updates, not doubles', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const [conflict] = await storage.conflicts.insert([
        {
          integration_id: integrationId,
          sync_job_id: jobId,
          record_type: 'client',
          external_id: 'c-1',
          wedsync_record_id: 'w-1',
          field: 'partner.email',
          base_value: null,
          wedsync_value: 'a@example.com',
          crm_value: { nested: ['x', 1, true] },
          wedsync_modified_at: '2026-10-01T00:00:00.000Z',
          crm_modified_at: '2026-10-02T00:00:00.000Z',
        },
      ]);
      expect(conflict).toMatchObject({
        status: 'open',
        field: 'partner.email',
        base_value: null,
        wedsync_value: 'a@example.com',
        crm_value: { nested: ['x', 1, true] },
      });
      expect(conflict).not.toHaveProperty('resolution');
      expectIsoTimestamps(conflict ?? {}, ['created_at', 'wedsync_modified_at', 'crm_modified_at']);

      const [again] = await storage.conflicts.insert([
        {
          integration_id: integrationId,
          record_type: 'client',
          external_id: 'c-1',
          field: 'partner.email',
          wedsync_value: 'b@example.com',
          crm_value: awkwardJson,
        },
      ]);
      expect(again?.id).toBe(conflict?.id);
      expect(again).toMatchObject({ wedsync_value: 'b@example.com', crm_value: awkwardJson });
      expect(again).not.toHaveProperty('base_value');
      const listed = await storage.conflicts.list(integrationId);
      expect(listed.total).toBe(1);
      expect(await storage.conflicts.get(conflict?.id ?? '')).toEqual(again);
    });

    test('resolve and dismiss close open conflicts once; a new conflict on the field opens a new row', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      const input = (field: string) => ({
        integration_id: integrationId,
        record_type: 'client' as const,
        external_id: 'c-2',
        field,
        wedsync_value: 1,
        crm_value: 2,
      });
      const [first, second, third] = await storage.conflicts.insert([
        input('guest_count'),
        input('venue_name'),
        input('notes'),
      ]);
      const resolved = await storage.conflicts.resolve(
        first?.id ?? '',
        { side: 'crm' },
        { now: new Date('2032-03-03T00:00:00.000Z') },
      );
      expect(resolved).toMatchObject({
        status: 'resolved',
        resolution: { side: 'crm' },
        resolved_at: '2032-03-03T00:00:00.000Z',
      });
      expect(
        (await storage.conflicts.resolve(second?.id ?? '', { value: { typed: 'Villa Ölberg' } })).resolution,
      ).toEqual({
        value: { typed: 'Villa Ölberg' },
      });
      expect((await storage.conflicts.dismiss(third?.id ?? '')).status).toBe('dismissed');
      await expectCrmError(storage.conflicts.resolve(first?.id ?? '', { side: 'wedsync' }), 'conflict');
      await expectCrmError(storage.conflicts.dismiss(third?.id ?? ''), 'conflict');
      await expectCrmError(
        storage.conflicts.resolve(first?.id ?? '', { nope: 1 } as never),
        'invalid_argument',
      );
      await expectCrmError(storage.conflicts.get(crypto.randomUUID()), 'not_found');

      const [reopened] = await storage.conflicts.insert([input('guest_count')]);
      expect(reopened?.id).not.toBe(first?.id);
      expect((await storage.conflicts.list(integrationId, { status: 'open' })).total).toBe(1);
      expect((await storage.conflicts.list(integrationId, { status: 'resolved' })).total).toBe(2);
      expect((await storage.conflicts.list(integrationId, { status: 'dismissed' })).total).toBe(1);
      const open = await storage.conflicts.listOpenForRecords(integrationId, 'client', ['c-2', 'c-unknown']);
      expect(open.map((conflict) => conflict.id)).toEqual([reopened?.id]);
    });

    test('list pages conflicts with totals', async () => {
      const { storage } = fixture();
      const { integrationId } = await jobFixture(scope);
      await storage.conflicts.insert(
        Array.from({ length: 120 }, (_, index) => ({
          integration_id: integrationId,
          record_type: index % 2 === 0 ? ('client' as const) : ('project' as const),
          external_id: `r-${index}`,
          field: 'name',
          wedsync_value: `W${index}`,
          crm_value: `C${index}`,
        })),
      );
      const page = await storage.conflicts.list(integrationId, { page: 2, per_page: 50 });
      expect(page).toMatchObject({ total: 120, page: 2, per_page: 50 });
      expect(page.conflicts).toHaveLength(50);
      expect(
        (await storage.conflicts.list(integrationId, { recordType: 'project', per_page: 1 })).total,
      ).toBe(60);
    });
  });

  group('backups', () => {
    test('insert keeps insertion order; list pages it forwards and backwards', async () => {
      const { storage } = fixture();
      const { integrationId, jobId } = await jobFixture(scope);
      const batch = (from: number, count: number) =>
        Array.from({ length: count }, (_, offset) => {
          const index = from + offset;
          return {
            sync_job_id: jobId,
            integration_id: integrationId,
            record_type: 'client' as const,
            wedsync_record_id: `w-${index}`,
            operation: index % 3 === 0 ? ('created' as const) : ('updated' as const),
            before_image:
              index % 3 === 0 ? undefined : { first_name: `Before ${index}`, tags: ['vip'], index },
            after_hash: `after-${index}`,
          };
        });
      await storage.backups.insert(batch(0, 1500));
      await storage.backups.insert(batch(1500, 1500));
      const forward = [];
      let after: number | null = null;
      do {
        const page = await storage.backups.list(jobId, { limit: 1000, after });
        forward.push(...page.backups);
        after = page.next_cursor;
      } while (after !== null);
      expect(forward.map((backup) => backup.wedsync_record_id)).toEqual(
        Array.from({ length: 3000 }, (_, index) => `w-${index}`),
      );
      expect(forward[1]).toMatchObject({
        operation: 'updated',
        before_image: { first_name: 'Before 1', tags: ['vip'], index: 1 },
      });
      expect(forward[0]).not.toHaveProperty('before_image');
      expectIsoTimestamps(forward[0] ?? {}, ['created_at']);
      const backward = await storage.backups.list(jobId, { order: 'desc', limit: 2 });
      expect(backward.backups.map((backup) => backup.wedsync_record_id)).toEqual(['w-2999', 'w-2998']);
      const next = await storage.backups.list(jobId, {
        order: 'desc',
        limit: 2,
        after: backward.next_cursor,
      });
      expect(next.backups.map((backup) => backup.wedsync_record_id)).toEqual(['w-2997', 'w-2996']);
      await expectCrmError(
        storage.backups.insert([
          {
            sync_job_id: jobId,
            integration_id: integrationId,
            record_type: 'client',
            wedsync_record_id: 'w',
            operation: 'updated',
          },
        ]),
        'invalid_argument',
      );
    });
  });
}
