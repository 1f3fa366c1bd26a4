/**
 * A client corpus for the dedupe benchmark, deterministic per seed: distinct people (unique names, emails,
 * phones), planted duplicate records of some of them — the same person typed again in another letter case,
 * with stray spaces, with the phone in another format, with a one-letter typo, under a nickname, or as the
 * couple with the partners' order swapped — and planted near-misses: different people who look alike (a
 * namesake, a relative sharing an email or a phone, a one-letter-different name, a couple marrying on the same
 * day). Records are in the CRM's shape (typed phones, `YYYY-MM-DD` dates), shuffled.
 */

/** Kinds of planted duplicate. */
export const duplicateKinds = ['case', 'spacing', 'phoneFormat', 'typo', 'nickname', 'partnerSwap'] as const;
/** Kinds of planted near-miss (a different person). */
export const nearMissKinds = [
  'namesake',
  'sharedEmail',
  'sharedPhone',
  'similarName',
  'sameWeddingDay',
] as const;

export type DuplicateKind = (typeof duplicateKinds)[number];
export type NearMissKind = (typeof nearMissKinds)[number];

/** A partner as the CRM has it. */
export interface CorpusPartner {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
}

/** A client record as the CRM has it. */
export interface CorpusRecord {
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly weddingDate: string | null;
  readonly partner: CorpusPartner | null;
}

/** A record and the truth about it. */
export interface CorpusEntry {
  readonly record: CorpusRecord;
  /** The person (or couple) the record is of: records of one person share it. */
  readonly personId: number;
  /** `original`, a duplicate kind, or a near-miss kind (a different person who looks like `lookalikeOf`). */
  readonly kind: 'original' | DuplicateKind | NearMissKind;
  /** For a near-miss: the person it resembles. */
  readonly lookalikeOf: number | null;
}

/** Options of {@link generateDedupeCorpus}. */
export interface DedupeCorpusOptions {
  /** Records in all. */
  readonly records: number;
  /** Share of records that are planted duplicates. @default 0.05 */
  readonly duplicateShare?: number;
  /** Share of records that are planted near-misses. @default 0.02 */
  readonly nearMissShare?: number;
  /** @default 5 */
  readonly seed?: number;
}

/** mulberry32: a small, fast, seeded PRNG. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const nicknames: Readonly<Record<string, string>> = {
  Robert: 'Bob',
  William: 'Bill',
  Elizabeth: 'Liz',
  Katherine: 'Kate',
  Margaret: 'Maggie',
  Richard: 'Rick',
  James: 'Jim',
  Jennifer: 'Jen',
  Michael: 'Mike',
  Christopher: 'Chris',
  Alexander: 'Alex',
  Rebecca: 'Becky',
  Jonathan: 'Jon',
  Samantha: 'Sam',
  Victoria: 'Tori',
  Benjamin: 'Ben',
  Daniel: 'Dan',
  Nicholas: 'Nick',
  Patricia: 'Patty',
  Anthony: 'Tony',
  Joseph: 'Joe',
  Thomas: 'Tom',
  Jessica: 'Jess',
  Abigail: 'Abby',
  Matthew: 'Matt',
  Stephanie: 'Steph',
  Andrew: 'Andy',
  Natalie: 'Nat',
  Edward: 'Ed',
  Charlotte: 'Lottie',
};
const plainFirstNames = [
  'Anna',
  'Maria',
  'Sofia',
  'Olivia',
  'Emma',
  'Ava',
  'Mia',
  'Isabella',
  'Chloe',
  'Grace',
  'Lucy',
  'Hannah',
  'Zoe',
  'Ella',
  'Amara',
  'Priya',
  'Aisha',
  'Leila',
  'Yuki',
  'Mei',
  'Noah',
  'Liam',
  'Ethan',
  'Lucas',
  'Mason',
  'Logan',
  'Aiden',
  'Oliver',
  'Elijah',
  'Mateo',
  'Omar',
  'Ravi',
  'Kenji',
  'Diego',
  'Hugo',
  'Felix',
  'Oscar',
  'Theo',
  'Leo',
  'Ezra',
  'Nora',
  'Ruth',
  'Iris',
  'Jade',
  'Ruby',
  'Freya',
  'Ines',
  'Elena',
  'Clara',
  'Alice',
];
const firstNames = [...Object.keys(nicknames), ...plainFirstNames];
const syllables = [
  'an',
  'ber',
  'cal',
  'dor',
  'el',
  'fen',
  'gar',
  'hal',
  'is',
  'jor',
  'kel',
  'lin',
  'mor',
  'nel',
  'or',
  'par',
  'quin',
  'ros',
  'sel',
  'tor',
  'ul',
  'van',
  'wes',
  'yar',
  'zen',
  'ash',
  'bro',
  'crom',
  'dell',
  'ford',
];
const domains = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'proton.me'];
const areaCodes = ['212', '312', '415', '617', '202', '305', '404', '512', '303', '206', '702', '615'];

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

interface Person {
  readonly id: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  /** E.164. */
  readonly phone: string;
  readonly weddingDate: string;
  readonly partner: CorpusPartner;
}

