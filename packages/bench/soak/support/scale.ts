/**
 * How big the reliability suites run, from the environment variable SOAK_SCALE: `full` (the sizes of issue 5
 * §3, what `pnpm soak` runs; the default) or `small` (the same suites at sizes that run in well under two
 * minutes in all on a 2-core machine, what the normal test run uses).
 */
import { InvalidArgumentError } from '@wedsync/crm-core';

/** The two sizes the suites know. */
export type SoakScale = 'small' | 'full';

/** The sizes of every suite at one scale. */
export interface SoakSizes {
  readonly scale: SoakScale;
  readonly faults: {
    /** Records the CRM serves (clients, projects, events, invoices, payments), at least. */
    readonly records: number;
    /** Tave page size (10 to 100): smaller pages make more requests, so every fault kind occurs. */
    readonly pageSize: number;
  };
  readonly crashes: {
    /** Clients of the studio. */
    readonly clients: number;
    /** SIGKILLs before the import is let finish. */
    readonly crashes: number;
    readonly pageSize: number;
  };
  readonly badInput: {
    /** Copies of each adversarial variant (each variant is one record per copy). */
    readonly copies: number;
    /** Clients of the well-behaved studio the adversarial records are mixed into. */
    readonly clients: number;
  };
  readonly concurrency: {
    /** Integrations (each of its own supplier) whose jobs two runners drain. */
    readonly integrations: number;
    /** Jobs queued per integration, one after the other. */
    readonly rounds: number;
    /** Concurrent trigger pairs of the same integration. */
    readonly triggerPairs: number;
  };
}

const sizes: Readonly<Record<SoakScale, SoakSizes>> = {
  full: {
    scale: 'full',
    faults: { records: 20_000, pageSize: 100 },
    crashes: { clients: 1_000, crashes: 10, pageSize: 10 },
    badInput: { copies: 10, clients: 150 },
    concurrency: { integrations: 24, rounds: 4, triggerPairs: 50 },
  },
  small: {
    scale: 'small',
    faults: { records: 1_000, pageSize: 25 },
    crashes: { clients: 100, crashes: 3, pageSize: 10 },
    badInput: { copies: 3, clients: 40 },
    concurrency: { integrations: 6, rounds: 2, triggerPairs: 10 },
  },
};

/** The scale SOAK_SCALE names (`full` when unset). @throws InvalidArgumentError for any other value. */
export function soakScale(): SoakScale {
  const value = (process.env['SOAK_SCALE'] ?? '').trim();
  if (value === '') return 'full';
  if (value === 'small' || value === 'full') return value;
  throw new InvalidArgumentError(
    `Expected the environment variable SOAK_SCALE to be \`small\` or \`full\`, got \`${value.slice(0, 40)}\``,
    { context: { variable: 'SOAK_SCALE' } },
  );
}

/** The sizes of the scale SOAK_SCALE names. */
export function soakSizes(): SoakSizes {
  return sizes[soakScale()];
}
