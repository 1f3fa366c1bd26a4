/**
 * Fault injection for fake servers: server errors, connection resets, truncated JSON bodies and latency,
 * decided by a seeded stream so a test run is repeatable, configurable per path and changeable at run time.
 * Every request draws the same four numbers whatever is configured, so changing one rate never reshuffles
 * the faults of the others.
 */
import { Random } from '../../generators/random.js';
import { integerOption, invalid, numberOption, objectOption, rateOption } from '../../generators/validate.js';

/** The faults a fake server can inject. */
export type FaultKind = 'server_error' | 'connection_reset' | 'malformed_json' | 'latency';

/** Fault rates and delays for a set of requests. */
export interface FaultOptions {
  /** Share of requests (0–1) answered with a server error instead of being handled. @default 0 */
  readonly serverErrorRate?: number;
  /** HTTP status of injected server errors (500–599). @default 503 */
  readonly serverErrorStatus?: number;
  /** Share of requests (0–1) whose connection is destroyed before any response is written. @default 0 */
  readonly connectionResetRate?: number;
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

/** What happens to one request. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly connectionReset: boolean;
  /** Status of an injected server error, or null. */
  readonly serverError: number | null;
  readonly malformedJson: boolean;
}

const maxLatencyMs = 60_000;

function checkOptions(name: string, options: FaultOptions): FaultOptions {
  objectOption(name, options);
  rateOption(`${name}.serverErrorRate`, options.serverErrorRate);
  rateOption(`${name}.connectionResetRate`, options.connectionResetRate);
  rateOption(`${name}.malformedJsonRate`, options.malformedJsonRate);
  integerOption(`${name}.serverErrorStatus`, options.serverErrorStatus, 503, 500, 599);
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
    const malformedJson =
      !connectionReset && serverError === null && malformedRoll < (options.malformedJsonRate ?? 0);
    return { latencyMs, connectionReset, serverError, malformedJson };
  }
}
