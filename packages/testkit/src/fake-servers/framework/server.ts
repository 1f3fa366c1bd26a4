/**
 * The fake-server framework: a hono app on @hono/node-server, bound to 127.0.0.1 on a free port, with what
 * every fake CRM needs in front of its routes — API-key authentication, per-key sliding-window rate limits
 * answering 429 with `Retry-After`, seeded fault injection (5xx, connection reset, 429 with `Retry-After`,
 * truncated JSON, latency), and a request log that records key fingerprints, never keys. A fake CRM supplies
 * only its routes and its error bodies.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import {
  functionOption,
  invalid,
  numberOption,
  objectOption,
  stringOption,
} from '../../generators/validate.js';
import { FaultInjector, type FaultKind, type FaultSettings } from './faults.js';
import { type RateLimitOptions, SlidingWindowRateLimiter } from './rate-limiter.js';
import { keyFingerprint, RequestLog } from './request-log.js';

/** Hono environment of fake-server routes: node bindings (absent under `app.request()`), and the caller's key id. */
export interface FakeServerEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** Fingerprint of the authenticated API key. */
    keyId: string;
  };
}

/** The vendor's error responses (bodies in the vendor's own shape). */
export interface FakeServerResponses {
  /** Missing or wrong credentials (401). */
  unauthorized(): Response;
  /** Over the rate limit (429); the framework sets `Retry-After`. */
  rateLimited(retryAfterSeconds: number): Response;
  /** An injected or unexpected server error. */
  serverError(status: number): Response;
  /** No route for the path (404). */
  notFound(path: string): Response;
}

/** Options of a fake server. */
export interface FakeServerOptions {
  /** Name used in messages, e.g. `fake Tave`. */
  readonly name: string;
  /** Prefix of every route, e.g. `/api/v2`. @default '' */
  readonly basePath?: string;
  /** Adds the vendor's routes, relative to `basePath`, to the app. */
  readonly routes: (app: Hono<FakeServerEnv>) => void;
  /** Reads the API key a request presents, or undefined when it presents none. */
  readonly presentedKey: (request: Request) => string | undefined;
  /** Whether a presented key is valid. */
  readonly acceptsKey: (key: string) => boolean;
  /** The vendor's error responses. */
  readonly responses: FakeServerResponses;
  /** Per-key rate limits. @default none */
  readonly rateLimits?: RateLimitOptions;
  /** Fault injection. @default none */
  readonly faults?: FaultSettings;
  /** Delay added to every request, in milliseconds. @default 0 */
  readonly latencyMs?: number;
  /** Clock in milliseconds, for the log and the rate limits. @default Date.now */
  readonly now?: () => number;
}

