import { describe, expect, it, vi } from 'vitest';
import { CredentialError, InvalidArgumentError } from '../../src/errors/index.js';
import { createRedactingLogger, REDACTED, redactError, redactSecrets } from '../../src/security/redact.js';

const apiKey = 'tave-live-8c1f0e2d9b7a44f1';

describe('redactSecrets: keys', () => {
  it('redacts secret-looking header names whatever their case and separators', () => {
    const headers = {
      Authorization: 'Bearer abc.def.ghi',
      'X-API-Key': apiKey,
      'x-api-key': apiKey,
      Cookie: 'session=1',
      'Set-Cookie': ['a=1', 'b=2'],
      'Content-Type': 'application/json',
      'User-Agent': 'wedsync-crm/1.0',
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
    };
    expect(redactSecrets(headers)).toEqual({
      Authorization: REDACTED,
      'X-API-Key': REDACTED,
      'x-api-key': REDACTED,
      Cookie: REDACTED,
      'Set-Cookie': REDACTED,
      'Content-Type': 'application/json',
      'User-Agent': 'wedsync-crm/1.0',
      'Proxy-Authorization': REDACTED,
    });
  });

  it('redacts token, password and secret fields, by name and by ending', () => {
    const value = {
      api_key: 'a',
      apiKey: 'b',
      'API-KEY': 'c',
      token: 'd',
      access_token: 'e',
      refreshToken: 'f',
      password: 'g',
      client_secret: 'h',
      private_key: 'i',
      tave_api_key: 'j',
      stripeSecret: 'k',
      db_password: 'l',
      'private.key': 'm',
      token_type: 'Bearer',
      expires_in: 3600,
      key: 'dress_colour',
      email: 'emma@example.com',
    };
    expect(redactSecrets(value)).toEqual({
      api_key: REDACTED,
      apiKey: REDACTED,
      'API-KEY': REDACTED,
      token: REDACTED,
      access_token: REDACTED,
      refreshToken: REDACTED,
      password: REDACTED,
      client_secret: REDACTED,
      private_key: REDACTED,
      tave_api_key: REDACTED,
      stripeSecret: REDACTED,
      db_password: REDACTED,
      'private.key': REDACTED,
      token_type: 'Bearer',
      expires_in: 3600,
      key: 'dress_colour',
      email: 'emma@example.com',
    });
  });

  it('redacts a whole object or array under a secret key', () => {
    expect(redactSecrets({ credentials: { user: 'u', pass: 'p' }, tokens: 2 })).toEqual({
      credentials: REDACTED,
      tokens: 2,
    });
  });

  it('redacts every leaf under auth_config and keeps its key names', () => {
    const integration = {
      id: 'integration-1',
      auth_config: {
        subdomain: 'emma-photo',
        api_key: apiKey,
        expires_at: new Date('2026-01-01T00:00:00Z'),
        scopes: ['read', 'write'],
        oauth: { access_token: 'x', retries: 3, enabled: true, missing: null },
        raw: new Uint8Array([1, 2, 3]),
      },
      sync_config: { sync_interval_minutes: 60 },
    };
    expect(redactSecrets({ integration, nested: { authConfig: 'plain' } })).toEqual({
      integration: {
        id: 'integration-1',
        auth_config: {
          subdomain: REDACTED,
          api_key: REDACTED,
          expires_at: REDACTED,
          scopes: [REDACTED, REDACTED],
          oauth: { access_token: REDACTED, retries: REDACTED, enabled: REDACTED, missing: null },
          raw: REDACTED,
        },
        sync_config: { sync_interval_minutes: 60 },
      },
      nested: { authConfig: REDACTED },
    });
  });

  it('takes extra secret key names', () => {
    expect(redactSecrets({ pin_code: '1234', other: 'x' }, { secretKeys: ['PIN-code'] })).toEqual({
      pin_code: REDACTED,
      other: 'x',
    });
  });

  it('does not modify its input', () => {
    const input = { password: 'p', list: [{ token: 't' }] };
    const output = redactSecrets(input);
    expect(input).toEqual({ password: 'p', list: [{ token: 't' }] });
    expect(output).not.toBe(input);
  });
});

