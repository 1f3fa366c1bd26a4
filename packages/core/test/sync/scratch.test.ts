/**
 * A provider's working space for one job: the in-memory space (values as JSON makes them, upserts, items in code
 * point order, namespaces, values that are not JSON refused); a job's space over a spy ScratchStore (in memory up
 * to its limit, then moved whole to the storage, calls in the order they were made); and a job run through the hub
 * on real SQLite, whose provider gets the space, sees its values, and leaves nothing behind when the job ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CrmError,
  type CrmProviderV1,
  createJobScratch,
  createMemoryScratch,
  defaultScratchMemoryValues,
  type HubStorage,
  InvalidArgumentError,
  type ProviderRecordType,
  type ProviderScratch,
  type ScratchItem,
  type ScratchStore,
  type StorageCallOptions,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  clientsWithOneProject,
  createFakeProvider,
  createIntegration,
  createTestHub,
  type TestHub,
} from './fixtures.js';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

/** `count` items under distinct keys (`<prefix><n>`), each with its number as value. */
function manyItems(count: number, prefix = 'k'): ScratchItem[] {
  return Array.from({ length: count }, (_, index) => ({ key: `${prefix}${index}`, item: 'v', value: index }));
}

/** Item names whose code point order differs from naive or UTF-16 code-unit order. */
const unorderedItems = ['B', 'a', 'Z', '10', '\u{1F600}', '9', '\uFFFF'];
/** The same names in code point order (UTF-8 byte order): U+FFFF before U+1F600, whose UTF-16 units start at D83D. */
const codePointOrder = ['10', '9', 'B', 'Z', 'a', '\uFFFF', '\u{1F600}'];

