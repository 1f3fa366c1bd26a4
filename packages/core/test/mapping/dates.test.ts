import { describe, expect, it } from 'vitest';
import {
  type CoercionSettings,
  createExportConverter,
  createImportCoercer,
} from '../../src/mapping/coerce.js';
import {
  checkDatePattern,
  namedMonthDatePatterns,
  numericDatePatterns,
  parseIsoDay,
  parseIsoTimestamp,
} from '../../src/mapping/dates.js';
import { compileMappings } from '../../src/mapping/index.js';
import type { CrmFieldMappingInput } from '../../src/model/field-mapping.js';

function settings(overrides: Partial<CoercionSettings> = {}): CoercionSettings {
  return {
    defaultCountry: undefined,
    phoneValidation: 'possible',
    phoneFormat: 'E.164',
    datePatterns: namedMonthDatePatterns,
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

const dayFirst = settings({
  dateOrder: 'day_first',
  datePatterns: [...numericDatePatterns.day_first, ...namedMonthDatePatterns],
});
const monthFirst = settings({
  dateOrder: 'month_first',
  datePatterns: [...numericDatePatterns.month_first, ...namedMonthDatePatterns],
});

describe('ISO dates, read without any Date', () => {
  it('accepts real days, leap days included', () => {
    expect(parseIsoDay('2026-06-12')).toEqual({ year: 2026, month: 6, day: 12 });
    expect(parseIsoDay('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseIsoDay('2000-02-29')).toEqual({ year: 2000, month: 2, day: 29 });
    expect(parseIsoDay('12/06/2026')).toBeUndefined();
  });

  it.each([
    ['2026-02-29', 'Not a real calendar date: the day is out of range for the month'],
    ['1900-02-29', 'Not a real calendar date: the day is out of range for the month'],
    ['2026-04-31', 'Not a real calendar date: the day is out of range for the month'],
    ['2026-13-01', 'Not a real calendar date: the month is out of range'],
    ['2026-00-10', 'Not a real calendar date: the month is out of range'],
    ['2026-06-00', 'Not a real calendar date: the day is out of range for the month'],
  ])('refuses %s', (text, reason) => {
    expect(parseIsoDay(text)).toEqual({ reason });
    expect(createImportCoercer('date', settings())(text)).toEqual({
      ok: false,
      code: 'invalid_date',
      reason,
    });
  });
});

describe('ISO date-times keep their instant', () => {
  it.each([
    ['2026-10-05T00:00:00+00:00', '2026-10-05T00:00:00+00:00'],
    ['2026-10-05T00:00:00Z', '2026-10-05T00:00:00Z'],
    ['2026-10-05t14:30z', '2026-10-05T14:30:00Z'],
    ['2026-06-12 18:45:10.250-0700', '2026-06-12T18:45:10.250-07:00'],
    ['2026-06-12T18:45+05', '2026-06-12T18:45:00+05:00'],
    ['2026-06-12T18:45:00', '2026-06-12T18:45:00'],
  ])('normalises %s', (text, expected) => {
    expect(createImportCoercer('date', settings())(text)).toEqual({ ok: true, value: expected });
  });

  it('cuts a date-time to the calendar date written in its own offset with date_only', () => {
    const dateOnly = createImportCoercer('date', settings({ dateOnly: true }));
    expect(dateOnly('2026-06-12T23:30:00-07:00')).toEqual({ ok: true, value: '2026-06-12' });
    expect(dateOnly('2026-06-13T00:30:00+13:00')).toEqual({ ok: true, value: '2026-06-13' });
  });

  it.each([
    ['2026-06-12T24:00:00Z', 'Not a real time of day: hours, minutes or seconds out of range'],
    ['2026-06-12T10:60:00Z', 'Not a real time of day: hours, minutes or seconds out of range'],
    ['2026-06-12T10:00:00+24:00', 'The time-zone offset is out of range'],
    ['2026-02-30T10:00:00Z', 'Not a real calendar date: the day is out of range for the month'],
  ])('refuses %s', (text, reason) => {
    expect(parseIsoTimestamp(text)).toEqual({ reason });
    expect(createImportCoercer('date', settings())(text)).toEqual({
      ok: false,
      code: 'invalid_date',
      reason,
    });
  });
});

describe('numeric dates follow the CRM order', () => {
  it('reads 12/06/2026 as 12 June day-first and 6 December month-first', () => {
    expect(createImportCoercer('date', dayFirst)('12/06/2026')).toEqual({ ok: true, value: '2026-06-12' });
    expect(createImportCoercer('date', monthFirst)('12/06/2026')).toEqual({ ok: true, value: '2026-12-06' });
    expect(createImportCoercer('date', dayFirst)('1.2.2027')).toEqual({ ok: true, value: '2027-02-01' });
    expect(createImportCoercer('date', monthFirst)('2-1-2027')).toEqual({ ok: true, value: '2027-02-01' });
  });

  it('calls a numeric date ambiguous when no order is configured', () => {
    expect(createImportCoercer('date', settings())('12/06/2026')).toEqual({
      ok: false,
      code: 'ambiguous_date',
      reason:
        'A numeric date such as 12/06/2026 is ambiguous: set `dateOrder` (day_first or month_first) or date input formats',
    });
  });

  it('refuses impossible dates with the reason', () => {
    expect(createImportCoercer('date', dayFirst)('31/02/2026')).toEqual({
      ok: false,
      code: 'invalid_date',
      reason: 'Not a real calendar date: the day is out of range for the month',
    });
    expect(createImportCoercer('date', dayFirst)('29/02/2026')).toMatchObject({
      ok: false,
      code: 'invalid_date',
    });
    expect(createImportCoercer('date', dayFirst)('29/02/2028')).toEqual({ ok: true, value: '2028-02-29' });
    expect(createImportCoercer('date', monthFirst)('13/06/2026')).toEqual({
      ok: false,
      code: 'invalid_date',
      reason: 'Not a real calendar date: the month is out of range',
    });
    const yearFirst = settings({ dateOrder: 'year_first', datePatterns: numericDatePatterns.year_first });
    expect(createImportCoercer('date', yearFirst)('2026/06/12')).toEqual({ ok: true, value: '2026-06-12' });
  });

  it('refuses a two-digit year read by a four-digit pattern instead of inventing year 26', () => {
    expect(createImportCoercer('date', dayFirst)('12/06/26')).toEqual({
      ok: false,
      code: 'invalid_date',
      reason: `Not a real calendar date in an accepted format (ISO 8601, ${[...numericDatePatterns.day_first, ...namedMonthDatePatterns].join(', ')})`,
    });
    const twoDigit = settings({
      datePatterns: ['dd/MM/yy'],
      explicitDatePatterns: true,
      referenceYear: 2026,
    });
    expect(createImportCoercer('date', twoDigit)('12/06/26')).toEqual({ ok: true, value: '2026-06-12' });
  });

  it('reads dates with month names whatever the order', () => {
    const coerce = createImportCoercer('date', settings());
    expect(coerce('12 June 2026')).toEqual({ ok: true, value: '2026-06-12' });
    expect(coerce('June 12, 2026')).toEqual({ ok: true, value: '2026-06-12' });
    expect(coerce('Jun 12 2026')).toEqual({ ok: true, value: '2026-06-12' });
    expect(coerce('12th June 2026')).toEqual({ ok: true, value: '2026-06-12' });
    expect(coerce('Friday, June 12, 2026')).toEqual({ ok: true, value: '2026-06-12' });
  });

  it('refuses values of the wrong type', () => {
    const coerce = createImportCoercer('date', settings());
    expect(coerce(['2026-06-12'])).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected a date as text, got array',
    });
    expect(coerce(1781222400000)).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected a date as text, got number',
    });
    expect(coerce(new Date(0))).toEqual({
      ok: false,
      code: 'type_mismatch',
      reason: 'Expected a date as text; Date objects are refused because a date-only value could shift a day',
    });
    expect(coerce('soon')).toMatchObject({ ok: false, code: 'invalid_date' });
  });
});

