/**
 * Dates without time-zone surprises.
 *
 * A wedding date is a calendar day, not an instant: `2026-06-12` must stay `2026-06-12` whatever zone
 * the server runs in. So date-only strings are never turned into a local `Date`:
 * - ISO `YYYY-MM-DD` is read and checked with integer arithmetic alone;
 * - other patterns go through date-fns `parse` and `format` with a `Date` whose local getters and setters
 *   are the UTC ones (the way `@date-fns/utc` does it), so no zone offset or DST gap can move the day.
 * A timestamp with an offset (`2026-10-05T00:00:00+00:00`) is an instant and keeps its offset, normalised
 * to `YYYY-MM-DDTHH:mm:ss[.sss](Z|±HH:mm)`; one without an offset stays a floating local date-time.
 */
import { format, parse } from 'date-fns';

/**
 * A `Date` that does all calendar arithmetic in UTC, so date-fns parses and formats calendar fields
 * without applying the process time zone. date-fns builds its results with `new date.constructor(...)`,
 * so passing one as the reference date keeps every intermediate value a `UtcCalendarDate` too.
 */
class UtcCalendarDate extends Date {
  constructor(value?: number | string | Date) {
    super(Number.NaN);
    const time = value === undefined ? Number.NaN : value instanceof Date ? value.getTime() : Number(value);
    this.setTime(time);
  }

  /** Builds the UTC midnight of a calendar day (years 0-99 are not shifted to 1900-1999). */
  static of(year: number, month: number, day: number): UtcCalendarDate {
    const date = new UtcCalendarDate(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(0, 0, 0, 0);
    return date;
  }

  override getTimezoneOffset(): number {
    return 0;
  }
  override getFullYear(): number {
    return this.getUTCFullYear();
  }
  override getMonth(): number {
    return this.getUTCMonth();
  }
  override getDate(): number {
    return this.getUTCDate();
  }
  override getDay(): number {
    return this.getUTCDay();
  }
  override getHours(): number {
    return this.getUTCHours();
  }
  override getMinutes(): number {
    return this.getUTCMinutes();
  }
  override getSeconds(): number {
    return this.getUTCSeconds();
  }
  override getMilliseconds(): number {
    return this.getUTCMilliseconds();
  }
  override setFullYear(year: number, month?: number, day?: number): number {
    return this.setUTCFullYear(year, month ?? this.getUTCMonth(), day ?? this.getUTCDate());
  }
  override setMonth(month: number, day?: number): number {
    return this.setUTCMonth(month, day ?? this.getUTCDate());
  }
  override setDate(day: number): number {
    return this.setUTCDate(day);
  }
  override setHours(hours: number, minutes?: number, seconds?: number, milliseconds?: number): number {
    return this.setUTCHours(
      hours,
      minutes ?? this.getUTCMinutes(),
      seconds ?? this.getUTCSeconds(),
      milliseconds ?? this.getUTCMilliseconds(),
    );
  }
  override setMinutes(minutes: number, seconds?: number, milliseconds?: number): number {
    return this.setUTCMinutes(
      minutes,
      seconds ?? this.getUTCSeconds(),
      milliseconds ?? this.getUTCMilliseconds(),
    );
  }
  override setSeconds(seconds: number, milliseconds?: number): number {
    return this.setUTCSeconds(seconds, milliseconds ?? this.getUTCMilliseconds());
  }
  override setMilliseconds(milliseconds: number): number {
    return this.setUTCMilliseconds(milliseconds);
  }
}

/** A calendar day as three integers. */
export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `YYYY-MM-DD` of a calendar day. */
export function formatIsoDay(day: CalendarDay): string {
  return `${pad(day.year, 4)}-${pad(day.month, 2)}-${pad(day.day, 2)}`;
}

const isoDayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads `YYYY-MM-DD` without any `Date`: `undefined` when the text has another shape, a reason when it
 * has this shape but is not a real day (`2026-02-31`).
 */
export function parseIsoDay(text: string): CalendarDay | { readonly reason: string } | undefined {
  const match = isoDayPattern.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) return { reason: 'Not a real calendar date: the month is out of range' };
  if (day < 1 || day > daysInMonth(year, month)) {
    return { reason: 'Not a real calendar date: the day is out of range for the month' };
  }
  return { year, month, day };
}

const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** A parsed ISO 8601 date-time: its calendar day, and its normalised text. */
export interface ParsedTimestamp {
  readonly day: CalendarDay;
  /** `YYYY-MM-DDTHH:mm:ss[.fraction](Z|±HH:mm)`, or without the offset when the input had none. */
  readonly text: string;
  readonly hasOffset: boolean;
}

/**
 * Reads an ISO 8601 date-time (`T` or a space between date and time, optional seconds and fraction,
 * `Z` or `±HH:mm`/`±HHmm`/`±HH`). The offset is kept as written: an instant is never re-expressed in the
 * server's zone.
 */
