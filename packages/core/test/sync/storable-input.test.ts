/**
 * CRM records no database stores as sent, imported on every backend (SQLite in memory and on file, PGlite, and
 * PostgreSQL when CRM_TEST_PG_URL is set): NUL characters and unpaired surrogates in mapped and unmapped text, a
 * 1 MB name or email, data nested 600, 1,500 and 100,000 levels deep, ids no index can hold, a record its
 * provider flags as unreadable. The import always completes: each bad record is rejected with its reason (or, when
 * only unmapped data is odd, imported) and everything staged and logged is what each database stores; mapping
 * the staged records again rejects those whose staged text had to be replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import type { CrmSyncLog, StagingRow } from '../../src/index.js';
import { unreadableRecordKey } from '../../src/mapping/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { runRemapJob } from '../remap/driver.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  type FakeData,
  type TestHub,
} from './fixtures.js';

const megabyte = 1024 * 1024;

/** `{ a: { a: ... 'bottom' } }`, `depth` objects deep. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

/** How deep `value` nests (objects along `a`). */
function depthOf(value: unknown): number {
  let depth = 0;
  let current = value;
  while (typeof current === 'object' && current !== null) {
    depth += 1;
    current = (current as Record<string, unknown>)['a'];
  }
  return depth;
}

function data(): FakeData {
  const result = emptyData();
  result.client = [
    crmClient('c-good', { firstName: 'Ava', lastName: 'Reed', email: 'ava@example.com' }),
    crmClient('c-nul-name', { firstName: 'An\u0000na', lastName: 'Smith' }),
    crmClient('c-lone-surrogate', { firstName: 'Bea', lastName: 'Sm\ud800ith' }),
    crmClient('c-odd-unmapped', { firstName: 'Cleo', lastName: 'Hart', extra: 'a\u0000b', other: '\udfff' }),
    crmClient('c-huge-name', { firstName: 'x'.repeat(megabyte), lastName: 'Long' }),
    crmClient('c-huge-email', { firstName: 'Dee', email: `${'z'.repeat(megabyte)}@example.com` }),
    crmClient('c-hyphen-email', { firstName: 'Ed', email: 'ed@example-.com' }),
    crmClient('c-deep-600', { firstName: 'Eve', lastName: 'Stone', extra: nested(600) }),
    crmClient('c-deep-1500', { firstName: 'Fay', lastName: 'Moss', extra: nested(1500) }),
    crmClient('c-deep-100k', { firstName: 'Gus', lastName: 'Vale', extra: nested(100_000) }),
    crmClient('c\u0000nul-id', { firstName: 'Hal' }),
    crmClient('x'.repeat(300), { firstName: 'Ida' }),
    crmClient('c-unreadable', {
      firstName: 'Jo',
      [unreadableRecordKey]: {
        reason: 'The CRM sent this record with properties that do not match its documented schema',
        issues: [{ path: 'kind', message: 'Invalid input: expected string, received number' }],
        properties: { kind: 7 },
      },
    }),
  ];
  result.project = [
    crmChild('p-good', { client: 'c-good' }, { name: 'Reed wedding' }),
    crmChild('p-nul-link', { client: 'c-good\u0000' }, { name: 'Odd link' }),
  ];
  return result;
}

