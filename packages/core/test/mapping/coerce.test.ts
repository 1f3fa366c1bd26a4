import { describe, expect, it } from 'vitest';
import {
  type CoercionSettings,
  createExportConverter,
  createImportCoercer,
} from '../../src/mapping/coerce.js';
import { emailMatchKey } from '../../src/mapping/index.js';
import { copyJsonValue } from '../../src/mapping/types.js';

function settings(overrides: Partial<CoercionSettings> = {}): CoercionSettings {
  return {
    defaultCountry: undefined,
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
    ...overrides,
  };
}

describe('text', () => {
  const text = createImportCoercer('text', settings());

  it.each([
    ['  José  ', 'José'],
    ['Zoë', 'Zoë'],
    ["O'Brien", "O'Brien"],
    ['김민준', '김민준'],
    ['Ana 💍 Silva 👰🏽‍♀️', 'Ana 💍 Silva 👰🏽‍♀️'],
    ['\tSmith-Jones\n', 'Smith-Jones'],
  ])('trims %j and otherwise keeps it', (input, expected) => {
    expect(text(input)).toEqual({ ok: true, value: expected });
  });

  it('normalises to NFC so a decomposed é equals the composed one', () => {
    const decomposed = 'Jose\u0301';
    expect(decomposed).not.toBe('José');
    expect(text(decomposed)).toEqual({ ok: true, value: 'José' });
    const keep = createImportCoercer('text', settings({ normalizeUnicode: false }));
    expect(keep(decomposed)).toEqual({ ok: true, value: decomposed });
  });

  it('writes finite numbers and booleans as text', () => {
    expect(text(120)).toEqual({ ok: true, value: '120' });
    expect(text(true)).toEqual({ ok: true, value: 'true' });
    expect(text(12n)).toEqual({ ok: true, value: '12' });
  });

  it.each([
    [{ first: 'Jane' }, 'type_mismatch', 'Expected text, got object'],
    [['Jane'], 'type_mismatch', 'Expected text, got array'],
    [Number.NaN, 'type_mismatch', 'Expected text, got a number that is not finite'],
    [Number.POSITIVE_INFINITY, 'type_mismatch', 'Expected text, got a number that is not finite'],
  ])('refuses %j', (input, code, reason) => {
    expect(text(input)).toEqual({ ok: false, code, reason });
  });
});

describe('email', () => {
  const email = createImportCoercer('email', settings());

  it('trims, drops mailto: and keeps the case', () => {
    expect(email('  Jane.OBrien@Example.COM ')).toEqual({ ok: true, value: 'Jane.OBrien@Example.COM' });
    expect(email('mailto:jane@example.com')).toEqual({ ok: true, value: 'jane@example.com' });
    expect(email("o'brien@example.ie")).toEqual({ ok: true, value: "o'brien@example.ie" });
    expect(emailMatchKey(' Jane.OBrien@Example.COM ')).toBe('jane.obrien@example.com');
  });

  it.each(['jane@', 'jane example.com', 'Jane Smith <jane@example.com>', 'jane@@example.com'])(
    'refuses %j',
    (input) => {
      expect(email(input)).toEqual({ ok: false, code: 'invalid_email', reason: 'Not a valid email address' });
    },
  );

  it('refuses values that are not text', () => {
    expect(email(42)).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected an email address as text, got number',
    });
  });
});