describe('createMemoryScratch', () => {
  it('gives values back as JSON made them', async () => {
    const scratch = createMemoryScratch();
    await scratch.put('people', [
      {
        key: 'job-1',
        item: 'p1',
        value: { name: 'Emma', missing: undefined, at: new Date('2026-06-20T15:00:00.000Z'), tags: ['a', 1] },
      },
      { key: 'job-1', item: 'p2', value: null },
      { key: 'job-2', item: 'p1', value: 'text' },
    ]);
    const found = await scratch.get('people', ['job-1', 'job-2']);
    expect(found).toEqual(
      new Map<string, unknown[]>([
        ['job-1', [{ name: 'Emma', at: '2026-06-20T15:00:00.000Z', tags: ['a', 1] }, null]],
        ['job-2', ['text']],
      ]),
    );
    // The `undefined` property is gone, not present with an undefined value.
    expect(Object.keys(found.get('job-1')?.[0] as object)).toEqual(['name', 'at', 'tags']);
    expect(scratch.size).toBe(3);
  });

  it('keeps values apart from what the caller holds', async () => {
    const scratch = createMemoryScratch();
    const value = { list: [1, 2] };
    await scratch.put('space', [{ key: 'k', item: 'i', value }]);
    value.list.push(3);
    const first = await scratch.get('space', ['k']);
    expect(first.get('k')).toEqual([{ list: [1, 2] }]);
    const held = first.get('k') ?? [];
    (held[0] as { list: number[] }).list.push(4);
    expect((await scratch.get('space', ['k'])).get('k')).toEqual([{ list: [1, 2] }]);
  });

  it('replaces the value of a key and item put again, and counts it once', async () => {
    const scratch = createMemoryScratch();
    await scratch.put('space', [{ key: 'k', item: 'i', value: 1 }]);
    await scratch.put('space', [
      { key: 'k', item: 'i', value: 2 },
      { key: 'k', item: 'j', value: 3 },
    ]);
    // Twice in one put: the last one wins.
    await scratch.put('space', [
      { key: 'k', item: 'j', value: 4 },
      { key: 'k', item: 'j', value: 5 },
    ]);
    expect(scratch.size).toBe(2);
    expect((await scratch.get('space', ['k'])).get('k')).toEqual([2, 5]);
  });

  it('gives the values of a key in code point order of their items', async () => {
    const scratch = createMemoryScratch();
    await scratch.put(
      'space',
      unorderedItems.map((item) => ({ key: 'k', item, value: item })),
    );
    expect((await scratch.get('space', ['k'])).get('k')).toEqual(codePointOrder);
    // Not the UTF-16 code-unit order of a plain sort, which puts the emoji's surrogates before U+FFFF.
    expect([...unorderedItems].sort()).not.toEqual(codePointOrder);
  });

  it('leaves keys without values out, and keeps namespaces apart', async () => {
    const scratch = createMemoryScratch();
    await scratch.put('first', [{ key: 'shared', item: 'i', value: 'first' }]);
    await scratch.put('second', [
      { key: 'shared', item: 'i', value: 'second' },
      { key: 'own', item: 'i', value: 'own' },
    ]);
    const found = await scratch.get('first', ['shared', 'own', 'missing']);
    expect([...found.keys()]).toEqual(['shared']);
    expect(found.get('shared')).toEqual(['first']);
    expect(await scratch.get('unknown', ['shared'])).toEqual(new Map());
    expect((await scratch.get('second', ['shared'])).get('shared')).toEqual(['second']);
    expect(await scratch.get('first', [])).toEqual(new Map());
  });

  it('clears one namespace only, and counts what is left', async () => {
    const scratch = createMemoryScratch();
    await scratch.put('first', manyItems(3));
    await scratch.put('second', manyItems(2));
    expect(scratch.size).toBe(5);
    await scratch.clear('first');
    expect(scratch.size).toBe(2);
    expect(await scratch.get('first', ['k0', 'k1', 'k2'])).toEqual(new Map());
    expect((await scratch.get('second', ['k0', 'k1'])).size).toBe(2);
    // Clearing what holds nothing changes nothing.
    await scratch.clear('first');
    await scratch.clear('never');
    expect(scratch.size).toBe(2);
    // A cleared namespace fills again from nothing.
    await scratch.put('first', [{ key: 'k0', item: 'v', value: 'again' }]);
    expect(scratch.size).toBe(3);
    expect((await scratch.get('first', ['k0'])).get('k0')).toEqual(['again']);
  });

  it('hands every value of every namespace over as items', async () => {
    const scratch = createMemoryScratch();
    await scratch.put('first', [
      { key: 'k', item: 'i', value: { at: new Date('2026-01-01T00:00:00.000Z') } },
    ]);
    await scratch.put('second', [{ key: 'k', item: 'j', value: [1] }]);
    expect([...scratch.entries()]).toEqual([
      { namespace: 'first', item: { key: 'k', item: 'i', value: { at: '2026-01-01T00:00:00.000Z' } } },
      { namespace: 'second', item: { key: 'k', item: 'j', value: [1] } },
    ]);
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s as a value, naming the namespace and the key', async (_, value) => {
    const scratch = createMemoryScratch();
    const error = await rejectionOf(scratch.put('people', [{ key: 'job-7', item: 'p1', value }]));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toContain('people');
    expect((error as InvalidArgumentError).message).toContain('job-7');
    expect((error as InvalidArgumentError).context).toMatchObject({ namespace: 'people', key: 'job-7' });
    expect(scratch.size).toBe(0);
    expect(await scratch.get('people', ['job-7'])).toEqual(new Map());
  });

  it('keeps nothing of a put it refuses, as a storage keeps nothing', async () => {
    const scratch = createMemoryScratch();
    const refused = scratch.put('people', [
      { key: 'good', item: 'i', value: 1 },
      { key: 'bad', item: 'i', value: undefined },
    ]);
    await expect(refused).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(scratch.size).toBe(0);
    expect(await scratch.get('people', ['good'])).toEqual(new Map());
  });
});