/** A started fake server. */
export interface RunningFakeServer {
  /** Base URL including the base path, e.g. `http://127.0.0.1:54321/api/v2`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** A fake server, before or after `start()`. */
export interface FakeServer {
  readonly name: string;
  /** Every request, with its status and key fingerprint. */
  readonly requestLog: RequestLog;
  /** Fault settings, changeable at run time. */
  readonly faults: FaultInjector;
  /** Rate limits, changeable at run time. */
  readonly rateLimits: SlidingWindowRateLimiter;
  /** The hono app, for `app.request()` in tests that need no socket. */
  readonly app: Hono<FakeServerEnv>;
  /** Listens on 127.0.0.1 on a free port. */
  start(): Promise<RunningFakeServer>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/** Cuts a JSON body short so that it no longer parses (never to nothing, so the failure is a parse error). */
function truncate(body: string): string {
  return body.length <= 2 ? '{' : body.slice(0, Math.max(1, Math.floor(body.length / 2)));
}

/** Creates a fake server from the vendor's routes and error bodies. */
export function createFakeServer(options: FakeServerOptions): FakeServer {
  objectOption('options', options);
  const name = stringOption('name', options.name, undefined);
  if (name === undefined) invalid('name', 'a non-empty string', options.name);
  const basePath = options.basePath ?? '';
  if (
    typeof basePath !== 'string' ||
    (basePath !== '' && (!basePath.startsWith('/') || basePath.endsWith('/')))
  ) {
    invalid('basePath', "'' or a path starting and not ending with `/`", basePath);
  }
  for (const key of ['routes', 'presentedKey', 'acceptsKey'] as const) {
    if (functionOption(key, options[key]) === undefined) invalid(key, 'a function', options[key]);
  }
  objectOption('responses', options.responses);
  if (options.responses === undefined) invalid('responses', 'an object', options.responses);
  const latencyMs = numberOption('latencyMs', options.latencyMs, 0, 0, 60_000);
  const now = functionOption<() => number>('now', options.now) ?? Date.now;
  const { responses } = options;

  const requestLog = new RequestLog();
  const faults = new FaultInjector(options.faults);
  const rateLimits = new SlidingWindowRateLimiter(options.rateLimits, now);
  const app = new Hono<FakeServerEnv>();

  app.use('*', async (context, next) => {
    const started = performance.now();
    const time = new Date(now()).toISOString();
    const url = new URL(context.req.url);
    const path =
      basePath !== '' && url.pathname.startsWith(basePath)
        ? url.pathname.slice(basePath.length) || '/'
        : url.pathname;
    const presented = options.presentedKey(context.req.raw);
    const keyId = presented === undefined ? null : keyFingerprint(presented);
    const decision = faults.decide(path);
    let fault: FaultKind | null = null;
    const log = (status: number | null) =>
      requestLog.record({
        time,
        method: context.req.method,
        path,
        query: queryOf(url),
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        keyId,
        fault,
      });

    const delay = latencyMs + decision.latencyMs;
    if (delay > 0) {
      if (decision.latencyMs > 0) fault = 'latency';
      await sleep(delay);
    }
    if (decision.connectionReset) {
      fault = 'connection_reset';
      const socket = context.env?.incoming?.socket;
      if (socket !== undefined) {
        socket.destroy();
        log(null);
        return RESPONSE_ALREADY_SENT;
      }
      // Without a socket (app.request()), a reset can only be reported as a gateway failure.
      const response = responses.serverError(502);
      log(response.status);
      return response;
    }
    if (decision.serverError !== null) {
      fault = 'server_error';
      const response = responses.serverError(decision.serverError);
      log(response.status);
      return response;
    }
    if (decision.rateLimited !== null) {
      fault = 'rate_limited';
      const response = responses.rateLimited(decision.rateLimited);
      response.headers.set('Retry-After', String(decision.rateLimited));
      log(response.status);
      return response;
    }
    if (presented === undefined || keyId === null || !options.acceptsKey(presented)) {
      const response = responses.unauthorized();
      log(response.status);
      return response;
    }
    const limit = rateLimits.take(keyId);
    if (!limit.allowed) {
      const seconds = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
      const response = responses.rateLimited(seconds);
      response.headers.set('Retry-After', String(seconds));
      log(response.status);
      return response;
    }
    context.set('keyId', keyId);
    await next();
    if (
      decision.malformedJson &&
      context.res.ok &&
      (context.res.headers.get('content-type') ?? '').includes('json')
    ) {
      fault = 'malformed_json';
      const body = truncate(await context.res.text());
      const headers = new Headers(context.res.headers);
      headers.delete('content-length');
      context.res = undefined;
      context.res = new Response(body, { status: 200, headers });
    }
    log(context.res.status);
    return undefined;
  });

  const routes = new Hono<FakeServerEnv>();
  options.routes(routes);
  app.route(basePath === '' ? '/' : basePath, routes);
  app.notFound((context) => responses.notFound(new URL(context.req.url).pathname));
  app.onError(() => responses.serverError(500));

  return {
    name,
    requestLog,
    faults,
    rateLimits,
    app,
    start: () => listen(app, basePath),
  };
}

async function listen(app: Hono<FakeServerEnv>, basePath: string): Promise<RunningFakeServer> {
  // overrideGlobalObjects: false keeps the test process's own fetch/Request/Response untouched.
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}${basePath}`,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      return closed;
    },
  };
}
