/** Pieces every benchmark shares: the fake studio's key, the outcome check, the facts of the run. */
import { ConflictError, type JobRunOutcome } from '@wedsync/crm-core';
import { type MachineFacts, machineFacts } from '../measure.js';

/** The API key the fake Tave accepts in benchmarks (a fake studio's key, not a secret). */
export const benchApiKey = 'bench-tave-key-5d0c9a27e1f4';

/** The seed of the generated studios unless `--seed` says otherwise. */
export const defaultSeed = 5;

/** Facts every benchmark's JSON carries: when and where it ran. */
export interface RunFacts extends MachineFacts {
  /** ISO 8601 time the benchmark finished. */
  readonly date: string;
}

/** The machine facts and the time now. */
export function runFacts(): RunFacts {
  return { ...machineFacts(), date: new Date().toISOString() };
}

/** Throws unless the job completed (a failed or parked import has no meaningful time). */
export function expectCompleted(outcome: JobRunOutcome, what: string): void {
  if (outcome.status !== 'completed') {
    throw new ConflictError(`The ${what} did not complete (${outcome.status})`, {
      context: { jobId: outcome.jobId, status: outcome.status, error: outcome.error ?? null },
    });
  }
}

/** Read counts per record type of a job. */
export function readsByType(outcome: JobRunOutcome): Record<string, number> {
  const reads: Record<string, number> = {};
  for (const type of ['client', 'project', 'event', 'invoice', 'payment']) {
    reads[type] = outcome.counts[`${type}.read`] ?? 0;
  }
  return reads;
}

/** Runs `body`, then every cleanup in reverse order (also when `body` throws). */
export async function withCleanups<T>(
  body: (defer: (cleanup: () => Promise<unknown>) => void) => Promise<T>,
): Promise<T> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await body((cleanup) => cleanups.push(cleanup));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