/** One call a {@link SpyScratchStore} received. */
type ScratchCall =
  | { readonly operation: 'put'; readonly jobId: string; readonly namespace: string; readonly items: number }
  | { readonly operation: 'get'; readonly jobId: string; readonly namespace: string; readonly keys: string[] }
  | { readonly operation: 'clear'; readonly jobId: string; readonly namespace: string | undefined };

/** A ScratchStore in memory that records its calls, can be slow, and can fail a put. */
interface SpyScratchStore extends ScratchStore {
  readonly calls: ScratchCall[];
  /** The signal of each call's options. */
  readonly signals: (AbortSignal | undefined)[];
  /** Values held per job, across namespaces. */
  sizeOf(jobId: string): number;
  /** Milliseconds each put waits before it writes (so a call that does not wait for it would overtake it). */
  putDelayMs: number;
  /** Thrown by the next put (once). */
  failNextPut?: Error;
}

/** A {@link SpyScratchStore}: one in-memory space per job. */
function createSpyScratchStore(): SpyScratchStore {
  const jobs = new Map<string, ReturnType<typeof createMemoryScratch>>();
  const spaceOf = (jobId: string) => {
    let space = jobs.get(jobId);
    if (space === undefined) {
      space = createMemoryScratch();
      jobs.set(jobId, space);
    }
    return space;
  };
  const store: SpyScratchStore = {
    calls: [],
    signals: [],
    putDelayMs: 0,
    sizeOf: (jobId) => jobs.get(jobId)?.size ?? 0,
    async put(jobId, namespace, items, options: StorageCallOptions = {}) {
      store.calls.push({ operation: 'put', jobId, namespace, items: items.length });
      store.signals.push(options.signal);
      const copied = [...items];
      if (store.putDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, store.putDelayMs));
      const failure = store.failNextPut;
      if (failure !== undefined) {
        store.failNextPut = undefined;
        throw failure;
      }
      await spaceOf(jobId).put(namespace, copied);
    },
    async get(jobId, namespace, keys, options: StorageCallOptions = {}) {
      store.calls.push({ operation: 'get', jobId, namespace, keys: [...keys] });
      store.signals.push(options.signal);
      return spaceOf(jobId).get(namespace, keys);
    },
    async clear(jobId, options = {}) {
      store.calls.push({ operation: 'clear', jobId, namespace: options.namespace });
      store.signals.push(options.signal);
      if (options.namespace === undefined) jobs.delete(jobId);
      else await spaceOf(jobId).clear(options.namespace);
    },
  };
  return store;
}

/** A storage that offers only a scratch space (all createJobScratch reads of it), or none. */
function storageWith(scratch: ScratchStore | undefined): HubStorage {
  return (scratch === undefined ? {} : { scratch }) as unknown as HubStorage;
}

