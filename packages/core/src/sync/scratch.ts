/**
 * A provider's working space for one job (`ProviderContext.scratch`): kept in memory while it is small, and moved
 * to the hub storage's scratch space (`HubStorage.scratch`, on disk) once it holds more than `memoryValues`
 * values, so a read that must remember something of every record (Tave's job contacts, before it walks the
 * address book) keeps the process flat however large the studio. Both keep values as JSON text, so a value comes
 * back the same from either.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { HubStorage, ScratchItem } from '../spec/hub-storage.js';
import type { ProviderScratch } from '../spec/provider.js';

/** Values a job's scratch keeps in memory before it moves to the storage (about 10-20 MB of Tave's values). */
export const defaultScratchMemoryValues = 50_000;

/** Items one `put` sends to the storage when the scratch moves there (the storage chunks further). */
const spillBatchSize = 5_000;

/** Orders items as the storages do: by code point (UTF-8 byte order), not by UTF-16 code unit. */
function compareItems(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    // A surrogate (a code point above U+FFFF) sorts after every other UTF-16 unit in code point order.
    const surrogateA = a >= 0xd800 && a <= 0xdfff;
    const surrogateB = b >= 0xd800 && b <= 0xdfff;
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return left.length - right.length;
}

/** JSON text of a value; throws when the value has none (`undefined`, a function, a symbol). */
function encodeValue(namespace: string, item: ScratchItem): string {
  const text = JSON.stringify(item.value);
  if (typeof text !== 'string') {
    throw new InvalidArgumentError(`A scratch value must be JSON: \`${namespace}\` key \`${item.key}\``, {
      context: { namespace, key: item.key, item: item.item, kind: typeof item.value },
    });
  }
  return text;
}

/** A {@link ProviderScratch} in memory that also says how many values it holds and hands them over whole. */
export interface MemoryScratch extends ProviderScratch {
  /** How many values it holds (each key and item once). */
  readonly size: number;
  /** Every value of every namespace, as items to put elsewhere (JSON decoded again). */
  entries(): IterableIterator<{ readonly namespace: string; readonly item: ScratchItem }>;
}

/**
 * A scratch space in memory, for providers outside a job (a connection test, a test of the provider alone) and
 * for a job's first values. Values are kept as JSON text, as a storage keeps them.
 */
export function createMemoryScratch(): MemoryScratch {
  /** namespace → key → item → JSON text. */
  const spaces = new Map<string, Map<string, Map<string, string>>>();
  let size = 0;
  return {
    get size() {
      return size;
    },
    async put(namespace, items) {
      let space = spaces.get(namespace);
      if (space === undefined) {
        space = new Map();
        spaces.set(namespace, space);
      }
      // Every value is encoded before any is kept: a put that refuses one keeps nothing, as a storage's does.
      const texts = items.map((item) => encodeValue(namespace, item));
      for (const [index, item] of items.entries()) {
        const text = texts[index] as string;
        let values = space.get(item.key);
        if (values === undefined) {
          values = new Map();
          space.set(item.key, values);
        }
        if (!values.has(item.item)) size += 1;
        values.set(item.item, text);
      }
    },
    async get(namespace, keys) {
      const found = new Map<string, unknown[]>();
      const space = spaces.get(namespace);
      if (space === undefined) return found;
      for (const key of keys) {
        const values = space.get(key);
        if (values === undefined || values.size === 0) continue;
        const items = values.size === 1 ? [...values.keys()] : [...values.keys()].sort(compareItems);
        found.set(
          key,
          items.map((item) => JSON.parse(values.get(item) as string) as unknown),
        );
      }
      return found;
    },
    async clear(namespace) {
      const space = spaces.get(namespace);
      if (space === undefined) return;
      for (const values of space.values()) size -= values.size;
      spaces.delete(namespace);
    },
    *entries() {
      for (const [namespace, space] of spaces) {
        for (const [key, values] of space) {
          for (const [item, text] of values) {
            yield { namespace, item: { key, item, value: JSON.parse(text) as unknown } };
          }
        }
      }
    },
  };
}

