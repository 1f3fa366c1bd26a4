/**
 * Coercion of one value to a mapping's `field_type`, built once per mapping (settings resolved, patterns
 * checked) and applied per record. Coercers are only called with present values: undefined, null and
 * blank text are "absent" and handled by the caller.
 *
 * - text: trimmed and Unicode NFC-normalised (a decomposed `José` from a Mac equals the composed one;
 *   NFC changes no visible character, unlike NFKC, so `Zoë`, `O'Brien`, `김민준` and emoji are otherwise
 *   untouched). Finite numbers and booleans become text; objects and arrays are type mismatches. Text holding a
 *   NUL character or an unpaired UTF-16 surrogate is `invalid_text` (no database stores it as sent; it is never
 *   silently changed).
 * - email: trimmed, `mailto:` dropped, checked with zod's email pattern and RFC 5321's limits (254 characters,
 *   64 before the `@`, domain labels neither starting nor ending with a hyphen: see `emailAddressProblem`); case
 *   is kept (compare lowercased, see `emailMatchKey`).
 * - phone: text, a number, or an object with `e164`, `formatted` or `number` (Tave's phone objects);
 *   parsed by libphonenumber-js with the default country, written as E.164. An extension is dropped
 *   (E.164 has none). Text holding a NUL character or an unpaired surrogate is `invalid_text`.
 * - date: ISO 8601 `YYYY-MM-DD` (checked without any `Date`), ISO date-times (an instant keeps its
 *   offset), then the configured date-fns patterns; `Date` objects and numbers are refused.
 * - number: finite numbers and plain numeric text (`1,250` is refused: use a money step).
 * - boolean: yes/no, y/n, true/false, t/f, 1/0, on/off, checked/unchecked, x, ✓ (any case).
 * - json: any JSON value, deep-copied; `__proto__`, `constructor` and `prototype` keys are dropped.
 * - array: an array (deep-copied), or text split on the array separator, or one scalar as a one-item list.
 * In json and array values too, text (values and keys) holding a NUL character or an unpaired surrogate is
 * `invalid_text`.
 */
import { type CountryCode, type PhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js';
import { emailAddressProblem } from '../model/canonical.js';
import type { FieldType } from '../model/enums.js';
import {
  ambiguousNumericDate,
  type DateOrder,
  daysInMonth,
  formatDayWithPattern,
  formatIsoDay,
  parseDayWithPattern,
  parseIsoDay,
  parseIsoTimestamp,
} from './dates.js';
import type { PhoneFormat } from './rules.js';
import { unstorableTextReason } from './storable.js';
import { copyJsonValue, failure, isPlainObject, kindOf, success, type ValueOutcome } from './types.js';

/** How phone numbers are checked: `possible` (a plausible length) or `valid` (a number range in use). */
export type PhoneValidation = 'possible' | 'valid';

/** Everything a coercer needs, resolved from the compile options and the mapping's rules. */
export interface CoercionSettings {
  readonly defaultCountry: CountryCode | undefined;
  readonly phoneValidation: PhoneValidation;
  readonly phoneFormat: PhoneFormat;
  /** date-fns patterns tried after ISO 8601, in order. */
  readonly datePatterns: readonly string[];
  /** The day/month order numeric dates are read in; undefined leaves `12/06/2026` ambiguous. */
  readonly dateOrder: DateOrder | undefined;
  /** True when explicit date patterns were configured (then no date is reported as ambiguous). */
  readonly explicitDatePatterns: boolean;
  /** date-fns pattern for exported date-only values; undefined writes ISO `YYYY-MM-DD`. */
  readonly dateOutputFormat: string | undefined;
  /** Cut date-times to their calendar date. */
  readonly dateOnly: boolean;
  readonly arraySeparator: string;
  readonly normalizeUnicode: boolean;
  /** Year around which two-digit years are read. */
  readonly referenceYear: number;
}

/** A compiled coercion: one present value in, the coerced value or a reason out. */
export type Coercer = (value: unknown) => ValueOutcome;

const numericText = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const trueWords: ReadonlySet<string> = new Set([
  'true',
  'yes',
  'y',
  't',
  '1',
  'on',
  'checked',
  'x',
  '✓',
  '✔',
]);
const falseWords: ReadonlySet<string> = new Set(['false', 'no', 'n', 'f', '0', 'off', 'unchecked']);

/** The key two emails are compared by: trimmed and lowercased (the stored email keeps its case). */
export function emailMatchKey(email: string): string {
  return email.trim().toLowerCase();
}

/** `invalid_text` when `text` holds what no database stores as sent; undefined when it is storable. */
function unstorable(text: string): ValueOutcome | undefined {
  const reason = unstorableTextReason(text);
  return reason === undefined ? undefined : failure('invalid_text', reason);
}

function toText(value: unknown, normalize: boolean): ValueOutcome {
  if (typeof value === 'string') {
    const refused = unstorable(value);
    if (refused !== undefined) return refused;
    const trimmed = value.trim();
    return success(normalize ? trimmed.normalize('NFC') : trimmed);
  }
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? success(String(value))
      : failure('type_mismatch', 'Expected text, got a number that is not finite');
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return success(String(value));
  return failure('type_mismatch', `Expected text, got ${kindOf(value)}`);
}

/** The text of a phone value: text, a number, or Tave's phone object (`e164`, then `formatted`, `number`). */
function phoneText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (isPlainObject(value)) {
    for (const key of ['e164', 'formatted', 'number', 'phone', 'value']) {
      const candidate = value[key];
      if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim();
    }
  }
  return undefined;
}

