/**
 * The in-process runner: runs the hub's jobs inside the host's process (the default deployment). It claims jobs
 * through the storage's lease (so several runners, in one process or many, never run one job twice), runs up to
 * `concurrency` at once, and wakes as soon as a job is queued (or every `pollIntervalMs` to find resumable jobs).
 *
 * - `stop({ graceful: true })` lets each job's page in flight commit, then parks the job: its lease is released
 *   and any runner resumes it from its checkpoint.
 * - `stop({ graceful: false })` aborts at once (the page in flight rolls back) and leaves the leases to expire,
 *   as a crash would; another runner resumes the jobs after `leaseMs`.
 * - `runOnce()` and `drain()` run jobs to their end without the loop, for tests, scripts and demos.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors/index.js';
import type { CrmHub } from '../hub.js';
import type { ProviderLogger } from '../spec/provider.js';
import type { JobRunOutcome } from '../sync/run-job.js';

/** Options of {@link createInProcessRunner}. */
export interface InProcessRunnerOptions {
  /** The hub whose jobs to run. */
  readonly hub: Pick<CrmHub, 'claimJob' | 'runJob' | 'on'>;
  /** Jobs run at once (each of another integration: one job per integration is the storage's rule). @default 1 */
  readonly concurrency?: number;
  /** This runner's lease owner id; unique per runner. @default `in-process-<random UUID>` */
  readonly owner?: string;
  /** How long a lease lasts without a renewal (a committed page or a heartbeat), in milliseconds. @default 60000 */
  readonly leaseMs?: number;
  /**
   * The longest a running job goes without renewing its lease, in milliseconds: each committed page renews it,
   * and a heartbeat does when no page committed for this long. @default leaseMs / 3
   */
  readonly heartbeatIntervalMs?: number;
  /** How often an idle runner looks for resumable jobs, in milliseconds. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Where the runner reports claim failures. @default a logger that drops everything */
  readonly logger?: ProviderLogger;
}

/** The runner. */
export interface InProcessRunner {
  /** The lease owner id of this runner. */
  readonly owner: string;
  /** Whether the loop runs (between `start()` and the end of `stop()`). */
  readonly started: boolean;
  /** Starts claiming and running jobs in the background. Calling it again while started does nothing. */
  start(): void;
  /**
   * Stops claiming and waits for the running jobs: gracefully (each commits its page in flight and is parked,
   * its lease released) or not (aborted at once, leases left to expire). @default { graceful: true }
   */
  stop(options?: { readonly graceful?: boolean }): Promise<void>;
  /** Claims one job and runs it to its end; undefined when there is nothing to run. */
  runOnce(): Promise<JobRunOutcome | undefined>;
  /** Runs jobs one after another until none is left to claim (at most `maxJobs`). @default { maxJobs: 1000 } */
  drain(options?: { readonly maxJobs?: number }): Promise<JobRunOutcome[]>;
  /** Ids of the jobs running now. */
  activeJobIds(): string[];
}

function checkPositive(value: unknown, name: string, integer: boolean): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a finite ${integer ? 'integer' : 'number'} > 0, got \`${String(value)}\` (${typeof value})`,
      { context: { option: name } },
    );
  }
}

const silentLogger: ProviderLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Creates an in-process runner (not started).
 * @throws InvalidArgumentError when an option is not acceptable.
 */
export function createInProcessRunner(options: InProcessRunnerOptions): InProcessRunner {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got ${typeof options}`);
  }
  const { hub } = options;
  if (
    typeof hub?.claimJob !== 'function' ||
    typeof hub.runJob !== 'function' ||
    typeof hub.on !== 'function'
  ) {
    throw new InvalidArgumentError('Expected `hub` to be a CrmHub (with claimJob, runJob and on)', {
      context: { option: 'hub' },
    });
  }
  const concurrency = options.concurrency ?? 1;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  checkPositive(concurrency, 'concurrency', true);
  checkPositive(leaseMs, 'leaseMs', false);
  checkPositive(pollIntervalMs, 'pollIntervalMs', false);
  if (options.heartbeatIntervalMs !== undefined)
    checkPositive(options.heartbeatIntervalMs, 'heartbeatIntervalMs', false);
  const owner = options.owner ?? `in-process-${randomUUID()}`;
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 200) {
    throw new InvalidArgumentError('Expected `owner` to be a non-empty string of at most 200 characters', {
      context: { option: 'owner' },
    });
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const logger = options.logger ?? silentLogger;

  const active = new Map<string, Promise<JobRunOutcome | undefined>>();
  let started = false;
  let stopping = false;
  let park = new AbortController();
  let abort = new AbortController();
  let loop: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let wake: (() => void) | undefined;
  const wakeUp = () => wake?.();

  const run = (
    job: Awaited<ReturnType<typeof hub.claimJob>> & object,
  ): Promise<JobRunOutcome | undefined> => {
    const running = hub
      .runJob(job, { owner, leaseMs, heartbeatIntervalMs, signal: abort.signal, park: park.signal })
      .catch((error: unknown) => {
        logger.error('A job run failed unexpectedly; its lease will expire and it will be resumed', {
          jobId: job.id,
          error: error instanceof Error ? error.name : typeof error,
        });
        return undefined;
      })
      .finally(() => {
        active.delete(job.id);
        wakeUp();
      });
    active.set(job.id, running);
    return running;
  };

  const claim = async () => {
    try {
      return await hub.claimJob({ owner, leaseMs });
    } catch (error) {
      logger.warn('Claiming a job failed; trying again later', {
        error: error instanceof Error ? error.name : typeof error,
      });
      return undefined;
    }
  };

  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, pollIntervalMs);
      timer.unref?.();
      function finish() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = finish;
    });

  const runLoop = async () => {
    while (!stopping) {
      while (!stopping && active.size < concurrency) {
        const job = await claim();
        if (job === undefined || stopping) {
          if (job !== undefined) run(job);
          break;
        }
        run(job);
      }
      if (stopping) break;
      await idle();
    }
  };

  return {
    owner,
    get started() {
      return started;
    },
    start() {
      if (started) return;
      started = true;
      stopping = false;
      park = new AbortController();
      abort = new AbortController();
      unsubscribe = hub.on('jobQueued', wakeUp);
      loop = runLoop();
    },
    async stop(stopOptions = {}) {
      stopping = true;
      if (stopOptions.graceful === false) abort.abort();
      else park.abort();
      wakeUp();
      await loop;
      await Promise.allSettled([...active.values()]);
      unsubscribe?.();
      unsubscribe = undefined;
      loop = undefined;
      started = false;
      stopping = false;
      park = new AbortController();
      abort = new AbortController();
    },
    async runOnce() {
      if (stopping) return undefined;
      const job = await hub.claimJob({ owner, leaseMs });
      if (job === undefined) return undefined;
      return run(job);
    },
    async drain(drainOptions = {}) {
      const maxJobs = drainOptions.maxJobs ?? 1000;
      checkPositive(maxJobs, 'maxJobs', true);
      const outcomes: JobRunOutcome[] = [];
      while (outcomes.length < maxJobs && !stopping) {
        const job = await hub.claimJob({ owner, leaseMs });
        if (job === undefined) break;
        const outcome = await run(job);
        if (outcome !== undefined) outcomes.push(outcome);
      }
      return outcomes;
    },
    activeJobIds() {
      return [...active.keys()];
    },
  };
}
