/** The per-minute and per-hour budget of createProviderHttp, with fake timers and an injected fetch. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProviderHttp } from '../src/http/client.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

describe('createProviderHttp budget (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(rateLimits: { requestsPerMinute: number; requestsPerHour: number; concurrency?: number }) {
    const sentAt: number[] = [];
    const http = createProviderHttp({
      baseUrl: 'https://crm.example/api',
      rateLimits,
      fetch: async () => {
        sentAt.push(Date.now());
        return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
      },
    });
    return { http, sentAt };
  }

  it('sends up to requestsPerMinute at once, the rest when the minute has passed, and respects the hour', async () => {
    const start = Date.now();
    const { http, sentAt } = setup({ requestsPerMinute: 3, requestsPerHour: 5, concurrency: 10 });
    const all = Array.from({ length: 7 }, (_, index) =>
      http.request({ method: 'GET', path: `item/${index}` }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(sentAt).toEqual([start, start, start]);
    expect(http.stats()).toMatchObject({ requestsSent: 3, active: 4 });
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(sentAt).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sentAt).toEqual([start, start, start, start + MINUTE, start + MINUTE]);
    await vi.advanceTimersByTimeAsync(HOUR - MINUTE - 1);
    expect(sentAt).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(1);
    expect(sentAt.slice(5)).toEqual([start + HOUR, start + HOUR]);
    const responses = await Promise.all(all);
    expect(responses.map((response) => response.body)).toEqual(Array(7).fill({ ok: true }));
    expect(http.stats()).toMatchObject({ requests: 7, requestsSent: 7, active: 0, queued: 0, running: 0 });
  });

  it('keeps to `concurrency` requests in flight and serves them in order', async () => {
    let inFlight = 0;
    let most = 0;
    const order: number[] = [];
    const http = createProviderHttp({
      baseUrl: 'https://crm.example/api',
      rateLimits: { requestsPerMinute: 100, requestsPerHour: 1000, concurrency: 2 },
      fetch: async (request) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        order.push(Number(new URL(request.url).pathname.split('/').pop()));
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight -= 1;
        return new Response('');
      },
    });
    const all = Array.from({ length: 6 }, (_, index) =>
      http.request({ method: 'GET', path: `item/${index}` }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(http.stats()).toMatchObject({ running: 2, queued: 4 });
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(all);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
