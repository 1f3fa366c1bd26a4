/**
 * Money parsing: decimal amounts as CRMs and spreadsheets write them, to integer minor units.
 *
 * `"1,250.50"` -> 125050; `"1.250,50"` with decimal separator `,` -> 125050; `"£1,250"`, `"-$40"`,
 * `"($40.00)"`, `"1 250,50 €"`, `"USD 99"` and plain numbers (`1250.5`) too. Digits after the decimal
 * separator follow the currency (2 for GBP, 0 for JPY, 3 for BHD, from `Intl`); extra non-zero digits are
 * refused unless the rule rounds. Amounts are built from the digits with integers, never by multiplying
 * a float (`1.005 * 100` is `100.49999`).
 */

import { kindOf } from './types.js';

/** Outcome of reading an amount. */
export type MoneyOutcome =
  | { readonly ok: true; readonly minor: number }
  | { readonly ok: false; readonly code: 'invalid_money' | 'currency_mismatch'; readonly reason: string };

/** How to read amounts. */
export interface MoneyFormat {
  readonly decimalSeparator: '.' | ',';
  /** ISO 4217 code the amounts are in; undefined when unknown (then 2 decimal places, any symbol). */
  readonly currency: string | undefined;
  /** Round extra decimal places half away from zero instead of refusing them. */
  readonly round: boolean;
}

let knownCurrencies: ReadonlySet<string> | undefined;

/** True for an ISO 4217 code this runtime knows (from `Intl.supportedValuesOf`). */
export function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

/** Decimal places of a currency's minor unit (2 when the currency is unknown). */
export function currencyDigits(currency: string | undefined): number {
  if (currency === undefined) return 2;
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** The marks that may stand for a currency in text: its code, symbol and narrow symbol (`AUD`, `A$`, `$`). */
export function currencyMarks(currency: string): ReadonlySet<string> {
  const marks = new Set([currency]);
  for (const currencyDisplay of ['symbol', 'narrowSymbol'] as const) {
    const part = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay })
      .formatToParts(1)
      .find((candidate) => candidate.type === 'currency');
    if (part !== undefined) marks.add(part.value);
  }
  return marks;
}

const maxAmountLength = 64;
const spaces = /[\s\u00a0\u202f\u2009]/gu;
const leadingMark = /^(?:[A-Z]{3}|[A-Z]{0,3}\p{Sc})/u;
const trailingMark = /(?:[A-Z]{3}|\p{Sc})$/u;

/** Compiled once per rule: reads amounts in one format. */
export function createMoneyReader(format: MoneyFormat): (value: unknown) => MoneyOutcome {
  const digits = currencyDigits(format.currency);
  const marks = format.currency === undefined ? undefined : currencyMarks(format.currency);
  const groupSeparators = format.decimalSeparator === '.' ? ",'’" : ".'’";
  const escapedGroups = groupSeparators.replace(/[.]/g, '\\.');
  const escapedDecimal = format.decimalSeparator === '.' ? '\\.' : ',';
  // Integer part: plain digits, or groups of 2-3 digits (Indian lakh grouping too) ending in 3 digits.
  const amountPattern = new RegExp(
    `^(\\d+|\\d{1,3}(?:[${escapedGroups}]\\d{2,3})*[${escapedGroups}]\\d{3})?(?:${escapedDecimal}(\\d+))?$`,
  );
  const invalid = (reason: string): MoneyOutcome => ({ ok: false, code: 'invalid_money', reason });

  return (value) => {
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return invalid('The amount is not a finite number');
      // 15 significant digits drop binary noise (0.1 + 0.7 is 0.7999999999999999) and keep real cents.
      text = String(Number(value.toPrecision(15)));
      if (/e/i.test(text)) return invalid('The amount is out of range');
      return readDigits(text.startsWith('-'), text.replace('-', ''), /^(\d+)?(?:\.(\d+))?$/);
    }
    if (typeof value !== 'string')
      return invalid(`Expected an amount as text or a number, got ${kindOf(value)}`);
    if (value.length > maxAmountLength)
      return invalid(`The amount is longer than ${maxAmountLength} characters`);
    text = value.replace(spaces, '');
    let negative = false;
    if (text.startsWith('(') && text.endsWith(')')) {
      negative = true;
      text = text.slice(1, -1);
    }
    const takeSign = () => {
      const sign = /^[-−+]/.exec(text);
      if (sign === null) return true;
      if (negative && sign[0] !== '+') return false;
      negative ||= sign[0] !== '+';
      text = text.slice(1);
      return true;
    };
    if (!takeSign()) return invalid('The amount has more than one minus sign');
    const marksFound: string[] = [];
    const leading = leadingMark.exec(text);
    if (leading !== null) {
      marksFound.push(leading[0]);
      text = text.slice(leading[0].length);
    }
    if (!takeSign()) return invalid('The amount has more than one minus sign');
    const trailing = trailingMark.exec(text);
    if (trailing !== null) {
      marksFound.push(trailing[0]);
      text = text.slice(0, -trailing[0].length);
    }
    if (/[-−]$/.test(text)) {
      if (negative) return invalid('The amount has more than one minus sign');
      negative = true;
      text = text.slice(0, -1);
    }
    if (marks !== undefined && marksFound.some((mark) => !marks.has(mark))) {
      return {
        ok: false,
        code: 'currency_mismatch',
        reason: `The amount is marked with another currency than ${format.currency}`,
      };
    }
    return readDigits(negative, text, amountPattern);
  };

  function readDigits(negative: boolean, text: string, pattern: RegExp): MoneyOutcome {
    const match = pattern.exec(text);
    if (match === null || (match[1] === undefined && match[2] === undefined)) {
      return invalid(
        `Not an amount written with \`${format.decimalSeparator}\` as decimal separator (digits, grouping, an optional sign and currency)`,
      );
    }
    const integerDigits = (match[1] ?? '0').replace(/\D/g, '');
    let fraction = match[2] ?? '';
    let roundUp = false;
    if (fraction.length > digits) {
      const extra = fraction.slice(digits);
      if (/[1-9]/.test(extra)) {
        if (!format.round) {
          return invalid(
            `The amount has more decimal places than ${format.currency ?? 'the currency'} allows (${digits})`,
          );
        }
        roundUp = (extra[0] as string) >= '5';
      }
      fraction = fraction.slice(0, digits);
    }
    let minor = BigInt(integerDigits) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
    if (roundUp) minor += 1n;
    if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return invalid('The amount is out of range');
    const result = Number(minor);
    return { ok: true, minor: negative && result !== 0 ? -result : result };
  }
}

/** Writes minor units as a decimal number in major units (125050 -> 1250.5). */
export function minorToDecimal(minor: number, currency: string | undefined): number {
  return minor / 10 ** currencyDigits(currency);
}

/** Writes minor units as decimal text with a fixed number of places (125050 -> `1250.50`). */
export function minorToDecimalText(
  minor: number,
  currency: string | undefined,
  decimalSeparator: '.' | ',',
): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${text}`;
  return `${sign}${text.slice(0, -digits)}${decimalSeparator}${text.slice(-digits)}`;
}
