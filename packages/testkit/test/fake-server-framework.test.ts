import { InvalidArgumentError } from '@wedsync/crm-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFakeServer,
  type FakeServer,
  type FakeServerOptions,
  FaultInjector,
  keyFingerprint,
  type RunningFakeServer,
  SlidingWindowRateLimiter,
} from '../src/servers.js';

const key = 'framework-test-key';
const running: RunningFakeServer[] = [];

function echoServer(overrides: Partial<FakeServerOptions> = {}): FakeServer {
  return createFakeServer({
    name: 'echo',
    basePath: '/v1',
    routes: (app) => {
      app.get('/items', (context) =>
        context.json({
          items: [
            { id: 1, name: 'Anna' },
            { id: 2, name: 'Ben' },
          ],
        }),
      );
      app.get('/slow', (context) => context.json({ ok: true }));
      app.get('/boom', () => {
        throw new Error('handler failed');
      });
    },
    presentedKey: (request) => request.headers.get('x-key') ?? undefined,
    acceptsKey: (presented) => presented === key,
    responses: {
      unauthorized: () => Response.json({ error: 'unauthorized' }, { status: 401 }),
      rateLimited: (seconds) => Response.json({ error: 'slow down', seconds }, { status: 429 }),
      serverError: (status) => Response.json({ error: 'server', status }, { status }),
      notFound: (path) => Response.json({ error: 'not found', path }, { status: 404 }),
    },
    ...overrides,
  });
}

async function start(server: FakeServer): Promise<RunningFakeServer> {
  const started = await server.start();
  running.push(started);
  return started;
}

