/**
 * The cultures clients come from: one faker locale each (names, cities, streets in that language and script),
 * with the country the culture lives in, how names are ordered and which email providers are common there.
 *
 * Faker is used to build vocabulary pools once per culture (seeded, cached, built on first use — nothing runs
 * at import time); clients then draw from the pools with the studio's own fast stream. Calling faker per field
 * costs ~15 µs, which would make 100,000 clients take minutes.
 */
import {
  ar,
  base,
  de,
  en,
  en_AU,
  en_CA,
  en_GB,
  en_IE,
  en_IN,
  en_NG,
  en_US,
  es,
  es_MX,
  Faker,
  fr,
  he,
  it,
  ja,
  ko,
  type LocaleDefinition,
  nl,
  pl,
  pt_BR,
  sv,
  tr,
  vi,
  zh_CN,
} from '@faker-js/faker';

/** The faker locale a person's name and address come from. */
export type CultureId =
  | 'en_US'
  | 'en_GB'
  | 'en_AU'
  | 'en_IE'
  | 'en_CA'
  | 'es'
  | 'es_MX'
  | 'fr'
  | 'de'
  | 'it'
  | 'nl'
  | 'sv'
  | 'pl'
  | 'tr'
  | 'ko'
  | 'ja'
  | 'zh_CN'
  | 'en_IN'
  | 'ar'
  | 'he'
  | 'pt_BR'
  | 'vi'
  | 'en_NG';

interface CultureSpec {
  readonly locale: LocaleDefinition;
  /** ISO 3166-1 alpha-2 country where people of this culture live when they are not local to the studio. */
  readonly country: string;
  /** Share of clients from this culture in a studio outside its country. */
  readonly weight: number;
  /** Whether the locale's state/region names belong to the country (en_IE falls back to US states). */
  readonly hasRegion: boolean;
  /** Common email providers. */
  readonly emailDomains: readonly string[];
  /** Spanish-speaking cultures carry two family names. */
  readonly doubleSurname?: boolean;
}

// biome-ignore format: one entry per line reads as a table
const cultures: Readonly<Record<CultureId, CultureSpec>> = {
  en_US: { locale: en_US, country: 'US', weight: 16, hasRegion: true, emailDomains: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'aol.com'] },
  en_GB: { locale: en_GB, country: 'GB', weight: 7, hasRegion: true, emailDomains: ['gmail.com', 'hotmail.co.uk', 'btinternet.com', 'outlook.com', 'yahoo.co.uk'] },
  en_AU: { locale: en_AU, country: 'AU', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'bigpond.com', 'outlook.com', 'icloud.com'] },
  en_IE: { locale: en_IE, country: 'IE', weight: 3, hasRegion: false, emailDomains: ['gmail.com', 'eircom.net', 'outlook.com'] },
  en_CA: { locale: en_CA, country: 'CA', weight: 3, hasRegion: true, emailDomains: ['gmail.com', 'rogers.com', 'shaw.ca', 'outlook.com'] },
  es: { locale: es, country: 'ES', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'hotmail.es', 'yahoo.es', 'telefonica.net'], doubleSurname: true },
  es_MX: { locale: es_MX, country: 'MX', weight: 5, hasRegion: true, emailDomains: ['gmail.com', 'hotmail.com', 'prodigy.net.mx'], doubleSurname: true },
  fr: { locale: fr, country: 'FR', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'orange.fr', 'free.fr', 'laposte.net'] },
  de: { locale: de, country: 'DE', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'web.de', 'gmx.de', 't-online.de'] },
  it: { locale: it, country: 'IT', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'libero.it', 'virgilio.it'] },
  nl: { locale: nl, country: 'NL', weight: 2, hasRegion: true, emailDomains: ['gmail.com', 'ziggo.nl', 'kpnmail.nl'] },
  sv: { locale: sv, country: 'SE', weight: 2, hasRegion: true, emailDomains: ['gmail.com', 'telia.com', 'hotmail.se'] },
  pl: { locale: pl, country: 'PL', weight: 3, hasRegion: true, emailDomains: ['gmail.com', 'wp.pl', 'onet.pl', 'o2.pl'] },
  tr: { locale: tr, country: 'TR', weight: 2, hasRegion: true, emailDomains: ['gmail.com', 'hotmail.com', 'yandex.com.tr'] },
  ko: { locale: ko, country: 'KR', weight: 4, hasRegion: true, emailDomains: ['naver.com', 'daum.net', 'gmail.com'] },
  ja: { locale: ja, country: 'JP', weight: 3, hasRegion: true, emailDomains: ['gmail.com', 'yahoo.co.jp', 'docomo.ne.jp', 'icloud.com'] },
  zh_CN: { locale: zh_CN, country: 'CN', weight: 4, hasRegion: true, emailDomains: ['qq.com', '163.com', 'gmail.com'] },
  en_IN: { locale: en_IN, country: 'IN', weight: 5, hasRegion: true, emailDomains: ['gmail.com', 'rediffmail.com', 'yahoo.co.in'] },
  ar: { locale: ar, country: 'AE', weight: 3, hasRegion: true, emailDomains: ['gmail.com', 'hotmail.com', 'yahoo.com'] },
  he: { locale: he, country: 'IL', weight: 1, hasRegion: true, emailDomains: ['gmail.com', 'walla.co.il'] },
  pt_BR: { locale: pt_BR, country: 'BR', weight: 4, hasRegion: true, emailDomains: ['gmail.com', 'uol.com.br', 'bol.com.br', 'hotmail.com'] },
  vi: { locale: vi, country: 'VN', weight: 3, hasRegion: true, emailDomains: ['gmail.com', 'yahoo.com.vn'] },
  en_NG: { locale: en_NG, country: 'NG', weight: 2, hasRegion: true, emailDomains: ['gmail.com', 'yahoo.com'] },
};