describe('redactSecrets: strings', () => {
  it('redacts Bearer tokens and Basic credentials in text', () => {
    expect(
      redactSecrets('request failed: Authorization header was Bearer eyJhbGciOi.payload.sig-_~+/='),
    ).toBe(`request failed: Authorization header was Bearer ${REDACTED}`);
    expect(redactSecrets('sent basic dXNlcjpwYXNzd29yZA== to the server')).toBe(
      `sent basic ${REDACTED} to the server`,
    );
    // Prose that merely follows the word Basic is kept.
    expect(redactSecrets('Basic Photography package, Basic Wedding')).toBe(
      'Basic Photography package, Basic Wedding',
    );
  });

  it('redacts header lines in raw text', () => {
    const raw =
      'GET /v2/clients HTTP/1.1\r\nHost: api.example.com\r\nX-Api-Key: abc123\r\nCookie: sid=1; other=2\r\n';
    expect(redactSecrets(raw)).toBe(
      `GET /v2/clients HTTP/1.1\r\nHost: api.example.com\r\nX-Api-Key: ${REDACTED}\r\nCookie: ${REDACTED}\r\n`,
    );
  });

  it('redacts URL userinfo and secret query parameters', () => {
    expect(
      redactSecrets(
        'GET https://emma:hunter2@api.example.com/v1/jobs?api_key=abc123&page=2&access_token=xyz%3D&state=s1&code=c0de failed',
      ),
    ).toBe(
      `GET https://${REDACTED}@api.example.com/v1/jobs?api_key=${REDACTED}&page=2&access_token=${REDACTED}&state=s1&code=${REDACTED} failed`,
    );
    expect(redactSecrets('https://ghp_abcdef@github.com/x.git')).toBe(`https://${REDACTED}@github.com/x.git`);
    expect(redactSecrets('https://example.com/p?email=a@b.com')).toBe('https://example.com/p?email=a@b.com');
    expect(redactSecrets('https://example.com/p?api%5Fkey=1#token=2')).toBe(
      `https://example.com/p?api%5Fkey=${REDACTED}#token=${REDACTED}`,
    );
  });

  it('keeps parameters whose names are not valid percent-encoding', () => {
    expect(redactSecrets('https://example.com/?%E0%A4%A=1&token=2')).toBe(
      `https://example.com/?%E0%A4%A=1&token=${REDACTED}`,
    );
  });

  it('redacts form bodies and key=value text', () => {
    expect(redactSecrets('grant_type=refresh_token&refresh_token=r1&client_secret=s2')).toBe(
      `grant_type=refresh_token&refresh_token=${REDACTED}&client_secret=${REDACTED}`,
    );
    expect(redactSecrets('login failed for user=emma password=hunter2, retrying')).toBe(
      `login failed for user=emma password=${REDACTED}, retrying`,
    );
    expect(redactSecrets('empty token= stays')).toBe('empty token= stays');
  });

  it('redacts secret members of JSON text', () => {
    const body = JSON.stringify({
      access_token: 'at-1',
      token_type: 'bearer',
      expires_in: 3600,
      id_token: null,
    });
    expect(redactSecrets(`token response: ${body}`)).toBe(
      `token response: {"access_token":"${REDACTED}","token_type":"bearer","expires_in":3600,"id_token":"${REDACTED}"}`,
    );
    expect(redactSecrets('{"password" : "p\\"w", "name": "Emma"}')).toBe(
      `{"password" : "${REDACTED}", "name": "Emma"}`,
    );
  });

  it('replaces known secrets wherever they appear, URL-encoded too', () => {
    const secret = 'k3y/with+special=chars';
    const text = `${'x'.repeat(500)}${secret}${'y'.repeat(500)} and again:${secret}; encoded ${encodeURIComponent(secret)}`;
    const result = redactSecrets({ deep: [{ text }] }, { knownSecrets: [secret, ''] }) as {
      deep: [{ text: string }];
    };
    expect(result.deep[0].text).toBe(
      `${'x'.repeat(500)}${REDACTED}${'y'.repeat(500)} and again:${REDACTED}; encoded ${REDACTED}`,
    );
  });

  it('replaces the longest known secret first', () => {
    expect(redactSecrets('abc abcdef', { knownSecrets: ['abc', 'abcdef'] })).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    const text =
      'Imported 120 clients for Emma & James (wedding 2026-06-20) at https://example.com/clients?page=3';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactSecrets: structures', () => {
  it('handles cycles without throwing', () => {
    const value: Record<string, unknown> = { name: 'a', password: 'p' };
    value.self = value;
    value.list = [value, { token: 't' }];
    const result = redactSecrets(value) as Record<string, unknown>;
    expect(result).toEqual({
      name: 'a',
      password: REDACTED,
      self: '[Circular]',
      list: ['[Circular]', { token: REDACTED }],
    });
  });

  it('copies a value seen twice that is not a cycle', () => {
    const shared = { token: 't', id: 1 };
    expect(redactSecrets({ a: shared, b: shared })).toEqual({
      a: { token: REDACTED, id: 1 },
      b: { token: REDACTED, id: 1 },
    });
  });

  it('handles a cycle under auth_config', () => {
    const config: Record<string, unknown> = { api_key: 'k' };
    config.again = config;
    expect(redactSecrets({ auth_config: config })).toEqual({
      auth_config: { api_key: REDACTED, again: '[Circular]' },
    });
  });

  it('truncates below maxDepth', () => {
    const deep = { a: { b: { c: { d: 'x' } } } };
    expect(redactSecrets(deep, { maxDepth: 2 })).toEqual({ a: { b: '[Truncated]' } });
    expect(redactSecrets(deep, { maxDepth: 0 })).toBe('[Truncated]');
    let chain: Record<string, unknown> = { end: true };
    for (let index = 0; index < 5000; index += 1) chain = { next: chain };
    expect(() => JSON.stringify(redactSecrets(chain))).not.toThrow();
  });

  it('copies Maps, Sets, Dates, URLs, binary data, functions and Headers', () => {
    const date = new Date('2026-06-20T10:00:00Z');
    const value = {
      map: new Map<unknown, unknown>([
        ['authorization', 'Bearer x'],
        ['auth_config', { subdomain: 's' }],
        ['note', 'Bearer abcdef'],
        [1, 'one'],
      ]),
      set: new Set(['token=abc', 'plain']),
      date,
      url: new URL('https://u:p@example.com/?token=abc'),
      buffer: Buffer.from('secret bytes'),
      handler: function onSync() {},
      arrow: (
        () => () =>
          1
      )(),
      headers: new Headers({ authorization: 'Bearer x', accept: 'application/json' }),
      big: 10n,
      missing: undefined,
    };
    const result = redactSecrets(value) as Record<string, unknown>;
    expect(result.map).toEqual(
      new Map<unknown, unknown>([
        ['authorization', REDACTED],
        ['auth_config', { subdomain: REDACTED }],
        ['note', `Bearer ${REDACTED}`],
        [1, 'one'],
      ]),
    );
    expect(result.set).toEqual(new Set([`token=${REDACTED}`, 'plain']));
    expect(result.date).toEqual(date);
    expect(result.date).not.toBe(date);
    expect(result.url).toBe(`https://${REDACTED}@example.com/?token=${REDACTED}`);
    expect(result.buffer).toBe('[Buffer 12 bytes]');
    expect(result.handler).toBe('[Function onSync]');
    expect(result.arrow).toBe('[Function anonymous]');
    expect(result.headers).toEqual({ authorization: REDACTED, accept: 'application/json' });
    expect(result.big).toBe(10n);
    expect('missing' in result).toBe(true);
  });

  it('survives getters that throw', () => {
    const value = {
      ok: 1,
      get broken(): never {
        throw new Error('boom');
      },
    };
    expect(redactSecrets(value)).toEqual({ ok: 1, broken: '[Unreadable]' });
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    expect(redactSecrets({ hostile })).toEqual({ hostile: '[Unreadable]' });
  });

  it('returns primitives as they are', () => {
    for (const value of [1, true, null, undefined, Symbol.for('x')]) expect(redactSecrets(value)).toBe(value);
  });

  it('rejects bad options', () => {
    expect(() => redactSecrets({}, { maxDepth: -1 })).toThrow(
      new InvalidArgumentError('Expected `maxDepth` to be an integer >= 0, got `-1` (number)'),
    );
    expect(() => redactSecrets({}, { maxDepth: '3' as never })).toThrow(
      'Expected `maxDepth` to be an integer >= 0, got `3` (string)',
    );
    expect(() => redactSecrets({}, { knownSecrets: 'abc' as never })).toThrow(
      'Expected `knownSecrets` to be an array of strings',
    );
    expect(() => redactSecrets({}, { secretKeys: [1] as never })).toThrow(
      'Expected `secretKeys` to be an array of strings',
    );
  });
});

describe('redactSecrets and redactError: errors', () => {
  it('turns errors into plain redacted objects with their cause chain and context', () => {
    const root = new Error(`connect failed for https://api.example.com/?api_key=${apiKey}`);
    const middle = new TypeError('fetch failed', { cause: root });
    const error = new CredentialError(`Token ${apiKey} was rejected`, {
      context: { integrationId: 'integration-1', headers: { authorization: 'Bearer abc' } },
      cause: middle,
    });
    const result = redactError(error, { knownSecrets: [apiKey] });
    expect(result.name).toBe('CredentialError');
    expect(result.message).toBe(`Token ${REDACTED} was rejected`);
    expect(result.code).toBe('credential_invalid');
    expect(result.context).toEqual({ integrationId: 'integration-1', headers: { authorization: REDACTED } });
    const cause = result.cause as Record<string, unknown>;
    expect(cause.name).toBe('TypeError');
    expect(cause.message).toBe('fetch failed');
    const rootCause = cause.cause as Record<string, unknown>;
    expect(rootCause.message).toBe(`connect failed for https://api.example.com/?api_key=${REDACTED}`);
    expect(typeof result.stack).toBe('string');
    expect(JSON.stringify(result)).not.toContain(apiKey);
    expect(JSON.stringify(redactSecrets({ error }))).not.toContain('Bearer abc');
  });

  it('handles a cause chain that loops back', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    (first as { cause?: unknown }).cause = second;
    const result = redactError(first);
    expect((result.cause as Record<string, unknown>).cause).toBe('[Circular]');
  });

  it('copies enumerable error properties and AggregateError errors', () => {
    const error = Object.assign(new Error('request failed'), {
      statusCode: 401,
      responseBody: { error: 'invalid_token', access_token: 'at' },
      password: 'p',
    });
    const aggregate = new AggregateError([error, 'plain string password=x'], 'several failed');
    const result = redactError(aggregate);
    expect(result.name).toBe('AggregateError');
    expect(result.errors).toEqual([
      expect.objectContaining({
        statusCode: 401,
        responseBody: { error: 'invalid_token', access_token: REDACTED },
        password: REDACTED,
      }),
      `plain string password=${REDACTED}`,
    ]);
  });

  it('survives errors with throwing getters and odd names', () => {
    const error = new Error('x');
    // Set first: V8 formats the stack (reading the message) when it is redefined.
    Object.defineProperty(error, 'stack', { value: undefined });
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('nope');
      },
    });
    Object.defineProperty(error, 'name', { value: 42 });
    const result = redactError(error);
    expect(result).toMatchObject({ name: 'Error', message: '[Unreadable]' });
    expect('stack' in result).toBe(false);
  });

  it('describes thrown values that are not errors', () => {
    expect(redactError(`failed with token=${apiKey}`)).toEqual({
      name: 'NonError',
      message: `failed with token=${REDACTED}`,
    });
    expect(redactError({ status: 500, password: 'p' })).toEqual({
      name: 'NonError',
      message: `{"status":500,"password":"${REDACTED}"}`,
    });
    expect(redactError(undefined)).toEqual({ name: 'NonError', message: 'undefined' });
    expect(redactError(12n)).toEqual({ name: 'NonError', message: '12' });
  });
});

