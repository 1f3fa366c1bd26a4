/**
 * Argument checks done before anything reaches the database, so a bad value is an InvalidArgumentError with a
 * message that names it ("Expected `leaseMs` to be a finite number > 0, got `x` (string)") on every dialect,
 * rather than whatever each driver would say.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import { describeValue } from '../json.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (any version). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

/** A UUID, or InvalidArgumentError naming `name`. */
export function checkUuid(value: unknown, name: string): string {
  if (!isUuid(value)) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a UUID, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  return value.toLowerCase();
}

/** A non-empty string, or InvalidArgumentError naming `name`. */
export function checkText(value: unknown, name: string, maximumLength = Number.POSITIVE_INFINITY): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maximumLength) {
    const limit = Number.isFinite(maximumLength) ? ` of at most ${maximumLength} characters` : '';
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a non-empty string${limit}, got ${describeValue(value)}`,
      {
        context: { field: name },
      },
    );
  }
  return value;
}

/** One of `allowed`, or InvalidArgumentError naming `name` and listing the allowed values. */
export function checkOneOf<Value extends string>(
  value: unknown,
  allowed: readonly Value[],
  name: string,
): Value {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be one of ${allowed.map((item) => `'${item}'`).join(', ')}, got ${describeValue(value)}`,
      { context: { field: name } },
    );
  }
  return value as Value;
}

/** An integer within [minimum, maximum], or InvalidArgumentError naming `name`. */
export function checkInteger(
  value: unknown,
  name: string,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `>= ${minimum}` : `from ${minimum} to ${maximum}`;
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be an integer ${range}, got ${describeValue(value)}`,
      {
        context: { field: name },
      },
    );
  }
  return value;
}

/** A finite number > 0, or InvalidArgumentError naming `name`. */
export function checkPositiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a finite number > 0, got ${describeValue(value)}`,
      {
        context: { field: name },
      },
    );
  }
  return value;
}

/** A valid Date, or InvalidArgumentError naming `name`. */
export function checkDate(value: unknown, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a valid Date, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  return value;
}

/** A plain JSON object (not an array, not null), or InvalidArgumentError naming `name`. */
export function checkJsonObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a JSON object, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  return value as Record<string, unknown>;
}

/** An array, or InvalidArgumentError naming `name`. */
export function checkArray<Item>(value: readonly Item[], name: string): readonly Item[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be an array, got ${describeValue(value)}`, {
      context: { field: name },
    });
  }
  return value;
}

/** Page options checked and defaulted: page >= 1 (default 1), per_page 1..500 (default 50). */
export function checkPage(options: { readonly page?: number; readonly per_page?: number } | undefined): {
  page: number;
  per_page: number;
} {
  const page = options?.page === undefined ? 1 : checkInteger(options.page, 'page', 1);
  const perPage = options?.per_page === undefined ? 50 : checkInteger(options.per_page, 'per_page', 1, 500);
  return { page, per_page: perPage };
}

/** A keyset page size: 1..5000, default 500. */
export function checkLimit(value: number | undefined, name = 'limit'): number {
  return value === undefined ? 500 : checkInteger(value, name, 1, 5000);
}