/** Every culture the generator draws names from. */
export const cultureIds = Object.keys(cultures) as CultureId[];

/** A postal address drawn from a culture's pool. */
export interface PooledAddress {
  readonly line1: string;
  readonly city: string;
  readonly region: string | null;
  readonly postalCode: string;
}

/** Vocabulary of one culture, built once. */
export interface CulturePool {
  readonly id: CultureId;
  readonly country: string;
  readonly femaleNames: readonly string[];
  readonly maleNames: readonly string[];
  readonly femaleSurnames: readonly string[];
  readonly maleSurnames: readonly string[];
  readonly addresses: readonly PooledAddress[];
  readonly cities: readonly string[];
  readonly emailDomains: readonly string[];
  readonly doubleSurname: boolean;
}

const poolCache = new Map<CultureId, CulturePool>();
const addressPoolSize = 64;

function firstNonEmpty(...lists: (readonly string[] | undefined)[]): readonly string[] {
  for (const list of lists) if (list !== undefined && list.length > 0) return list;
  return [];
}

/** The vocabulary pool of a culture (built with a fixed faker seed on first use, then cached). */
export function culturePool(id: CultureId): CulturePool {
  const cached = poolCache.get(id);
  if (cached !== undefined) return cached;
  const spec = cultures[id];
  // A private instance: seeding the shared `faker` singletons would disturb anyone else using faker.
  const faker = new Faker({ locale: [spec.locale, en, base] });
  faker.seed(cultureIds.indexOf(id) + 1);
  const person = faker.rawDefinitions.person;
  const first = person?.first_name;
  const last = person?.last_name;
  const addresses: PooledAddress[] = [];
  for (let index = 0; index < addressPoolSize; index += 1) {
    let region: string | null = null;
    if (spec.hasRegion) {
      try {
        region = faker.location.state();
      } catch {
        region = null;
      }
    }
    addresses.push({
      line1: faker.location.streetAddress(),
      city: faker.location.city(),
      region,
      postalCode: faker.location.zipCode(),
    });
  }
  const pool: CulturePool = {
    id,
    country: spec.country,
    femaleNames: firstNonEmpty(first?.female, first?.generic, first?.male),
    maleNames: firstNonEmpty(first?.male, first?.generic, first?.female),
    femaleSurnames: firstNonEmpty(last?.female, last?.generic, last?.male),
    maleSurnames: firstNonEmpty(last?.male, last?.generic, last?.female),
    addresses,
    cities: [...new Set(addresses.map((address) => address.city))],
    emailDomains: spec.emailDomains,
    doubleSurname: spec.doubleSurname === true,
  };
  poolCache.set(id, pool);
  return pool;
}

/** Weights of the cultures for a studio whose local culture is `home` (locals are most of any studio). */
export function cultureWeights(home: CultureId): [CultureId, number][] {
  return cultureIds.map((id) => [id, id === home ? 40 : cultures[id].weight]);
}

/** Short English words for email handles of people whose names are not in Latin script. */
export interface HandleWords {
  readonly adjectives: readonly string[];
  readonly nouns: readonly string[];
}

let handleWordCache: HandleWords | undefined;

/** English adjectives and nouns for email handles (built on first use, then cached). */
export function handleWords(): HandleWords {
  if (handleWordCache !== undefined) return handleWordCache;
  const faker = new Faker({ locale: [en, base] });
  const words = faker.rawDefinitions.word;
  const short = (list: readonly string[] | null | undefined) =>
    (list ?? []).filter((word) => /^[a-z]{3,8}$/.test(word));
  handleWordCache = { adjectives: short(words?.adjective), nouns: short(words?.noun) };
  return handleWordCache;
}