/** Generates the corpus (see the module comment). */
export function generateDedupeCorpus(options: DedupeCorpusOptions): CorpusEntry[] {
  const random = randomSource(options.seed ?? 5);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const total = options.records;
  const duplicates = Math.round(total * (options.duplicateShare ?? 0.05));
  const nearMisses = Math.round(total * (options.nearMissShare ?? 0.02));
  const originals = Math.max(1, total - duplicates - nearMisses);

  const usedNames = new Set<string>();
  const usedPhones = new Set<string>();
  let emailSequence = 0;
  const lastName = () => {
    const parts = 2 + Math.floor(random() * 2);
    let name = '';
    for (let index = 0; index < parts; index += 1) name += pick(syllables);
    return capitalize(name);
  };
  const uniqueName = (first?: string): { firstName: string; lastName: string } => {
    for (;;) {
      const name = { firstName: first ?? pick(firstNames), lastName: lastName() };
      const key = `${name.firstName} ${name.lastName}`.toLowerCase();
      if (!usedNames.has(key)) {
        usedNames.add(key);
        return name;
      }
    }
  };
  const uniquePhone = (): string => {
    for (;;) {
      const phone = `+1${pick(areaCodes)}${2 + Math.floor(random() * 8)}${String(Math.floor(random() * 1_000_000)).padStart(6, '0')}`;
      if (!usedPhones.has(phone)) {
        usedPhones.add(phone);
        return phone;
      }
    }
  };
  const emailOf = (firstName: string, last: string) => {
    emailSequence += 1;
    return `${firstName.toLowerCase()}.${last.toLowerCase()}${emailSequence}@${pick(domains)}`;
  };
  const weddingDate = () => {
    const day = Math.floor(random() * 365 * 3);
    return new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  };
  const person = (id: number, first?: string): Person => {
    const name = uniqueName(first);
    const partnerName = uniqueName();
    return {
      id,
      ...name,
      email: emailOf(name.firstName, name.lastName),
      phone: uniquePhone(),
      weddingDate: weddingDate(),
      partner: {
        firstName: partnerName.firstName,
        lastName: random() < 0.5 ? name.lastName : partnerName.lastName,
        email: random() < 0.5 ? emailOf(partnerName.firstName, partnerName.lastName) : null,
      },
    };
  };
  const asRecord = (source: Person, id: string): CorpusRecord => ({
    id,
    firstName: source.firstName,
    lastName: source.lastName,
    email: source.email,
    phone: source.phone,
    weddingDate: source.weddingDate,
    partner: source.partner,
  });

  const people: Person[] = [];
  const entries: CorpusEntry[] = [];
  let recordSequence = 0;
  const nextId = () => {
    recordSequence += 1;
    return `c${String(recordSequence).padStart(8, '0')}`;
  };
  for (let index = 0; index < originals; index += 1) {
    const created = person(index);
    people.push(created);
    entries.push({
      record: asRecord(created, nextId()),
      personId: created.id,
      kind: 'original',
      lookalikeOf: null,
    });
  }

  // Duplicates: another record of an existing person, typed differently.
  const typedPhone = (e164: string): string => {
    const digits = e164.slice(2);
    const area = digits.slice(0, 3);
    const exchange = digits.slice(3, 6);
    const line = digits.slice(6);
    return pick([
      `(${area}) ${exchange}-${line}`,
      `${area}.${exchange}.${line}`,
      `1-${area}-${exchange}-${line}`,
      `${area} ${exchange} ${line}`,
    ]);
  };
  const typo = (name: string): string => {
    const position = 1 + Math.floor(random() * Math.max(1, name.length - 1));
    const letters = 'aeioulnrst';
    const replacement = letters.charAt(Math.floor(random() * letters.length));
    const changed = name.slice(0, position) + replacement + name.slice(position + 1);
    return changed === name ? `${name}e` : changed;
  };
  const withNickname = people.filter((candidate) => nicknames[candidate.firstName] !== undefined);
  for (let index = 0; index < duplicates; index += 1) {
    const kind = duplicateKinds[index % duplicateKinds.length] as DuplicateKind;
    const original =
      kind === 'nickname' && withNickname.length > 0
        ? pick(withNickname)
        : (people[Math.floor(random() * people.length)] as Person);
    const base = asRecord(original, nextId());
    let record: CorpusRecord;
    switch (kind) {
      case 'case':
        record = {
          ...base,
          firstName: original.firstName.toUpperCase(),
          lastName: original.lastName.toLowerCase(),
          email: original.email.toUpperCase(),
        };
        break;
      case 'spacing':
        record = {
          ...base,
          firstName: `  ${original.firstName} `,
          lastName: ` ${original.lastName}  `,
          email: null,
        };
        break;
      case 'phoneFormat':
        record = { ...base, phone: typedPhone(original.phone), email: null };
        break;
      case 'typo':
        record =
          random() < 0.5
            ? { ...base, firstName: typo(original.firstName) }
            : { ...base, lastName: typo(original.lastName) };
        break;
      case 'nickname':
        record = { ...base, firstName: nicknames[original.firstName] ?? original.firstName };
        break;
      case 'partnerSwap':
        // The couple entered the other way round: the partner as the client, the shared email kept.
        record = {
          ...base,
          firstName: original.partner.firstName,
          lastName: original.partner.lastName,
          phone: null,
          partner: { firstName: original.firstName, lastName: original.lastName, email: null },
        };
        break;
    }
    entries.push({ record, personId: original.id, kind, lookalikeOf: null });
  }

  // Near-misses: different people who look like someone.
  for (let index = 0; index < nearMisses; index += 1) {
    const kind = nearMissKinds[index % nearMissKinds.length] as NearMissKind;
    const lookalike = people[Math.floor(random() * people.length)] as Person;
    const id = people.length + index;
    // A relative or a stranger never has the lookalike's first name (that would be the same person).
    const firstName =
      firstNames.find(
        (name, position) =>
          position >= Math.floor(random() * firstNames.length) && name !== lookalike.firstName,
      ) ?? (lookalike.firstName === 'Anna' ? 'Maria' : 'Anna');
    const stranger = person(id, kind === 'namesake' ? undefined : firstName);
    let record = asRecord(stranger, nextId());
    switch (kind) {
      case 'namesake':
        record = { ...record, firstName: lookalike.firstName, lastName: lookalike.lastName };
        break;
      case 'sharedEmail':
        // A relative on the family address: same family name, another first name, the same email.
        record = { ...record, lastName: lookalike.lastName, email: lookalike.email };
        break;
      case 'sharedPhone':
        record = { ...record, lastName: lookalike.lastName, phone: lookalike.phone };
        break;
      case 'similarName':
        record = { ...record, firstName: typo(lookalike.firstName), lastName: lookalike.lastName };
        break;
      case 'sameWeddingDay':
        record = { ...record, weddingDate: lookalike.weddingDate };
        break;
    }
    entries.push({ record, personId: id, kind, lookalikeOf: lookalike.id });
  }

  // Shuffle (Fisher-Yates): a duplicate may come before its original.
  for (let index = entries.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [entries[index], entries[other]] = [entries[other] as CorpusEntry, entries[index] as CorpusEntry];
  }
  return entries;
}
