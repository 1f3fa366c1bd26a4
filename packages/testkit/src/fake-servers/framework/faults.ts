/**
 * Fault injection for fake servers: server errors, connection resets, injected rate limiting (429 with
 * `Retry-After`), truncated JSON bodies and latency, decided by a seeded stream so a test run is repeatable,
 * configurable per path and changeable at run time. Every request draws the same four numbers from the main
 * stream whatever is configured, and one more from a stream of its own for rate limiting, so changing one rate
 * never reshuffles the faults of the others (and seeds chosen before rate limiting existed keep their faults).
 */
import { Random } from '../../generators/random.js';
import { integerOption, invalid, numberOption, objectOption, rateOption } from '../../generators/validate.js';

/** The faults a fake server can inject. */
export type FaultKind = 'server_error' | 'connection_reset' | 'rate_limited' | 'malformed_json' | 'latency';

/** Fault rates and delays for a set of requests. */
export interface FaultOptions {
  /** Share of requests (0–1) answered with a server error instead of being handled. @default 0 */
  readonly serverErrorRate?: number;
  /** HTTP status of injected server errors (500–599). @default 503 */
  readonly serverErrorStatus?: number;
  /** Share of requests (0–1) whose connection is destroyed before any response is written. @default 0 */
  readonly connectionResetRate?: number;
  /**
   * Share of requests (0–1) answered 429 with `Retry-After` instead of being handled, whatever the server's
   * rate limits say (a CRM that throttles for reasons of its own). @default 0
   */
  readonly rateLimitRate?: number;
  /** The `Retry-After` of injected 429 answers, in whole seconds (0–3600). @default 1 */
  readonly rateLimitRetryAfterSeconds?: number;
  /** Share of successful JSON responses (0–1) whose body is cut short, so it no longer parses. @default 0 */
  readonly malformedJsonRate?: number;
  /** Delay before answering, in milliseconds: fixed, or uniform in `[min, max]`. @default 0 */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
}

/** Fault settings of a fake server. */
export interface FaultSettings extends FaultOptions {
  /** Seed of the fault stream: the same seed and request sequence give the same faults. @default 1 */
  readonly seed?: number;
  /**
   * Per-path options, merged over the defaults above. Keys are paths below the server's base path:
   * `/job` matches that path only, `/job/*` every path under `/job/`. The longest matching key wins.
   */
  readonly paths?: Readonly<Record<string, FaultOptions>>;
}

/**
 * What happens to one request. At most one of the faults that replace the answer applies, in this order:
 * connection reset, server error, rate limited, malformed JSON; latency comes on top of any of them.
 */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly connectionReset: boolean;
  /** Status of an injected server error, or null. */
  readonly serverError: number | null;
  /** Seconds of `Retry-After` of an injected 429 answer, or null. */
  readonly rateLimited: number | null;
  readonly malformedJson: boolean;
}

const maxLatencyMs = 60_000;
/** Stream key of the rate-limit rolls (any constant other streams do not use). */
const rateLimitStream = 429;

function checkOptions(name: string, options: FaultOptions): FaultOptions {
  objectOption(name, options);
  rateOption(`${name}.serverErrorRate`, options.serverErrorRate);
  rateOption(`${name}.connectionResetRate`, options.connectionResetRate);
  rateOption(`${name}.malformedJsonRate`, options.malformedJsonRate);
  rateOption(`${name}.rateLimitRate`, options.rateLimitRate);
  integerOption(`${name}.serverErrorStatus`, options.serverErrorStatus, 503, 500, 599);
  integerOption(`${name}.rateLimitRetryAfterSeconds`, options.rateLimitRetryAfterSeconds, 1, 0, 3600);
  const latency = options.latencyMs;
  if (typeof latency === 'object' && latency !== null) {
    const min = numberOption(`${name}.latencyMs.min`, latency.min, 0, 0, maxLatencyMs);
    const max = numberOption(`${name}.latencyMs.max`, latency.max, 0, 0, maxLatencyMs);
    if (max < min) invalid(`${name}.latencyMs.max`, `a number >= \`latencyMs.min\` (${min})`, max);
  } else {
    numberOption(`${name}.latencyMs`, latency, 0, 0, maxLatencyMs);
  }
  return options;
}

