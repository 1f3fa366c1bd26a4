/**
 * Dedupe key normalisation, shared by the sync engine (which builds lookup keys) and every ClientStore (which
 * writes indexed key columns): one implementation, so a key written by the store and a key looked up by the
 * engine always agree. Small, pure and idempotent (`f(f(x)) === f(x)`).
 */
/** Trims and lower-cases an email for matching (the stored record keeps the original). `null` when blank. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const normalized = email.trim().toLowerCase();
  return normalized === '' ? null : normalized;
}

/**
 * Reduces a phone to its matching form: a leading `+` (when it had one) and its digits. Canonical phones
 * are already E.164, so this only drops stray spacing or punctuation. `null` when no digit is left.
 */
export function normalizePhone(phone: string | null | undefined): string | null {
  if (phone === null || phone === undefined) return null;
  const digits = phone.replace(/[^0-9]/g, '');
  if (digits === '') return null;
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

/** A person's name parts, as the canonical Person has them. */
export interface NameParts {
  readonly first_name?: string | null;
  readonly last_name?: string | null;
  readonly full_name?: string | null;
}

/** Letters that Unicode does not decompose into a base letter plus a mark. */
const foldedLetters: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
};
const foldedLetterPattern = new RegExp(`[${Object.keys(foldedLetters).join('')}]`, 'gu');

/**
 * Folds one piece of a name: compatibility-decomposes it (NFKD), drops combining marks (accents), folds the
 * few letters that do not decompose (ß, æ, ø, ł, ...), recomposes (NFC, so Hangul stays whole syllables),
 * lower-cases, removes apostrophes (O'Brien = OBrien), turns other punctuation into spaces
 * (Smith-Jones = Smith Jones) and collapses whitespace.
 */
export function foldName(value: string): string {
  return foldAsciiName(value) ?? foldUnicodeName(value);
}

/** ASCII code points of the letters and digits a fold keeps, and of the apostrophes it drops. */
const lowerA = 0x61;
const lowerZ = 0x7a;
const upperA = 0x41;
const upperZ = 0x5a;
const digitZero = 0x30;
const digitNine = 0x39;
const apostrophe = 0x27;
const backtick = 0x60;
const lastAscii = 0x7f;

/**
 * {@link foldName} of a name that is all ASCII, in one pass; `undefined` when it is not all ASCII. Most names
 * are, and for them the Unicode steps are no-ops (ASCII is unchanged by NFKD and NFC, has no combining marks
 * and none of the folded letters), yet cost most of the time an import spends on dedupe keys. What is left is
 * the same as the full fold's: lower-case letters and digits kept, apostrophes and backticks dropped, every run
 * of anything else one space, none at either end.
 */
function foldAsciiName(value: string): string | undefined {
  let folded = '';
  let spacePending = false;
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code > lastAscii) return undefined;
    let kept: number;
    if (code >= lowerA && code <= lowerZ) kept = code;
    else if (code >= upperA && code <= upperZ) kept = code + (lowerA - upperA);
    else if (code >= digitZero && code <= digitNine) kept = code;
    else {
      // An apostrophe joins (O'Brien = OBrien); anything else separates, once, and only between words.
      if (code !== apostrophe && code !== backtick) spacePending = folded !== '';
      continue;
    }
    if (spacePending) {
      folded += ' ';
      spacePending = false;
    }
    folded += String.fromCharCode(kept);
  }
  return folded;
}

/** The full fold of {@link foldName}, for names with any code point above 127. */
function foldUnicodeName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(foldedLetterPattern, (letter) => foldedLetters[letter] ?? letter)
    .normalize('NFC')
    .toLowerCase()
    .replace(/['\u2018\u2019\u02BC`´]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The most UTF-8 bytes of a name key. The canonical schema caps each name at 255 characters, but NFKD expands
 * some characters many times over (U+FDFA becomes 18 characters, 33 bytes), so a folded name can be far longer
 * than the name; keys are indexed (`clients.name_key`, `client_match_keys.value`, also as `key|date`) and a
 * btree entry has a size limit (PostgreSQL: 2,704 bytes when it cannot compress the key).
 */
export const maxNameKeyBytes = 512;

/** UTF-8 bytes of one code point. */
function utf8Bytes(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * A folded name cut to at most {@link maxNameKeyBytes} UTF-8 bytes, at a character boundary (never inside a
 * surrogate pair), without the space the cut may leave at its end (so the cut key folds to itself).
 */
function capNameKey(key: string): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  if (key.length * 3 <= maxNameKeyBytes) return key;
  let bytes = 0;
  let end = 0;
  for (const character of key) {
    bytes += utf8Bytes(character.codePointAt(0) as number);
    if (bytes > maxNameKeyBytes) return key.slice(0, end).trimEnd();
    end += character.length;
  }
  return key;
}

/**
 * The name key of a person: `foldName("first last")` when either part is present, else
 * `foldName(full_name)`. So `José  García`, `jose garcia` and `JOSÉ GARCÍA` share the key `jose garcia`.
 * At most {@link maxNameKeyBytes} UTF-8 bytes: a longer folded name is cut at a character boundary (two names
 * that agree on that many bytes share a key). Idempotent: a name key passed as `full_name` gives itself back.
 * `null` when the person has no name.
 */
export function nameKey(person: NameParts): string | null {
  const parts = [person.first_name, person.last_name].filter(
    (part): part is string => typeof part === 'string' && part.trim() !== '',
  );
  const source = parts.length > 0 ? parts.join(' ') : (person.full_name ?? '');
  const key = capNameKey(foldName(source));
  return key === '' ? null : key;
}