describe('phone', () => {
  it.each([
    ['GB', '07700 900123', '+447700900123'],
    ['GB', '+44 7700 900123', '+447700900123'],
    ['US', '+44 7700 900123', '+447700900123'],
    ['GB', '(020) 7946 0958', '+442079460958'],
    ['US', '(415) 555-2671', '+14155552671'],
    ['US', '415.555.2671', '+14155552671'],
    ['US', '415-555-2671 ext. 12', '+14155552671'],
    ['AU', '0412 345 678', '+61412345678'],
    ['AU', '+61 412 345 678', '+61412345678'],
  ] as const)('reads %s %j as %s', (country, input, expected) => {
    const phone = createImportCoercer('phone', settings({ defaultCountry: country }));
    expect(phone(input)).toEqual({ ok: true, value: expected });
  });

  it('reads Tave phone objects, preferring e164 and falling back to formatted', () => {
    const phone = createImportCoercer('phone', settings({ defaultCountry: 'GB' }));
    expect(
      phone({
        id: '01p',
        formatted: '07700 900123',
        e164: '+447700900123',
        extension: null,
        telUri: 'tel:+44',
      }),
    ).toEqual({ ok: true, value: '+447700900123' });
    expect(phone({ formatted: '07700 900456', e164: null })).toEqual({ ok: true, value: '+447700900456' });
    const australian = createImportCoercer('phone', settings({ defaultCountry: 'AU' }));
    expect(australian({ number: '0412 345 678' })).toEqual({ ok: true, value: '+61412345678' });
    expect(createImportCoercer('phone', settings({ defaultCountry: 'US' }))(4155552671)).toEqual({
      ok: true,
      value: '+14155552671',
    });
  });

  it('shows why `valid` exists: with the wrong default country a number can still be possible', () => {
    const possible = createImportCoercer('phone', settings({ defaultCountry: 'GB' }));
    expect(possible('0412 345 678')).toEqual({ ok: true, value: '+44412345678' });
    const valid = createImportCoercer('phone', settings({ defaultCountry: 'GB', phoneValidation: 'valid' }));
    expect(valid('0412 345 678')).toMatchObject({ ok: false, code: 'invalid_phone' });
  });

  it('needs a default country for national numbers', () => {
    const phone = createImportCoercer('phone', settings());
    expect(phone('+1 415 555 2671')).toEqual({ ok: true, value: '+14155552671' });
    expect(phone('07700 900123')).toEqual({
      ok: false,
      code: 'invalid_phone',
      reason:
        'A phone number without a country code needs a default country (set `defaultCountry` or the rule `default_country`)',
    });
  });

  it('refuses text that is no phone number, and objects without a number', () => {
    const phone = createImportCoercer('phone', settings({ defaultCountry: 'GB' }));
    expect(phone('call me')).toEqual({ ok: false, code: 'invalid_phone', reason: 'Not a phone number' });
    expect(phone('12')).toEqual({
      ok: false,
      code: 'invalid_phone',
      reason: 'Not a possible phone number (wrong length for its country)',
    });
    expect(phone({ e164: null, formatted: '' })).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected a phone number as text or an object with e164, formatted or number, got object',
    });
    expect(phone(['07700 900123'])).toMatchObject({ ok: false, code: 'type_mismatch' });
  });

  it('with phoneValidation valid, refuses unallocated ranges such as the UK drama range', () => {
    const phone = createImportCoercer('phone', settings({ defaultCountry: 'GB', phoneValidation: 'valid' }));
    expect(phone('07700 900123')).toEqual({
      ok: false,
      code: 'invalid_phone',
      reason: 'Not a phone number in use in its country (wrong length or an unallocated range)',
    });
    expect(phone('07911 123456')).toEqual({ ok: true, value: '+447911123456' });
  });

  it('exports in the configured format', () => {
    const base = { defaultCountry: 'GB' } as const;
    expect(createExportConverter('phone', settings(base))('+447700900123')).toEqual({
      ok: true,
      value: '+447700900123',
    });
    expect(
      createExportConverter('phone', settings({ ...base, phoneFormat: 'national' }))('+447700900123'),
    ).toEqual({
      ok: true,
      value: '07700 900123',
    });
    expect(
      createExportConverter('phone', settings({ ...base, phoneFormat: 'international' }))('+14155552671'),
    ).toEqual({
      ok: true,
      value: '+1 415 555 2671',
    });
    expect(
      createExportConverter('phone', settings({ ...base, phoneFormat: 'RFC3966' }))('+61412345678'),
    ).toEqual({
      ok: true,
      value: 'tel:+61412345678',
    });
    expect(createExportConverter('phone', settings(base))('nope')).toMatchObject({
      ok: false,
      code: 'invalid_phone',
    });
  });
});

