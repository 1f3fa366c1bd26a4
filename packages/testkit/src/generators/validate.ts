/**
 * Up-front option checks for the generators and the fake servers, with p-queue-style messages:
 * "Expected `clients` to be an integer >= 0, got `x` (string)". Every failure is an InvalidArgumentError that
 * names the option in its context.
 */
import { invalidOption } from '@wedsync/crm-core';

export { describeValue } from '@wedsync/crm-core';

/** Throws InvalidArgumentError "Expected `name` to be <expectation>, got `value` (type)". */
export const invalid: (name: string, expectation: string, value: unknown) => never = invalidOption;

/** Checks an optional integer in [min, max]; returns it or the fallback. */
export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(
      name,
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
      value,
    );
  }
  return value;
}

/** Checks an optional finite number in [min, max]; returns it or the fallback. */
export function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    invalid(name, `a finite number from ${min} to ${max}`, value);
  }
  return value;
}

/** Checks an optional probability (a finite number from 0 to 1). */
export function rateOption(name: string, value: unknown): number {
  return numberOption(name, value, 0, 0, 1);
}

/** Checks an optional non-empty string; returns it or the fallback. */
export function stringOption<T extends string | undefined>(
  name: string,
  value: unknown,
  fallback: T,
): string | T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') invalid(name, 'a non-empty string', value);
  return value;
}

/** Checks that an optional value is one of `allowed`. */
export function enumOption<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(name, `one of ${allowed.map((item) => `\`${item}\``).join(', ')}`, value);
  }
  return value as T;
}

/** Checks that an optional value is a plain object. */
export function objectOption(name: string, value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(name, 'an object', value);
  return value as Readonly<Record<string, unknown>>;
}

/** Checks an optional function. */
export function functionOption<T extends (...parameters: never[]) => unknown>(
  name: string,
  value: unknown,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') invalid(name, 'a function', value);
  return value as T;
}
