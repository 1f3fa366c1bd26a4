/**
 * A small, fast, seedable pseudo-random number generator (sfc32 seeded through splitmix32), so that a studio is
 * a pure function of its seed. One stream per client (`new Random(seed, clientIndex)`) makes each client
 * independent of the others: generation can be lazy and a planted record never shifts its neighbours.
 */

/** Mixes 32-bit words into one (splitmix32 finaliser). */
function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes a list of integers (a seed and stream keys) into one 32-bit word. */
export function hashKeys(keys: readonly number[]): number {
  let hash = 0x2545f491;
  for (const key of keys) {
    // Fold numbers above 2^32 (large seeds) in two halves so no bit is lost.
    const low = key >>> 0;
    const high = Math.floor(key / 0x100000000) >>> 0;
    hash = mix(hash ^ low);
    hash = mix(hash ^ high);
  }
  return hash;
}

/** A deterministic random stream. Every method consumes numbers from the stream. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Starts a stream from a seed and any number of stream keys (client index, purpose). */
  constructor(...keys: number[]) {
    const seed = hashKeys(keys);
    this.a = mix(seed);
    this.b = mix(this.a ^ 0x6a09e667);
    this.c = mix(this.b ^ 0xbb67ae85);
    this.d = mix(this.c ^ 0x3c6ef372);
    for (let index = 0; index < 12; index += 1) this.nextUint32();
  }

  /** The next unsigned 32-bit integer (sfc32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('Random.pick needs a non-empty array');
    return item;
  }

  /** One value of `[value, weight]` pairs, chosen in proportion to weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new RangeError('Random.weighted needs at least one entry');
    return last[0];
  }

  /** A string of `length` decimal digits (may start with 0). */
  digits(length: number): string {
    let text = '';
    for (let index = 0; index < length; index += 1) text += String(this.int(0, 9));
    return text;
  }
}

/**
 * Picks `count` distinct integers from [0, size) without materialising the range (Robert Floyd's algorithm,
 * O(count)), skipping `excluded`. Returns them in the order drawn.
 */
export function sampleDistinct(
  random: Random,
  count: number,
  size: number,
  excluded: ReadonlySet<number> = new Set(),
): number[] {
  const available = size - excluded.size;
  if (count > available) throw new RangeError(`Cannot pick ${count} of ${available} values`);
  const chosen = new Set<number>();
  const order: number[] = [];
  // Rejection sampling is O(count) in expectation while count stays well under the free space, which the
  // callers guarantee (planted records are a small share of a studio); Floyd's walk covers dense requests.
  if (count * 2 <= available) {
    while (order.length < count) {
      const value = random.int(0, size - 1);
      if (chosen.has(value) || excluded.has(value)) continue;
      chosen.add(value);
      order.push(value);
    }
    return order;
  }
  const free: number[] = [];
  for (let value = 0; value < size; value += 1) if (!excluded.has(value)) free.push(value);
  for (let index = free.length - count; index < free.length; index += 1) {
    const pick = random.int(0, index);
    const candidate = free[pick] as number;
    const value = chosen.has(candidate) ? (free[index] as number) : candidate;
    chosen.add(value);
    order.push(value);
  }
  return order;
}
