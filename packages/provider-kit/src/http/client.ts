/**
 * createProviderHttp: the HTTP client a provider session receives as `ProviderContext.http`. One client per
 * integration: its requests share one request budget (an exact sliding window per minute and per hour), one
 * p-queue (concurrency and order), and one Retry-After pause. Each request is retried with exponential backoff
 * and jitter (p-retry) when the failure is transient and retrying cannot apply a write twice. Failures become a
 * ProviderApiError without secrets.
 */
import { STATUS_CODES } from 'node:http';
import {
  InvalidArgumentError,
  type ProviderHttpClient,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
  type ProviderLogger,
  type ProviderRateLimits,
} from '@wedsync/crm-core';
import ky, { type KyInstance } from 'ky';
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { ProviderApiError, type ProviderFailureKind, type ProviderRequestOutcome } from '../errors.js';
import { combineSignals, sleep } from '../internal/sleep.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkNumber,
  checkObject,
  checkSignal,
  describeValue,
  invalid,
  MAX_TIMER_MS,
} from '../internal/validate.js';
import {
  type RequestLimiter,
  type SendPermit,
  SlidingWindowLimiter,
} from '../rate-limit/sliding-window-limiter.js';
import { collectSecrets, redactSecrets, redactUrl } from './redaction.js';
import { parseRetryAfter } from './retry-after.js';

/** Backoff between attempts (p-retry): attempt n waits min(maxTimeoutMs, minTimeoutMs * factor^(n-1) * jitter). */
export interface ProviderRetryOptions {
  /** Retries after the first attempt. @default 5 */
  readonly retries?: number;
  /** Wait before the first retry, in milliseconds. @default 1000 */
  readonly minTimeoutMs?: number;
  /** Longest wait between two attempts, in milliseconds. @default 30000 */
  readonly maxTimeoutMs?: number;
  /** Exponential factor. @default 2 */
  readonly factor?: number;
  /** Jitter: multiply each wait by a random factor between 1 and 2, so clients do not retry in lockstep. @default true */
  readonly randomize?: boolean;
}

/** One attempt that reached the network (or tried to), reported to `onRequest` for metrics. */
export interface ProviderRequestEvent {
  readonly method: string;
  /** The URL without secrets. */
  readonly url: string;
  /** 1 for the first attempt, 2 for the first retry... */
  readonly attempt: number;
  /** Response status; undefined when no response came. */
  readonly status: number | undefined;
  /** What went wrong, when something did. */
  readonly failure: ProviderFailureKind | undefined;
  /** From sending to the end of the body. */
  readonly durationMs: number;
}

/** Counters of one client, for the hub's reports. */
export interface ProviderHttpStats {
  /** Calls to `request()`. */
  readonly requests: number;
  /** Attempts sent to the CRM, retries included: what the CRM counts against the budget. */
  readonly requestsSent: number;
  /** Attempts that were retries. */
  readonly retries: number;
  /** 429 responses received. */
  readonly rateLimited: number;
  /** Times a Retry-After paused the whole queue. */
  readonly retryAfterPauses: number;
  /** Calls to `request()` that ended with a ProviderApiError. */
  readonly failures: number;
  /** Calls to `request()` not yet settled (queued, sending, or waiting to retry). */
  readonly active: number;
  /** Attempts waiting in the queue. */
  readonly queued: number;
  /** Attempts holding a concurrency slot (waiting for budget or sending). */
  readonly running: number;
  /** Whether a Retry-After pause is in effect. */
  readonly paused: boolean;
}

