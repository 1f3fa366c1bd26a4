/**
 * Content hashes: a stable SHA-256 of JSON data whatever the order of its object keys, so a record the CRM sends
 * again unchanged (even with its keys reordered) hashes the same and the import skips it.
 */
import { createHash } from 'node:crypto';

function stableValue(value: unknown, ancestors: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return null;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => stableValue(item, ancestors) ?? null);
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      sorted[key] = stableValue(item, ancestors);
    }
    return sorted;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * JSON text of a value with every object's keys sorted, so equal data gives equal text. `undefined` members are
 * dropped (as JSON does), non-finite numbers become `null`, Dates their ISO form, cycles `"[Circular]"`.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(stableValue(value, new Set())) ?? 'null';
}

/** The hex SHA-256 of {@link stableStringify}: equal for equal data, whatever its key order. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}
