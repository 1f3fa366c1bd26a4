/**
 * Per-key sliding-window rate limits (per minute and per hour), as CRMs enforce them: a request over either
 * limit is refused, with the time until enough earlier requests leave the window. Windows are exact logs of
 * accepted requests, so a burst at the end of one minute and the start of the next is still refused.
 */
import { invalid, numberOption, objectOption } from '../../generators/validate.js';

/** Limits of one fake server. Each API key has its own windows. */
export interface RateLimitOptions {
  /** Requests one key may make in any sliding minute. @default undefined (no limit) */
  readonly perMinute?: number;
  /** Requests one key may make in any sliding hour. @default undefined (no limit) */
  readonly perHour?: number;
  /**
   * Test-only time scale: both window lengths are multiplied by it, so `0.01` makes a "minute" 600 ms and a
   * test can watch a window slide. @default 1
   */
  readonly windowScale?: number;
}

/** The outcome of one request against the limits. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** When refused: milliseconds until the request would be allowed. 0 when allowed. */
  readonly retryAfterMs: number;
  /** Which limit refused it. */
  readonly limit: 'minute' | 'hour' | null;
}

const minuteMs = 60_000;
const hourMs = 3_600_000;

function checkLimits(
  options: RateLimitOptions,
): Required<Pick<RateLimitOptions, 'windowScale'>> & RateLimitOptions {
  objectOption('rateLimits', options);
  for (const name of ['perMinute', 'perHour'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      invalid(`rateLimits.${name}`, 'an integer >= 1', value);
    }
  }
  const windowScale = numberOption('rateLimits.windowScale', options.windowScale, 1, 0.000_001, 1000);
  return { ...options, windowScale };
}

/** Index of the first element of an ascending array that is greater than `value`, searching from `from`. */
function firstAfter(values: readonly number[], value: number, from: number): number {
  let low = from;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

interface Window {
  times: number[];
  start: number;
}

/** Sliding-window limiter keyed by API key fingerprint. Changeable at run time. */
export class SlidingWindowRateLimiter {
  private limits: ReturnType<typeof checkLimits>;
  private readonly windows = new Map<string, Window>();

  /** `now` is the clock in milliseconds. */
  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = checkLimits(options);
  }

  /** The limits in force. */
  get options(): RateLimitOptions {
    return { ...this.limits };
  }

  /** Replaces the limits (request history is kept, so a lowered limit applies at once). */
  configure(options: RateLimitOptions): void {
    this.limits = checkLimits(options);
  }

  /** Forgets every key's history. */
  reset(): void {
    this.windows.clear();
  }

  /** Decides one request of `key`, and counts it when allowed. */
  take(key: string): RateLimitDecision {
    const { perMinute, perHour, windowScale } = this.limits;
    if (perMinute === undefined && perHour === undefined)
      return { allowed: true, retryAfterMs: 0, limit: null };
    const now = this.now();
    const minute = minuteMs * windowScale;
    const hour = hourMs * windowScale;
    let window = this.windows.get(key);
    if (window === undefined) {
      window = { times: [], start: 0 };
      this.windows.set(key, window);
    }
    // Forget requests older than the longest window in force.
    const horizon = perHour !== undefined ? hour : minute;
    window.start = firstAfter(window.times, now - horizon, window.start);
    if (window.start > 1024 && window.start * 2 > window.times.length) {
      window.times = window.times.slice(window.start);
      window.start = 0;
    }
    const { times, start } = window;
    let retryAfterMs = 0;
    let limit: RateLimitDecision['limit'] = null;
    const check = (allowed: number, length: number, name: 'minute' | 'hour') => {
      const first = firstAfter(times, now - length, start);
      const count = times.length - first;
      if (count < allowed) return;
      // The request fits once `count - allowed + 1` of the requests in the window have left it.
      const leaving = times[first + (count - allowed)] as number;
      const wait = Math.max(1, Math.ceil(leaving + length - now));
      if (wait > retryAfterMs) {
        retryAfterMs = wait;
        limit = name;
      }
    };
    if (perMinute !== undefined) check(perMinute, minute, 'minute');
    if (perHour !== undefined) check(perHour, hour, 'hour');
    if (limit !== null) return { allowed: false, retryAfterMs, limit };
    times.push(now);
    return { allowed: true, retryAfterMs: 0, limit: null };
  }
}