/** Options of {@link createProviderHttp}. */
export interface ProviderHttpOptions {
  /** Absolute http(s) URL every request path is relative to, e.g. `https://api.tave.com/v2`. No query or fragment. */
  readonly baseUrl: string;
  /**
   * Headers sent with every request, typically authentication (`X-API-KEY`, `Authorization`). Their values are
   * treated as secrets: never logged, and redacted from error messages and body excerpts.
   * @default {}
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** The CRM's budget for this integration: `requestsPerMinute`, `requestsPerHour`, `concurrency` (default 4). */
  readonly rateLimits: ProviderRateLimits;
  /**
   * The budget to draw from instead of one built from `rateLimits` (whose `concurrency` still applies). Pass one
   * SlidingWindowLimiter to several clients of the same integration so that together they stay within budget.
   */
  readonly limiter?: RequestLimiter;
  /** Backoff between attempts. */
  readonly retry?: ProviderRetryOptions;
  /** Limit of one attempt, from sending to the end of the body, in milliseconds. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Longest Retry-After the client waits out. A CRM asking for more fails the request at once with a
   * ProviderApiError (`isRetryable: true`, `retryAfterMs`) so the job can be rescheduled instead of sleeping.
   * @default 300000
   */
  readonly maxRetryAfterMs?: number;
  /** The fetch implementation (tests, proxies). @default globalThis.fetch */
  readonly fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /** Aborts every request of this client (e.g. the job was cancelled). */
  readonly signal?: AbortSignal;
  /** Where retries and pauses are logged; it never receives header values. @default a logger that drops everything */
  readonly logger?: ProviderLogger;
  /** Called after every attempt, for metrics. An exception it throws is logged and ignored. */
  readonly onRequest?: (event: ProviderRequestEvent) => void;
  /**
   * Extra query-parameter names whose values are secrets (compared case-insensitively), beyond the built-in
   * ones (`api_key`, `token`, `access_token`, `secret`, `password`, `signature`, `code`...).
   * @default []
   */
  readonly secretQueryParameters?: readonly string[];
  /** Monotonic clock in milliseconds for the budget and Retry-After pauses. @default () => performance.now() */
  readonly now?: () => number;
}

/** The client createProviderHttp returns: a ProviderHttpClient plus counters. */
export interface ProviderHttp extends ProviderHttpClient {
  /** Counters since the client was created. */
  stats(): ProviderHttpStats;
  /** Resolves once no request is queued, sending, or waiting to retry. */
  onIdle(): Promise<void>;
}

/** Requests in flight at once when `rateLimits.concurrency` is not given. */
export const defaultRequestConcurrency = 4;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 300_000;
const BODY_EXCERPT_LENGTH = 1000;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const NON_IDEMPOTENT_METHODS = new Set(['POST', 'PATCH']);
/** Statuses that say the server did not process the request: safe to send again, even a create. */
const NOT_PROCESSED_STATUSES = new Set([408, 425, 429]);
/** 5xx statuses that retrying cannot fix. */
const PERMANENT_SERVER_STATUSES = new Set([501, 505]);
/** Error codes meaning no connection was made, so the request never left. */
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const silentLogger: ProviderLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Creates the rate-limited, retrying HTTP client of one integration.
 *
 * - Budget: every attempt (retries too) waits for room in an exact sliding window per minute and per hour; up to
 *   the limit may go at once, never more within any window. `rateLimits.concurrency` attempts run at once, in
 *   order of arrival (retries ahead of new requests).
 * - Retries (idempotent requests: GET, PUT, DELETE by default): on 408, 425, 429, 5xx (except 501 and 505),
 *   network errors, timeouts and unreadable JSON bodies, with exponential backoff and jitter.
 * - Non-idempotent requests (POST, PATCH, or `idempotent: false`) are retried only when the failure proves the
 *   CRM never processed them: 408, 425, 429, 503 with Retry-After, or no connection made. After a timeout, a
 *   reset after sending, or another 5xx they fail at once with `isRetryable: false, outcome: 'unknown'`: the hub
 *   must look the record up before sending again.
 * - Retry-After (seconds or HTTP date) on 429 or 503 pauses this client's whole queue for that long, then the
 *   request is retried; a wait longer than `maxRetryAfterMs` fails instead.
 * - Aborting (client `signal` or the request's) rejects with the signal's reason, not a ProviderApiError.
 * - Responses whose content-type mentions `json` are parsed; others are returned as text; an empty body is
 *   `undefined`. Status >= 400 is a failure.
 */
export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  return new RateLimitedHttpClient(options);
}