describe('createJobScratch', () => {
  const jobId = '2f1d9a4e-5b8c-4c1e-9f3a-7d6e5c4b3a21';

  it('keeps values in memory up to its limit, then moves all of them to the storage once', async () => {
    const store = createSpyScratchStore();
    const controller = new AbortController();
    const scratch = createJobScratch({
      storage: () => storageWith(store),
      jobId,
      memoryValues: 4,
      signal: controller.signal,
    });
    await scratch.put('people', [
      { key: 'job-1', item: 'p1', value: { name: 'Emma', gone: undefined } },
      { key: 'job-1', item: 'p2', value: 'Liam' },
    ]);
    await scratch.put('notes', [{ key: 'job-1', item: 'n1', value: 1 }]);
    // Upserts are counted once: still 4 values, the limit itself.
    await scratch.put('people', [{ key: 'job-1', item: 'p2', value: 'Liam O.' }]);
    await scratch.put('notes', [{ key: 'job-2', item: 'n1', value: 2 }]);
    expect((await scratch.get('people', ['job-1'])).get('job-1')).toEqual([{ name: 'Emma' }, 'Liam O.']);
    await scratch.clear('other');
    expect(store.calls).toEqual([]);

    // The fifth value passes the limit: the job's space is cleared once, then every value goes to the store.
    await scratch.put('people', [{ key: 'job-2', item: 'p3', value: 'Sofia' }]);
    expect(store.calls[0]).toEqual({ operation: 'clear', jobId, namespace: undefined });
    expect(store.calls.filter((call) => call.operation === 'clear')).toHaveLength(1);
    const puts = store.calls.slice(1);
    expect(puts.every((call) => call.operation === 'put' && call.jobId === jobId)).toBe(true);
    expect(new Set(puts.map((call) => (call.operation === 'put' ? call.namespace : '')))).toEqual(
      new Set(['people', 'notes']),
    );
    expect(puts.reduce((sum, call) => sum + (call.operation === 'put' ? call.items : 0), 0)).toBe(5);
    expect(store.sizeOf(jobId)).toBe(5);
    expect(store.signals.every((signal) => signal === controller.signal)).toBe(true);

    // From now on every call goes to the store, with the job's id and the namespace.
    store.calls.length = 0;
    expect((await scratch.get('people', ['job-1', 'job-2'])).get('job-1')).toEqual([
      { name: 'Emma' },
      'Liam O.',
    ]);
    expect((await scratch.get('notes', ['job-1', 'job-2'])).get('job-2')).toEqual([2]);
    await scratch.put('notes', [{ key: 'job-3', item: 'n1', value: 3 }]);
    await scratch.clear('people');
    expect(await scratch.get('people', ['job-1'])).toEqual(new Map());
    expect(store.calls).toEqual([
      { operation: 'get', jobId, namespace: 'people', keys: ['job-1', 'job-2'] },
      { operation: 'get', jobId, namespace: 'notes', keys: ['job-1', 'job-2'] },
      { operation: 'put', jobId, namespace: 'notes', items: 1 },
      { operation: 'clear', jobId, namespace: 'people' },
      { operation: 'get', jobId, namespace: 'people', keys: ['job-1'] },
    ]);
    // Nothing moves again, however much is put; puts wait for the next get or clear, then go in one batch.
    store.calls.length = 0;
    await scratch.put('notes', manyItems(6));
    await scratch.put('notes', manyItems(4, 'more'));
    expect(store.calls).toEqual([]);
    expect(store.sizeOf(jobId)).toBe(3);
    expect((await scratch.get('notes', ['k5', 'more3'])).size).toBe(2);
    expect(store.calls).toEqual([
      { operation: 'put', jobId, namespace: 'notes', items: 10 },
      { operation: 'get', jobId, namespace: 'notes', keys: ['k5', 'more3'] },
    ]);
    expect(store.sizeOf(jobId)).toBe(3 + 10);
  });

  it('sends waiting puts once 5,000 values wait, in batches of at most 5,000', async () => {
    const store = createSpyScratchStore();
    const scratch = createJobScratch({ storage: () => storageWith(store), jobId, memoryValues: 1 });
    await scratch.put('space', manyItems(2));
    store.calls.length = 0;
    await scratch.put('space', manyItems(4_999, 'a'));
    expect(store.calls).toEqual([]);
    await scratch.put('other', manyItems(1_002, 'b'));
    expect(store.calls).toEqual([
      { operation: 'put', jobId, namespace: 'space', items: 4_999 },
      { operation: 'put', jobId, namespace: 'other', items: 1_002 },
    ]);
    expect(store.sizeOf(jobId)).toBe(2 + 4_999 + 1_002);
    await scratch.put('space', manyItems(1, 'c'));
    expect(store.calls).toHaveLength(2);
  });

  it('refuses a value that is not JSON when it is put, after the move too', async () => {
    const store = createSpyScratchStore();
    const scratch = createJobScratch({ storage: () => storageWith(store), jobId, memoryValues: 1 });
    await scratch.put('space', manyItems(2));
    const refused = scratch.put('space', [
      { key: 'good', item: 'i', value: 1 },
      { key: 'bad', item: 'i', value: () => 1 },
    ]);
    expect(await rejectionOf(refused)).toBeInstanceOf(InvalidArgumentError);
    expect(await scratch.get('space', ['good', 'k1'])).toEqual(new Map([['k1', [1]]]));
  });

  it('moves a large space to the storage whole, in several puts', async () => {
    const store = createSpyScratchStore();
    const scratch = createJobScratch({ storage: () => storageWith(store), jobId, memoryValues: 100 });
    await scratch.put('first', manyItems(12_000, 'f'));
    // 12,000 passed the limit: all of them moved, in batches, not one put of everything.
    const sent = store.calls.filter((call) => call.operation === 'put');
    expect(sent.reduce((sum, call) => sum + call.items, 0)).toBe(12_000);
    expect(Math.max(...sent.map((call) => call.items))).toBeLessThan(12_000);
    // The next put waits for a get.
    await scratch.put('second', manyItems(7, 's'));
    expect(store.sizeOf(jobId)).toBe(12_000);
    const found = await scratch.get('first', ['f0', 'f11999', 's0']);
    expect(store.sizeOf(jobId)).toBe(12_007);
    expect(found).toEqual(
      new Map([
        ['f0', [0]],
        ['f11999', [11_999]],
      ]),
    );
  });

  it('runs calls in the order they were made: a get sees the put before it', async () => {
    const store = createSpyScratchStore();
    store.putDelayMs = 10;
    const scratch = createJobScratch({ storage: () => storageWith(store), jobId, memoryValues: 2 });
    await scratch.put('space', [{ key: 'a', item: 'i', value: 'memory' }]);
    // Neither put is awaited before the get: the first moves the space (slow puts), the second goes to the store.
    const moving = scratch.put('space', manyItems(3));
    const after = scratch.put('space', [{ key: 'a', item: 'j', value: 'stored' }]);
    const found = scratch.get('space', ['a', 'k2']);
    const cleared = scratch.clear('space');
    const afterClear = scratch.get('space', ['a']);
    await Promise.all([moving, after]);
    expect(await found).toEqual(
      new Map<string, unknown[]>([
        ['a', ['memory', 'stored']],
        ['k2', [2]],
      ]),
    );
    await cleared;
    expect(await afterClear).toEqual(new Map());
    expect(store.calls.map((call) => call.operation)).toEqual(['clear', 'put', 'put', 'get', 'clear', 'get']);
  });

  it('keeps everything in memory when the storage has no scratch space', async () => {
    const scratch = createJobScratch({ storage: () => storageWith(undefined), jobId, memoryValues: 2 });
    await scratch.put('space', manyItems(5));
    await scratch.put('space', [{ key: 'k0', item: 'w', value: 'more' }]);
    expect((await scratch.get('space', ['k0', 'k4'])).get('k0')).toEqual([0, 'more']);
    await scratch.clear('space');
    expect(await scratch.get('space', ['k0'])).toEqual(new Map());
  });

  it('follows the storage it is given at each call (a dry run moves to its transaction)', async () => {
    const root = createSpyScratchStore();
    const transaction = createSpyScratchStore();
    let current = root;
    const scratch = createJobScratch({ storage: () => storageWith(current), jobId, memoryValues: 1 });
    await scratch.put('space', [{ key: 'a', item: 'i', value: 1 }]);
    current = transaction;
    await scratch.put('space', [{ key: 'b', item: 'i', value: 2 }]);
    expect(root.calls).toEqual([]);
    expect(transaction.sizeOf(jobId)).toBe(2);
  });

  it('rejects the call whose batch the storage fails, loses nothing, and runs the calls after it', async () => {
    const store = createSpyScratchStore();
    const scratch = createJobScratch({ storage: () => storageWith(store), jobId, memoryValues: 1 });
    await scratch.put('space', manyItems(2));
    const failure = new Error('disk full');
    store.failNextPut = failure;
    const waiting = scratch.put('space', [{ key: 'waited', item: 'i', value: 'waited' }]);
    const next = scratch.put('space', [{ key: 'kept', item: 'i', value: 'kept' }]);
    // The get sends the waiting puts first: the storage fails that batch, so the get rejects.
    const failed = scratch.get('space', ['waited', 'kept', 'k1']);
    await waiting;
    await next;
    expect(await rejectionOf(failed)).toBe(failure);
    // The batch still waits: the next call sends it again.
    expect(await scratch.get('space', ['waited', 'kept', 'k1'])).toEqual(
      new Map([
        ['waited', ['waited']],
        ['kept', ['kept']],
        ['k1', [1]],
      ]),
    );
  });

  it('rejects a value that is not JSON in memory and keeps running', async () => {
    const scratch = createJobScratch({ storage: () => storageWith(undefined), jobId });
    const refused = scratch.put('space', [{ key: 'bad', item: 'i', value: undefined }]);
    const found = scratch.get('space', ['bad']);
    expect(await rejectionOf(refused)).toBeInstanceOf(InvalidArgumentError);
    expect(await found).toEqual(new Map());
  });
});

