/**
 * Up-front option checks with p-queue-style messages: "Expected `interval` to be a finite number >= 0, got `x`
 * (string)". Every failure is an InvalidArgumentError naming the option.
 */
import { invalidOption } from '@wedsync/crm-core';

export { describeValue } from '@wedsync/crm-core';

/** Throws InvalidArgumentError "Expected `name` to be <expectation>, got `value` (type)". */
export const invalid: (name: string, expectation: string, value: unknown) => never = invalidOption;

/** Checks an optional integer >= min (undefined passes unless `required`). */
export function checkInteger(name: string, value: unknown, min: number, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(name, `an integer >= ${min}`, value);
  }
}

/** The longest delay setTimeout honours; longer ones fire at once (with a warning). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Checks an optional finite number (undefined passes) against `min` (inclusive, or exclusive when `exclusive`)
 * and an optional inclusive `max`.
 */
export function checkNumber(
  name: string,
  value: unknown,
  range: { readonly min: number; readonly exclusive?: boolean; readonly max?: number },
): void {
  if (value === undefined) return;
  const { min, exclusive = false, max } = range;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (exclusive ? value <= min : value < min) ||
    (max !== undefined && value > max)
  ) {
    const bounds = `${exclusive ? '>' : '>='} ${min}${max === undefined ? '' : ` and <= ${max}`}`;
    invalid(name, `a finite number ${bounds}`, value);
  }
}

/** Checks an optional boolean. */
export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') invalid(name, 'a boolean', value);
}

/** Checks an optional function. */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') invalid(name, 'a function', value);
}

/** Checks an optional AbortSignal. */
export function checkSignal(name: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) invalid(name, 'an AbortSignal', value);
}

/** Checks a plain object (required unless `optional`). */
export function checkObject(name: string, value: unknown, optional: boolean): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(name, 'an object', value);
}