/** Options of {@link createJobScratch}. */
export interface JobScratchOptions {
  /** The storage the job's loop writes through (a dry run's transaction while it lasts). */
  readonly storage: () => HubStorage;
  readonly jobId: string;
  /** Values kept in memory before the space moves to the storage. @default defaultScratchMemoryValues */
  readonly memoryValues?: number;
  readonly signal?: AbortSignal;
}

/**
 * A job's scratch space: in memory up to `memoryValues` values, then in the storage's scratch space (when the
 * storage has one; otherwise it stays in memory). Calls run one at a time, in the order they were made, so a
 * `get` sees every `put` before it, across the move. Once moved, puts are sent in batches of up to 5,000 values
 * (before any `get` or `clear`, and whenever that many wait): a provider puts a page at a time, and a statement
 * and commit per page (an fsync each on SQLite) would cost more than the writing. A put's values are checked
 * when it is made; the space is scratch, so values still waiting when the process dies are simply rebuilt by the
 * job's next run.
 */
export function createJobScratch(options: JobScratchOptions): ProviderScratch {
  const { jobId, signal } = options;
  const limit = options.memoryValues ?? defaultScratchMemoryValues;
  let memory: MemoryScratch | undefined = createMemoryScratch();
  let tail: Promise<unknown> = Promise.resolve();
  const inOrder = <Value>(operation: () => Promise<Value>): Promise<Value> => {
    const result = tail.then(operation);
    tail = result.catch(() => undefined);
    return result;
  };
  const callOptions = signal === undefined ? {} : { signal };

  /** Puts waiting to be sent to the storage, by namespace, and how many values they hold. */
  const waiting = new Map<string, ScratchItem[]>();
  let waitingValues = 0;
  /** Sends the waiting puts to the storage, in batches of at most `spillBatchSize` values. */
  const flush = async (): Promise<void> => {
    if (waitingValues === 0) return;
    const store = stored();
    for (const [namespace, items] of waiting) {
      for (let start = 0; start < items.length; start += spillBatchSize) {
        await store.put(jobId, namespace, items.slice(start, start + spillBatchSize), callOptions);
      }
    }
    waiting.clear();
    waitingValues = 0;
  };
  const wait = (namespace: string, items: readonly ScratchItem[]): void => {
    let batch = waiting.get(namespace);
    if (batch === undefined) {
      batch = [];
      waiting.set(namespace, batch);
    }
    for (const item of items) batch.push(item);
    waitingValues += items.length;
  };

  /** Moves every value held in memory to the storage; afterwards every call goes there. */
  const spill = async (held: MemoryScratch): Promise<void> => {
    const store = options.storage().scratch;
    if (store === undefined) return;
    // What an earlier run of this job left (it stopped before its end) is not this run's: memory holds all of it.
    await store.clear(jobId, callOptions);
    memory = undefined;
    for (const { namespace, item } of held.entries()) {
      wait(namespace, [item]);
      if (waitingValues >= spillBatchSize) await flush();
    }
    await flush();
  };

  const stored = () => {
    const store = options.storage().scratch;
    if (store === undefined) {
      // Only reachable if the storage lost its scratch space after the move (a different storage object).
      throw new InvalidArgumentError(`The scratch space of job \`${jobId}\` moved to a storage without one`, {
        context: { jobId },
      });
    }
    return store;
  };

  return {
    put: (namespace, items) =>
      inOrder(async () => {
        if (memory !== undefined) {
          await memory.put(namespace, items);
          if (memory.size > limit) await spill(memory);
          return;
        }
        // Refused now, not when the batch is sent: the caller learns which put held a value that is not JSON.
        for (const item of items) encodeValue(namespace, item);
        wait(namespace, items);
        if (waitingValues >= spillBatchSize) await flush();
      }),
    get: (namespace, keys) =>
      inOrder(async () => {
        if (memory !== undefined) return memory.get(namespace, keys);
        await flush();
        return stored().get(jobId, namespace, keys, callOptions);
      }),
    clear: (namespace) =>
      inOrder(async () => {
        if (memory !== undefined) {
          await memory.clear(namespace);
          return;
        }
        await flush();
        await stored().clear(jobId, { ...callOptions, namespace });
      }),
  };
}
