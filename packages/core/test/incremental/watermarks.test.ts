/**
 * Watermarks on real SQLite with the in-memory fake provider (wrapped to honour `since`): what an import records,
 * which import an incremental sync reads on from, and when it must read everything again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import type { CrmProviderV1, ExternalRecord, ProviderReadOptions } from '../../src/spec/provider.js';
import type { ImportCheckpoint } from '../../src/sync/full-import.js';
import {
  advanceWatermark,
  findPreviousImport,
  incrementalCheckpoint,
  watermarkMarginMs,
} from '../../src/sync/incremental.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmClient,
  emptyData,
  type TestHub,
} from '../sync/fixtures.js';

const record = (modifiedAt?: string): ExternalRecord => ({
  externalId: 'x',
  ...(modifiedAt === undefined ? {} : { modifiedAt }),
  data: {},
});

describe('advanceWatermark', () => {
  it('moves to the newest parsable modifiedAt and never back', () => {
    expect(advanceWatermark({}, 'client', [])).toEqual({});
    expect(advanceWatermark({}, 'client', [record(), record('not a date')])).toEqual({});
    expect(advanceWatermark({}, 'client', [null as unknown as ExternalRecord])).toEqual({});
    const first = advanceWatermark({ project: '2026-01-01T00:00:00.000Z' }, 'client', [
      record('2026-01-10T10:00:00+02:00'),
      record('2026-01-10T09:00:00Z'),
    ]);
    expect(first).toEqual({ project: '2026-01-01T00:00:00.000Z', client: '2026-01-10T09:00:00.000Z' });
    expect(advanceWatermark(first, 'client', [record('2025-12-31T00:00:00Z')])).toEqual(first);
  });
});

describe('incrementalCheckpoint', () => {
  const fresh: ImportCheckpoint = {
    version: 1,
    plan: ['client', 'project', 'event'],
    phase: 0,
    cursor: null,
    totals: {},
    aliases: {},
    skipped_types: {},
  };
  const fingerprints = new Map([
    ['client', 'a'],
    ['project', 'b'],
    ['event', 'c'],
  ] as const);

  it('reads by watermark only the types with a watermark and unchanged mappings', () => {
    expect(incrementalCheckpoint(fresh, undefined, fingerprints)).toBe(fresh);
    const next = incrementalCheckpoint(
      fresh,
      {
        jobId: 'j1',
        watermarks: { client: '2026-01-10T10:00:00.000Z', project: '2026-01-09T00:00:00.000Z' },
        fingerprints: { client: 'a', project: 'changed', event: 'c' },
      },
      fingerprints,
    );
    expect(next.since).toEqual({
      client: new Date(Date.parse('2026-01-10T10:00:00Z') - watermarkMarginMs).toISOString(),
    });
    expect(next.watermarks).toEqual({ client: '2026-01-10T10:00:00.000Z' });
    expect(next.plan).toEqual(fresh.plan);
  });
});

/** The fake provider, honouring `since` (only records modified after it) and recording each read's `since`. */
function withSince(provider: CrmProviderV1, sinceLog: { recordType: string; since: string | null }[]) {
  return {
    ...provider,
    connect(context) {
      const session = provider.connect(context) as Awaited<ReturnType<CrmProviderV1['connect']>>;
      return {
        ...session,
        read(recordType: Parameters<typeof session.read>[0], options: ProviderReadOptions = {}) {
          const since = options.since ?? null;
          sinceLog.push({ recordType, since });
          const inner = session.read(recordType, options);
          return (async function* () {
            for await (const page of inner) {
              const records =
                since === null
                  ? page.records
                  : page.records.filter((item) => Date.parse(item.modifiedAt ?? '') > Date.parse(since));
              yield { ...page, records };
            }
          })();
        },
      };
    },
  } as CrmProviderV1;
}

let current: TestHub | undefined;
afterEach(async () => {
  await current?.destroy();
  current = undefined;
});

