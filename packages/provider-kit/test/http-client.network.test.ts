/**
 * The client against a real node:http server on 127.0.0.1: budget windows as the server sees them, connection
 * refused, resets, timeouts and aborts, with Node's own fetch (no interception).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderApiError } from '../src/errors.js';
import { createProviderHttp, type ProviderHttpOptions } from '../src/http/client.js';
import { SlidingWindowLimiter } from '../src/rate-limit/sliding-window-limiter.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
/** performance.now() of each request the server received, by path. */
let arrivals: { path: string; at: number }[];

beforeAll(async () => {
  server = createServer((request, response) => {
    arrivals.push({ path: request.url ?? '', at: performance.now() });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

beforeEach(() => {
  arrivals = [];
  handler = (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(overrides: Partial<ProviderHttpOptions> = {}) {
  return createProviderHttp({
    baseUrl,
    headers: { 'X-API-KEY': 'key_1234567890' },
    rateLimits: { requestsPerMinute: 1000, requestsPerHour: 10_000, concurrency: 4 },
    retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20, randomize: true },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderApiError> {
  try {
    await promise;
  } catch (error) {
    if (ProviderApiError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('Expected the request to fail');
}

/** Largest number of times inside any half-open span [t, t + durationMs) that starts at one of them. */
function maxInAnyWindow(times: readonly number[], durationMs: number): number {
  const sorted = [...times].sort((left, right) => left - right);
  let most = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    let count = 0;
    for (
      let index = start;
      index < sorted.length && sorted[index]! < sorted[start]! + durationMs;
      index += 1
    ) {
      count += 1;
    }
    most = Math.max(most, count);
  }
  return most;
}

describe('request budget against a real server', () => {
  it('never lets more than the limit reach the server within any window, and uses the budget fully', async () => {
    // Open the keep-alive connections first, so that connection setup does not skew arrival times.
    await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${baseUrl}/warm-up`).then((response) => response.text())),
    );
    arrivals = [];
    const limiter = new SlidingWindowLimiter({
      windows: [
        { limit: 5, durationMs: 1000 },
        { limit: 8, durationMs: 2500 },
      ],
    });
    const sends: number[] = [];
    const http = client({
      limiter,
      rateLimits: { requestsPerMinute: 5, requestsPerHour: 8, concurrency: 20 },
      fetch: (request) => {
        sends.push(performance.now());
        return fetch(request);
      },
    });
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) => http.request({ method: 'GET', path: `item/${index}` })),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(arrivals).toHaveLength(12);
    // Exact where the client can be exact: the moments fetch is called.
    expect(maxInAnyWindow(sends, 1000)).toBe(5);
    expect(maxInAnyWindow(sends, 2500)).toBe(8);
    // The server sees the same, give or take loopback latency on a busy machine.
    const received = arrivals.map((arrival) => arrival.at);
    expect(maxInAnyWindow(received, 1000 - 100)).toBeLessThanOrEqual(5);
    expect(maxInAnyWindow(received, 2500 - 100)).toBeLessThanOrEqual(8);
    // 5 at once, 3 more once the first leave the 1 s window (the 2.5 s window then holds 8), the last 4 once
    // the first 5 leave the 2.5 s window: no longer than that.
    const relative = sends.map((time) => time - sends[0]!);
    expect(relative[4]!).toBeLessThan(200);
    expect(relative[5]!).toBeGreaterThanOrEqual(1000);
    expect(relative[7]!).toBeLessThan(1000 + 200);
    expect(relative[8]!).toBeGreaterThanOrEqual(2500);
    expect(relative[11]!).toBeLessThan(2500 + 200);
  });

  it('counts retries against the budget', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      response.writeHead(calls <= 2 ? 500 : 200);
      response.end();
    };
    const limiter = new SlidingWindowLimiter({ windows: [{ limit: 2, durationMs: 300 }] });
    const http = client({ limiter });
    const started = performance.now();
    await http.request({ method: 'GET', path: 'flaky' });
    expect(arrivals).toHaveLength(3);
    // The third attempt had to wait for the window: the two failed attempts used it up.
    expect(arrivals[2]!.at - started).toBeGreaterThanOrEqual(295);
    expect(http.stats()).toMatchObject({ requestsSent: 3, retries: 2 });
  });

  it('holds an attempt that is waiting for budget while a Retry-After pause is on', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      if (calls === 1) {
        response.writeHead(429, { 'retry-after': '1' });
        response.end('slow down');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    };
    const limiter = new SlidingWindowLimiter({ windows: [{ limit: 1, durationMs: 200 }] });
    const http = client({ limiter });
    const started = performance.now();
    const results = await Promise.all([
      http.request({ method: 'GET', path: 'first' }),
      http.request({ method: 'GET', path: 'second' }),
    ]);
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    const second = arrivals.find((arrival) => arrival.path === '/api/second')!;
    // Budget alone would have let it go at 200 ms; the pause holds it until 1 s after the 429.
    expect(second.at - started).toBeGreaterThanOrEqual(990);
    // After the pause, the retry of `first` and the held `second` are both free to go: their order is a race.
    expect(arrivals[0]?.path).toBe('/api/first');
    expect(arrivals.map((arrival) => arrival.path).sort()).toEqual([
      '/api/first',
      '/api/first',
      '/api/second',
    ]);
    const retry = arrivals.filter((arrival) => arrival.path === '/api/first')[1]!;
    expect(retry.at - started).toBeGreaterThanOrEqual(990);
  });
});

describe('network failures', () => {
  async function closedPortUrl(): Promise<string> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return `http://127.0.0.1:${port}/api`;
  }

  it('retries even a POST when the connection is refused: it never left', async () => {
    const http = client({ baseUrl: await closedPortUrl() });
    const error = await failure(http.request({ method: 'POST', path: 'clients', json: { name: 'Ada' } }));
    expect(error).toMatchObject({
      failure: 'network',
      attempts: 3,
      outcome: 'not_processed',
      isRetryable: true,
      status: undefined,
    });
    expect(error.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/api\/clients failed: network error \(ECONNREFUSED\) after 3 attempts$/,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('does not retry a POST when the connection drops after sending; retries a GET', async () => {
    handler = (request) => {
      request.socket.destroy();
    };
    const http = client();
    const post = await failure(http.request({ method: 'POST', path: 'clients', json: { name: 'Ada' } }));
    expect(post).toMatchObject({ failure: 'network', attempts: 1, outcome: 'unknown', isRetryable: false });
    expect(post.message).toContain('not retried: POST is not idempotent');
    expect(arrivals).toHaveLength(1);
    const get = await failure(http.request({ method: 'GET', path: 'clients' }));
    expect(get).toMatchObject({ failure: 'network', attempts: 3, outcome: 'unknown', isRetryable: true });
    expect(arrivals).toHaveLength(4);
  });

  it('treats a body cut off midway as a network failure and retries a GET', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      if (calls === 1) {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"items":[');
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"items":[]}');
    };
    const response = await client().request({ method: 'GET', path: 'clients' });
    expect(response.body).toEqual({ items: [] });
    expect(arrivals).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('gives each attempt timeoutMs, retries a GET, and reports a timeout', async () => {
    handler = () => {
      // Never answers.
    };
    const http = client({ timeoutMs: 150 });
    const started = performance.now();
    const error = await failure(http.request({ method: 'GET', path: 'slow' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 150 - 5);
    expect(error).toMatchObject({ failure: 'timeout', attempts: 3, outcome: 'unknown', isRetryable: true });
    expect(error.message).toBe(
      `GET ${baseUrl}/slow failed: no complete response within 150 ms after 3 attempts`,
    );
    expect(arrivals).toHaveLength(3);
  });

  it('does not retry a POST that timed out', async () => {
    handler = () => {};
    const error = await failure(
      client({ timeoutMs: 100 }).request({ method: 'POST', path: 'slow', json: {} }),
    );
    expect(error).toMatchObject({ failure: 'timeout', attempts: 1, outcome: 'unknown', isRetryable: false });
  });

  it('counts the body in the timeout', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"items":');
      setTimeout(() => response.end('[]}'), 1000).unref();
    };
    const error = await failure(
      client({ timeoutMs: 150, retry: { retries: 0 } }).request({ method: 'GET', path: 'slow-body' }),
    );
    expect(error).toMatchObject({ failure: 'timeout', status: 200, attempts: 1 });
  });
});

describe('abort', () => {
  it('rejects with the signal reason while the request is in flight, without retrying', async () => {
    handler = () => {};
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const http = client();
    const pending = http.request({ method: 'GET', path: 'slow', signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
    expect(arrivals).toHaveLength(1);
    expect(http.stats()).toMatchObject({ failures: 0, retries: 0 });
  });

  it('removes a queued request when its signal aborts, and aborts everything through the client signal', async () => {
    handler = () => {};
    const clientController = new AbortController();
    const requestController = new AbortController();
    const http = client({
      signal: clientController.signal,
      rateLimits: { requestsPerMinute: 100, requestsPerHour: 1000, concurrency: 1 },
    });
    const first = http.request({ method: 'GET', path: 'a' });
    const second = http.request({ method: 'GET', path: 'b', signal: requestController.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(http.stats()).toMatchObject({ running: 1, queued: 1 });
    requestController.abort(new Error('not needed'));
    await expect(second).rejects.toThrow('not needed');
    clientController.abort(new Error('shutting down'));
    await expect(first).rejects.toThrow('shutting down');
    await expect(http.request({ method: 'GET', path: 'c' })).rejects.toThrow('shutting down');
    expect(arrivals.map((arrival) => arrival.path)).toEqual(['/api/a']);
  });

  it('stops waiting out a backoff when aborted', async () => {
    handler = (_request, response) => {
      response.writeHead(503);
      response.end();
    };
    const controller = new AbortController();
    const http = client({ retry: { retries: 3, minTimeoutMs: 5000, randomize: false } });
    const pending = http.request({ method: 'GET', path: 'x', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(500);
  });
});