/** Rows of the job's scratch space in the storage's table. */
async function scratchRowsOf(testHub: TestHub, jobId: string): Promise<number> {
  const rows = await testHub.db
    .selectFrom('crm_job_scratch')
    .select((builder) => builder.fn.countAll<number>().as('count'))
    .where('job_id', '=', jobId)
    .executeTakeFirstOrThrow();
  return Number(rows.count);
}

/**
 * The fake provider with `use` run at the start of each read, given the session's scratch space: what a provider
 * like Tave does when it remembers something of every record before it reads the next type.
 */
function withScratchUse(
  provider: CrmProviderV1,
  use: (scratch: ProviderScratch | undefined, recordType: ProviderRecordType) => Promise<void>,
): { provider: CrmProviderV1; contexts: (ProviderScratch | undefined)[] } {
  const contexts: (ProviderScratch | undefined)[] = [];
  return {
    contexts,
    provider: {
      ...provider,
      async connect(context) {
        contexts.push(context.scratch);
        const session = await provider.connect(context);
        return {
          ...session,
          read(recordType, options) {
            const pages = session.read(recordType, options);
            return (async function* () {
              await use(context.scratch, recordType);
              yield* pages;
            })();
          },
        };
      },
    },
  };
}

/** More values than a job's scratch keeps in memory, so the space moves to the storage. */
const spilling = defaultScratchMemoryValues + 1;

