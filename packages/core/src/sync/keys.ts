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
 * The name key of a person: `foldName("first last")` when either part is present, else
 * `foldName(full_name)`. So `José  García`, `jose garcia` and `JOSÉ GARCÍA` share the key `jose garcia`.
 * Idempotent: a name key passed as `full_name` gives itself back. `null` when the person has no name.
 */
export function nameKey(person: NameParts): string | null {
  const parts = [person.first_name, person.last_name].filter(
    (part): part is string => typeof part === 'string' && part.trim() !== '',
  );
  const source = parts.length > 0 ? parts.join(' ') : (person.full_name ?? '');
  const key = foldName(source);
  return key === '' ? null : key;
}