describe('createRedactingLogger', () => {
  function makeLogger() {
    return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  }

  it('redacts messages and fields at every level', () => {
    const target = makeLogger();
    const logger = createRedactingLogger(target, { knownSecrets: [apiKey] });
    logger.debug(`using key ${apiKey}`);
    logger.info('request', {
      url: `https://api.example.com/?api_key=${apiKey}`,
      headers: { 'X-API-Key': apiKey },
    });
    logger.warn('retrying', { attempt: 2 });
    logger.error('failed', { error: new CredentialError('bad', { cause: new Error(`key ${apiKey}`) }) });
    expect(target.debug).toHaveBeenCalledWith(`using key ${REDACTED}`);
    expect(target.info).toHaveBeenCalledWith('request', {
      url: `https://api.example.com/?api_key=${REDACTED}`,
      headers: { 'X-API-Key': REDACTED },
    });
    expect(target.warn).toHaveBeenCalledWith('retrying', { attempt: 2 });
    const [, fields] = target.error.mock.calls[0] as [string, Record<string, Record<string, unknown>>];
    expect(fields.error?.name).toBe('CredentialError');
    expect(JSON.stringify(fields)).not.toContain(apiKey);
  });

  it('calls the wrapped logger as a method', () => {
    const lines: string[] = [];
    const target = {
      prefix: '[hub]',
      debug(message: string) {
        lines.push(`${this.prefix} ${message}`);
      },
      info() {},
      warn() {},
      error() {},
    };
    createRedactingLogger(target).debug('hello');
    expect(lines).toEqual(['[hub] hello']);
  });

  it('reads known secrets from a function at each call', () => {
    const target = makeLogger();
    let current = 'token-one-111';
    const logger = createRedactingLogger(target, { knownSecrets: () => [current], secretKeys: ['pin'] });
    logger.info(`got ${current}`, { pin: '1234' });
    current = 'token-two-222';
    logger.info('refreshed to token-two-222 from token-one-111');
    expect(target.info.mock.calls).toEqual([
      [`got ${REDACTED}`, { pin: REDACTED }],
      [`refreshed to ${REDACTED} from token-one-111`],
    ]);
  });

  it('drops a message rather than leak when the secrets function fails', () => {
    const target = makeLogger();
    const logger = createRedactingLogger(target, {
      knownSecrets: () => {
        throw new Error('vault locked');
      },
    });
    logger.warn(`key ${apiKey}`, { apiKey });
    expect(target.warn).toHaveBeenCalledWith(
      '[Log message dropped: could not compute the secrets to redact]',
    );
  });

  it('checks its arguments up front', () => {
    expect(() => createRedactingLogger({ debug() {}, info() {}, warn() {} } as never)).toThrow(
      new InvalidArgumentError('Expected `logger.error` to be a function, got undefined'),
    );
    expect(() => createRedactingLogger(null as never)).toThrow(
      'Expected `logger.debug` to be a function, got undefined',
    );
    expect(() => createRedactingLogger(makeLogger(), { knownSecrets: [1] as never })).toThrow(
      'Expected `knownSecrets` to be an array of strings',
    );
  });
});
