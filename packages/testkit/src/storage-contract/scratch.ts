/**
 * Storage contract: the scratch space of running jobs (`HubStorage.scratch`, optional) — JSON round trips, upsert,
 * item order, separation of namespaces and jobs, clear, batches past the parameter limits, the cascade from the
 * job row and transactions. Every test is skipped when the storage offers no scratch space.
 */
import type { HubStorage, ScratchItem, ScratchStore } from '@wedsync/crm-core';
import { beforeEach, expect } from 'vitest';
import { type ContractScope, expectCrmError, integrationFixture } from './harness.js';
import { awkwardJson } from './records.js';

/**
 * Items of the contract's large put: at 5 parameters a row (job, namespace, key, item, value), past both SQLite's
 * (32,766) and PostgreSQL's (65,535) bound-parameter limits, so a storage that does not split its batch fails.
 */
const largeScratchItems = 20_000;

/** Keys the contract's large get asks for at once: past both dialects' bound-parameter limits too. */
const largeScratchLookup = 70_000;

/**
 * Items in code point order, none of them above U+FFFF (where code point and UTF-16 code-unit order part): upper case
 * before lower case, digits compared character by character ('10' before '9'), the empty item first. A
 * locale's collation (`en_US.UTF-8`: 'a' before 'B', '9' before '10' in natural sorts) orders them differently.
 */
const orderedItems = ['', ' ', '10', '9', 'B', 'Z', '_', 'a', 'a b', 'ab', 'b', 'z', 'é', 'Ω', '中'];

class Boom extends Error {}

/** A job of a fresh supplier and integration (scratch rows reference `crm_sync_jobs`). */
async function newJob(storage: HubStorage, scope: ContractScope): Promise<string> {
  const { integrationId } = await integrationFixture(scope.fixture());
  const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
  return job.id;
}

/** The scratch space of a storage that has one (the group's tests are skipped otherwise). */
function scratchOf(storage: HubStorage): ScratchStore {
  const scratch = storage.scratch;
  if (scratch === undefined) throw new Error('The storage has no scratch space');
  return scratch;
}

