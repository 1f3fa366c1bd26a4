/**
 * Injected rate limiting (429 with `Retry-After` at a seeded rate), alongside the other fault kinds: what a
 * client sees, what the request log records, and that adding the kind reshuffles none of the older faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFakeServer,
  type FakeServer,
  type FakeServerOptions,
  FaultInjector,
  type RunningFakeServer,
} from '../src/servers.js';

const key = 'faults-test-key';
const running: RunningFakeServer[] = [];

function itemsServer(overrides: Partial<FakeServerOptions> = {}): FakeServer {
  return createFakeServer({
    name: 'items',
    basePath: '/v1',
    routes: (app) => {
      app.get('/items', (context) => context.json({ items: [{ id: 1 }, { id: 2 }] }));
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

const getItems = (url: string) => fetch(`${url}/items`, { headers: { 'x-key': key } });

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe('injected rate limiting', () => {
  it('answers 429 in the vendor shape with the configured Retry-After, and logs the fault', async () => {
    const fake = itemsServer({ faults: { rateLimitRate: 1, rateLimitRetryAfterSeconds: 7 } });
    const server = await start(fake);
    const refused = await getItems(server.url);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(await refused.json()).toEqual({ error: 'slow down', seconds: 7 });

    fake.faults.configure({ rateLimitRate: 1 });
    const byDefault = await getItems(server.url);
    expect(byDefault.headers.get('retry-after')).toBe('1');
    await byDefault.body?.cancel();

    fake.faults.configure({ rateLimitRate: 1, rateLimitRetryAfterSeconds: 0 });
    const retryNow = await getItems(server.url);
    expect(retryNow.headers.get('retry-after')).toBe('0');
    await retryNow.body?.cancel();

    fake.faults.clear();
    expect((await getItems(server.url)).status).toBe(200);
    expect(fake.requestLog.entries().map((entry) => [entry.status, entry.fault])).toEqual([
      [429, 'rate_limited'],
      [429, 'rate_limited'],
      [429, 'rate_limited'],
      [200, null],
    ]);
    // The server's own limiter counted none of the refused requests.
    expect(fake.requestLog.entries({ fault: 'rate_limited' })).toHaveLength(3);
  });

  it('applies per path, and yields to resets and server errors', () => {
    const injector = new FaultInjector({
      rateLimitRate: 1,
      paths: { '/reset': { connectionResetRate: 1 }, '/error': { serverErrorRate: 1 }, '/free': {} },
    });
    expect(injector.decide('/items')).toMatchObject({ rateLimited: 1, malformedJson: false });
    expect(injector.decide('/reset')).toMatchObject({ connectionReset: true, rateLimited: null });
    expect(injector.decide('/error')).toMatchObject({ serverError: 503, rateLimited: null });
    // A path's options are merged over the defaults: `{}` keeps the default rate.
    expect(injector.decide('/free').rateLimited).toBe(1);
    injector.setPath('/free', { rateLimitRate: 0, malformedJsonRate: 1 });
    expect(injector.decide('/free')).toMatchObject({ rateLimited: null, malformedJson: true });
    // A rate limit wins over a malformed body: the request was never handled.
    injector.configure({ rateLimitRate: 1, malformedJsonRate: 1 });
    expect(injector.decide('/items')).toMatchObject({ rateLimited: 1, malformedJson: false });
  });

  it('draws from a stream of its own: turning it on reshuffles none of the other faults', () => {
    const others = { seed: 11, serverErrorRate: 0.2, connectionResetRate: 0.1, malformedJsonRate: 0.1 };
    const without = new FaultInjector(others);
    const withRateLimits = new FaultInjector({ ...others, rateLimitRate: 0.3 });
    let rateLimited = 0;
    let malformedTaken = 0;
    for (let index = 0; index < 400; index += 1) {
      const before = without.decide('/items');
      const after = withRateLimits.decide('/items');
      expect(after.connectionReset).toBe(before.connectionReset);
      expect(after.serverError).toBe(before.serverError);
      if (after.rateLimited !== null) {
        rateLimited += 1;
        if (before.malformedJson) malformedTaken += 1;
      } else {
        expect(after.malformedJson).toBe(before.malformedJson);
      }
    }
    // About 30% of the requests that were neither reset nor failed (0.72 of 400): a seeded, stable count.
    expect(rateLimited).toBeGreaterThan(60);
    expect(rateLimited).toBeLessThan(120);
    expect(malformedTaken).toBeLessThan(rateLimited);
    // The same seed gives the same 429s.
    const again = new FaultInjector({ ...others, rateLimitRate: 0.3 });
    const first = new FaultInjector({ ...others, rateLimitRate: 0.3 });
    const sequence = (injector: FaultInjector) =>
      Array.from({ length: 50 }, () => injector.decide('/items').rateLimited);
    expect(sequence(again)).toEqual(sequence(first));
  });

  it('checks its options up front', () => {
    expect(() => new FaultInjector({ rateLimitRate: 1.5 })).toThrow(
      'Expected `faults.rateLimitRate` to be a finite number from 0 to 1, got `1.5` (number)',
    );
    expect(() => new FaultInjector({ rateLimitRetryAfterSeconds: 0.5 })).toThrow(
      'Expected `faults.rateLimitRetryAfterSeconds` to be an integer from 0 to 3600, got `0.5` (number)',
    );
    expect(() => new FaultInjector({ paths: { '/a': { rateLimitRetryAfterSeconds: -1 } } })).toThrow(
      '`faults.paths[/a].rateLimitRetryAfterSeconds`',
    );
  });
});