const get = (url: string, path: string, headers: Record<string, string> = { 'x-key': key }) =>
  fetch(`${url}${path}`, { headers });

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe('createFakeServer', () => {
  it('listens on 127.0.0.1 on a free port under its base path, and closes', async () => {
    const server = await start(echoServer());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(server.port).toBeGreaterThan(0);
    const response = await get(server.url, '/items');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      items: [
        { id: 1, name: 'Anna' },
        { id: 2, name: 'Ben' },
      ],
    });
    expect((await get(server.url, '/missing')).status).toBe(404);
    await server.close();
    await expect(get(server.url, '/items')).rejects.toThrow();
  });

  it('answers 401 without the right key and logs fingerprints, never keys', async () => {
    const fake = echoServer();
    const server = await start(fake);
    expect((await get(server.url, '/items', {})).status).toBe(401);
    expect((await get(server.url, '/items', { 'x-key': 'wrong-key' })).status).toBe(401);
    expect((await get(server.url, '/items?page=2&tag=a&tag=b')).status).toBe(200);
    const entries = fake.requestLog.entries();
    expect(entries.map((entry) => [entry.method, entry.path, entry.status, entry.keyId])).toEqual([
      ['GET', '/items', 401, null],
      ['GET', '/items', 401, keyFingerprint('wrong-key')],
      ['GET', '/items', 200, keyFingerprint(key)],
    ]);
    expect(entries[2]?.query).toEqual({ page: '2', tag: ['a', 'b'] });
    expect(entries[2]?.sequence).toBe(3);
    expect(keyFingerprint(key)).toMatch(/^key_[0-9a-f]{12}$/);
    expect(JSON.stringify(entries)).not.toContain(key);
    expect(fake.requestLog.entries({ status: 401 })).toHaveLength(2);
    expect(fake.requestLog.entries({ path: /items/, keyId: keyFingerprint(key) })).toHaveLength(1);
    fake.requestLog.clear();
    expect(fake.requestLog.size).toBe(0);
  });

  it('answers 500 in the vendor shape when a handler throws', async () => {
    const server = await start(echoServer());
    const response = await get(server.url, '/boom');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'server', status: 500 });
  });

  it('limits each key per sliding minute with 429 and Retry-After, then lets it through again', async () => {
    // A test clock and a 0.01 window scale: the "minute" is 600 ms of the clock, and nothing sleeps.
    let clock = 5_000_000;
    const fake = echoServer({ rateLimits: { perMinute: 3, windowScale: 0.01 }, now: () => clock });
    const server = await start(fake);
    const statuses = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push((await get(server.url, '/items')).status);
      clock += 100;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await get(server.url, '/items');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'slow down', seconds: 1 });
    expect(fake.rateLimits.take(keyFingerprint(key))).toEqual({
      allowed: false,
      retryAfterMs: 200,
      limit: 'minute',
    });
    // Requests without a valid key are not counted against the key; other keys have their own window.
    expect((await get(server.url, '/items', {})).status).toBe(401);
    clock += 200;
    expect((await get(server.url, '/items')).status).toBe(200);
    fake.rateLimits.configure({});
    for (let index = 0; index < 5; index += 1) expect((await get(server.url, '/items')).status).toBe(200);
    expect(fake.requestLog.entries({ status: 429 })).toHaveLength(2);
  });

  it('computes exact waits for minute and hour windows per key', () => {
    let now = 1_000_000;
    const limiter = new SlidingWindowRateLimiter({ perMinute: 2, perHour: 3 }, () => now);
    expect(limiter.take('a').allowed).toBe(true);
    now += 10_000;
    expect(limiter.take('a').allowed).toBe(true);
    now += 10_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 40_000, limit: 'minute' });
    expect(limiter.take('b').allowed).toBe(true);
    now += 40_000;
    expect(limiter.take('a').allowed).toBe(true);
    now += 60_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 3_600_000 - 120_000, limit: 'hour' });
    limiter.reset();
    expect(limiter.take('a').allowed).toBe(true);
    expect(() => new SlidingWindowRateLimiter({ perMinute: 0 })).toThrow(
      'Expected `rateLimits.perMinute` to be an integer >= 1, got `0` (number)',
    );
  });

  it('injects server errors, resets, truncated JSON and latency, per path, changeable at run time', async () => {
    const fake = echoServer({ faults: { paths: { '/slow': { latencyMs: 150 } } } });
    const server = await start(fake);

    const started = performance.now();
    expect((await get(server.url, '/slow')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect((await get(server.url, '/items')).status).toBe(200);

    fake.faults.configure({ serverErrorRate: 1, serverErrorStatus: 502 });
    const failed = await get(server.url, '/items');
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: 'server', status: 502 });

    fake.faults.configure({ connectionResetRate: 1 });
    const reset = await get(server.url, '/items').catch((error: unknown) => error);
    expect(reset).toBeInstanceOf(TypeError);
    expect(String((reset as Error & { cause?: unknown }).cause)).toMatch(/closed|reset|socket/i);

    fake.faults.configure({ malformedJsonRate: 1 });
    const truncated = await get(server.url, '/items');
    expect(truncated.status).toBe(200);
    expect(truncated.headers.get('content-type')).toContain('application/json');
    await expect(truncated.json()).rejects.toThrow(SyntaxError);

    fake.faults.setPath('/items', { malformedJsonRate: 0 });
    expect(await (await get(server.url, '/items')).json()).toHaveProperty('items');
    fake.faults.clear();
    expect((await get(server.url, '/slow')).status).toBe(200);

    const faults = fake.requestLog.entries().map((entry) => entry.fault);
    expect(faults).toEqual([
      'latency',
      null,
      'server_error',
      'connection_reset',
      'malformed_json',
      null,
      null,
    ]);
    expect(fake.requestLog.entries({ fault: 'connection_reset' })[0]?.status).toBeNull();
  });

  it('decides faults from a seed: the same seed gives the same faults', async () => {
    const statuses = async () => {
      const server = await start(echoServer({ faults: { seed: 7, serverErrorRate: 0.5 } }));
      const list = [];
      for (let index = 0; index < 16; index += 1) list.push((await get(server.url, '/items')).status);
      return list;
    };
    const first = await statuses();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await statuses()).toEqual(first);

    const injector = new FaultInjector({
      seed: 3,
      serverErrorRate: 0.3,
      paths: { '/a/*': { connectionResetRate: 1 } },
    });
    expect(injector.decide('/a/b').connectionReset).toBe(true);
    expect(injector.decide('/a').connectionReset).toBe(true);
    expect(injector.decide('/ab').connectionReset).toBe(false);
    expect(injector.optionsFor('/a/b')).toEqual({ serverErrorRate: 0.3, connectionResetRate: 1 });
  });

  it('checks its options up front', () => {
    expect(() => echoServer({ basePath: 'v1' })).toThrow(InvalidArgumentError);
    expect(() => new FaultInjector({ serverErrorRate: 2 })).toThrow(
      'Expected `faults.serverErrorRate` to be a finite number from 0 to 1, got `2` (number)',
    );
    expect(() => new FaultInjector({ latencyMs: { min: 50, max: 10 } })).toThrow('`faults.latencyMs.max`');
    expect(() => new FaultInjector({ paths: { job: {} } })).toThrow('`faults.paths key`');
    expect(() => new FaultInjector({ serverErrorStatus: 404 })).toThrow('`faults.serverErrorStatus`');
  });

  it('serves app.request() without a socket', async () => {
    const fake = echoServer();
    const response = await fake.app.request('/v1/items', { headers: { 'x-key': key } });
    expect(response.status).toBe(200);
  });
});