/** Scratch space. */
export function scratchTests(scope: ContractScope): void {
  const { fixture, group, test } = scope;

  group('scratch space', () => {
    beforeEach((context) => {
      if (fixture().storage.scratch === undefined) context.skip('the storage has no scratch space');
    });

    test('put and get round-trip awkward JSON values', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      const values: Record<string, unknown> = {
        object: awkwardJson,
        // Object keys come back in the order JSON.stringify wrote them (jsonb would sort them).
        keyOrder: { zebra: 1, apple: 2, Mango: { y: [], x: {} }, '10': 'ten', '': 'empty key' },
        array: [1, 'two', null, [true, false], { three: 3 }, []],
        unicode: 'Åsa Ñúñez-O’Brien 👰🏽‍♀️🤵🏿 中文 العربية \u2028 "quoted" \\ back\nslash',
        nulEscape: 'before \u0000 after',
        emptyString: '',
        zero: 0,
        negative: -1.5,
        tiny: 2.5e-7,
        huge: 1e21,
        maxSafe: Number.MAX_SAFE_INTEGER,
        nullValue: null,
        yes: true,
        no: false,
        emptyObject: {},
        emptyArray: [],
      };
      await scratch.put(
        jobId,
        'awkward',
        Object.entries(values).map(([key, value]) => ({ key, item: 'only', value })),
      );
      const found = await scratch.get(jobId, 'awkward', Object.keys(values));
      expect(found.size).toBe(Object.keys(values).length);
      for (const [key, value] of Object.entries(values)) expect(found.get(key), key).toEqual([value]);
      expect(Object.keys((found.get('keyOrder')?.[0] ?? {}) as object)).toEqual(
        Object.keys(values['keyOrder'] as object),
      );
      // What JSON drops does not come back: an undefined property vanishes, -0 becomes 0.
      await scratch.put(jobId, 'awkward', [
        { key: 'dropped', item: 'only', value: { kept: 1, gone: undefined } },
      ]);
      await scratch.put(jobId, 'awkward', [{ key: 'negativeZero', item: 'only', value: -0 }]);
      const dropped = await scratch.get(jobId, 'awkward', ['dropped', 'negativeZero']);
      expect(dropped.get('dropped')?.[0]).toStrictEqual({ kept: 1 });
      expect(Object.is(dropped.get('negativeZero')?.[0], 0)).toBe(true);
    });

    test('put replaces the value of a key and item already held, without a second value', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      await scratch.put(jobId, 'contacts', [
        { key: 'job-1', item: 'a', value: { name: 'first' } },
        { key: 'job-1', item: 'b', value: 2 },
      ]);
      await scratch.put(jobId, 'contacts', [{ key: 'job-1', item: 'a', value: ['replaced'] }]);
      expect(await scratch.get(jobId, 'contacts', ['job-1'])).toEqual(
        new Map([['job-1', [['replaced'], 2]]]),
      );
      // The same key and item twice in one batch: the last one wins.
      await scratch.put(jobId, 'contacts', [
        { key: 'job-2', item: 'x', value: 'first' },
        { key: 'job-2', item: 'x', value: 'second' },
        { key: 'job-2', item: 'x', value: 'third' },
      ]);
      expect((await scratch.get(jobId, 'contacts', ['job-2'])).get('job-2')).toEqual(['third']);
    });

    test('the values of a key come back in code point order of their items, whatever the put order', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      expect([...orderedItems].sort()).toEqual(orderedItems);
      // Put in an order that is neither sorted nor reversed, over several calls.
      const scrambled = orderedItems.map(
        (_, index) => orderedItems[(index * 7) % orderedItems.length] as string,
      );
      expect(new Set(scrambled).size).toBe(orderedItems.length);
      const items = (names: readonly string[]): ScratchItem[] =>
        names.map((item) => ({ key: 'k', item, value: `value of ${item}` }));
      await scratch.put(jobId, 'order', items(scrambled.slice(0, 5)));
      await scratch.put(jobId, 'order', items(scrambled.slice(5)));
      expect((await scratch.get(jobId, 'order', ['k'])).get('k')).toEqual(
        orderedItems.map((item) => `value of ${item}`),
      );
    });

    test('keys without values are absent; get of no keys is an empty map', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      await scratch.put(jobId, 'sparse', [
        { key: 'present', item: '1', value: 'one' },
        { key: '', item: '1', value: 'empty key' },
      ]);
      const found = await scratch.get(jobId, 'sparse', ['missing', 'present', 'present', 'also missing', '']);
      expect(found).toEqual(
        new Map([
          ['present', ['one']],
          ['', ['empty key']],
        ]),
      );
      expect(found.has('missing')).toBe(false);
      expect(await scratch.get(jobId, 'sparse', [])).toEqual(new Map());
      expect(await scratch.get(jobId, 'never written', ['present'])).toEqual(new Map());
      expect(await scratch.get(await newJob(storage, scope), 'sparse', ['present'])).toEqual(new Map());
      expect(await scratch.get(crypto.randomUUID(), 'sparse', ['present'])).toEqual(new Map());
    });

    test('namespaces and jobs are separate spaces', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const first = await newJob(storage, scope);
      const second = await newJob(storage, scope);
      const item = (value: string): ScratchItem[] => [{ key: 'shared', item: 'same', value }];
      await scratch.put(first, 'one', item('first job, one'));
      await scratch.put(first, 'two', item('first job, two'));
      await scratch.put(second, 'one', item('second job, one'));
      expect((await scratch.get(first, 'one', ['shared'])).get('shared')).toEqual(['first job, one']);
      expect((await scratch.get(first, 'two', ['shared'])).get('shared')).toEqual(['first job, two']);
      expect((await scratch.get(second, 'one', ['shared'])).get('shared')).toEqual(['second job, one']);
      expect(await scratch.get(second, 'two', ['shared'])).toEqual(new Map());
    });

    test("clear with a namespace drops only that namespace; without one, the job's whole space", async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      const other = await newJob(storage, scope);
      const items: ScratchItem[] = [
        { key: 'k1', item: 'a', value: 1 },
        { key: 'k2', item: 'b', value: 2 },
      ];
      for (const namespace of ['one', 'two', 'three']) await scratch.put(jobId, namespace, items);
      await scratch.put(other, 'one', items);

      await scratch.clear(jobId, { namespace: 'two' });
      expect(await scratch.get(jobId, 'two', ['k1', 'k2'])).toEqual(new Map());
      expect((await scratch.get(jobId, 'one', ['k1', 'k2'])).size).toBe(2);
      expect((await scratch.get(jobId, 'three', ['k1', 'k2'])).size).toBe(2);
      // Clearing a namespace that holds nothing is no error; the space can be filled again after a clear.
      await scratch.clear(jobId, { namespace: 'never written' });
      await scratch.put(jobId, 'two', [{ key: 'k1', item: 'a', value: 'again' }]);
      expect((await scratch.get(jobId, 'two', ['k1'])).get('k1')).toEqual(['again']);

      await scratch.clear(jobId);
      for (const namespace of ['one', 'two', 'three']) {
        expect(await scratch.get(jobId, namespace, ['k1', 'k2']), namespace).toEqual(new Map());
      }
      // Another job's space is untouched.
      expect((await scratch.get(other, 'one', ['k1', 'k2'])).size).toBe(2);
      await scratch.clear(jobId);
      await scratch.clear(crypto.randomUUID());
    });

    test('a put and a get past the parameter limits round-trip in one call each', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      const keys = largeScratchItems / 2;
      // Two items per key, the second put before the first, with values that say where they belong.
      const items: ScratchItem[] = Array.from({ length: largeScratchItems }, (_, index) => {
        const key = `key-${index % keys}`;
        const item = index < keys ? 'second' : 'first';
        return { key, item, value: { key, item, index } };
      });
      await scratch.put(jobId, 'large', items);
      const asked = Array.from({ length: largeScratchLookup }, (_, index) => `key-${index}`);
      const found = await scratch.get(jobId, 'large', asked);
      expect(found.size).toBe(keys);
      for (const index of [0, 1, keys / 2, keys - 1]) {
        expect(found.get(`key-${index}`), `key-${index}`).toEqual([
          { key: `key-${index}`, item: 'first', index: index + keys },
          { key: `key-${index}`, item: 'second', index },
        ]);
      }
      expect(found.has(`key-${keys}`)).toBe(false);
      let values = 0;
      for (const held of found.values()) values += held.length;
      expect(values).toBe(largeScratchItems);
      await scratch.clear(jobId, { namespace: 'large' });
      expect(await scratch.get(jobId, 'large', ['key-0'])).toEqual(new Map());
    });

    test('a put for a job that does not exist is not found; deleting the job removes its space', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      await expectCrmError(
        scratch.put(crypto.randomUUID(), 'orphan', [{ key: 'k', item: 'a', value: 1 }]),
        'not_found',
      );
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await scratch.put(job.id, 'kept until the job goes', [{ key: 'k', item: 'a', value: { big: 'x' } }]);
      await storage.jobs.cancel(job.id);
      await storage.jobs.delete(job.id);
      expect(await scratch.get(job.id, 'kept until the job goes', ['k'])).toEqual(new Map());
      // A job made again with the same id starts with an empty space: no rows outlived the first one.
      await storage.jobs.create({ id: job.id, integration_id: integrationId, job_type: 'full_import' });
      expect(await scratch.get(job.id, 'kept until the job goes', ['k'])).toEqual(new Map());
    });

    test('put refuses a value JSON cannot represent and writes nothing of its batch; an aborted put writes nothing', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      await expectCrmError(
        scratch.put(jobId, 'checked', [
          { key: 'k', item: 'a', value: 1 },
          { key: 'k', item: 'b', value: undefined },
        ]),
        'invalid_argument',
      );
      await expectCrmError(
        scratch.put(jobId, 'checked', [{ key: 'k', item: 'c', value: 10n }]),
        'invalid_argument',
      );
      expect(await scratch.get(jobId, 'checked', ['k'])).toEqual(new Map());

      const aborted = new AbortController();
      aborted.abort(new Error('stopped by the runner'));
      await expect(
        scratch.put(jobId, 'checked', [{ key: 'k', item: 'a', value: 1 }], { signal: aborted.signal }),
      ).rejects.toThrow('stopped by the runner');
      expect(await scratch.get(jobId, 'checked', ['k'])).toEqual(new Map());
    });

    test('scratch writes in a transaction commit with it and roll back when it throws', async () => {
      const { storage } = fixture();
      const scratch = scratchOf(storage);
      const jobId = await newJob(storage, scope);
      await scratch.put(jobId, 'kept', [{ key: 'k', item: 'a', value: 'before' }]);
      await scratch.put(jobId, 'cleared', [{ key: 'k', item: 'a', value: 'before' }]);

      const boom = new Boom('page failed');
      await expect(
        storage.transaction(async (tx) => {
          const bound = scratchOf(tx);
          await bound.put(jobId, 'kept', [
            { key: 'k', item: 'a', value: 'inside' },
            { key: 'k', item: 'b', value: 'new' },
          ]);
          await bound.clear(jobId, { namespace: 'cleared' });
          // Visible inside the transaction.
          expect((await bound.get(jobId, 'kept', ['k'])).get('k')).toEqual(['inside', 'new']);
          expect(await bound.get(jobId, 'cleared', ['k'])).toEqual(new Map());
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await scratch.get(jobId, 'kept', ['k'])).get('k')).toEqual(['before']);
      expect((await scratch.get(jobId, 'cleared', ['k'])).get('k')).toEqual(['before']);

      await storage.transaction(async (tx) => {
        await scratchOf(tx).put(jobId, 'kept', [{ key: 'k', item: 'b', value: 'committed' }]);
        await scratchOf(tx).clear(jobId, { namespace: 'cleared' });
      });
      expect((await scratch.get(jobId, 'kept', ['k'])).get('k')).toEqual(['before', 'committed']);
      expect(await scratch.get(jobId, 'cleared', ['k'])).toEqual(new Map());
    });
  });
}
