/** Edge cases driven through an injected fetch: odd transport errors, secrets in causes, pauses and aborts. */
import { describe, expect, it } from 'vitest';
import { ProviderApiError } from '../src/errors.js';
import { createProviderHttp, type ProviderHttpOptions } from '../src/http/client.js';
import { SlidingWindowLimiter } from '../src/rate-limit/sliding-window-limiter.js';

const SECRET = 'qsecret_0123456789';

function client(fetch: ProviderHttpOptions['fetch'], overrides: Partial<ProviderHttpOptions> = {}) {
  return createProviderHttp({
    baseUrl: 'https://crm.example/api',
    headers: { 'X-API-KEY': 'hkey_abcdefghij' },
    rateLimits: { requestsPerMinute: 1000, requestsPerHour: 10_000 },
    retry: { retries: 1, minTimeoutMs: 1, randomize: false },
    fetch,
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

describe('transport errors from fetch', () => {
  it('sanitizes a cause whose message repeats the URL with its secrets', async () => {
    const http = client(async (request) => {
      throw new TypeError(`Failed to fetch ${request.url}`, {
        cause: Object.assign(new Error(`socket hang up for key hkey_abcdefghij`), { code: 'ECONNRESET' }),
      });
    });
    const error = await failure(
      http.request({ method: 'GET', path: 'clients', searchParams: { api_key: SECRET } }),
    );
    expect(error).toMatchObject({ failure: 'network', attempts: 2, outcome: 'unknown', isRetryable: true });
    expect(error.message).toBe(
      'GET https://crm.example/api/clients?api_key=[REDACTED] failed: network error (ECONNRESET) after 2 attempts',
    );
    const cause = error.cause as Error & { cause: Error & { code: string } };
    expect(cause.name).toBe('TypeError');
    expect(cause.message).toBe('Failed to fetch https://crm.example/api/clients?api_key=[REDACTED]');
    expect(cause.cause.message).toBe('socket hang up for key [REDACTED]');
    expect(cause.cause.code).toBe('ECONNRESET');
  });

  it('keeps a cause that holds no secret as it is', async () => {
    const original = new TypeError('fetch failed');
    const error = await failure(
      client(async () => {
        throw original;
      }).request({ method: 'GET', path: 'clients' }),
    );
    expect(error.cause).toBe(original);
    expect(error.message).toContain('failed: network error (fetch failed)');
  });

  it('finds the connection-refused code inside an AggregateError (happy eyeballs) and retries a POST', async () => {
    let calls = 0;
    const http = client(async () => {
      calls += 1;
      if (calls === 1) {
        throw new TypeError('fetch failed', {
          cause: new AggregateError(
            [Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
            'all failed',
          ),
        });
      }
      return new Response('{"id":"c1"}', { status: 201, headers: { 'content-type': 'application/json' } });
    });
    const response = await http.request({ method: 'POST', path: 'clients', json: { name: 'Ada' } });
    expect(response).toMatchObject({ status: 201, body: { id: 'c1' } });
    expect(calls).toBe(2);
  });

  it('reports a non-Error thrown by fetch', async () => {
    const error = await failure(
      client(async () => {
        throw 'socket closed';
      }).request({ method: 'GET', path: 'clients' }),
    );
    expect(error.message).toContain('failed: network error (socket closed)');
  });

  it('handles an onRequest hook that throws a non-Error', async () => {
    const warnings: unknown[] = [];
    const http = client(async () => new Response('ok'), {
      onRequest: () => {
        throw 'nope';
      },
      logger: { debug() {}, info() {}, warn: (_message, fields) => warnings.push(fields), error() {} },
    });
    await http.request({ method: 'GET', path: 'x' });
    expect(warnings).toEqual([{ error: 'nope' }]);
  });
});

describe('status lines', () => {
  it('uses the standard reason phrase when the response has none (HTTP/2), and none for unknown statuses', async () => {
    const statuses = [422, 599];
    const http = client(async () => new Response('no', { status: statuses.shift()! }), {
      retry: { retries: 0 },
    });
    const unprocessable = await failure(http.request({ method: 'GET', path: 'a' }));
    expect(unprocessable.message).toBe(
      'GET https://crm.example/api/a failed with status 422 Unprocessable Entity after 1 attempt',
    );
    const unknown = await failure(http.request({ method: 'GET', path: 'b' }));
    expect(unknown.message).toBe('GET https://crm.example/api/b failed with status 599 after 1 attempt');
  });
});

describe('Retry-After pauses', () => {
  it('extends a pause when a later Retry-After asks for longer, and keeps a shorter one from cutting it', async () => {
    const sent: { path: string; at: number }[] = [];
    const answers: Record<string, string[]> = {
      '/api/a': ['1', ''],
      '/api/b': ['2', ''],
      '/api/c': ['0.1', ''],
    };
    const http = client(async (request) => {
      const path = new URL(request.url).pathname;
      sent.push({ path, at: performance.now() });
      const retryAfter = answers[path]!.shift()!;
      return retryAfter === ''
        ? new Response('{}', { headers: { 'content-type': 'application/json' } })
        : new Response('wait', { status: 429, headers: { 'retry-after': retryAfter } });
    });
    const started = performance.now();
    await Promise.all(['a', 'b', 'c'].map((path) => http.request({ method: 'GET', path })));
    const retries = sent.slice(3);
    expect(retries).toHaveLength(3);
    // Everything waits for the longest pause (2 s), not the first (1 s) or the last (0.1 s).
    for (const retry of retries) expect(retry.at - started).toBeGreaterThanOrEqual(1990);
    expect(http.stats().retryAfterPauses).toBe(2);
  });

  it('lets an aborted request out of a pause at once', async () => {
    let calls = 0;
    const shutdown = new AbortController();
    const http = client(
      async () => {
        calls += 1;
        return new Response('wait', { status: 503, headers: { 'retry-after': '30' } });
      },
      {
        signal: shutdown.signal,
        // One send per 200 ms: the second request holds a concurrency slot, waiting for budget, when the pause
        // begins, so it waits the pause out inside its slot.
        limiter: new SlidingWindowLimiter({ windows: [{ limit: 1, durationMs: 200 }] }),
      },
    );
    const first = http.request({ method: 'GET', path: 'a' }).catch((error: unknown) => error);
    const controller = new AbortController();
    const second = http.request({ method: 'GET', path: 'b', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(http.stats()).toMatchObject({ paused: true, running: 1 });
    const started = performance.now();
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    expect(performance.now() - started).toBeLessThan(100);
    expect(calls).toBe(1);
    shutdown.abort(new Error('shutting down'));
    expect(await first).toMatchObject({ message: 'shutting down' });
  });
});
