/**
 * Names, email addresses and the small corruptions planted into them: letter-case and spacing variants,
 * one-letter typos and broken email addresses.
 */
import { type CulturePool, handleWords } from './cultures.js';
import type { Random } from './random.js';
import { asciiFold } from './reference.js';

/** A given name of the gender from a culture's pool. */
export function givenName(random: Random, pool: CulturePool, gender: 'female' | 'male'): string {
  return random.pick(gender === 'female' ? pool.femaleNames : pool.maleNames);
}

/** A family name of the gender from a culture's pool (two of them for Spanish-speaking cultures). */
export function familyName(random: Random, pool: CulturePool, gender: 'female' | 'male'): string {
  const list = gender === 'female' ? pool.femaleSurnames : pool.maleSurnames;
  const first = random.pick(list);
  if (!pool.doubleSurname || random.chance(0.3)) return first;
  const second = random.pick(list);
  return second === first ? first : `${first} ${second}`;
}

/**
 * An email address that is unique in the studio: a name-based (or, for names outside Latin script, a
 * word-based) local part, then the person's `number`, which no other person shares.
 */
export function emailAddress(
  random: Random,
  pool: CulturePool,
  firstName: string,
  lastName: string,
  number: number,
): string {
  const first = asciiFold(firstName);
  const last = asciiFold(lastName);
  let local: string;
  if (first.length < 2 || last.length < 2) {
    const words = handleWords();
    local = `${random.pick(words.adjectives)}${random.chance(0.5) ? '.' : ''}${random.pick(words.nouns)}`;
  } else {
    local = random.weighted<string>([
      [`${first}.${last}`, 4],
      [`${first}${last}`, 3],
      [`${first[0]}${last}`, 2],
      [`${first}_${last}`, 1],
      [`${last}.${first}`, 1],
    ]);
  }
  return `${local.slice(0, 40)}${number}@${random.pick(pool.emailDomains)}`;
}

/** The same address with capitals where people put them (`Anna.Smith3@Gmail.com`). */
export function emailCaseVariant(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const capitalise = (part: string) =>
    part.replace(
      /(^|[._-])([a-z])/g,
      (_match, separator: string, letter: string) => separator + letter.toUpperCase(),
    );
  const variant = `${capitalise(local)}@${capitalise(domain)}`;
  return variant === email ? email.toUpperCase() : variant;
}

/** A name in another letter case: all capitals or all lower case. */
export function nameCaseVariant(name: string, upper: boolean): string {
  return upper ? name.toLocaleUpperCase() : name.toLocaleLowerCase();
}

/** A name with extra spaces around it and between its words (`  Anna  Maria `). */
export function spacingVariant(random: Random, name: string): string {
  const inner = name.replace(/ /g, '  ');
  return random.pick([`  ${inner}`, `${inner}  `, ` ${inner} `]);
}

// biome-ignore format: one entry per line reads as a table
const keyboardNeighbours: Readonly<Record<string, string>> = {
  a: 'sq', b: 'vn', c: 'xv', d: 'sf', e: 'wr', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl', l: 'k',
  m: 'n', n: 'bm', o: 'ip', p: 'o', q: 'w', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb', w: 'qe', x: 'zc',
  y: 'tu', z: 'x',
};

/**
 * The name with one typing mistake (Levenshtein distance 1): a neighbouring key, a dropped letter or a
 * doubled letter, never in the first character.
 */
export function typoVariant(random: Random, name: string): string {
  const characters = [...name];
  if (characters.length < 2) return name + name;
  const position = random.int(1, characters.length - 1);
  const character = characters[position] as string;
  const lower = character.toLowerCase();
  const neighbours = keyboardNeighbours[lower];
  const operation = random.int(0, 2);
  if (operation === 0 && neighbours !== undefined) {
    const replacement = neighbours[random.int(0, neighbours.length - 1)] as string;
    characters[position] = character === lower ? replacement : replacement.toUpperCase();
  } else if (operation === 1 && characters.length >= 4 && character !== ' ' && character !== '-') {
    characters.splice(position, 1);
  } else {
    characters.splice(
      position,
      0,
      character === ' ' || character === '-' ? (characters[position - 1] as string) : character,
    );
  }
  const result = characters.join('');
  return result === name ? `${name}${character}` : result;
}

/** An address that is not an email address, in one of the ways people get them wrong. */
export function brokenEmail(random: Random, email: string): string {
  const [local = 'someone', domain = 'example.com'] = email.split('@');
  const bareDomain = domain.replace(/\.[a-z.]+$/, '');
  return random.pick([
    `${local}@@${domain}`,
    `${local}@${bareDomain}`,
    `${local}.${domain}`,
    `${local} @${domain}`,
    `${local}@${domain.replace('.', ',')}`,
  ]);
}
