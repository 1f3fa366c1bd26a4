/**
 * Text and JSON every database the hub supports can store as received.
 *
 * - Text: PostgreSQL refuses a NUL character (U+0000) in `text` and `jsonb`, and an unpaired UTF-16 surrogate
 *   cannot be written as UTF-8 at all (PostgreSQL refuses it; SQLite silently turns it into U+FFFD). Such text is
 *   an invalid value for the mapping engine (`invalid_text`), never silently changed.
 * - Nesting: SQLite's JSON functions refuse JSON nested deeper than 1,000 levels, and recursive code (hashing,
 *   JSON.stringify) runs out of stack a few thousand levels down. {@link nestingExceeds} measures depth without
 *   recursion, so any depth can be checked safely.
 * - Staging copies: what the hub stages or logs about a record (raw data, mapped data, error details, log
 *   details) is a {@link storableCopy}: NUL and unpaired surrogates replaced by U+FFFD, values nested past a limit
 *   replaced by a marker text. The copy is for staging only; mapping always reads the record as received.
 */
/** What replaces a NUL character or an unpaired surrogate in a staging copy. */
export const replacementCharacter = '\ufffd';

/** True for a plain object (not an array, not null, not a class instance). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `String.prototype.isWellFormed` and `toWellFormed` (Node 20; not in the ES2023 type library). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * True when `text` can be stored as such by every supported database: it holds no NUL character (U+0000) and no
 * unpaired UTF-16 surrogate.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && (text as unknown as WellFormedString).isWellFormed();
}

/** Why `text` is not storable, in words that never quote it; undefined when it is storable. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes('\u0000'))
    return 'The text holds a NUL character (U+0000), which cannot be stored as text';
  if (!(text as unknown as WellFormedString).isWellFormed()) {
    return 'The text holds an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored as text';
  }
  return undefined;
}

/** `text` with every NUL character and unpaired surrogate replaced by U+FFFD (itself when already storable). */
export function storableText(text: string): string {
  if (isStorableText(text)) return text;
  return (text as unknown as WellFormedString).toWellFormed().replaceAll('\u0000', replacementCharacter);
}

/**
 * True when `value` nests objects or arrays more than `limit` levels deep (the value itself, when an object or
 * array, is level 1). Iterative: safe at any depth. Stops at the first path past the limit.
 */
export function nestingExceeds(value: unknown, limit: number): boolean {
  const stack: { readonly value: unknown; readonly level: number }[] = [{ value, level: 1 }];
  while (stack.length > 0) {
    const { value: current, level } = stack.pop() as { value: unknown; level: number };
    if (typeof current !== 'object' || current === null) continue;
    if (level > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, level: level + 1 });
    }
  }
  return false;
}

/** Options of {@link storableCopy}. */
export interface StorableCopyOptions {
  /** Objects and arrays nested deeper than this (the value itself is level 1) become {@link nestingMarker}. */
  readonly maxDepth: number;
}

/** What {@link storableCopy} made of a value. */
export interface StorableCopy {
  readonly value: unknown;
  /** True when some text (a value or a key) had a NUL character or an unpaired surrogate replaced. */
  readonly textReplaced: boolean;
  /** True when some object or array was past `maxDepth` and replaced by the marker. */
  readonly truncated: boolean;
}

/** The text that stands in a staging copy for an object or array nested deeper than `maxDepth`. */
export function nestingMarker(maxDepth: number): string {
  return `[nested deeper than ${maxDepth} levels]`;
}

/**
 * A JSON copy of `value` that every supported database stores: text (values and keys) made storable with
 * {@link storableText}, objects and arrays past `maxDepth` replaced by {@link nestingMarker}, undefined members
 * dropped, non-finite numbers, functions and other non-JSON values made `null` (as JSON.stringify would). Keys
 * such as `__proto__` stay plain own keys. Recursion is bounded by `maxDepth`.
 */
export function storableCopy(value: unknown, options: StorableCopyOptions): StorableCopy {
  const { maxDepth } = options;
  const marker = nestingMarker(maxDepth);
  let textReplaced = false;
  let truncated = false;
  const text = (input: string): string => {
    const output = storableText(input);
    if (output !== input) textReplaced = true;
    return output;
  };
  const copy = (input: unknown, level: number): unknown => {
    if (typeof input === 'string') return text(input);
    if (typeof input === 'number') return Number.isFinite(input) ? input : null;
    if (typeof input === 'boolean' || input === null) return input;
    if (typeof input === 'bigint') return input.toString();
    if (input instanceof Date) return Number.isNaN(input.getTime()) ? null : input.toISOString();
    if (Array.isArray(input)) {
      if (level > maxDepth) {
        truncated = true;
        return marker;
      }
      return input.map((item) => (item === undefined ? null : copy(item, level + 1)));
    }
    if (isPlainObject(input)) {
      if (level > maxDepth) {
        truncated = true;
        return marker;
      }
      const output: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(input)) {
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        const name = text(key);
        const copied = copy(member, level + 1);
        // Only `__proto__` is special on a plain object: defineProperty keeps it an own key instead of setting the
        // copy's prototype. Every other key is assigned (several times faster in V8).
        if (name === '__proto__') {
          Object.defineProperty(output, name, {
            value: copied,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          output[name] = copied;
        }
      }
      return output;
    }
    return null;
  };
  const result = copy(value, 1);
  return { value: result, textReplaced, truncated };
}