/** Why one attempt failed, and whether p-retry should try again. Internal: converted to ProviderApiError. */
class AttemptFailure extends Error {
  constructor(
    readonly details: {
      readonly attempt: number;
      readonly failure: ProviderFailureKind;
      readonly retry: boolean;
      readonly isRetryable: boolean;
      readonly outcome: ProviderRequestOutcome;
      readonly description: string;
      readonly status?: number;
      readonly bodyExcerpt?: string;
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    },
  ) {
    super(details.description);
    this.name = 'AttemptFailure';
  }
}

interface PreparedRequest {
  readonly method: string;
  readonly url: URL;
  /** The URL as it may appear in messages and logs. */
  readonly safeUrl: string;
  readonly headers: Headers;
  readonly json: unknown;
  readonly idempotent: boolean;
  readonly secrets: readonly string[];
}

class RateLimitedHttpClient implements ProviderHttp {
  readonly #baseUrl: URL;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #limiter: RequestLimiter;
  readonly #queue: PQueue;
  readonly #ky: KyInstance;
  readonly #fetch: (input: Request, init?: RequestInit) => Promise<Response>;
  readonly #retry: Required<ProviderRetryOptions>;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #logger: ProviderLogger;
  readonly #onRequest: ((event: ProviderRequestEvent) => void) | undefined;
  readonly #secretNames: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #active = new Set<Promise<unknown>>();
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #counters = {
    requests: 0,
    requestsSent: 0,
    retries: 0,
    rateLimited: 0,
    retryAfterPauses: 0,
    failures: 0,
  };

  constructor(options: ProviderHttpOptions) {
    checkObject('options', options, false);
    this.#baseUrl = parseBaseUrl(options.baseUrl);
    checkObject('headers', options.headers, true);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (typeof value !== 'string') invalid(`headers.${name}`, 'a string', value);
    }
    checkObject('rateLimits', options.rateLimits, false);
    const { requestsPerMinute, requestsPerHour, concurrency } = options.rateLimits;
    checkInteger('rateLimits.requestsPerMinute', requestsPerMinute, 1, true);
    checkInteger('rateLimits.requestsPerHour', requestsPerHour, 1, true);
    checkInteger('rateLimits.concurrency', concurrency, 1);
    if (options.limiter !== undefined && typeof options.limiter?.acquire !== 'function') {
      invalid('limiter', 'an object with an acquire() method', options.limiter);
    }
    checkObject('retry', options.retry, true);
    const retry = options.retry ?? {};
    checkInteger('retry.retries', retry.retries, 0);
    checkNumber('retry.minTimeoutMs', retry.minTimeoutMs, { min: 0, max: MAX_TIMER_MS });
    checkNumber('retry.maxTimeoutMs', retry.maxTimeoutMs, { min: 0, max: MAX_TIMER_MS });
    checkNumber('retry.factor', retry.factor, { min: 1 });
    checkBoolean('retry.randomize', retry.randomize);
    checkNumber('timeoutMs', options.timeoutMs, { min: 0, exclusive: true, max: MAX_TIMER_MS });
    checkNumber('maxRetryAfterMs', options.maxRetryAfterMs, { min: 0, max: MAX_TIMER_MS });
    checkFunction('fetch', options.fetch);
    checkSignal('signal', options.signal);
    if (options.logger !== undefined) {
      checkObject('logger', options.logger, false);
      for (const level of ['debug', 'info', 'warn', 'error'] as const) {
        if (typeof options.logger[level] !== 'function') {
          invalid(`logger.${level}`, 'a function', options.logger[level]);
        }
      }
    }
    checkFunction('onRequest', options.onRequest);
    checkFunction('now', options.now);
    if (
      options.secretQueryParameters !== undefined &&
      (!Array.isArray(options.secretQueryParameters) ||
        !options.secretQueryParameters.every((name) => typeof name === 'string'))
    ) {
      invalid('secretQueryParameters', 'an array of strings', options.secretQueryParameters);
    }

    this.#headers = { ...options.headers };
    this.#now = options.now ?? (() => performance.now());
    this.#limiter =
      options.limiter ??
      new SlidingWindowLimiter({
        windows: [
          { limit: requestsPerMinute, durationMs: 60_000 },
          { limit: requestsPerHour, durationMs: 3_600_000 },
        ],
        now: this.#now,
      });
    this.#queue = new PQueue({ concurrency: concurrency ?? defaultRequestConcurrency });
    this.#retry = {
      retries: retry.retries ?? 5,
      minTimeoutMs: retry.minTimeoutMs ?? 1000,
      maxTimeoutMs: retry.maxTimeoutMs ?? 30_000,
      factor: retry.factor ?? 2,
      randomize: retry.randomize ?? true,
    };
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.#signal = options.signal;
    this.#logger = options.logger ?? silentLogger;
    this.#onRequest = options.onRequest;
    this.#secretNames = new Set((options.secretQueryParameters ?? []).map((name) => name.toLowerCase()));
    // Looked up on each call, so that a fetch patched later (nock, undici's setGlobalDispatcher) is used.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    // ky sends; retries, timeouts and status handling are ours, so ky's own are off.
    this.#ky = ky.create({ retry: 0, timeout: false, throwHttpErrors: false });
    this.#signal?.addEventListener('abort', () => this.#endPause(), { once: true });
  }

  stats(): ProviderHttpStats {
    return {
      ...this.#counters,
      active: this.#active.size,
      queued: this.#queue.size,
      running: this.#queue.pending,
      paused: this.#pausedUntil > this.#now(),
    };
  }

  async onIdle(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
  }

  request<Body = unknown>(request: ProviderHttpRequest): Promise<ProviderHttpResponse<Body>> {
    const promise = this.#request(request) as Promise<ProviderHttpResponse<Body>>;
    this.#active.add(promise);
    const forget = (): void => {
      this.#active.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  async #request(request: ProviderHttpRequest): Promise<ProviderHttpResponse> {
    this.#counters.requests += 1;
    const prepared = this.#prepare(request);
    const signal = combineSignals(this.#signal, request.signal);
    signal?.throwIfAborted();
    try {
      return await pRetry(
        (attempt) =>
          this.#queue.add(({ signal: taskSignal }) => this.#attempt(prepared, attempt, taskSignal), {
            // Retries go ahead of requests that have not started yet.
            priority: attempt > 1 ? 1 : 0,
            ...(signal === undefined ? {} : { signal }),
          }),
        {
          retries: this.#retry.retries,
          minTimeout: this.#retry.minTimeoutMs,
          maxTimeout: this.#retry.maxTimeoutMs,
          factor: this.#retry.factor,
          randomize: this.#retry.randomize,
          ...(signal === undefined ? {} : { signal }),
          shouldRetry: ({ error, retriesLeft }) => {
            if (!(error instanceof AttemptFailure) || !error.details.retry) return false;
            this.#counters.retries += 1;
            this.#logger.warn('Retrying CRM request', {
              method: prepared.method,
              url: prepared.safeUrl,
              attempt: error.details.attempt,
              retriesLeft,
              status: error.details.status,
              failure: error.details.failure,
            });
            return true;
          },
        },
      );
    } catch (error) {
      if (error instanceof AttemptFailure) {
        this.#counters.failures += 1;
        throw this.#toProviderApiError(prepared, error);
      }
      if (ProviderApiError.isInstance(error)) this.#counters.failures += 1;
      throw error;
    }
  }

  /** Checks the request and builds its URL, headers and the list of its secrets. */
  #prepare(request: ProviderHttpRequest): PreparedRequest {
    checkObject('request', request, false);
    if (typeof request.method !== 'string' || !METHODS.has(request.method)) {
      invalid('request.method', 'one of GET, POST, PUT, PATCH, DELETE', request.method);
    }
    if (typeof request.path !== 'string') invalid('request.path', 'a string', request.path);
    checkObject('request.searchParams', request.searchParams, true);
    checkObject('request.headers', request.headers, true);
    checkBoolean('request.idempotent', request.idempotent);
    checkSignal('request.signal', request.signal);

    const url = this.#resolve(request.path);
    for (const [name, value] of Object.entries(request.searchParams ?? {})) {
      if (value === undefined) continue;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        invalid(`request.searchParams.${name}`, 'a string, number or boolean', value);
      }
      url.searchParams.append(name, String(value));
    }
    const headers = new Headers({ accept: 'application/json' });
    const plainHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...this.#headers, ...request.headers })) {
      if (typeof value !== 'string') invalid(`request.headers.${name}`, 'a string', value);
      headers.set(name, value);
      plainHeaders[name] = value;
    }
    const secrets = collectSecrets({
      headers: plainHeaders,
      url,
      json: request.json,
      secretNames: this.#secretNames,
    });
    return {
      method: request.method,
      url,
      safeUrl: redactUrl(url.href, { secrets, secretNames: this.#secretNames }),
      headers,
      json: request.json,
      idempotent: request.idempotent ?? !NON_IDEMPOTENT_METHODS.has(request.method),
      secrets,
    };
  }

  /**
   * A path relative to baseUrl (no leading slash), or an absolute URL on baseUrl's origin (e.g. a Link header's
   * next page). Other origins are refused: the client's auth headers must never reach another host.
   */
  #resolve(path: string): URL {
    if (/^[a-z][a-z\d+.-]*:/i.test(path)) {
      let url: URL;
      try {
        url = new URL(path);
      } catch (error) {
        throw new InvalidArgumentError(
          `Expected \`request.path\` to be a valid URL, got ${describeValue(path)}`,
          {
            cause: error,
            context: { option: 'request.path' },
          },
        );
      }
      if (url.origin !== this.#baseUrl.origin) {
        throw new InvalidArgumentError(
          `Expected \`request.path\` to be relative to baseUrl or on its origin ${this.#baseUrl.origin}, got a URL on ${url.origin}`,
          { context: { option: 'request.path', origin: url.origin } },
        );
      }
      url.hash = '';
      return url;
    }
    if (path.startsWith('/')) {
      invalid('request.path', `relative to baseUrl ${this.#baseUrl.href} (no leading slash)`, path);
    }
    const url = new URL(path, this.#baseUrl);
    if (!url.href.startsWith(this.#baseUrl.href)) {
      invalid('request.path', `a path inside baseUrl ${this.#baseUrl.href}`, path);
    }
    url.hash = '';
    return url;
  }

  /** Waits for the Retry-After pause to end and for room in the budget. */
  async #admit(signal: AbortSignal | undefined): Promise<SendPermit> {
    for (;;) {
      const pausedFor = this.#pausedUntil - this.#now();
      if (pausedFor > 0) {
        await sleep(pausedFor, signal);
        continue;
      }
      const permit = await this.#limiter.acquire(signal === undefined ? {} : { signal });
      if (this.#pausedUntil <= this.#now()) return permit;
      // A Retry-After arrived while this attempt waited for budget: give the room back and wait it out.
      permit.cancel();
    }
  }

  /** One attempt, run inside the queue. Throws AttemptFailure (or the abort reason). */
  async #attempt(
    prepared: PreparedRequest,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<ProviderHttpResponse> {
    const permit = await this.#admit(signal);
    // The budget logs the moment fetch is called, not the moment the permit was granted.
    const send = (input: Request, init?: RequestInit): Promise<Response> => {
      permit.sent();
      this.#counters.requestsSent += 1;
      return this.#fetch(input, init);
    };
    const started = this.#now();
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`no complete response within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    const attemptSignal = combineSignals(signal, timeout.signal)!;
    let status: number | undefined;
    let failure: ProviderFailureKind | undefined;
    try {
      let response: Response;
      let text: string;
      try {
        response = await untilAborted(
          this.#ky(prepared.url, {
            method: prepared.method,
            headers: prepared.headers,
            signal: attemptSignal,
            // ky always calls fetch with a Request, which is all `send` accepts.
            fetch: send as typeof globalThis.fetch,
            ...(prepared.json === undefined ? {} : { json: prepared.json }),
          }),
          attemptSignal,
        );
        status = response.status;
        text = await untilAborted(response.text(), attemptSignal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        failure = timeout.signal.aborted ? 'timeout' : 'network';
        throw this.#transportFailure(prepared, attempt, failure, status, error);
      }
      const result = this.#interpret(prepared, attempt, response, text);
      if (result instanceof AttemptFailure) {
        failure = result.details.failure;
        throw result;
      }
      if (result instanceof ProviderApiError) {
        failure = result.failure;
        throw result;
      }
      return result;
    } finally {
      permit.cancel(); // no-op once sent
      clearTimeout(timer);
      this.#report({
        method: prepared.method,
        url: prepared.safeUrl,
        attempt,
        status,
        failure,
        durationMs: this.#now() - started,
      });
    }
  }

  /** Turns a response into the result, or into an AttemptFailure saying whether to retry. */
  #interpret(
    prepared: PreparedRequest,
    attempt: number,
    response: Response,
    text: string,
  ): ProviderHttpResponse | AttemptFailure | ProviderApiError {
    const { status } = response;
    const headers = Object.fromEntries(response.headers);
    const contentType = response.headers.get('content-type') ?? '';
    const excerpt = (): string => redactSecrets(text, prepared.secrets).slice(0, BODY_EXCERPT_LENGTH);
    if (status >= 400) {
      if (status === 429) this.#counters.rateLimited += 1;
      // HTTP/2 has no reason phrase: fall back to the standard one.
      const reason = response.statusText || STATUS_CODES[status] || '';
      const statusLine = `status ${status}${reason ? ` ${reason}` : ''}`;
      const retryAfterMs =
        status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > this.#maxRetryAfterMs) {
        // Waiting hours inside a job helps nobody: fail now, retryable later.
        return new ProviderApiError(
          `${prepared.method} ${prepared.safeUrl} failed with ${statusLine}: the CRM asked to wait ${retryAfterMs} ms (Retry-After), more than maxRetryAfterMs (${this.#maxRetryAfterMs} ms), after ${plural(attempt, 'attempt')}`,
          {
            status,
            method: prepared.method,
            url: prepared.safeUrl,
            bodyExcerpt: excerpt(),
            isRetryable: true,
            attempts: attempt,
            outcome: 'not_processed',
            failure: 'status',
            retryAfterMs,
          },
        );
      }
      if (retryAfterMs !== undefined) this.#pauseFor(retryAfterMs, prepared);
      const notProcessed =
        NOT_PROCESSED_STATUSES.has(status) || (status === 503 && retryAfterMs !== undefined);
      const transient = status >= 500 && !PERMANENT_SERVER_STATUSES.has(status);
      const retry = notProcessed || (transient && prepared.idempotent);
      return new AttemptFailure({
        attempt,
        failure: 'status',
        retry,
        isRetryable: retry,
        outcome: notProcessed ? 'not_processed' : transient ? 'unknown' : 'rejected',
        description: `failed with ${statusLine}`,
        status,
        bodyExcerpt: excerpt(),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (text === '') return { status, headers, body: undefined };
    if (!/\bjson\b|\+json\b/i.test(contentType)) return { status, headers, body: text };
    try {
      return { status, headers, body: JSON.parse(text) as unknown };
    } catch (error) {
      // Usually a body cut short: worth another try when that cannot repeat a write.
      const reason = error instanceof Error ? redactSecrets(error.message, prepared.secrets) : 'unparsable';
      return new AttemptFailure({
        attempt,
        failure: 'malformed_body',
        retry: prepared.idempotent,
        isRetryable: prepared.idempotent,
        outcome: 'unknown',
        description: `failed: status ${status} with content-type ${contentType} but the body is not valid JSON (${reason})`,
        status,
        bodyExcerpt: excerpt(),
        cause: new SyntaxError(reason),
      });
    }
  }

  /** A failure without a usable response: timeout, connection refused or reset, body cut off. */
  #transportFailure(
    prepared: PreparedRequest,
    attempt: number,
    failure: 'timeout' | 'network',
    status: number | undefined,
    error: unknown,
  ): AttemptFailure {
    const code = failure === 'network' ? findErrorCode(error) : undefined;
    const notConnected = code !== undefined && NOT_CONNECTED_CODES.has(code);
    const retry = notConnected || prepared.idempotent;
    const message = error instanceof Error ? redactSecrets(error.message, prepared.secrets) : String(error);
    const description =
      failure === 'timeout'
        ? `failed: no complete response within ${this.#timeoutMs} ms`
        : `failed: network error (${code ?? message})`;
    return new AttemptFailure({
      attempt,
      failure,
      retry,
      isRetryable: retry,
      outcome: notConnected ? 'not_processed' : 'unknown',
      description,
      ...(status === undefined ? {} : { status }),
      cause: sanitizeError(error, prepared),
    });
  }

  #toProviderApiError(prepared: PreparedRequest, failure: AttemptFailure): ProviderApiError {
    const { details } = failure;
    const notRetried =
      !details.retry && details.outcome === 'unknown' && !prepared.idempotent
        ? ` (not retried: ${prepared.method} is not idempotent and the CRM may have applied it; look the record up before sending it again)`
        : '';
    return new ProviderApiError(
      `${prepared.method} ${prepared.safeUrl} ${details.description} after ${plural(details.attempt, 'attempt')}${notRetried}`,
      {
        ...(details.status === undefined ? {} : { status: details.status }),
        method: prepared.method,
        url: prepared.safeUrl,
        ...(details.bodyExcerpt === undefined ? {} : { bodyExcerpt: details.bodyExcerpt }),
        isRetryable: details.isRetryable,
        attempts: details.attempt,
        outcome: details.outcome,
        failure: details.failure,
        ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
        ...(details.cause === undefined ? {} : { cause: details.cause }),
      },
    );
  }

  /** Pauses the whole queue (and attempts waiting for budget) until Retry-After has passed. */
  #pauseFor(milliseconds: number, prepared: PreparedRequest): void {
    const until = this.#now() + milliseconds;
    if (milliseconds <= 0 || until <= this.#pausedUntil) return;
    this.#counters.retryAfterPauses += 1;
    this.#pausedUntil = until;
    this.#queue.pause();
    if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = setTimeout(() => this.#endPause(), milliseconds);
    this.#logger.info('CRM asked to wait (Retry-After): pausing all requests of this integration', {
      method: prepared.method,
      url: prepared.safeUrl,
      retryAfterMs: milliseconds,
    });
  }

  #endPause(): void {
    if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = undefined;
    this.#queue.start();
  }

  #report(event: ProviderRequestEvent): void {
    this.#logger.debug('CRM request attempt', { ...event });
    if (this.#onRequest === undefined) return;
    try {
      this.#onRequest(event);
    } catch (error) {
      this.#logger.warn('The onRequest hook threw; ignoring it', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

function parseBaseUrl(value: unknown): URL {
  if (typeof value !== 'string') invalid('baseUrl', 'an absolute http(s) URL', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid('baseUrl', 'an absolute http(s) URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    invalid('baseUrl', 'an absolute http(s) URL', value);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such URLs, and the password would end up in messages.
    invalid('baseUrl', 'a URL without credentials (put them in `headers`)', redactUrl(value));
  }
  if (url.search !== '' || url.hash !== '') {
    invalid('baseUrl', 'a URL without query or fragment (put credentials in `headers`)', redactUrl(value));
  }
  // "https://host/v2" + "clients" must give "https://host/v2/clients", not "https://host/clients".
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts (even if fetch ignores it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The first `code` in an error's cause chain (undici puts ECONNREFUSED on `cause`, or inside an AggregateError). */
function findErrorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string') return record.code;
  const fromCause = findErrorCode(record.cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = findErrorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

/**
 * The error itself when no message in its cause chain mentions a secret or the raw URL; otherwise a copy whose
 * messages are redacted (name and code kept), so a secret cannot leak through `cause`.
 */
function sanitizeError(error: unknown, prepared: PreparedRequest, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 5) return error;
  const secrets = [...prepared.secrets, prepared.url.href];
  const leaks = (text: string): boolean =>
    secrets.some((secret) => secret.length >= 4 && text.includes(secret));
  const chainLeaks = (value: unknown, level: number): boolean =>
    value instanceof Error && level <= 5 && (leaks(value.message) || chainLeaks(value.cause, level + 1));
  if (!chainLeaks(error, 0)) return error;
  const message = redactSecrets(
    error.message.split(prepared.url.href).join(prepared.safeUrl),
    prepared.secrets,
  );
  const cause = sanitizeError(error.cause, prepared, depth + 1);
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