for (const backend of testBackends()) {
  describe(`records no database stores as sent [${backend.name}]`, () => {
    let testHub: TestHub;
    let integrationId: string;
    let logs: CrmSyncLog[];
    let staged: StagingRow[];
    const { provider } = createFakeProvider({ data: data(), pageSize: 4 });

    const logOf = (recordType: string, recordId: string) => {
      const found = logs.filter((log) => log.record_type === recordType && log.record_id === recordId);
      expect(found, `${recordType} ${JSON.stringify(recordId)}`).toHaveLength(1);
      return found[0] as CrmSyncLog;
    };
    const stagedOf = (externalId: string) =>
      staged.find((row) => row.external_id === externalId) as StagingRow;

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend });
      const { hub, supplierId } = testHub;
      integrationId = await createIntegration(testHub);
      await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      expect(outcome, JSON.stringify(outcome?.error)).toMatchObject({ status: 'completed' });
      expect(outcome?.counts).toMatchObject({ read: 15, created: 4, rejected: 11 });
      logs = (await hub.listSyncLogs({ supplierId, integrationId, per_page: 100 })).logs;
      staged = (await testHub.storage.staging.list({ integrationId, limit: 100 })).staging_rows;
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('rejects mapped text holding a NUL or an unpaired surrogate as invalid_text, naming the field', () => {
      for (const [id, field] of [
        ['c-nul-name', 'first_name'],
        ['c-lone-surrogate', 'last_name'],
      ] as const) {
        const log = logOf('client', id);
        expect(log.action_type).toBe('error');
        expect(log.error_message).toBe(`1 field could not be mapped (${field}: invalid_text)`);
        expect(log.action_details).toMatchObject({
          reason: 'mapping_failed',
          errors: [
            { field, code: 'invalid_text', reason: expect.stringMatching(/cannot be stored as text$/) },
          ],
        });
      }
    });

    it('imports a record whose odd text is unmapped; its staged copy has U+FFFD and a note', async () => {
      expect(logOf('client', 'c-odd-unmapped').action_type).toBe('created');
      const row = stagedOf('c-odd-unmapped');
      const stagedData = row.raw_data['data'] as Record<string, unknown>;
      expect(stagedData).toMatchObject({ extra: 'a\ufffdb', other: '\ufffd', firstName: 'Cleo' });
      expect(stagedData[unreadableRecordKey]).toMatchObject({ reason: expect.stringContaining('U+FFFD') });
      const [link] = await testHub.storage.links.findByExternalIds(integrationId, 'client', [
        'c-odd-unmapped',
      ]);
      const stored = await testHub.clientStore.findByIds('client', {
        supplierId: testHub.supplierId,
        ids: [link?.wedsync_record_id as string],
      });
      expect(stored.get(link?.wedsync_record_id as string)?.record).toEqual({
        first_name: 'Cleo',
        last_name: 'Hart',
      });
    });

    it('stages a rejected record holding a NUL, with U+FFFD in its staged copy', () => {
      const row = stagedOf('c-nul-name');
      expect(row.import_status).toBe('error');
      expect((row.raw_data['data'] as Record<string, unknown>)['firstName']).toBe('An\ufffdna');
      expect(row.error_details).toMatchObject({ reason: 'mapping_failed' });
    });

    it('refuses a 1 MB name and a 1 MB email before they reach an index', () => {
      expect(logOf('client', 'c-huge-name').action_details).toMatchObject({
        reason: 'invalid_record',
        issues: [{ path: 'first_name', message: 'Expected at most 255 characters' }],
      });
      expect(logOf('client', 'c-huge-email').action_details).toMatchObject({
        reason: 'mapping_failed',
        errors: [{ field: 'email', code: 'invalid_email', reason: 'Longer than 254 characters' }],
      });
      expect(logOf('client', 'c-hyphen-email').action_details).toMatchObject({
        errors: [{ field: 'email', code: 'invalid_email' }],
      });
    });

    it('imports data nested 600 levels deep, staging it cut at 100 levels', () => {
      expect(logOf('client', 'c-deep-600').action_type).toBe('created');
      const stagedData = stagedOf('c-deep-600').raw_data['data'] as Record<string, unknown>;
      expect(depthOf(stagedData['extra'])).toBe(99);
      expect(JSON.stringify(stagedData)).toContain('[nested deeper than 100 levels]');
      expect(stagedData[unreadableRecordKey]).toBeUndefined();
    });

    it('rejects data nested deeper than 1,000 levels as too_deeply_nested, without running out of stack', () => {
      for (const id of ['c-deep-1500', 'c-deep-100k']) {
        const log = logOf('client', id);
        expect(log.action_type).toBe('error');
        expect(log.error_message).toBe("The CRM record's data is nested deeper than 1000 levels");
        expect(log.action_details).toEqual({ reason: 'too_deeply_nested', max_depth: 1000 });
        const stagedData = stagedOf(id).raw_data['data'] as Record<string, unknown>;
        expect(depthOf(stagedData['extra'])).toBe(99);
        expect(stagedData[unreadableRecordKey]).toMatchObject({
          reason: expect.stringContaining('1000 levels'),
        });
      }
    });

    it('rejects ids no index holds, and a link naming such an id', () => {
      const missing = logs.filter((log) => log.record_id === '(missing)');
      expect(missing.map((log) => log.error_message).sort()).toEqual([
        "The CRM record's id holds a NUL character or an unpaired UTF-16 surrogate",
        "The CRM record's id is longer than 255 characters",
      ]);
      const link = logOf('project', 'p-nul-link');
      expect(link.error_message).toBe(
        'The CRM record names its `client` by an id that holds a NUL character or an unpaired UTF-16 surrogate',
      );
      expect(link.action_details).toEqual({ reason: 'invalid_record', link: 'client' });
      expect(logOf('project', 'p-good').action_type).toBe('created');
    });

    it('rejects a record its provider flags as unreadable, with the reason', () => {
      const log = logOf('client', 'c-unreadable');
      expect(log.action_details).toMatchObject({
        reason: 'mapping_failed',
        errors: [
          {
            field: '',
            code: 'unreadable_record',
            reason:
              'The CRM sent this record with properties that do not match its documented schema (kind: Invalid input: expected string, received number)',
          },
        ],
      });
    });

    it('imports the good records', () => {
      expect(logOf('client', 'c-good').action_type).toBe('created');
    });

    it('mapping again from staging rejects the records whose staged text was replaced, and maps the rest', async () => {
      const run = await runRemapJob(testHub, integrationId, { provider });
      expect(run.job.job_status).toBe('completed');
      const remapLogs = (
        await testHub.hub.listSyncLogs({ supplierId: testHub.supplierId, integrationId, per_page: 200 })
      ).logs.filter((log) => log.sync_job_id === run.job.id);
      const of = (id: string) =>
        remapLogs.find((log) => log.record_type === 'client' && log.record_id === id);
      expect(of('c-odd-unmapped')?.action_details).toMatchObject({
        errors: [{ code: 'unreadable_record', reason: expect.stringContaining('U+FFFD') }],
      });
      expect(of('c-nul-name')?.action_details).toMatchObject({ errors: [{ code: 'unreadable_record' }] });
      expect(of('c-deep-1500')?.action_details).toMatchObject({ errors: [{ code: 'unreadable_record' }] });
      // Cutting at 100 levels changes nothing a mapping reads.
      expect(of('c-deep-600')?.action_type).toBe('skipped');
      expect(of('c-good')?.action_type).toBe('skipped');
    });
  });
}
