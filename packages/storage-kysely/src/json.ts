/**
 * How values cross the database boundary the same way on every dialect:
 * - JSON is always written as text (`JSON.stringify`) and read back from text: PostgreSQL casts the text to
 *   jsonb on write, SQLite keeps it as TEXT, and reads select `column::text` on PostgreSQL so a JSON `null` and
 *   a SQL NULL stay distinct and nothing depends on a driver's type parsers.
 * - Timestamps are written as ISO 8601 strings in UTC with milliseconds (`2026-01-31T09:30:00.000Z`), which
 *   PostgreSQL parses into timestamptz and SQLite stores as TEXT that sorts in time order; reads turn a driver's
 *   Date (pg, PGlite) or a stored string (SQLite) back into that form.
 */
import { InvalidArgumentError, StorageError } from '@wedsync/crm-core';

/** Describes a value for an error message: its text for primitives, its kind otherwise. Never its content. */
export function describeValue(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (value === undefined) return '`undefined` (undefined)';
  if (Array.isArray(value)) return '(array)';
  if (value instanceof Date) return '(Date)';
  if (typeof value === 'object') return '(object)';
  if (typeof value === 'string')
    return `\`${value.length > 60 ? `${value.slice(0, 60)}…` : value}\` (string)`;
  return `\`${String(value)}\` (${typeof value})`;
}

/**
 * The JSON text of a value, for a JSON column. `name` is the column (for the error message).
 *
 * @throws InvalidArgumentError when the value cannot be represented as JSON (undefined, a function, a bigint,
 * a cycle). The message names the column, never the value.
 */
export function encodeJson(value: unknown, name: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be JSON-serialisable`, {
      context: { field: name },
      cause: error,
    });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be JSON-serialisable, got ${describeValue(value)}`,
      {
        context: { field: name },
      },
    );
  }
  return text;
}

/** The JSON text of a value, or SQL NULL (`null`) when it is `undefined` or `null`. */
export function encodeNullableJson(value: unknown, name: string): string | null {
  return value === undefined || value === null ? null : encodeJson(value, name);
}

/**
 * The value of a JSON column as read from the database: text is parsed, an already parsed value (a driver's
 * own jsonb parsing) is returned as is.
 *
 * @throws StorageError when stored text is not JSON.
 */
export function decodeJson(value: unknown, name: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new StorageError(`Stored value of \`${name}\` is not valid JSON`, {
      context: { column: name },
      cause: error,
    });
  }
}

/**
 * An instant as stored: an ISO 8601 string in UTC with milliseconds.
 *
 * @throws InvalidArgumentError naming `name` when the value is not a valid Date or date-time string.
 */
export function encodeTimestamp(value: Date | string, name: string): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a valid Date or ISO 8601 date-time, got ${describeValue(value)}`,
      { context: { field: name } },
    );
  }
  return date.toISOString();
}

/** Like {@link encodeTimestamp}, but `undefined` and `null` become SQL NULL. */
export function encodeNullableTimestamp(
  value: Date | string | null | undefined,
  name: string,
): string | null {
  return value === undefined || value === null ? null : encodeTimestamp(value, name);
}

/**
 * A timestamp as read from the database (a Date from pg or PGlite, text from SQLite) as an ISO 8601 string in
 * UTC with milliseconds.
 *
 * @throws StorageError when the stored value is not a timestamp.
 */
export function decodeTimestamp(value: unknown, name: string): string {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new StorageError(`Stored value of \`${name}\` is not a timestamp`, { context: { column: name } });
  }
  return date.toISOString();
}