/** Parses a phone value; a successful outcome holds the libphonenumber-js `PhoneNumber`. */
function parsePhone(value: unknown, settings: CoercionSettings): ValueOutcome {
  const text = phoneText(value);
  if (text === undefined) {
    return failure(
      'type_mismatch',
      `Expected a phone number as text or an object with e164, formatted or number, got ${kindOf(value)}`,
    );
  }
  const refused = unstorable(text);
  if (refused !== undefined) return refused;
  const parsed =
    settings.defaultCountry === undefined
      ? parsePhoneNumberFromString(text)
      : parsePhoneNumberFromString(text, { defaultCountry: settings.defaultCountry });
  if (parsed === undefined) {
    if (settings.defaultCountry === undefined && !text.startsWith('+') && !text.startsWith('00')) {
      return failure(
        'invalid_phone',
        'A phone number without a country code needs a default country (set `defaultCountry` or the rule `default_country`)',
      );
    }
    return failure('invalid_phone', 'Not a phone number');
  }
  const acceptable = settings.phoneValidation === 'valid' ? parsed.isValid() : parsed.isPossible();
  if (!acceptable) {
    return failure(
      'invalid_phone',
      settings.phoneValidation === 'valid'
        ? 'Not a phone number in use in its country (wrong length or an unallocated range)'
        : 'Not a possible phone number (wrong length for its country)',
    );
  }
  return success(parsed);
}

/** Explains why a numeric date such as `31/02/2026` is not a real day in the configured order. */
function explainNumericDate(text: string, order: DateOrder): string | undefined {
  const numbers = text.split(/[/.-]/).map(Number);
  const [first, second, third] = numbers as [number, number, number];
  const [day, month, year] =
    order === 'day_first'
      ? [first, second, third]
      : order === 'month_first'
        ? [second, first, third]
        : [third, second, first];
  if (month < 1 || month > 12) return 'Not a real calendar date: the month is out of range';
  if (day < 1 || day > daysInMonth(year, month))
    return 'Not a real calendar date: the day is out of range for the month';
  return undefined;
}

function coerceDate(value: unknown, settings: CoercionSettings): ValueOutcome {
  if (value instanceof Date) {
    return failure(
      'type_mismatch',
      'Expected a date as text; Date objects are refused because a date-only value could shift a day',
    );
  }
  if (typeof value !== 'string')
    return failure('type_mismatch', `Expected a date as text, got ${kindOf(value)}`);
  const text = value.trim();
  const isoDay = parseIsoDay(text);
  if (isoDay !== undefined) {
    return 'reason' in isoDay ? failure('invalid_date', isoDay.reason) : success(formatIsoDay(isoDay));
  }
  const timestamp = parseIsoTimestamp(text);
  if (timestamp !== undefined) {
    if ('reason' in timestamp) return failure('invalid_date', timestamp.reason);
    return success(settings.dateOnly ? formatIsoDay(timestamp.day) : timestamp.text);
  }
  for (const pattern of settings.datePatterns) {
    const day = parseDayWithPattern(text, pattern, settings.referenceYear);
    if (day !== undefined) return success(formatIsoDay(day));
  }
  if (ambiguousNumericDate.test(text) && !settings.explicitDatePatterns) {
    if (settings.dateOrder === undefined) {
      return failure(
        'ambiguous_date',
        'A numeric date such as 12/06/2026 is ambiguous: set `dateOrder` (day_first or month_first) or date input formats',
      );
    }
    const reason = explainNumericDate(text, settings.dateOrder);
    if (reason !== undefined) return failure('invalid_date', reason);
  }
  return failure(
    'invalid_date',
    `Not a real calendar date in an accepted format (ISO 8601${settings.datePatterns.length > 0 ? `, ${settings.datePatterns.join(', ')}` : ''})`,
  );
}

