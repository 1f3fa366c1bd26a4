/**
 * Failures: a refused API key, 429 with Retry-After, bodies that do not fit the vendor's schema, bad read
 * arguments. None of them may show the API key.
 */
import {
  CrmError,
  type CrmProviderV1,
  type ProviderHttpClient,
  type ProviderHttpRequest,
  ValidationError,
} from '@wedsync/crm-core';
import { ProviderApiError } from '@wedsync/crm-provider-kit';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, memoryLogger, readAll, readPages } from './helpers.js';

async function failure(run: () => Promise<unknown>): Promise<CrmError> {
  try {
    await run();
  } catch (error) {
    expect(CrmError.isInstance(error), String(error)).toBe(true);
    return error as CrmError;
  }
  return expect.unreachable('expected a CrmError');
}

let fake: RunningFakeTave;
beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio: { seed: 9, clients: 30 } });
});
afterAll(async () => {
  await fake?.close();
});

describe('a refused API key', () => {
  const wrongKey = 'wrong-key-5d4c3b2a19';

  it('surfaces provider-kit ProviderApiError 401 with no key in message, URL, excerpt or context', async () => {
    const logger = memoryLogger();
    const session = await connect(createTave({ baseUrl: fake.url }), {
      credentials: { api_key: wrongKey },
      logger,
    });
    for (const run of [
      () => session.testConnection(),
      () => readAll(session, 'client'),
      () => readAll(session, 'payment'),
    ]) {
      const error = await failure(run);
      expect(ProviderApiError.isInstance(error)).toBe(true);
      const apiError = error as ProviderApiError;
      expect(apiError).toMatchObject({ status: 401, isRetryable: false, outcome: 'rejected', attempts: 1 });
      const exposed = [
        apiError.message,
        apiError.url,
        apiError.bodyExcerpt ?? '',
        JSON.stringify(apiError.context),
        String(apiError.stack),
      ].join('\n');
      expect(exposed).not.toContain(wrongKey);
      expect(exposed).not.toContain(apiKey);
      expect(apiError.bodyExcerpt).toContain('API key is missing or invalid');
    }
    expect(logger.lines.join('\n')).not.toContain(wrongKey);
    // The fake saw the key (by fingerprint): the header was sent as documented.
    expect(fake.requestLog.last()?.keyId).not.toBeNull();
  });
});

describe('429 with Retry-After', () => {
  it('is waited out: the read completes with every record', async () => {
    const limited = await startFakeTave({
      apiKey,
      studio: { seed: 9, clients: 30 },
      // 4 requests per 0.6 s window; the fake answers 429 with Retry-After: 1 beyond that.
      rateLimits: { perMinute: 4, windowScale: 0.01 },
    });
    try {
      const session = await connect(createTave({ baseUrl: limited.url, pageSize: 10 }), {
        http: { retry: { retries: 8, minTimeoutMs: 20, maxTimeoutMs: 100 } },
      });
      const records = await readAll(session, 'project');
      expect(records).toHaveLength(limited.state.list('job').length);
      expect(limited.requestLog.entries({ status: 429 }).length).toBeGreaterThan(0);
      const answered = limited.requestLog
        .entries({ status: 200 })
        .map((entry) => Number(entry.query['page']));
      expect(new Set(answered.filter((page) => page > 0)).size).toBeGreaterThan(1);
    } finally {
      await limited.close();
    }
  }, 60_000);
});

/** A provider whose session's HTTP client answers every request with `body`. */
function stubbed(body: (request: ProviderHttpRequest) => unknown): {
  provider: CrmProviderV1;
  connect: () => ReturnType<CrmProviderV1['connect']>;
} {
  const provider = createTave({ baseUrl: 'https://studio.example.test/api/v2' });
  const client: ProviderHttpClient = {
    request: async <Body>(request: ProviderHttpRequest) => ({
      status: 200,
      headers: {},
      body: body(request) as Body,
    }),
  };
  return {
    provider,
    connect: () =>
      provider.connect({
        integrationId: 'stub',
        credentials: { api_key: apiKey },
        rateLimits: provider.rateLimits,
        signal: new AbortController().signal,
        logger: memoryLogger(),
        createHttpClient: () => client,
      }),
  };
}

describe('responses that do not fit the vendor schema', () => {
  it('are a ValidationError naming the endpoint and the property, never the values', async () => {
    const { connect: open } = stubbed((request) =>
      request.path === 'studio/me'
        ? { name: 'Studio', currencyCode: 'USD' }
        : {
            type: 'jobcontact-collection',
            meta: { totalPages: 1 },
            items: [{ id: 'x', jobId: 'j', contactId: 42 }],
          },
    );
    const session = await open();
    const error = await failure(() => readAll(session, 'client'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(
      'VSCO Workspace answered GET /job-contact with a body that does not match its documented schema',
    );
    expect((error as ValidationError).issues[0]?.path).toBe('items[0].contactId');
  });

  it('reports a collection without items', async () => {
    const { connect: open } = stubbed((request) =>
      request.path === 'studio/me'
        ? { name: 'Studio', currencyCode: 'USD' }
        : { meta: {}, type: 'payment-collection', items: 'none' },
    );
    const error = await failure(async () => readAll(await open(), 'payment'));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'items', message: 'Invalid input: expected array, received string' },
    ]);
  });

  it('reports a studio without a name', async () => {
    const { connect: open } = stubbed(() => ({ currencyCode: 'USD' }));
    const error = await failure(async () => (await open()).testConnection());
    expect(error.message).toContain('GET /studio/me');
  });
});

describe('read arguments', () => {
  it('refuses an unknown record type, a foreign cursor and a bad since', async () => {
    const session = await connect(createTave({ baseUrl: fake.url }));
    expect(() => session.read('contact' as never)).toThrow(
      'Expected `recordType` to be one of client, project, event, invoice, payment, got `contact` (string)',
    );
    const cursorError = await failure(() => readPages(session, 'client', { cursor: 'job:page:2' }));
    expect(cursorError.message).toBe(
      'Expected `cursor` to be a cursor of this read (`address-book:page:<page>`), got `job:page:2` (string)',
    );
    for (const cursor of ['page:2', 'job:page:0', 'job:page:x', 'job:modified:page:2']) {
      expect((await failure(() => readPages(session, 'project', { cursor }))).code).toBe('invalid_argument');
    }
    expect(
      (
        await failure(() =>
          readPages(session, 'project', { cursor: 'job:page:2', since: '2025-01-01T00:00:00Z' }),
        )
      ).message,
    ).toContain('as the read has `since`');
    expect((await failure(() => readPages(session, 'event', { since: 'yesterday' }))).message).toBe(
      'Expected `since` to be an ISO 8601 timestamp, got `yesterday` (string)',
    );
    expect(() => session.read('event', 'x' as never)).toThrow('Expected `options` to be an object');
  });

  it('makes no request when the cursor is refused', async () => {
    const session = await connect(createTave({ baseUrl: fake.url }));
    fake.requestLog.clear();
    await failure(() => readPages(session, 'invoice', { cursor: 'payment:page:3' }));
    expect(fake.requestLog.size).toBe(0);
  });

  it('stops a read when the session signal aborts', async () => {
    const controller = new AbortController();
    const session = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }), {
      signal: controller.signal,
    });
    const iterator = session.read('event')[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    controller.abort(new Error('job cancelled'));
    await expect(iterator.next()).rejects.toThrow('job cancelled');
  });
});
