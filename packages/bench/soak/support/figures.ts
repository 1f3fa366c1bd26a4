/**
 * Figures of the reliability suites (counts, retries, durations): printed as one `[soak]` line per suite and
 * merged into `.vitest/soak-figures.json` of this package, for the benchmarks report. Figures are reported, never
 * asserted on as timings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const figuresFile = fileURLToPath(new URL('../../.vitest/soak-figures.json', import.meta.url));

/** Prints `[soak] <suite> <json>` and stores the figures under `suite` (with the scale and the time). */
export function reportFigures(
  suite: string,
  scale: string,
  figures: Readonly<Record<string, unknown>>,
): void {
  const entry = { scale, at: new Date().toISOString(), ...figures };
  console.log(`[soak] ${suite} ${JSON.stringify(entry)}`);
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(figuresFile, 'utf8')) as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[suite] = entry;
  mkdirSync(dirname(figuresFile), { recursive: true });
  writeFileSync(figuresFile, `${JSON.stringify(all, null, 2)}\n`);
}

/** Seconds since `startedMs` (performance.now()), rounded to milliseconds. */
export function secondsSince(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000;
}

/** A small seeded random stream (mulberry32), so a suite's "random" moments and picks repeat run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