function coerceNumber(value: unknown): ValueOutcome {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? success(value) : failure('invalid_number', 'Not a finite number');
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (numericText.test(text)) {
      const number = Number(text);
      if (Number.isFinite(number)) return success(number);
    }
    return failure(
      'invalid_number',
      'Not a plain number (for amounts with separators or currency, add a money step)',
    );
  }
  return failure('type_mismatch', `Expected a number, got ${kindOf(value)}`);
}

function coerceBoolean(value: unknown): ValueOutcome {
  if (typeof value === 'boolean') return success(value);
  if (typeof value === 'number') {
    if (value === 1) return success(true);
    if (value === 0) return success(false);
    return failure('invalid_boolean', 'Not a yes/no value (numbers must be 1 or 0)');
  }
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (trueWords.has(word)) return success(true);
    if (falseWords.has(word)) return success(false);
    return failure(
      'invalid_boolean',
      'Not a yes/no value (yes/no, y/n, true/false, 1/0, on/off, checked/unchecked)',
    );
  }
  return failure('type_mismatch', `Expected a yes/no value, got ${kindOf(value)}`);
}

function coerceArray(value: unknown, settings: CoercionSettings): ValueOutcome {
  if (Array.isArray(value)) return copyJsonValue(value);
  if (typeof value === 'string') {
    const refused = unstorable(value);
    if (refused !== undefined) return refused;
    return success(
      value
        .split(settings.arraySeparator)
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => (settings.normalizeUnicode ? part.normalize('NFC') : part)),
    );
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')
    return success([value]);
  return failure('type_mismatch', `Expected a list or text, got ${kindOf(value)}`);
}

/** Builds the import coercer of a field type: CRM value (after steps) to the WedSync value. */
export function createImportCoercer(fieldType: FieldType, settings: CoercionSettings): Coercer {
  switch (fieldType) {
    case 'text':
      return (value) => toText(value, settings.normalizeUnicode);
    case 'email':
      return (value) => {
        if (typeof value !== 'string')
          return failure('type_mismatch', `Expected an email address as text, got ${kindOf(value)}`);
        const text = value.trim().replace(/^mailto:/i, '');
        const problem = emailAddressProblem(text);
        return problem === undefined ? success(text) : failure('invalid_email', problem);
      };
    case 'phone':
      return (value) => {
        const outcome = parsePhone(value, settings);
        return outcome.ok ? success((outcome.value as PhoneNumber).number) : outcome;
      };
    case 'date':
      return (value) => coerceDate(value, settings);
    case 'number':
      return coerceNumber;
    case 'boolean':
      return coerceBoolean;
    case 'json':
      return (value) => copyJsonValue(value);
    case 'array':
      return (value) => coerceArray(value, settings);
  }
}

/**
 * Builds the export converter of a field type: the WedSync value, checked like an import, then written the
 * way the CRM expects (phones in `phoneFormat`, date-only values in `dateOutputFormat`; an instant keeps
 * its ISO form).
 */
export function createExportConverter(fieldType: FieldType, settings: CoercionSettings): Coercer {
  if (fieldType === 'phone') {
    const format = settings.phoneFormat;
    return (value) => {
      const outcome = parsePhone(value, settings);
      if (!outcome.ok) return outcome;
      const parsed = outcome.value as PhoneNumber;
      if (format === 'national') return success(parsed.formatNational());
      if (format === 'international') return success(parsed.formatInternational());
      if (format === 'RFC3966') return success(parsed.getURI());
      return success(parsed.number);
    };
  }
  const coerce = createImportCoercer(fieldType, settings);
  const outputPattern = settings.dateOutputFormat;
  if (fieldType !== 'date' || outputPattern === undefined) return coerce;
  return (value) => {
    const outcome = coerce(value);
    if (!outcome.ok || typeof outcome.value !== 'string') return outcome;
    const day = parseIsoDay(outcome.value);
    if (day === undefined || 'reason' in day) return outcome;
    return success(formatDayWithPattern(day, outputPattern));
  };
}
