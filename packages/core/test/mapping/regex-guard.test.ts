import { describe, expect, it } from 'vitest';
import { guardRegex } from '../../src/mapping/regex-guard.js';

describe('guardRegex', () => {
  it.each([
    ['^Mr\\.?\\s+', 'gi'],
    ['\\s+', 'g'],
    ['[^0-9+]', 'g'],
    ['(\\d{3})-(\\d{4})', ''],
    ['(?<area>\\d{3})', 'u'],
    ['^(?:Mrs|Mr|Ms)\\.? ', 'i'],
    ['\\p{Emoji_Presentation}', 'gu'],
    ['[\\]\\\\]+', 'g'],
    ['a{2,5}b', ''],
    ['(?=x)x', ''],
    ['[]a', ''],
    ['\\u0041\\x41\\cJ\\u{1F600}', 'u'],
  ])('accepts %s', (pattern, flags) => {
    const result = guardRegex(pattern, flags, 1000);
    expect(result.ok).toBe(true);
  });

  it('bounds the input by how many unbounded repetitions a pattern has', () => {
    const limit = (pattern: string) => {
      const result = guardRegex(pattern, 'g', 100_000);
      return result.ok ? result.guarded.maxInputLength : undefined;
    };
    expect(limit('abc')).toBe(100_000);
    expect(limit('\\s+')).toBe(3162);
    expect(limit('\\s+x\\s*')).toBe(215);
    expect(limit('a{0,100}')).toBe(3162);
    expect(limit('^\\s+|\\s+$')).toBe(3162);
    expect(limit('\\s+a?b?c?')).toBe(1118);
    expect(guardRegex('\\s+', 'g', 1000)).toMatchObject({ ok: true, guarded: { maxInputLength: 1000 } });
  });

  it.each([
    ['(a+)+$', 'a quantified group contains another quantifier or an alternation'],
    ['(a|aa)*', 'a quantified group contains another quantifier or an alternation'],
    ['(?:\\s*,)+', 'a quantified group contains another quantifier or an alternation'],
    ['(x\\d?){3}', 'a quantified group contains another quantifier or an alternation'],
    ['(a)\\1', 'it uses a backreference'],
    ['(?<q>["\'])\\k<q>', 'it uses a backreference'],
    ['\\s*\\s*\\s*\\s*!', 'it has too many repetitions to run in bounded time'],
    ['(', 'it does not compile (Invalid regular expression: /(/g: Unterminated group)'],
    ['a'.repeat(501), 'the pattern is longer than 500 characters'],
  ])('refuses %s', (pattern, reason) => {
    const result = guardRegex(pattern, 'g', 1000);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem.reason).toBe(reason);
  });

  it.each(['y', 'gg', 'v', 'd'])('refuses the flags %j', (flags) => {
    const result = guardRegex('a', flags, 1000);
    expect(result).toMatchObject({
      ok: false,
      problem: { suggestedFix: 'Use flags from `gimsu`, each once' },
    });
  });

  it('keeps the worst accepted pattern fast at its input limit', () => {
    const result = guardRegex('\\s*\\s*!', '', 100_000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const hostile = ' '.repeat(result.guarded.maxInputLength);
    const started = performance.now();
    expect(hostile.replace(result.guarded.regex, '')).toBe(hostile);
    // A generous bound: the same pattern on 500 spaces takes about 30 seconds without the limit.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