describe('number', () => {
  const number = createImportCoercer('number', settings());

  it.each([
    [120, 120],
    [-3.5, -3.5],
    ['120', 120],
    [' 1.5 ', 1.5],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['1e3', 1000],
  ])('reads %j', (input, expected) => {
    expect(number(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [Number.NaN, 'invalid_number', 'Not a finite number'],
    [Number.POSITIVE_INFINITY, 'invalid_number', 'Not a finite number'],
    [Number.NEGATIVE_INFINITY, 'invalid_number', 'Not a finite number'],
    [
      '1,250',
      'invalid_number',
      'Not a plain number (for amounts with separators or currency, add a money step)',
    ],
    [
      'Infinity',
      'invalid_number',
      'Not a plain number (for amounts with separators or currency, add a money step)',
    ],
    [
      '150 guests',
      'invalid_number',
      'Not a plain number (for amounts with separators or currency, add a money step)',
    ],
    [
      '1e999',
      'invalid_number',
      'Not a plain number (for amounts with separators or currency, add a money step)',
    ],
    [true, 'type_mismatch', 'Expected a number, got boolean'],
    [[1], 'type_mismatch', 'Expected a number, got array'],
    [{ value: 1 }, 'type_mismatch', 'Expected a number, got object'],
  ])('refuses %j', (input, code, reason) => {
    expect(number(input)).toEqual({ ok: false, code, reason });
  });
});

describe('boolean', () => {
  const boolean = createImportCoercer('boolean', settings());

  it.each([
    ['yes', true],
    ['YES', true],
    [' Y ', true],
    ['true', true],
    ['On', true],
    ['1', true],
    ['checked', true],
    ['X', true],
    ['✓', true],
    [true, true],
    [1, true],
    ['no', false],
    ['N', false],
    ['FALSE', false],
    ['off', false],
    ['0', false],
    ['unchecked', false],
    [false, false],
    [0, false],
  ])('reads %j as %s', (input, expected) => {
    expect(boolean(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['maybe', 'invalid_boolean'],
    [2, 'invalid_boolean'],
    [{}, 'type_mismatch'],
    [['yes'], 'type_mismatch'],
  ])('refuses %j', (input, code) => {
    expect(boolean(input)).toMatchObject({ ok: false, code });
  });
});

describe('json and array', () => {
  it('deep-copies JSON values and drops prototype keys', () => {
    const json = createImportCoercer('json', settings());
    const source = { a: [1, { b: 'c' }], d: null };
    const outcome = json(source);
    expect(outcome).toEqual({ ok: true, value: source });
    expect(outcome.ok && outcome.value).not.toBe(source);
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 2, "keep": 3, "gone": null}');
    expect(json(hostile)).toEqual({ ok: true, value: { keep: 3, gone: null } });
    expect(json({ a: undefined, b: [undefined] })).toEqual({ ok: true, value: { b: [null] } });
    expect(json('plain text')).toEqual({ ok: true, value: 'plain text' });
  });

  it('refuses what JSON cannot hold', () => {
    const json = createImportCoercer('json', settings());
    expect(json({ when: new Date(0) })).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'The value holds object data, which JSON cannot hold',
    });
    expect(json({ n: Number.NaN })).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'The value holds a number that is not finite',
    });
    expect(json([() => 1])).toMatchObject({ ok: false, code: 'type_mismatch' });
    let deep: unknown = 'leaf';
    for (let level = 0; level < 70; level += 1) deep = [deep];
    expect(copyJsonValue(deep)).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'The value is nested deeper than 64 levels',
    });
  });

  it('keeps arrays and splits text into arrays', () => {
    const array = createImportCoercer('array', settings());
    expect(array(['barn', 'summer'])).toEqual({ ok: true, value: ['barn', 'summer'] });
    expect(array(' barn, summer ,, outdoor ')).toEqual({ ok: true, value: ['barn', 'summer', 'outdoor'] });
    expect(array(5)).toEqual({ ok: true, value: [5] });
    expect(array({ a: 1 })).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected a list or text, got object',
    });
    const semicolons = createImportCoercer('array', settings({ arraySeparator: ';' }));
    expect(semicolons('a, b; c')).toEqual({ ok: true, value: ['a, b', 'c'] });
  });
});