function checkPattern(pattern: string): void {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
    invalid('faults.paths key', 'a path starting with `/` (optionally ending with `/*`)', pattern);
  }
}

/** Decides the faults of each request. */
export class FaultInjector {
  private defaults: FaultOptions = {};
  private paths = new Map<string, FaultOptions>();
  private random = new Random(1);
  /** A stream of its own, so that rate limiting draws nothing from the stream of the older fault kinds. */
  private rateLimitRandom = new Random(1, rateLimitStream);

  constructor(settings: FaultSettings = {}) {
    this.configure(settings);
  }

  /** Replaces every setting (and restarts the fault stream from the seed). */
  configure(settings: FaultSettings): void {
    const { seed, paths, ...defaults } = checkOptions('faults', settings) as FaultSettings;
    const checkedSeed = integerOption('faults.seed', seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const checkedPaths = new Map<string, FaultOptions>();
    for (const [pattern, options] of Object.entries(objectOption('faults.paths', paths) ?? {})) {
      checkPattern(pattern);
      checkedPaths.set(pattern, checkOptions(`faults.paths[${pattern}]`, options as FaultOptions));
    }
    this.defaults = defaults;
    this.paths = checkedPaths;
    this.random = new Random(checkedSeed);
    this.rateLimitRandom = new Random(checkedSeed, rateLimitStream);
  }

  /** Sets (or, with undefined, removes) the options of one path pattern, keeping everything else. */
  setPath(pattern: string, options: FaultOptions | undefined): void {
    checkPattern(pattern);
    if (options === undefined) this.paths.delete(pattern);
    else this.paths.set(pattern, checkOptions(`faults.paths[${pattern}]`, options));
  }

  /** Turns every fault off (the stream keeps its position). */
  clear(): void {
    this.defaults = {};
    this.paths.clear();
  }

  /** The options in force for a path. */
  optionsFor(path: string): FaultOptions {
    let best: string | undefined;
    for (const pattern of this.paths.keys()) {
      const matches = pattern.endsWith('/*')
        ? path.startsWith(pattern.slice(0, -1)) || path === pattern.slice(0, -2)
        : path === pattern;
      if (matches && (best === undefined || pattern.length > best.length)) best = pattern;
    }
    return best === undefined ? this.defaults : { ...this.defaults, ...this.paths.get(best) };
  }

  /** Draws the faults of one request to `path`. */
  decide(path: string): FaultDecision {
    const options = this.optionsFor(path);
    const resetRoll = this.random.next();
    const errorRoll = this.random.next();
    const malformedRoll = this.random.next();
    const latencyRoll = this.random.next();
    const rateLimitRoll = this.rateLimitRandom.next();
    const latency = options.latencyMs ?? 0;
    const latencyMs =
      typeof latency === 'number'
        ? latency
        : Math.round(latency.min + latencyRoll * (latency.max - latency.min));
    const connectionReset = resetRoll < (options.connectionResetRate ?? 0);
    const serverError =
      !connectionReset && errorRoll < (options.serverErrorRate ?? 0)
        ? (options.serverErrorStatus ?? 503)
        : null;
    const rateLimited =
      !connectionReset && serverError === null && rateLimitRoll < (options.rateLimitRate ?? 0)
        ? (options.rateLimitRetryAfterSeconds ?? 1)
        : null;
    const malformedJson =
      !connectionReset &&
      serverError === null &&
      rateLimited === null &&
      malformedRoll < (options.malformedJsonRate ?? 0);
    return { latencyMs, connectionReset, serverError, rateLimited, malformedJson };
  }
}
