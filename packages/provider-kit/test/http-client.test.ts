import { CrmError, InvalidArgumentError } from '@wedsync/crm-core';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderApiError } from '../src/errors.js';
import {
  createProviderHttp,
  type ProviderHttpOptions,
  type ProviderRequestEvent,
} from '../src/http/client.js';

const ORIGIN = 'https://crm.example';
const BASE_URL = `${ORIGIN}/api/v2`;
const API_KEY = 'sk_live_4f9a8b7c6d5e';
const QUERY_SECRET = 'qs_93kd02kd83jd';

interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields: unknown;
}

function client(overrides: Partial<ProviderHttpOptions> = {}, lines: LoggedLine[] = []) {
  const log = (level: string) => (message: string, fields?: unknown) => {
    lines.push({ level, message, fields });
  };
  return createProviderHttp({
    baseUrl: BASE_URL,
    headers: { 'X-API-KEY': API_KEY },
    rateLimits: { requestsPerMinute: 1000, requestsPerHour: 10_000, concurrency: 4 },
    retry: { retries: 5, minTimeoutMs: 1, maxTimeoutMs: 5, randomize: false },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
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

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe('createProviderHttp: requests and responses', () => {
  it('sends the auth headers and search params to baseUrl + path and parses JSON', async () => {
    const scope = nock(ORIGIN, { reqheaders: { 'x-api-key': API_KEY, accept: 'application/json' } })
      .get('/api/v2/job')
      .query({ page: '3', pageSize: '100', active: 'true' })
      .reply(200, { items: [{ id: 1 }] }, { 'content-type': 'application/json; charset=utf-8' });
    const http = client();
    const response = await http.request<{ items: { id: number }[] }>({
      method: 'GET',
      path: 'job',
      searchParams: { page: 3, pageSize: 100, active: true, since: undefined },
    });
    expect(response.status).toBe(200);
    expect(response.body.items[0]!.id).toBe(1);
    expect(response.headers['content-type']).toContain('application/json');
    expect(scope.isDone()).toBe(true);
  });

  it('sends a JSON body, merges per-request headers, and returns text bodies as text', async () => {
    const scope = nock(ORIGIN, { reqheaders: { 'x-trace': 'abc', 'content-type': 'application/json' } })
      .post('/api/v2/address-book', { name: 'Ada' })
      .reply(201, 'created', { 'content-type': 'text/plain' });
    const response = await client().request({
      method: 'POST',
      path: 'address-book',
      json: { name: 'Ada' },
      headers: { 'X-Trace': 'abc' },
    });
    expect(response).toMatchObject({ status: 201, body: 'created' });
    expect(scope.isDone()).toBe(true);
  });

  it('returns undefined for an empty body and parses vendor +json types', async () => {
    nock(ORIGIN).delete('/api/v2/job/1').reply(204);
    nock(ORIGIN).get('/api/v2/problem').reply(200, '{"a":1}', { 'content-type': 'application/vnd.api+json' });
    const http = client();
    expect((await http.request({ method: 'DELETE', path: 'job/1' })).body).toBeUndefined();
    expect((await http.request({ method: 'GET', path: 'problem' })).body).toEqual({ a: 1 });
  });

  it('accepts an absolute URL on the same origin (a Link header next page) and refuses other origins', async () => {
    nock(ORIGIN).get('/api/v2/job').query({ page: '2', size: '5' }).reply(200, { ok: true });
    const http = client();
    const response = await http.request({
      method: 'GET',
      path: `${BASE_URL}/job?page=2`,
      searchParams: { size: 5 },
    });
    expect(response.body).toEqual({ ok: true });
    await expect(http.request({ method: 'GET', path: 'https://evil.example/steal' })).rejects.toThrow(
      'Expected `request.path` to be relative to baseUrl or on its origin https://crm.example, got a URL on https://evil.example',
    );
    await expect(http.request({ method: 'GET', path: '/job' })).rejects.toThrow(InvalidArgumentError);
    await expect(http.request({ method: 'GET', path: '../../admin' })).rejects.toThrow(
      'Expected `request.path` to be a path inside baseUrl https://crm.example/api/v2/',
    );
    await expect(http.request({ method: 'GET', path: 'http://[bad' })).rejects.toThrow(
      'Expected `request.path` to be a valid URL',
    );
  });

  it('rejects malformed requests with InvalidArgumentError before sending anything', async () => {
    const http = client();
    await expect(http.request({ method: 'HEAD' as 'GET', path: 'job' })).rejects.toThrow(
      'Expected `request.method` to be one of GET, POST, PUT, PATCH, DELETE, got `HEAD` (string)',
    );
    await expect(
      http.request({ method: 'GET', path: 'job', searchParams: { filter: { a: 1 } as unknown as string } }),
    ).rejects.toThrow('Expected `request.searchParams.filter` to be a string, number or boolean');
    await expect(
      http.request({ method: 'GET', path: 'job', headers: { 'x-n': 5 as unknown as string } }),
    ).rejects.toThrow('Expected `request.headers.x-n` to be a string, got `5` (number)');
    await expect(http.request({ method: 'GET', path: 5 as unknown as string })).rejects.toThrow(
      'Expected `request.path` to be a string',
    );
    expect(http.stats().requestsSent).toBe(0);
  });
});

describe('createProviderHttp: retries', () => {
  it('retries a GET after 5xx responses, then returns the 200', async () => {
    const scope = nock(ORIGIN)
      .get('/api/v2/job')
      .reply(503)
      .get('/api/v2/job')
      .reply(500)
      .get('/api/v2/job')
      .reply(502)
      .get('/api/v2/job')
      .reply(200, { ok: true });
    const events: ProviderRequestEvent[] = [];
    const http = client({ onRequest: (event) => events.push(event) });
    const response = await http.request({ method: 'GET', path: 'job' });
    expect(response.body).toEqual({ ok: true });
    expect(scope.isDone()).toBe(true);
    expect(events.map((event) => [event.attempt, event.status, event.failure])).toEqual([
      [1, 503, 'status'],
      [2, 500, 'status'],
      [3, 502, 'status'],
      [4, 200, undefined],
    ]);
    expect(http.stats()).toMatchObject({
      requests: 1,
      requestsSent: 4,
      retries: 3,
      failures: 0,
      rateLimited: 0,
    });
  });

  it('retries 408 and 425', async () => {
    const scope = nock(ORIGIN)
      .get('/api/v2/a')
      .reply(408)
      .get('/api/v2/a')
      .reply(425)
      .get('/api/v2/a')
      .reply(200, 'x');
    expect((await client().request({ method: 'GET', path: 'a' })).body).toBe('x');
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after `retries` and reports the attempts, status and retryability', async () => {
    nock(ORIGIN).get('/api/v2/job').query(true).times(3).reply(503, 'down for maintenance');
    const http = client({ retry: { retries: 2, minTimeoutMs: 1, randomize: false } });
    const error = await failure(http.request({ method: 'GET', path: 'job', searchParams: { page: 3 } }));
    expect(error).toBeInstanceOf(CrmError);
    expect(error.code).toBe('provider_api_failed');
    expect(error.message).toBe(
      'GET https://crm.example/api/v2/job?page=3 failed with status 503 Service Unavailable after 3 attempts',
    );
    expect(error).toMatchObject({
      status: 503,
      method: 'GET',
      url: 'https://crm.example/api/v2/job?page=3',
      bodyExcerpt: 'down for maintenance',
      isRetryable: true,
      attempts: 3,
      outcome: 'unknown',
      failure: 'status',
    });
    expect(http.stats()).toMatchObject({ requestsSent: 3, retries: 2, failures: 1 });
  });

  it('does not retry a 4xx, nor 501', async () => {
    nock(ORIGIN).get('/api/v2/missing').reply(404, { error: 'not found' });
    nock(ORIGIN).get('/api/v2/unsupported').reply(501);
    const http = client();
    const notFound = await failure(http.request({ method: 'GET', path: 'missing' }));
    expect(notFound).toMatchObject({ status: 404, attempts: 1, isRetryable: false, outcome: 'rejected' });
    expect(notFound.message).toBe(
      'GET https://crm.example/api/v2/missing failed with status 404 Not Found after 1 attempt',
    );
    const unsupported = await failure(http.request({ method: 'GET', path: 'unsupported' }));
    expect(unsupported).toMatchObject({ status: 501, attempts: 1, isRetryable: false });
  });

  it('does not retry a POST after a 500: the CRM may have applied it', async () => {
    const scope = nock(ORIGIN).post('/api/v2/address-book').reply(500, 'oops');
    const http = client();
    const error = await failure(
      http.request({ method: 'POST', path: 'address-book', json: { name: 'Ada' } }),
    );
    expect(scope.isDone()).toBe(true);
    expect(error).toMatchObject({ status: 500, attempts: 1, isRetryable: false, outcome: 'unknown' });
    expect(error.message).toContain('not retried: POST is not idempotent and the CRM may have applied it');
    expect(http.stats().requestsSent).toBe(1);
  });

  it('treats `idempotent` as the caller says: a POST search may be retried, a PUT may not', async () => {
    nock(ORIGIN).post('/api/v2/search').reply(502).post('/api/v2/search').reply(200, { hits: [] });
    nock(ORIGIN).put('/api/v2/counter').reply(500);
    const http = client();
    expect((await http.request({ method: 'POST', path: 'search', json: {}, idempotent: true })).body).toEqual(
      {
        hits: [],
      },
    );
    const error = await failure(http.request({ method: 'PUT', path: 'counter', idempotent: false }));
    expect(error).toMatchObject({ attempts: 1, outcome: 'unknown', isRetryable: false });
  });

  it('retries a POST after 429 with Retry-After: the CRM never processed it', async () => {
    const scope = nock(ORIGIN)
      .post('/api/v2/address-book')
      .reply(429, 'Exceeded request quota, see Retry-After header', { 'Retry-After': '0' })
      .post('/api/v2/address-book')
      .reply(201, { id: 'c1' });
    const http = client();
    const response = await http.request({ method: 'POST', path: 'address-book', json: { name: 'Ada' } });
    expect(response).toMatchObject({ status: 201, body: { id: 'c1' } });
    expect(scope.isDone()).toBe(true);
    expect(http.stats()).toMatchObject({ rateLimited: 1, retries: 1, requestsSent: 2 });
  });

  it('retries a POST after 503 with Retry-After, but not after 503 without it', async () => {
    nock(ORIGIN)
      .post('/api/v2/a')
      .reply(503, '', { 'Retry-After': '0' })
      .post('/api/v2/a')
      .reply(200, { ok: 1 });
    nock(ORIGIN).post('/api/v2/b').reply(503);
    const http = client();
    expect((await http.request({ method: 'POST', path: 'a' })).body).toEqual({ ok: 1 });
    const error = await failure(http.request({ method: 'POST', path: 'b' }));
    expect(error).toMatchObject({ attempts: 1, outcome: 'unknown', isRetryable: false });
  });

  it('reports a 429 that persists as retryable, not processed, with the wait the CRM asked for', async () => {
    nock(ORIGIN).get('/api/v2/job').times(2).reply(429, 'slow down', { 'Retry-After': '0' });
    const error = await failure(
      client({ retry: { retries: 1, minTimeoutMs: 1 } }).request({ method: 'GET', path: 'job' }),
    );
    expect(error).toMatchObject({
      status: 429,
      attempts: 2,
      isRetryable: true,
      outcome: 'not_processed',
      retryAfterMs: 0,
    });
  });
});

describe('createProviderHttp: Retry-After pauses the whole queue', () => {
  it('waits Retry-After seconds before the retry, and holds a request made meanwhile', async () => {
    const sent: { path: string; at: number }[] = [];
    nock(ORIGIN)
      .get('/api/v2/first')
      .reply((request) => {
        sent.push({ path: new URL(request.url).pathname, at: Date.now() });
        return [429, 'Exceeded request quota', { 'Retry-After': '1' }];
      })
      .get('/api/v2/first')
      .reply((request) => {
        sent.push({ path: new URL(request.url).pathname, at: Date.now() });
        return [200, { n: 1 }];
      })
      .get('/api/v2/second')
      .reply((request) => {
        sent.push({ path: new URL(request.url).pathname, at: Date.now() });
        return [200, { n: 2 }];
      });
    const lines: LoggedLine[] = [];
    const http = client({}, lines);
    const started = Date.now();
    const first = http.request({ method: 'GET', path: 'first' });
    // Let the 429 arrive, then ask for another request while the pause is on: a concurrency slot is free,
    // but the queue is paused.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(http.stats().paused).toBe(true);
    const second = http.request({ method: 'GET', path: 'second' });
    const [firstResponse, secondResponse] = await Promise.all([first, second]);
    expect(firstResponse.body).toEqual({ n: 1 });
    expect(secondResponse.body).toEqual({ n: 2 });
    // The retry goes ahead of the request that arrived later.
    expect(sent.map((entry) => entry.path)).toEqual(['/api/v2/first', '/api/v2/first', '/api/v2/second']);
    expect(sent[0]!.at - started).toBeLessThan(500);
    for (const later of sent.slice(1)) expect(later.at - sent[0]!.at).toBeGreaterThanOrEqual(990);
    expect(http.stats()).toMatchObject({ retryAfterPauses: 1, paused: false, rateLimited: 1 });
    expect(lines.some((line) => line.level === 'info' && line.message.includes('Retry-After'))).toBe(true);
  });

  it('understands Retry-After as an HTTP date', async () => {
    const sent: number[] = [];
    const until = new Date(Date.now() + 2000);
    nock(ORIGIN)
      .get('/api/v2/job')
      .reply(() => {
        sent.push(Date.now());
        return [503, 'maintenance', { 'Retry-After': until.toUTCString() }];
      })
      .get('/api/v2/job')
      .reply(() => {
        sent.push(Date.now());
        return [200, { ok: true }];
      });
    const response = await client().request({ method: 'GET', path: 'job' });
    expect(response.body).toEqual({ ok: true });
    // The date has second precision: the retry goes at the named second or later.
    expect(sent[1]!).toBeGreaterThanOrEqual(Math.floor(until.getTime() / 1000) * 1000 - 5);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(900);
  });

  it('fails at once, retryable, when Retry-After is longer than maxRetryAfterMs', async () => {
    const scope = nock(ORIGIN).get('/api/v2/job').reply(429, 'quota exceeded', { 'Retry-After': '7200' });
    const http = client({ maxRetryAfterMs: 60_000 });
    const started = Date.now();
    const error = await failure(http.request({ method: 'GET', path: 'job' }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(scope.isDone()).toBe(true);
    expect(error).toMatchObject({
      status: 429,
      isRetryable: true,
      outcome: 'not_processed',
      retryAfterMs: 7_200_000,
      attempts: 1,
    });
    expect(error.message).toBe(
      'GET https://crm.example/api/v2/job failed with status 429 Too Many Requests: the CRM asked to wait 7200000 ms (Retry-After), more than maxRetryAfterMs (60000 ms), after 1 attempt',
    );
    expect(http.stats()).toMatchObject({ failures: 1, paused: false });
  });
});

describe('createProviderHttp: errors carry no secrets', () => {
  it('keeps header and query secrets out of the message, URL, excerpt, context, cause and logs', async () => {
    const echo = `{"error":"invalid key ${API_KEY} for api_key=${QUERY_SECRET}","token":"Bearer tok_abcdef123456"}`;
    nock(ORIGIN).get('/api/v2/job').query(true).times(2).reply(500, echo);
    const lines: LoggedLine[] = [];
    const http = client(
      {
        headers: { 'X-API-KEY': API_KEY, Authorization: 'Bearer tok_abcdef123456' },
        retry: { retries: 1, minTimeoutMs: 1 },
      },
      lines,
    );
    const error = await failure(
      http.request({ method: 'GET', path: 'job', searchParams: { api_key: QUERY_SECRET, page: 2 } }),
    );
    expect(error.url).toBe('https://crm.example/api/v2/job?api_key=[REDACTED]&page=2');
    expect(error.bodyExcerpt).toBe(
      '{"error":"invalid key [REDACTED] for api_key=[REDACTED]","token":"[REDACTED]"}',
    );
    const everything = JSON.stringify({
      message: error.message,
      url: error.url,
      excerpt: error.bodyExcerpt,
      context: error.context,
      cause: String(error.cause),
      stack: error.stack,
      lines,
    });
    for (const secret of [API_KEY, QUERY_SECRET, 'tok_abcdef123456']) {
      expect(everything).not.toContain(secret);
    }
    expect(lines.some((line) => line.level === 'warn')).toBe(true);
  });

  it('bounds the body excerpt to 1,000 characters', async () => {
    nock(ORIGIN).get('/api/v2/job').reply(400, 'x'.repeat(5000));
    const error = await failure(client().request({ method: 'GET', path: 'job' }));
    expect(error.bodyExcerpt).toHaveLength(1000);
  });

  it('redacts secret fields of the request JSON body echoed back', async () => {
    nock(ORIGIN).post('/api/v2/oauth/token').reply(400, '{"error":"bad client_secret cs_0123456789"}');
    const error = await failure(
      client().request({
        method: 'POST',
        path: 'oauth/token',
        json: { client_secret: 'cs_0123456789', grant_type: 'x' },
      }),
    );
    expect(error.bodyExcerpt).toBe('{"error":"bad client_secret [REDACTED]"}');
  });

  it('is recognized across copies by isInstance', async () => {
    nock(ORIGIN).get('/api/v2/job').reply(403);
    const error = await failure(client().request({ method: 'GET', path: 'job' }));
    expect(ProviderApiError.isInstance(error)).toBe(true);
    expect(CrmError.isInstance(error)).toBe(true);
    expect(ProviderApiError.isInstance(new CrmError('provider_api_failed', 'x'))).toBe(false);
    expect(ProviderApiError.isInstance(null)).toBe(false);
    expect(error.name).toBe('ProviderApiError');
  });
});

describe('createProviderHttp: malformed JSON', () => {
  it('retries a truncated JSON body on a GET, then fails with a clear retryable error', async () => {
    nock(ORIGIN)
      .get('/api/v2/job')
      .times(2)
      .reply(200, '{"items":[{"id":1},', { 'content-type': 'application/json' });
    const error = await failure(
      client({ retry: { retries: 1, minTimeoutMs: 1 } }).request({ method: 'GET', path: 'job' }),
    );
    expect(error).toMatchObject({
      status: 200,
      failure: 'malformed_body',
      isRetryable: true,
      attempts: 2,
      bodyExcerpt: '{"items":[{"id":1},',
    });
    expect(error.message).toMatch(
      /^GET https:\/\/crm\.example\/api\/v2\/job failed: status 200 with content-type application\/json but the body is not valid JSON \(.+\) after 2 attempts$/,
    );
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('recovers when the retry brings a whole body', async () => {
    nock(ORIGIN)
      .get('/api/v2/job')
      .reply(200, '{"items":', { 'content-type': 'application/json' })
      .get('/api/v2/job')
      .reply(200, { items: [] });
    expect((await client().request({ method: 'GET', path: 'job' })).body).toEqual({ items: [] });
  });

  it('does not retry a POST whose success body is unreadable', async () => {
    nock(ORIGIN).post('/api/v2/job').reply(201, '{"id":', { 'content-type': 'application/json' });
    const error = await failure(client().request({ method: 'POST', path: 'job', json: {} }));
    expect(error).toMatchObject({
      attempts: 1,
      isRetryable: false,
      outcome: 'unknown',
      failure: 'malformed_body',
    });
  });
});

describe('createProviderHttp: hooks and options', () => {
  it('ignores (and logs) an onRequest hook that throws', async () => {
    nock(ORIGIN).get('/api/v2/job').reply(200, {});
    const lines: LoggedLine[] = [];
    const http = client(
      {
        onRequest: () => {
          throw new Error('metrics down');
        },
      },
      lines,
    );
    await expect(http.request({ method: 'GET', path: 'job' })).resolves.toMatchObject({ status: 200 });
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'The onRequest hook threw; ignoring it',
      fields: { error: 'metrics down' },
    });
  });

  it('onIdle waits for requests that are retrying', async () => {
    nock(ORIGIN).get('/api/v2/job').reply(500).get('/api/v2/job').reply(200, {});
    const http = client({ retry: { minTimeoutMs: 50, randomize: false } });
    const done: string[] = [];
    void http.request({ method: 'GET', path: 'job' }).then(() => done.push('request'));
    await http.onIdle();
    done.push('idle');
    expect(done).toEqual(['request', 'idle']);
    expect(http.stats().active).toBe(0);
  });

  it('validates options up front with clear messages', () => {
    const base = { baseUrl: BASE_URL, rateLimits: { requestsPerMinute: 10, requestsPerHour: 100 } };
    const cases: [Partial<ProviderHttpOptions> & Record<string, unknown>, string][] = [
      [
        { baseUrl: 'crm.example' },
        'Expected `baseUrl` to be an absolute http(s) URL, got `crm.example` (string)',
      ],
      [{ baseUrl: 'ftp://crm.example' }, 'Expected `baseUrl` to be an absolute http(s) URL'],
      [
        { baseUrl: 'https://crm.example/api?api_key=abcdef' },
        'Expected `baseUrl` to be a URL without query or fragment (put credentials in `headers`), got `https://crm.example/api?api_key=[REDACTED]` (string)',
      ],
      [
        { baseUrl: 'https://user:hunter2pass@crm.example/api' },
        'Expected `baseUrl` to be a URL without credentials (put them in `headers`), got `https://crm.example/api` (string)',
      ],
      [
        { baseUrl: 42 as unknown as string },
        'Expected `baseUrl` to be an absolute http(s) URL, got `42` (number)',
      ],
      [
        { rateLimits: { requestsPerMinute: 0, requestsPerHour: 1 } },
        'Expected `rateLimits.requestsPerMinute` to be an integer >= 1, got `0` (number)',
      ],
      [
        { rateLimits: { requestsPerMinute: 1 } as never },
        'Expected `rateLimits.requestsPerHour` to be an integer >= 1, got `undefined` (undefined)',
      ],
      [
        { rateLimits: { requestsPerMinute: 1, requestsPerHour: 1, concurrency: 0 } },
        'Expected `rateLimits.concurrency` to be an integer >= 1, got `0` (number)',
      ],
      [
        { rateLimits: undefined as never },
        'Expected `rateLimits` to be an object, got `undefined` (undefined)',
      ],
      [{ retry: { retries: -1 } }, 'Expected `retry.retries` to be an integer >= 0, got `-1` (number)'],
      [{ retry: { factor: 0.5 } }, 'Expected `retry.factor` to be a finite number >= 1, got `0.5` (number)'],
      [
        { retry: { randomize: 'yes' as never } },
        'Expected `retry.randomize` to be a boolean, got `yes` (string)',
      ],
      [
        { timeoutMs: 0 },
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `0` (number)',
      ],
      [
        { timeoutMs: Number.NaN },
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `NaN`',
      ],
      [
        { timeoutMs: 3e9 },
        'Expected `timeoutMs` to be a finite number > 0 and <= 2147483647, got `3000000000`',
      ],
      [
        { maxRetryAfterMs: -5 },
        'Expected `maxRetryAfterMs` to be a finite number >= 0 and <= 2147483647, got `-5` (number)',
      ],
      [
        { retry: { maxTimeoutMs: Number.POSITIVE_INFINITY } },
        'Expected `retry.maxTimeoutMs` to be a finite number',
      ],
      [{ fetch: 'fetch' as never }, 'Expected `fetch` to be a function, got `fetch` (string)'],
      [{ signal: {} as never }, 'Expected `signal` to be an AbortSignal, got `{}` (object)'],
      [
        { headers: { 'X-API-KEY': 5 as never } },
        'Expected `headers.X-API-KEY` to be a string, got `5` (number)',
      ],
      [
        { logger: { debug() {} } as never },
        'Expected `logger.info` to be a function, got `undefined` (undefined)',
      ],
      [
        { limiter: {} as never },
        'Expected `limiter` to be an object with an acquire() method, got `{}` (object)',
      ],
      [
        { secretQueryParameters: 'sig' as never },
        'Expected `secretQueryParameters` to be an array of strings',
      ],
    ];
    for (const [override, message] of cases) {
      expect(() => createProviderHttp({ ...base, ...override } as ProviderHttpOptions), message).toThrow(
        message,
      );
      expect(() => createProviderHttp({ ...base, ...override } as ProviderHttpOptions)).toThrow(
        InvalidArgumentError,
      );
    }
  });

  it('redacts extra secret query parameters named in secretQueryParameters', async () => {
    nock(ORIGIN).get('/api/v2/job').query(true).reply(400);
    const error = await failure(
      client({ secretQueryParameters: ['X-Tenant'] }).request({
        method: 'GET',
        path: 'job',
        searchParams: { 'x-tenant': 'tenant-9876', page: 1 },
      }),
    );
    expect(error.url).toBe('https://crm.example/api/v2/job?x-tenant=[REDACTED]&page=1');
  });
});
