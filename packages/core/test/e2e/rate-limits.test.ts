/**
 * Rate limits over real HTTP. Two halves:
 *
 * 1. The hub keeps the provider's budget: a Tave studio that needs several minutes' worth of requests, a
 *    provider whose `rateLimits` allow 20 a minute, and a fake that refuses the 21st request of any minute. No
 *    request may be refused. Minutes are scaled down on both sides so the test takes seconds: the fake by its
 *    `windowScale`, the client by a limiter whose windows are scaled the same way (provider-kit's
 *    SlidingWindowLimiter inside its createProviderHttp, the budget taken from the provider's `rateLimits`).
 *    The fake's minute is 15% shorter than the client's: the client logs a request when it sends it, the fake
 *    when it arrives, and both run in this one busy process (SQLite commits block its event loop), so arrival
 *    times lag send times by a varying few to tens of milliseconds.
 * 2. The CRM is stricter than the provider said: the fake answers 429 with Retry-After; the hub's HTTP client
 *    (provider-kit's real factory) waits and retries, and the job still completes with every record, reporting
 *    `rate_limited` and `retries`.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import { createTestHub } from '../sync/fixtures.js';
import {
  createScaledHttpFactory,
  e2eStudio,
  expectEveryRecordAccounted,
  expectNoDoubledPeople,
  expectRelationships,
  importTave,
  recordCounts,
} from './harness.js';

const apiKey = 'tave-rate-limit-key-3b9c0d7e55';
const perMinute = 20;
/** The client's minute: 1.5 s. */
const clientWindowScale = 0.025;
const clientMinuteMs = 60_000 * clientWindowScale;

describe('rate limits [sqlite-memory]', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`never exceeds the provider's budget of ${perMinute} requests a minute, however many the import needs`, async () => {
    const studio = e2eStudio({ seed: 21, clients: 60 });
    const fake = await startFakeTave({
      apiKey,
      studio,
      rateLimits: { perMinute, windowScale: clientWindowScale * 0.85 },
    });
    cleanups.push(() => fake.close());
    const testHub = await createTestHub({
      providers: [
        createTave({
          baseUrl: fake.url,
          pageSize: 10,
          rateLimits: { requestsPerMinute: perMinute, requestsPerHour: 1000 },
        }),
      ],
      hubOptions: { httpClientFactory: createScaledHttpFactory({ windowScale: clientWindowScale }) },
    });
    cleanups.push(() => testHub.destroy());

    const { outcome } = await importTave(testHub, {
      apiKey,
      runner: createInProcessRunner({ hub: testHub.hub }),
    });

    const log = fake.requestLog.entries();
    // The import needed several minutes' worth of requests, and not one was refused.
    expect(log.length).toBeGreaterThan(perMinute * 2);
    expect(log.filter((entry) => entry.status !== 200)).toEqual([]);
    expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'partial' });
    expect(outcome.counts).toMatchObject({ rate_limited: 0, retries: 0 });
    // The client waited for its budget: n requests at 20 a minute span at least (ceil(n / 20) - 1) minutes.
    const arrivals = log.map((entry) => Date.parse(entry.time));
    const spanMs = Math.max(...arrivals) - Math.min(...arrivals);
    expect(spanMs).toBeGreaterThanOrEqual((Math.ceil(log.length / perMinute) - 1) * clientMinuteMs * 0.95);
    // And every record arrived.
    expectEveryRecordAccounted(outcome.counts);
    expect(outcome.counts['client.read']).toBe(
      studio.manifest.counts.clients + studio.manifest.duplicates.length,
    );
    expect(outcome.counts['payment.read']).toBe(studio.manifest.counts.payments);
  }, 30_000);

  it('waits out 429 answers with Retry-After and still imports every record', async () => {
    const studio = e2eStudio({ seed: 22, clients: 30 });
    const provider = (url: string) =>
      // The provider believes it may send 120 a minute; the CRM allows 10 in any 0.6 s.
      createTave({
        baseUrl: url,
        pageSize: 100,
        rateLimits: { requestsPerMinute: 120, requestsPerHour: 5000 },
      });
    const http = () => createProviderHttpFactory({ retry: { minTimeoutMs: 20, maxTimeoutMs: 200 } });

    // The same studio without limits, for the counts to expect.
    const unlimited = await startFakeTave({ apiKey, studio });
    cleanups.push(() => unlimited.close());
    const reference = await createTestHub({
      providers: [provider(unlimited.url)],
      hubOptions: { httpClientFactory: http() },
    });
    cleanups.push(() => reference.destroy());
    const expected = await importTave(reference, {
      apiKey,
      runner: createInProcessRunner({ hub: reference.hub }),
    });
    expect(expected.outcome.counts['rate_limited']).toBe(0);

    const strict = await startFakeTave({ apiKey, studio, rateLimits: { perMinute: 10, windowScale: 0.01 } });
    cleanups.push(() => strict.close());
    const testHub = await createTestHub({
      providers: [provider(strict.url)],
      hubOptions: { httpClientFactory: http() },
    });
    cleanups.push(() => testHub.destroy());
    const started = performance.now();
    const { outcome } = await importTave(testHub, {
      apiKey,
      runner: createInProcessRunner({ hub: testHub.hub }),
    });
    const elapsedMs = performance.now() - started;

    const refused = strict.requestLog.entries({ status: 429 });
    expect(refused.length).toBeGreaterThan(0);
    expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'partial' });
    // Every 429 the CRM sent is counted, and each was retried.
    expect(outcome.counts['rate_limited']).toBe(refused.length);
    expect(outcome.counts['retries']).toBeGreaterThanOrEqual(refused.length);
    expect(outcome.counts['requests']).toBe(expected.outcome.counts['requests']! + refused.length);
    // The client honoured Retry-After (1 s, the fake's smallest) at least once per refusal burst.
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    // Nothing lost, nothing doubled: the same outcome as the import that was never refused.
    expect(recordCounts(outcome.counts)).toEqual(recordCounts(expected.outcome.counts));
    expectEveryRecordAccounted(outcome.counts);
    await expectNoDoubledPeople(testHub.db);
    await expectRelationships(testHub.db);
  }, 30_000);
});
