/**
 * An exact sliding-window request budget. p-queue's own `interval`/`intervalCap` counts fixed windows (a burst at
 * the end of one window plus one at the start of the next doubles the rate), and its `strict` mode tracks a single
 * window and counts task starts rather than the moments requests are sent. CRMs count requests per minute AND per
 * hour, retries included, so this limiter keeps one log of send times and admits a send only when every window has
 * room.
 *
 * Admission is two-phase because what the CRM counts is the moment a request leaves, not the moment it was let
 * through: a busy event loop can run tens of milliseconds between the two. `acquire()` reserves room and resolves
 * with a permit; `permit.sent()` logs the real send time (a reservation counts as "now" until then), or
 * `permit.cancel()` gives the room back.
 */
import {
  checkFunction,
  checkInteger,
  checkNumber,
  checkObject,
  invalid,
  MAX_TIMER_MS,
} from '../internal/validate.js';

/** One budget: at most `limit` sends within any `durationMs` milliseconds. */
export interface RateLimitWindow {
  /** Sends allowed within any window of `durationMs`. An integer >= 1. */
  readonly limit: number;
  /** Length of the window in milliseconds, e.g. 60_000 for "per minute". */
  readonly durationMs: number;
}

/** Options of {@link SlidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** The budgets that must all have room before a send. At least one. */
  readonly windows: readonly RateLimitWindow[];
  /**
   * Monotonic clock in milliseconds. Must never go backwards (a wall clock can), so the default is
   * `performance.now()`; vitest's fake timers replace it too.
   * @default () => performance.now()
   */
  readonly now?: () => number;
}

/** How much of one window's budget is used right now. */
export interface RateLimitWindowUsage extends RateLimitWindow {
  /** Sends recorded within the last `durationMs`. */
  readonly used: number;
}

/** Room for one send, reserved by {@link RequestLimiter.acquire}. Settle it exactly once. */
export interface SendPermit {
  /** Call right as the request is sent: logs the send at this moment. */
  sent(): void;
  /** Call when the request will not be sent after all: frees the reserved room. */
  cancel(): void;
}

/** Something that admits sends one at a time; the HTTP client waits on it before every attempt. */
export interface RequestLimiter {
  /**
   * Resolves with a permit once one send fits every budget, counting it from then on; rejects with the signal's
   * reason on abort.
   */
  acquire(options?: { readonly signal?: AbortSignal }): Promise<SendPermit>;
}

interface Waiter {
  readonly resolve: (permit: SendPermit) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * Admits sends so that within ANY span of `durationMs` (half-open: a send exactly `durationMs` after another no
 * longer shares its window) at most `limit` sends are logged, for every window at once. Up to the limit may go at
 * the same instant (a burst); the next waits until the oldest send it would exceed leaves the window. Waiters are
 * served first in, first out, with a single timer. The log holds at most max(limit) entries, none older than the
 * longest window.
 *
 * Share one instance between every client of an integration so that they draw on one budget.
 */
export class SlidingWindowLimiter implements RequestLimiter {
  readonly #windows: readonly RateLimitWindow[];
  readonly #now: () => number;
  readonly #longestMs: number;
  readonly #largestLimit: number;
  /** Send times, oldest first. */
  #log: number[] = [];
  /** Permits handed out whose request has not been sent yet: they count as sending "now". */
  #reserved = 0;
  readonly #waiters: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SlidingWindowLimiterOptions) {
    checkObject('options', options, false);
    if (!Array.isArray(options.windows) || options.windows.length === 0) {
      invalid('windows', 'a non-empty array of { limit, durationMs }', options.windows);
    }
    options.windows.forEach((window, index) => {
      checkObject(`windows[${index}]`, window, false);
      checkInteger(`windows[${index}].limit`, window.limit, 1, true);
      if (window.durationMs === undefined) {
        invalid(
          `windows[${index}].durationMs`,
          `a finite number > 0 and <= ${MAX_TIMER_MS}`,
          window.durationMs,
        );
      }
      checkNumber(`windows[${index}].durationMs`, window.durationMs, {
        min: 0,
        exclusive: true,
        max: MAX_TIMER_MS,
      });
    });
    checkFunction('now', options.now);
    this.#windows = options.windows.map((window) => ({ limit: window.limit, durationMs: window.durationMs }));
    this.#now = options.now ?? (() => performance.now());
    this.#longestMs = Math.max(...this.#windows.map((window) => window.durationMs));
    this.#largestLimit = Math.max(...this.#windows.map((window) => window.limit));
  }

