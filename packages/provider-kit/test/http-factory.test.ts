import { describe, expect, it } from 'vitest';
import { createProviderHttpFactory } from '../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function okFetch(sent: string[]) {
  return async (input: Request) => {
    sent.push(new URL(input.url).pathname);
    return new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

describe('createProviderHttpFactory', () => {
  it('makes every client of one integration draw from one budget', async () => {
    const sent: string[] = [];
    const factory = createProviderHttpFactory({ fetch: okFetch(sent) });
    const controller = new AbortController();
    const request = {
      integrationId: 'integration-a',
      providerId: 'tave',
      baseUrl: 'http://127.0.0.1:9/api',
      rateLimits: { requestsPerMinute: 2, requestsPerHour: 100 },
      signal: controller.signal,
      logger: silent,
    };
    const first = factory(request);
    const second = factory(request);
    await first.request({ method: 'GET', path: 'one' });
    await second.request({ method: 'GET', path: 'two' });
    // The budget of 2 a minute is spent by the two clients together: a third request must wait.
    const third = second.request({ method: 'GET', path: 'three', signal: AbortSignal.timeout(300) });
    await expect(third).rejects.toThrow();
    expect(sent).toEqual(['/api/one', '/api/two']);
    expect(first.stats().requestsSent + second.stats().requestsSent).toBe(2);
    const status = factory.budgetStatus?.('integration-a');
    expect(status?.remainingRequests).toBe(0);
    expect(Date.parse(status?.resetTime ?? '')).toBeGreaterThan(Date.now());
    expect(factory.budgetStatus?.('never-used')).toBeUndefined();
    controller.abort();
  });

  it('gives separate integrations separate budgets', async () => {
    const sent: string[] = [];
    const factory = createProviderHttpFactory({ fetch: okFetch(sent) });
    const base = {
      providerId: 'tave',
      baseUrl: 'http://127.0.0.1:9/api',
      rateLimits: { requestsPerMinute: 1, requestsPerHour: 100 },
      signal: new AbortController().signal,
      logger: silent,
    };
    await factory({ ...base, integrationId: 'a' }).request({ method: 'GET', path: 'a' });
    await factory({ ...base, integrationId: 'b' }).request({ method: 'GET', path: 'b' });
    expect(sent).toEqual(['/api/a', '/api/b']);
  });
});
