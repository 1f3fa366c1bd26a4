/**
 * The sync scheduler: every `intervalMs` it asks the hub to queue a job for each integration whose automatic
 * sync is due (auto sync on, connected, no active job, interval elapsed since its last sync): an incremental sync
 * when it has a completed import to read on from, else a full import (see `CrmHub.scheduleDueSyncs`). A runner
 * runs the jobs.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { CrmHub, HubSyncJob } from '../hub.js';
import type { ProviderLogger } from '../spec/provider.js';

/** Options of {@link createSyncScheduler}. */
export interface SyncSchedulerOptions {
  readonly hub: Pick<CrmHub, 'scheduleDueSyncs'>;
  /** How often to look for due integrations, in milliseconds. @default 60000 */
  readonly intervalMs?: number;
  /** At most this many jobs per tick (the oldest syncs first). @default 100 */
  readonly limit?: number;
  /** The scheduler's clock. @default () => new Date() */
  readonly clock?: () => Date;
  /** Where failed ticks are reported. @default a logger that drops everything */
  readonly logger?: ProviderLogger;
}

/** The scheduler. */
export interface SyncScheduler {
  /** Whether the timer runs. */
  readonly started: boolean;
  /** Ticks now and then every `intervalMs`. Calling it again while started does nothing. */
  start(): void;
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
  /** Queues the due integrations' jobs now; returns the jobs created. */
  tick(): Promise<HubSyncJob[]>;
}

const silentLogger: ProviderLogger = { debug() {}, info() {}, warn() {}, error() {} };

function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be an integer > 0, got \`${String(value)}\` (${typeof value})`,
      { context: { option: name } },
    );
  }
  return value;
}

/**
 * Creates a scheduler (not started).
 * @throws InvalidArgumentError when an option is not acceptable.
 */
export function createSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.hub?.scheduleDueSyncs !== 'function'
  ) {
    throw new InvalidArgumentError('Expected `options.hub` to be a CrmHub', { context: { option: 'hub' } });
  }
  const { hub } = options;
  const intervalMs = checkPositiveInteger(options.intervalMs ?? 60_000, 'intervalMs');
  const limit = checkPositiveInteger(options.limit ?? 100, 'limit');
  const clock = options.clock ?? (() => new Date());
  if (typeof clock !== 'function') {
    throw new InvalidArgumentError('Expected `clock` to be a function', { context: { option: 'clock' } });
  }
  const logger = options.logger ?? silentLogger;
  let timer: ReturnType<typeof setInterval> | undefined;
  let ticking: Promise<unknown> | undefined;

  const tick = (): Promise<HubSyncJob[]> => {
    const run = hub.scheduleDueSyncs({ now: clock(), limit });
    const tracked: Promise<void> = run
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        if (ticking === tracked) ticking = undefined;
      });
    ticking = tracked;
    return run;
  };
  const background = () => {
    if (ticking !== undefined) return;
    tick().catch((error: unknown) =>
      logger.warn('Scheduling due syncs failed; trying again at the next tick', {
        error: error instanceof Error ? error.name : typeof error,
      }),
    );
  };

  return {
    get started() {
      return timer !== undefined;
    },
    start() {
      if (timer !== undefined) return;
      timer = setInterval(background, intervalMs);
      timer.unref?.();
      background();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await ticking;
    },
    tick,
  };
}