describe('a job run through the hub', () => {
  let current: TestHub | undefined;
  afterEach(async () => {
    await current?.destroy();
    current = undefined;
  });

  /** Triggers a full import of the integration; gives the job's id. */
  async function triggerImport(
    testHub: TestHub,
    integrationId: string,
    jobConfig: Record<string, unknown> = {},
  ) {
    const { sync_job } = await testHub.hub.triggerSync({
      supplierId: testHub.supplierId,
      integrationId,
      body: { job_type: 'full_import', job_config: jobConfig },
    });
    return sync_job.id;
  }

  it('gives the provider a scratch space on the storage while the job runs, and empties it at its end', async () => {
    const { provider: fake } = createFakeProvider({ data: clientsWithOneProject(3) });
    let jobId = '';
    const seen: { memory?: unknown; ordered?: unknown; stored?: number; later?: unknown; count?: number } =
      {};
    const { provider, contexts } = withScratchUse(fake, async (scratch, recordType) => {
      if (scratch === undefined) throw new Error('The provider got no scratch space');
      if (recordType === 'client') {
        // Below the limit: in memory, nothing in the table yet.
        await scratch.put(
          'order',
          unorderedItems.map((item) => ({ key: 'k', item, value: item })),
        );
        seen.memory = (await scratch.get('order', ['k'])).get('k');
        seen.count = current === undefined ? -1 : await scratchRowsOf(current, jobId);
        // Past the limit in one put: everything moves to the table.
        await scratch.put('contacts', manyItems(spilling));
        seen.stored = current === undefined ? -1 : await scratchRowsOf(current, jobId);
        seen.ordered = (await scratch.get('order', ['k'])).get('k');
      }
      if (recordType === 'project') {
        // A later read, after pages committed: the values are still there.
        seen.later = await scratch.get('contacts', ['k0', `k${spilling - 1}`, 'missing']);
      }
    });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    jobId = await triggerImport(current, integrationId);
    const outcome = await createInProcessRunner({ hub: current.hub }).runOnce();

    expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'success' });
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toBeDefined();
    expect(seen.memory).toEqual(codePointOrder);
    expect(seen.count).toBe(0);
    expect(seen.stored).toBe(spilling + unorderedItems.length);
    // SQLite's binary order of the moved items is the memory space's code point order.
    expect(seen.ordered).toEqual(codePointOrder);
    expect(seen.later).toEqual(
      new Map([
        ['k0', [0]],
        [`k${spilling - 1}`, [spilling - 1]],
      ]),
    );
    // The job finished: its space is gone from the table, and from the storage's view of it.
    expect(await scratchRowsOf(current, jobId)).toBe(0);
    expect(await current.storage.scratch?.get(jobId, 'contacts', ['k0'])).toEqual(new Map());
  }, 60_000);

  it('empties the space of a job whose provider fails', async () => {
    const { provider: fake } = createFakeProvider({ data: clientsWithOneProject(2) });
    const failure = new CrmError('provider_api_failed', 'The CRM failed for good');
    const stored: number[] = [];
    let jobId = '';
    const { provider } = withScratchUse(fake, async (scratch, recordType) => {
      if (recordType !== 'project' || scratch === undefined) return;
      await scratch.put('contacts', manyItems(spilling));
      if (current !== undefined) stored.push(await scratchRowsOf(current, jobId));
      throw failure;
    });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    jobId = await triggerImport(current, integrationId);
    const outcome = await createInProcessRunner({ hub: current.hub }).runOnce();

    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'provider_api_failed' } });
    expect(stored).toEqual([spilling]);
    expect(await scratchRowsOf(current, jobId)).toBe(0);
  }, 60_000);

  it('keeps a dry run\u2019s space in its transaction, and empties it at its end', async () => {
    const { provider: fake } = createFakeProvider({ data: clientsWithOneProject(2) });
    const seen: unknown[] = [];
    const { provider } = withScratchUse(fake, async (scratch, recordType) => {
      if (scratch === undefined) throw new Error('The provider got no scratch space');
      if (recordType === 'client') await scratch.put('contacts', manyItems(spilling));
      if (recordType === 'project') seen.push(await scratch.get('contacts', [`k${spilling - 1}`]));
    });
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    const jobId = await triggerImport(current, integrationId, { dry_run: true });
    const outcome = await createInProcessRunner({ hub: current.hub }).runOnce();

    expect(outcome).toMatchObject({ status: 'completed' });
    expect((await current.hub.getSyncJob({ supplierId: current.supplierId, jobId })).sync_job.dry_run).toBe(
      true,
    );
    expect(seen).toEqual([new Map([[`k${spilling - 1}`, [spilling - 1]]])]);
    expect(await scratchRowsOf(current, jobId)).toBe(0);
  }, 60_000);

  it('gives no scratch space outside a job (a connection test)', async () => {
    const { provider: fake } = createFakeProvider({ data: clientsWithOneProject(1) });
    const { provider, contexts } = withScratchUse(fake, async () => {});
    current = await createTestHub({ providers: [provider] });
    const integrationId = await createIntegration(current);
    contexts.length = 0;
    await current.hub.testConnection({ supplierId: current.supplierId, integrationId });
    expect(contexts).toEqual([undefined]);
  });
});