describe('export of dates', () => {
  it('writes date-only values with the output pattern and leaves instants alone', () => {
    const convert = createExportConverter('date', settings({ dateOutputFormat: 'dd/MM/yyyy' }));
    expect(convert('2026-06-12')).toEqual({ ok: true, value: '12/06/2026' });
    expect(convert('2026-10-05T00:00:00+00:00')).toEqual({ ok: true, value: '2026-10-05T00:00:00+00:00' });
    expect(convert('2026-02-30')).toMatchObject({ ok: false, code: 'invalid_date' });
    expect(createExportConverter('date', settings())('2026-06-12')).toEqual({
      ok: true,
      value: '2026-06-12',
    });
  });
});

describe('date patterns', () => {
  it('accepts date-fns patterns and explains the bad ones', () => {
    expect(checkDatePattern('dd/MM/yyyy', true)).toBeUndefined();
    expect(checkDatePattern('h:mm a', false)).toBeUndefined();
    expect(checkDatePattern('h:mm a', true)).toBe('the pattern must contain a year, a month and a day');
    expect(checkDatePattern('YYYY-MM-DD', true)).toBe(
      'use `yyyy` for the year and `d` or `dd` for the day (`Y` is the week-numbering year and `D` the day of the year)',
    );
    expect(checkDatePattern("EEEE 'Day' d MMMM yyyy", true)).toBeUndefined();
    expect(checkDatePattern('yyyy-MM-dd hello', true)).toMatch(/unescaped latin alphabet character/);
    expect(checkDatePattern('HH a', false)).toMatch(/mustn't contain `HH` and `a`/);
  });

  it('compile options pick the patterns, and the mapping rules override them', () => {
    const mappings: CrmFieldMappingInput[] = [
      { wedsync_field: 'wedding_date', crm_field: 'date', field_type: 'date' },
      {
        wedsync_field: 'inquiry_date',
        crm_field: 'inquiry',
        field_type: 'date',
        transform_rules: { date_order: 'month_first' },
      },
      {
        wedsync_field: 'booked_date',
        crm_field: 'booked',
        field_type: 'date',
        transform_rules: { date_input_formats: ['yyyyMMdd'] },
      },
    ];
    const record = { date: '12/06/2026', inquiry: '12/06/2026', booked: '20260612' };
    const dayFirstMapper = compileMappings(mappings, { direction: 'import', dateOrder: 'day_first' });
    expect(dayFirstMapper(record).value).toEqual({
      wedding_date: '2026-06-12',
      inquiry_date: '2026-12-06',
      booked_date: '2026-06-12',
    });
    const explicit = compileMappings(mappings, { direction: 'import', dateInputFormats: ['d/M/yyyy'] });
    expect(explicit(record).value).toEqual({
      wedding_date: '2026-06-12',
      inquiry_date: '2026-12-06',
      booked_date: '2026-06-12',
    });
    const result = explicit({ date: '31/02/2026' });
    expect(result.errors).toEqual([
      {
        record_id: null,
        field: 'wedding_date',
        crm_field: 'date',
        value_kind: 'string',
        reason: 'Not a real calendar date in an accepted format (ISO 8601, d/M/yyyy)',
        code: 'invalid_date',
      },
    ]);
  });
});
