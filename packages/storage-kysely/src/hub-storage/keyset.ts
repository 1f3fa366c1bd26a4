/**
 * Opaque keyset cursors over (created_at, id): base64url of a small JSON array, so a caller passes them back
 * without reading them, and a damaged one is an InvalidArgumentError instead of a silent restart.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';

/** The position a keyset page ends at. */
export interface KeysetPosition {
  readonly createdAt: string;
  readonly id: string;
}

/** The cursor of a position. */
export function encodeKeysetCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

/** The position of a cursor made by {@link encodeKeysetCursor}. */
export function decodeKeysetCursor(cursor: unknown, name = 'after'): KeysetPosition {
  const invalid = () =>
    new InvalidArgumentError(`Expected \`${name}\` to be a cursor returned by the previous page`, {
      context: { field: name },
    });
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 500) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a cursor returned by the previous page`, {
      context: { field: name },
      cause: error,
    });
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== 'string' ||
    typeof decoded[1] !== 'string' ||
    Number.isNaN(new Date(decoded[0]).getTime())
  ) {
    throw invalid();
  }
  return { createdAt: decoded[0], id: decoded[1] };
}
