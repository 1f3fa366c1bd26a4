/**
 * Text and JSON every database stores as sent: NUL characters and unpaired surrogates are invalid values of the
 * mapping engine (`invalid_text`, never silently changed), emails keep RFC 5321's limits, a record its provider
 * flags as unreadable is rejected as a whole, and staging copies are storable at any depth.
 */
import { describe, expect, it } from 'vitest';
import { createImportCoercer } from '../../src/mapping/coerce.js';
import { compileMappings, unreadableRecordKey } from '../../src/mapping/index.js';
import {
  isStorableText,
  nestingExceeds,
  storableCopy,
  storableText,
  unstorableTextReason,
} from '../../src/mapping/storable.js';
import { copyJsonValue } from '../../src/mapping/types.js';

const settings = {
  defaultCountry: 'US',
  phoneValidation: 'possible',
  phoneFormat: 'E.164',
  datePatterns: [],
  dateOrder: undefined,
  explicitDatePatterns: false,
  dateOutputFormat: undefined,
  dateOnly: false,
  arraySeparator: ',',
  normalizeUnicode: true,
  referenceYear: 2026,
} as const;

const nul = 'The text holds a NUL character (U+0000), which cannot be stored as text';
const surrogate =
  'The text holds an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored as text';

/** `{ a: { a: ... 'bottom' } }`, `depth` objects deep. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

describe('storable text', () => {
  it.each([
    ['An\u0000na', false],
    ['Ann\ud800a', false],
    ['\udc00Smith', false],
    ['Ro\udc00\ud800se', false],
    ['Zoë 김민준 😀', true],
    ['Anna\ufffd', true],
    ['', true],
  ])('%j storable: %s', (text, storable) => {
    expect(isStorableText(text)).toBe(storable);
    expect(unstorableTextReason(text) === undefined).toBe(storable);
  });

  it('replaces NUL characters and unpaired surrogates with U+FFFD, and nothing else', () => {
    expect(storableText('An\u0000na')).toBe('An\ufffdna');
    expect(storableText('Ro\udc00\ud800se')).toBe('Ro\ufffd\ufffdse');
    expect(storableText('Zoë 😀')).toBe('Zoë 😀');
  });
});

describe('coercion of text no database stores', () => {
  it.each(['text', 'phone', 'array'] as const)('%s: invalid_text, naming what is wrong', (fieldType) => {
    const coerce = createImportCoercer(fieldType, settings);
    const value = fieldType === 'phone' ? '+1 415\u0000 555 0101' : 'An\u0000na';
    expect(coerce(value)).toEqual({ ok: false, code: 'invalid_text', reason: nul });
    const lone = fieldType === 'phone' ? '+1 415 555 0101\ud800' : 'Ann\ud800a';
    expect(coerce(lone)).toEqual({ ok: false, code: 'invalid_text', reason: surrogate });
  });

  it('refuses a phone object whose number holds a NUL', () => {
    const phone = createImportCoercer('phone', settings);
    expect(phone({ e164: '+1415555\u00000101' })).toMatchObject({ ok: false, code: 'invalid_text' });
  });

  it('json: refuses such text in values and keys, at any depth', () => {
    expect(copyJsonValue({ a: [{ b: 'x\u0000' }] })).toEqual({
      ok: false,
      code: 'invalid_text',
      reason: nul,
    });
    expect(copyJsonValue({ 'k\ud800': 1 })).toEqual({
      ok: false,
      code: 'invalid_text',
      reason: `A key of the value: ${surrogate}`,
    });
    expect(copyJsonValue({ name: 'Zoë 😀' })).toEqual({ ok: true, value: { name: 'Zoë 😀' } });
  });

  it('keeps text that is storable, untouched but trimmed', () => {
    const text = createImportCoercer('text', settings);
    expect(text(' Anna\ufffd ')).toEqual({ ok: true, value: 'Anna\ufffd' });
  });
});

describe('email addresses', () => {
  const email = createImportCoercer('email', settings);
  const megabyte = 1024 * 1024;

  it.each([
    [
      'a domain label ending in a hyphen',
      'anna@example-.com',
      'A part of the domain starts or ends with a hyphen',
    ],
    ['a 1 MB address', `${'z'.repeat(megabyte)}@example.com`, 'Longer than 254 characters'],
    [
      'a 300-character address',
      `anna@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(40)}.com`,
      'Longer than 254 characters',
    ],
    ['a 65-character local part', `${'a'.repeat(65)}@example.com`, 'More than 64 characters before the @'],
    [
      'a 64-character domain label',
      `anna@${'a'.repeat(64)}.com`,
      'A part of the domain is longer than 63 characters',
    ],
    ['a NUL', 'an\u0000na@example.com', 'Holds a NUL character or an unpaired UTF-16 surrogate'],
    ['a lone surrogate', 'an\ud800na@example.com', 'Holds a NUL character or an unpaired UTF-16 surrogate'],
    ['a pattern zod refuses', 'anna@example', 'Not a valid email address'],
  ])('refuses %s', (_, value, reason) => {
    expect(email(value)).toEqual({ ok: false, code: 'invalid_email', reason });
  });

  it('accepts addresses at the limits', () => {
    const local = 'a'.repeat(64);
    const atLimit = `${local}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(atLimit).toHaveLength(254);
    for (const value of [
      atLimit,
      `${local}@example.com`,
      'anna@ex-ample.com',
      'anna@xn--bcher-kva.example',
      "o'brien@example.ie",
    ]) {
      expect(email(value)).toEqual({ ok: true, value });
    }
  });
});

describe('a record flagged unreadable by its provider', () => {
  const mapper = compileMappings(
    [
      { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' },
      { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
    ],
    { direction: 'import' },
  );

  it('is rejected as a whole with the reason and the paths, never the values', () => {
    const result = mapper(
      {
        id: 'c1',
        firstName: 'Anna',
        [unreadableRecordKey]: {
          reason: 'The CRM sent this record with properties that do not match its documented schema',
          issues: [
            { path: 'customFields', message: 'Invalid input: expected array, received string' },
            { path: 'kind', message: 'Invalid input: expected string, received number' },
          ],
          properties: { customFields: 'secret value', kind: 7 },
        },
      },
      { recordId: 'c1' },
    );
    expect(result).toEqual({
      ok: false,
      value: {},
      errors: [
        {
          record_id: 'c1',
          field: '',
          crm_field: unreadableRecordKey,
          value_kind: 'object',
          reason:
            'The CRM sent this record with properties that do not match its documented schema (customFields: Invalid input: expected array, received string; kind: Invalid input: expected string, received number)',
          code: 'unreadable_record',
        },
      ],
      warnings: [],
    });
    expect(JSON.stringify(result)).not.toContain('secret value');
  });

  it('gets a reason even when the note is not what a provider writes', () => {
    const result = mapper({ firstName: 'Anna', [unreadableRecordKey]: true }, { recordId: 'c2' });
    expect(result.errors[0]).toMatchObject({
      code: 'unreadable_record',
      reason: 'The provider could not read the record as the CRM documents it',
    });
  });

  it('is not special on export', () => {
    const exporter = compileMappings(
      [{ wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' }],
      { direction: 'export' },
    );
    expect(exporter({ first_name: 'Anna', [unreadableRecordKey]: {} }).ok).toBe(true);
  });
});

describe('nesting and staging copies', () => {
  it('measures nesting without recursion, at any depth', () => {
    expect(nestingExceeds(nested(1000), 1000)).toBe(false);
    expect(nestingExceeds(nested(1001), 1000)).toBe(true);
    expect(nestingExceeds(nested(1_000_000), 1000)).toBe(true);
    expect(nestingExceeds([[['x']]], 3)).toBe(false);
    expect(nestingExceeds([[[[]]]], 3)).toBe(true);
    expect(nestingExceeds('text', 0)).toBe(false);
  });

  it('cuts what nests past the limit with a marker, and says so', () => {
    const copy = storableCopy({ keep: nested(2), cut: nested(5) }, { maxDepth: 3 });
    expect(copy).toEqual({
      value: { keep: { a: { a: 'bottom' } }, cut: { a: { a: '[nested deeper than 3 levels]' } } },
      textReplaced: false,
      truncated: true,
    });
    // A million levels: no stack overflow.
    expect(storableCopy(nested(1_000_000), { maxDepth: 100 }).truncated).toBe(true);
  });

  it('replaces text no database stores, in values and keys, and keeps __proto__ an own key', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "yes"}, "name": "x"}') as Record<string, unknown>;
    input['An\u0000na'] = ['Ann\ud800a', 1, Number.NaN, true, null, undefined];
    const copy = storableCopy(input, { maxDepth: 10 });
    expect(copy.textReplaced).toBe(true);
    expect(copy.truncated).toBe(false);
    const value = copy.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'name', 'An\ufffdna']);
    expect(value['An\ufffdna']).toEqual(['Ann\ufffda', 1, null, true, null, null]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('leaves storable data as it was', () => {
    const data = { name: 'Zoë', tags: ['a', 'b'], nested: { n: 1.5, ok: false, none: null } };
    expect(storableCopy(data, { maxDepth: 100 })).toEqual({
      value: data,
      textReplaced: false,
      truncated: false,
    });
  });
});