describe('incremental sync jobs', () => {
  async function setup() {
    const data = emptyData();
    data.client = [
      crmClient('c1', { firstName: 'Ava', lastName: 'Reed' }, { modifiedAt: '2026-01-10T10:00:00Z' }),
      crmClient('c2', { firstName: 'Ben', lastName: 'Cole' }, { modifiedAt: '2026-01-12T08:30:00Z' }),
      crmClient('c3', { firstName: 'Cy', lastName: 'Ward' }, { modifiedAt: '2026-01-11T00:00:00Z' }),
    ];
    const { provider } = createFakeProvider({ data });
    const sinceLog: { recordType: string; since: string | null }[] = [];
    current = await createTestHub({ providers: [withSince(provider, sinceLog)] });
    const integrationId = await createIntegration(current);
    const { hub, supplierId } = current;
    const testHub = current;
    const run = async (jobType: 'full_import' | 'incremental_sync') => {
      testHub.clock.advance(60_000);
      sinceLog.length = 0;
      const { sync_job } = await hub.triggerSync({ supplierId, integrationId, body: { job_type: jobType } });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      return { outcome, job: await testHub.storage.jobs.get(sync_job.id), reads: [...sinceLog] };
    };
    return { testHub, data, integrationId, run, sinceLog };
  }

  it('records the watermark, reads on from it, and keeps it when nothing changed', async () => {
    const { testHub, data, integrationId, run } = await setup();
    // No import yet: an incremental sync reads everything.
    const first = await run('incremental_sync');
    expect(first.outcome).toMatchObject({ status: 'completed' });
    expect(first.reads.every((read) => read.since === null)).toBe(true);
    expect(first.outcome?.counts['client.created']).toBe(3);
    expect(first.job.checkpoint?.['watermarks']).toEqual({ client: '2026-01-12T08:30:00.000Z' });

    data.client[0] = crmClient(
      'c1',
      { firstName: 'Ava', lastName: 'Reed-Stone' },
      { modifiedAt: '2026-02-01T00:00:00Z' },
    );
    const second = await run('incremental_sync');
    expect(second.reads.find((read) => read.recordType === 'client')?.since).toBe('2026-01-12T08:29:59.000Z');
    // Types without a watermark (nothing imported) are read in full.
    expect(
      second.reads.filter((read) => read.recordType !== 'client').every((read) => read.since === null),
    ).toBe(true);
    expect(second.outcome?.counts).toMatchObject({
      // c1 changed; c2 is inside the safety margin below the watermark: read again, skipped as unchanged.
      'client.read': 2,
      'client.updated': 1,
      'client.skipped': 1,
      created: 0,
    });
    expect(second.job.checkpoint?.['watermarks']).toEqual({ client: '2026-02-01T00:00:00.000Z' });

    const third = await run('incremental_sync');
    // Nothing changed: only the record at the watermark (inside the margin) is read again, a no-op.
    expect(third.outcome?.counts).toMatchObject({ read: 1, skipped: 1, created: 0, updated: 0 });
    expect(third.job.checkpoint?.['watermarks']).toEqual({ client: '2026-02-01T00:00:00.000Z' });
    expect((await findPreviousImport(testHub.storage, integrationId))?.jobId).toBe(third.job.id);
  });

  it('passes over failed and non-import jobs, and reads everything after a rollback', async () => {
    const { testHub, integrationId, run } = await setup();
    const { storage, hub, supplierId } = testHub;
    const full = await run('full_import');
    expect((await findPreviousImport(storage, integrationId))?.jobId).toBe(full.job.id);

    // A failed incremental job after it: passed over.
    testHub.clock.advance(60_000);
    const failed = await storage.jobs.create({ integration_id: integrationId, job_type: 'incremental_sync' });
    await storage.jobs.claim({ owner: 'test', leaseMs: 60_000 });
    await storage.jobs.saveProgress(failed.id, {
      owner: 'test',
      checkpoint: { watermarks: { client: '2030-01-01T00:00:00.000Z' }, fingerprints: {} },
    });
    await storage.jobs.finish(failed.id, { owner: 'test', job_status: 'failed', result_status: 'failed' });
    expect((await findPreviousImport(storage, integrationId))?.jobId).toBe(full.job.id);

    // The latest import rolled back: its records are undone, so the next sync reads everything.
    const rolledBack = await hub.rollbackJob({ supplierId, jobId: full.job.id });
    expect(rolledBack).toBeDefined();
    expect(await findPreviousImport(storage, integrationId)).toBeUndefined();
    const next = await run('incremental_sync');
    expect(next.reads.every((read) => read.since === null)).toBe(true);
  });

  it('a resumed incremental job reads from the `since` its checkpoint fixed, not a recomputed one', async () => {
    const { testHub, integrationId, run, sinceLog } = await setup();
    const { storage, hub } = testHub;
    await run('full_import');
    const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'incremental_sync' });
    await storage.jobs.claim({ owner: 'crashed', leaseMs: 60_000 });
    const since = '2026-01-10T12:00:00.000Z';
    await storage.jobs.saveProgress(job.id, {
      owner: 'crashed',
      checkpoint: {
        version: 1,
        plan: ['client'],
        phase: 0,
        cursor: null,
        totals: {},
        aliases: {},
        skipped_types: {},
        since: { client: since },
        watermarks: { client: '2026-01-10T13:00:00.000Z' },
      },
    });
    await storage.jobs.release(job.id, { owner: 'crashed' });
    sinceLog.length = 0;
    const [outcome] = await createInProcessRunner({ hub }).drain();
    expect(outcome).toMatchObject({ jobId: job.id, status: 'completed' });
    expect(sinceLog).toEqual([{ recordType: 'client', since }]);
    // c2 and c3 are newer than `since`; the watermark moves to the newest of them.
    expect(outcome?.counts['client.read']).toBe(2);
    expect((await storage.jobs.get(job.id)).checkpoint?.['watermarks']).toEqual({
      client: '2026-01-12T08:30:00.000Z',
    });
  });
});
