/**
 * Shared shapes of the mapping engine: per-field errors of a mapped record, and the outcome of one
 * transformation step or coercion.
 */
import { forbiddenPathNames } from './paths.js';
import { unstorableTextReason } from './storable.js';

const maxJsonDepth = 64;

/** Machine-readable reasons a field of one record could not be mapped. */
export type FieldErrorCode =
  /** The value has the wrong JSON type (an object where text is expected, an array for a date). */
  | 'type_mismatch'
  /** Text no database stores as such: a NUL character (U+0000) or an unpaired UTF-16 surrogate. */
  | 'invalid_text'
  | 'invalid_email'
  | 'invalid_phone'
  | 'invalid_date'
  /** A numeric date (`12/06/2026`) with no configured day or month order. */
  | 'ambiguous_date'
  | 'invalid_number'
  | 'invalid_boolean'
  | 'invalid_money'
  | 'currency_mismatch'
  /** A value-map step has no entry (and no fallback) for the value. */
  | 'unmapped_value'
  /** Text longer than a guarded regular expression may be run on. */
  | 'input_too_long'
  /** A required mapping produced no value. */
  | 'required_missing'
  /** The target path runs through a value that is not an object or array. */
  | 'path_conflict'
  /** The record itself is not an object. */
  | 'invalid_record'
  /**
   * The record carries an {@link unreadableRecordKey} entry: its provider (or the staged copy it was read from)
   * says it is not the record as the CRM documents it.
   */
  | 'unreadable_record';

/**
 * The key of a CRM record's data under which a provider flags a record it could not read as the CRM documents
 * it (a property of the wrong type), instead of failing the page it came in or leaving it out:
 * `{ [unreadableRecordKey]: { reason: 'words', issues: [{ path, message }], properties: { ...as received } } }`.
 * The record mapper rejects such a record as a whole (`unreadable_record`, with the reason and the issues' paths),
 * so it appears in the job's logs as rejected. `properties` keeps the values the provider set aside, so the
 * staged raw record still holds everything received. The hub also sets it on a staged copy whose text it had to
 * replace (see `import-page.ts`), so that mapping again from staging rejects the record instead of reading the
 * replaced text.
 */
export const unreadableRecordKey = '$unreadable';

/** What a record's {@link unreadableRecordKey} entry says. */
export interface UnreadableRecordNote {
  /** Why the record is not readable, in words that never quote its values. */
  readonly reason: string;
  /** The properties that do not fit (paths into the record) and what is wrong with each. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
  /** The values set aside, as received (kept for the staged raw record; never logged). */
  readonly properties?: Readonly<Record<string, unknown>>;
}

/**
 * One field of one record that could not be mapped. It names the field and the kind of value, never
 * the value itself: values are personal data and errors end up in logs.
 */
export interface FieldValueError {
  /** The record's id (from `recordIdField` or the per-call `recordId`); null when unknown. */
  readonly record_id: string | null;
  /** The mapping's `wedsync_field` ('' for a record-level error). */
  readonly field: string;
  /** The mapping's `crm_field` ('' for a record-level error). */
  readonly crm_field: string;
  /** `typeof` the offending value, with `array` and `null` told apart. */
  readonly value_kind: string;
  /** What is wrong, in words; never quotes the value. */
  readonly reason: string;
  readonly code: FieldErrorCode;
}

/** The result of a step or a coercion: a value (undefined = absent) or why there is none. */
export type ValueOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: FieldErrorCode; readonly reason: string };

/** A successful outcome. */
export function success(value: unknown): ValueOutcome {
  return { ok: true, value };
}

/** A failed outcome. */
export function failure(code: FieldErrorCode, reason: string): ValueOutcome {
  return { ok: false, code, reason };
}

/** `typeof`, with `array` and `null` told apart: what an error may say about a value without showing it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** True for a value a mapping treats as absent: undefined, null, or text that is empty once trimmed. */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** True for a plain object (not an array, not null, not a class instance such as Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Deep-copies a JSON value; refuses what JSON cannot hold and drops prototype-polluting keys. */
export function copyJsonValue(value: unknown, depth = 0): ValueOutcome {
  if (depth > maxJsonDepth)
    return failure('type_mismatch', `The value is nested deeper than ${maxJsonDepth} levels`);
  if (typeof value === 'string') {
    const reason = unstorableTextReason(value);
    return reason === undefined ? success(value) : failure('invalid_text', reason);
  }
  if (value === null || typeof value === 'boolean') return success(value);
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? success(value)
      : failure('type_mismatch', 'The value holds a number that is not finite');
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) {
      const outcome = copyJsonValue(item === undefined ? null : item, depth + 1);
      if (!outcome.ok) return outcome;
      copy.push(outcome.value);
    }
    return success(copy);
  }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (forbiddenPathNames.has(key) || value[key] === undefined) continue;
      const keyReason = unstorableTextReason(key);
      if (keyReason !== undefined) return failure('invalid_text', `A key of the value: ${keyReason}`);
      const outcome = copyJsonValue(value[key], depth + 1);
      if (!outcome.ok) return outcome;
      copy[key] = outcome.value;
    }
    return success(copy);
  }
  return failure('type_mismatch', `The value holds ${kindOf(value)} data, which JSON cannot hold`);
}