  /** The budgets this limiter enforces. */
  get windows(): readonly RateLimitWindow[] {
    return this.#windows;
  }

  /** Callers waiting in `acquire()`. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Milliseconds until one more send fits every window: 0 when it fits now, Infinity while the budget is held
   * by reservations whose requests have not been sent yet (it is known once they are). Does not count anything.
   * A send fits a window when fewer than `limit` sends (reservations included) are newer than
   * `now - durationMs`; otherwise it fits once enough logged sends have left the window.
   */
  delayMs(): number {
    const now = this.#now();
    this.#prune(now);
    let delay = 0;
    for (const window of this.#windows) {
      const free = window.limit - this.#reserved;
      if (free <= 0) return Number.POSITIVE_INFINITY;
      const blocking = this.#log[this.#log.length - free];
      if (blocking !== undefined) delay = Math.max(delay, blocking + window.durationMs - now);
    }
    return delay;
  }

  /** A permit now if every window has room and nobody waits; undefined otherwise. Never waits. */
  tryAcquire(): SendPermit | undefined {
    if (this.#waiters.length > 0 || this.delayMs() > 0) return undefined;
    return this.#reserve();
  }

  /**
   * Waits (first in, first out) until one send fits every window, then reserves it. Every attempt the CRM sees,
   * retries included, must go through here; call `sent()` on the permit right as the request leaves.
   */
  acquire(options: { readonly signal?: AbortSignal } = {}): Promise<SendPermit> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<SendPermit>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index !== -1) this.#waiters.splice(index, 1);
          reject(signal?.reason);
          this.#drain();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#drain();
    });
  }

  /** Sends counted in each window right now, reservations included. */
  usage(): readonly RateLimitWindowUsage[] {
    const now = this.#now();
    this.#prune(now);
    return this.#windows.map((window) => ({
      limit: window.limit,
      durationMs: window.durationMs,
      used: this.#log.length - lowerBoundAfter(this.#log, now - window.durationMs) + this.#reserved,
    }));
  }

  #reserve(): SendPermit {
    this.#reserved += 1;
    let settled = false;
    const settle = (send: boolean): void => {
      if (settled) return;
      settled = true;
      this.#reserved -= 1;
      if (send) {
        // now() never goes backwards, so appending keeps the log sorted.
        this.#log.push(this.#now());
        if (this.#log.length > this.#largestLimit) this.#log.splice(0, this.#log.length - this.#largestLimit);
      }
      this.#drain();
    };
    return { sent: () => settle(true), cancel: () => settle(false) };
  }

  /** Drops sends older than the longest window: they can no longer block anything. */
  #prune(now: number): void {
    const firstKept = lowerBoundAfter(this.#log, now - this.#longestMs);
    if (firstKept > 0) this.#log = this.#log.slice(firstKept);
  }

  #drain(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#waiters.length > 0) {
      const delay = this.delayMs();
      if (delay === Number.POSITIVE_INFINITY) return; // settling a permit drains again
      if (delay > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#drain();
        }, delay);
        return;
      }
      const waiter = this.#waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#reserve());
    }
  }
}

/** Index of the first entry strictly greater than `bound` in an ascending array. */
function lowerBoundAfter(sorted: readonly number[], bound: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}
