import { describe, expect, it } from 'vitest';
import { collectSecrets, isSecretName, redactSecrets, redactUrl } from '../src/http/redaction.js';
import { parseRetryAfter } from '../src/http/retry-after.js';
import { describeValue } from '../src/internal/validate.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');

  it('reads delay-seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    // RFC 850 and asctime forms are HTTP dates too.
    expect(parseRetryAfter('Thursday, 26-Nov-26 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Not a date at all', now)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('recognizes secret parameter names', () => {
    for (const name of [
      'api_key',
      'apiKey',
      'X-Api-Key',
      'access_token',
      'client_secret',
      'password',
      'sig',
      'code',
      'auth',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['page', 'per_page', 'author', 'sortBy']) expect(isSecretName(name), name).toBe(false);
    expect(isSecretName('tenant', new Set(['tenant']))).toBe(true);
  });

  it('strips userinfo, fragments and secret query values from URLs', () => {
    expect(redactUrl('https://bob:pw@crm.example/a/b?token=t0k3n&page=2#frag')).toBe(
      'https://crm.example/a/b?token=[REDACTED]&page=2',
    );
    expect(redactUrl('https://crm.example/keys/abcd1234/x', { secrets: ['abcd1234'] })).toBe(
      'https://crm.example/keys/[REDACTED]/x',
    );
    expect(redactUrl('not a url')).toBe('[unparsable URL]');
  });

  it('collects the secrets a request carries, and redacts them longest first', () => {
    const secrets = collectSecrets({
      headers: {
        Authorization: 'Basic dXNlcjpwYXNzd29yZA==',
        'X-Token': 'Token token="abc123def", realm=x',
        Accept: 'application/json',
      },
      url: new URL('https://crm.example/a?api_key=k e y!&page=1'),
      json: { nested: { password: 'p@ssw0rd' }, name: 'Ada' },
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Basic dXNlcjpwYXNzd29yZA==',
        'dXNlcjpwYXNzd29yZA==',
        'abc123def',
        'k e y!',
        'p@ssw0rd',
      ]),
    );
    expect(secrets).toContain(encodeURIComponent('k e y!'));
    expect(secrets).not.toContain('application/json');
    expect(secrets).not.toContain('Basic');
    expect(secrets).not.toContain('Ada');
    expect(redactSecrets('auth=Basic dXNlcjpwYXNzd29yZA== or dXNlcjpwYXNzd29yZA==', secrets)).toBe(
      'auth=[REDACTED] or [REDACTED]',
    );
    expect(redactSecrets('id 1 and en', ['1', 'en'])).toBe('id 1 and en');
  });
});

describe('describeValue', () => {
  it('shows text, type, and truncates long or odd values', () => {
    expect(describeValue('x')).toBe('`x` (string)');
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue([1])).toBe('`[1]` (array)');
    expect(describeValue(() => 1)).toBe('`[function]` (function)');
    expect(describeValue('y'.repeat(100))).toBe(`\`${'y'.repeat(60)}…\` (string)`);
    expect(describeValue({ long: 'z'.repeat(100) })).toMatch(/…` \(object\)$/);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(describeValue(circular)).toBe('`[object Object]` (object)');
    expect(describeValue(10n)).toBe('`10` (bigint)');
  });
});
