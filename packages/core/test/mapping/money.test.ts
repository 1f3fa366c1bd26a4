import { describe, expect, it } from 'vitest';
import {
  createMoneyReader,
  currencyDigits,
  currencyMarks,
  minorToDecimal,
  minorToDecimalText,
} from '../../src/mapping/money.js';

describe('money reader', () => {
  const pounds = createMoneyReader({ decimalSeparator: '.', currency: 'GBP', round: false });
  const euros = createMoneyReader({ decimalSeparator: ',', currency: 'EUR', round: false });
  const anyCurrency = createMoneyReader({ decimalSeparator: '.', currency: undefined, round: false });

  it.each([
    ['1,250.50', 125050],
    ['1250.5', 125050],
    ['£1,250', 125000],
    ['£ 1,250.00', 125000],
    ['-£40', -4000],
    ['£-40', -4000],
    ['(£40.00)', -4000],
    ['40.00-', -4000],
    ['−12.30', -1230],
    ['+12', 1200],
    ['GBP 99', 9900],
    ['99 GBP', 9900],
    ['1,234,567.89', 123456789],
    ['.5', 50],
    ['0', 0],
    ['-0', 0],
    ['1.5000', 150],
    [1250.5, 125050],
    [-40, -4000],
    [0.1 + 0.7, 80],
  ])('reads %j as %d pence', (input, minor) => {
    const outcome = pounds(input);
    expect(outcome).toEqual({ ok: true, minor });
  });

  it.each([
    ['1.250,50', 125050],
    ['1 250,50 €', 125050],
    ['€1.250', 125000],
    ['12,5', 1250],
  ])('reads %j with decimal comma as %d cents', (input, minor) => {
    expect(euros(input)).toEqual({ ok: true, minor });
  });

  it('follows the currency minor unit (JPY 0 places, BHD 3)', () => {
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('BHD')).toBe(3);
    expect(currencyDigits(undefined)).toBe(2);
    expect(createMoneyReader({ decimalSeparator: '.', currency: 'JPY', round: false })('¥1,250')).toEqual({
      ok: true,
      minor: 1250,
    });
    expect(createMoneyReader({ decimalSeparator: '.', currency: 'BHD', round: false })('1.250')).toEqual({
      ok: true,
      minor: 1250,
    });
  });

  it('reads Indian lakh grouping', () => {
    expect(
      createMoneyReader({ decimalSeparator: '.', currency: 'INR', round: false })('₹1,25,000.50'),
    ).toEqual({
      ok: true,
      minor: 12500050,
    });
  });

  it('accepts any currency mark when no currency is configured', () => {
    expect(anyCurrency('$1,250.50')).toEqual({ ok: true, minor: 125050 });
    expect(anyCurrency('A$1,250.50')).toEqual({ ok: true, minor: 125050 });
  });

  it('knows each currency by its code, symbol and narrow symbol', () => {
    expect([...currencyMarks('AUD')].sort()).toEqual(['$', 'A$', 'AUD']);
    expect(createMoneyReader({ decimalSeparator: '.', currency: 'AUD', round: false })('A$10')).toEqual({
      ok: true,
      minor: 1000,
    });
  });

  it.each([
    ['$1,250', 'currency_mismatch', 'The amount is marked with another currency than GBP'],
    ['1,250 EUR', 'currency_mismatch', 'The amount is marked with another currency than GBP'],
    [
      '1,25',
      'invalid_money',
      'Not an amount written with `.` as decimal separator (digits, grouping, an optional sign and currency)',
    ],
    [
      '1.2.3',
      'invalid_money',
      'Not an amount written with `.` as decimal separator (digits, grouping, an optional sign and currency)',
    ],
    [
      'abc',
      'invalid_money',
      'Not an amount written with `.` as decimal separator (digits, grouping, an optional sign and currency)',
    ],
    [
      '£',
      'invalid_money',
      'Not an amount written with `.` as decimal separator (digits, grouping, an optional sign and currency)',
    ],
    ['--5', 'invalid_money', 'The amount has more than one minus sign'],
    ['(-5)', 'invalid_money', 'The amount has more than one minus sign'],
    ['-£-5', 'invalid_money', 'The amount has more than one minus sign'],
    ['-5-', 'invalid_money', 'The amount has more than one minus sign'],
    ['10.505', 'invalid_money', 'The amount has more decimal places than GBP allows (2)'],
    ['9'.repeat(20), 'invalid_money', 'The amount is out of range'],
    ['1'.repeat(65), 'invalid_money', 'The amount is longer than 64 characters'],
    [Number.NaN, 'invalid_money', 'The amount is not a finite number'],
    [Number.POSITIVE_INFINITY, 'invalid_money', 'The amount is not a finite number'],
    [1e21, 'invalid_money', 'The amount is out of range'],
    [true, 'invalid_money', 'Expected an amount as text or a number, got boolean'],
    [{ amount: 5 }, 'invalid_money', 'Expected an amount as text or a number, got object'],
  ])('refuses %j', (input, code, reason) => {
    expect(pounds(input)).toEqual({ ok: false, code, reason });
  });

  it('rounds half away from zero when asked', () => {
    const rounding = createMoneyReader({ decimalSeparator: '.', currency: 'GBP', round: true });
    expect(rounding('10.505')).toEqual({ ok: true, minor: 1051 });
    expect(rounding('10.504')).toEqual({ ok: true, minor: 1050 });
    expect(rounding('-10.505')).toEqual({ ok: true, minor: -1051 });
    expect(rounding(33.333333)).toEqual({ ok: true, minor: 3333 });
  });

  it('writes minor units back as decimals', () => {
    expect(minorToDecimal(125050, 'GBP')).toBe(1250.5);
    expect(minorToDecimal(1250, 'JPY')).toBe(1250);
    expect(minorToDecimalText(125050, 'GBP', '.')).toBe('1250.50');
    expect(minorToDecimalText(125050, 'EUR', ',')).toBe('1250,50');
    expect(minorToDecimalText(-5, 'GBP', '.')).toBe('-0.05');
    expect(minorToDecimalText(1250, 'JPY', '.')).toBe('1250');
    expect(minorToDecimalText(1250, 'BHD', '.')).toBe('1.250');
  });
});