export function parseIsoTimestamp(text: string): ParsedTimestamp | { readonly reason: string } | undefined {
  const match = timestampPattern.exec(text);
  if (match === null) return undefined;
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zulu, sign] = match;
  const day = parseIsoDay(`${yearText}-${monthText}-${dayText}`);
  if (day === undefined || 'reason' in day) return day;
  const hours = Number(hourText);
  const minutes = Number(minuteText);
  const seconds = secondText === undefined ? 0 : Number(secondText);
  if (hours > 23 || minutes > 59 || seconds > 59) {
    return { reason: 'Not a real time of day: hours, minutes or seconds out of range' };
  }
  let offset = '';
  if (zulu !== undefined) offset = 'Z';
  if (sign !== undefined) {
    const offsetHours = Number(match[10]);
    const offsetMinutes = match[11] === undefined ? 0 : Number(match[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return { reason: 'The time-zone offset is out of range' };
    offset = `${sign}${pad(offsetHours, 2)}:${pad(offsetMinutes, 2)}`;
  }
  const time = `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${fraction ?? ''}`;
  return { day, text: `${formatIsoDay(day)}T${time}${offset}`, hasOffset: offset !== '' };
}

/** A date-fns pattern checked once, ready to parse or format calendar days. */
export interface DatePattern {
  readonly pattern: string;
}

const probeDay: CalendarDay = { year: 2031, month: 11, day: 23 };

/**
 * Checks a date-fns pattern: it must format and parse without date-fns throwing (unknown or forbidden
 * tokens such as `YYYY` or `DD`). With `requireDay`, it must also carry a year, a month and a day, so
 * nothing is silently taken from a reference date. Returns the reason it is unusable, or undefined.
 */
export function checkDatePattern(pattern: string, requireDay: boolean): string | undefined {
  // date-fns writes a console warning before refusing `Y`/`D`; refuse them first, quietly. Quoted
  // literals (`'Day' d`) may hold any letter.
  const unquoted = pattern.replace(/'(?:[^']|'')*'?/g, '');
  if (/[YD]/.test(unquoted)) {
    return 'use `yyyy` for the year and `d` or `dd` for the day (`Y` is the week-numbering year and `D` the day of the year)';
  }
  try {
    const reference = UtcCalendarDate.of(2000, 1, 1);
    const sample = format(UtcCalendarDate.of(probeDay.year, probeDay.month, probeDay.day), pattern);
    const parsed = parse(sample, pattern, reference);
    if (Number.isNaN(parsed.getTime())) return 'date-fns cannot read back what this pattern writes';
    if (
      requireDay &&
      (parsed.getUTCFullYear() !== probeDay.year ||
        parsed.getUTCMonth() + 1 !== probeDay.month ||
        parsed.getUTCDate() !== probeDay.day)
    ) {
      return 'the pattern must contain a year, a month and a day';
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads `text` with a date-fns pattern into a calendar day, in UTC so no zone can shift it. Years before
 * 1000 are refused: they come from a two-digit year read with a four-digit pattern (`26` as year 26).
 */
export function parseDayWithPattern(
  text: string,
  pattern: string,
  referenceYear: number,
): CalendarDay | undefined {
  const parsed = parse(text, pattern, UtcCalendarDate.of(referenceYear, 1, 1));
  if (Number.isNaN(parsed.getTime())) return undefined;
  const year = parsed.getUTCFullYear();
  if (year < 1000 || year > 9999) return undefined;
  return { year, month: parsed.getUTCMonth() + 1, day: parsed.getUTCDate() };
}

/** Reads `text` with a date-fns pattern and writes it with another (both in UTC): a time or a day. */
export function reformatWithPatterns(
  text: string,
  inputPattern: string,
  outputPattern: string,
  referenceYear: number,
): string | undefined {
  const parsed = parse(text, inputPattern, UtcCalendarDate.of(referenceYear, 1, 1));
  if (Number.isNaN(parsed.getTime())) return undefined;
  const year = parsed.getUTCFullYear();
  if (year < 1000 || year > 9999) return undefined;
  return format(parsed, outputPattern);
}

/** Writes a calendar day with a date-fns pattern, in UTC. */
export function formatDayWithPattern(day: CalendarDay, pattern: string): string {
  return format(UtcCalendarDate.of(day.year, day.month, day.day), pattern);
}

/** Orders of day, month and year a supplier's CRM may write numeric dates in. */
export const dateOrders = ['day_first', 'month_first', 'year_first'] as const;
/** How a supplier's CRM writes numeric dates: `12/06/2026` is 12 June (day_first) or 6 December. */
export type DateOrder = (typeof dateOrders)[number];

/** date-fns patterns tried for numeric dates, per order (ISO `yyyy-MM-dd` is always tried first). */
export const numericDatePatterns: Readonly<Record<DateOrder, readonly string[]>> = {
  day_first: ['d/M/yyyy', 'd.M.yyyy', 'd-M-yyyy'],
  month_first: ['M/d/yyyy', 'M-d-yyyy', 'M.d.yyyy'],
  year_first: ['yyyy/M/d', 'yyyy.M.d'],
};

/** Patterns with a month name: unambiguous, so always tried after the numeric ones. */
export const namedMonthDatePatterns: readonly string[] = [
  'd MMMM yyyy',
  'd MMM yyyy',
  'do MMMM yyyy',
  'MMMM d, yyyy',
  'MMM d, yyyy',
  'MMMM do, yyyy',
  'MMMM d yyyy',
  'MMM d yyyy',
  'EEEE, MMMM d, yyyy',
  'EEEE d MMMM yyyy',
];

/** A numeric date whose order cannot be known without configuration (`12/06/2026`). */
export const ambiguousNumericDate = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/;
