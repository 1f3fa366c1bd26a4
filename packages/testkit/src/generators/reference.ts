/**
 * The studio-wide part of a generated studio: settings, job types, lead sources and statuses, closed reasons,
 * job roles, event types, custom fields, the team, venues, vendor companies and planners.
 */
import { dayMs, formatTimestamp, momentOf } from './calendar.js';
import { type CultureId, type CulturePool, culturePool } from './cultures.js';
import { generatePhone } from './phones.js';
import type { Random } from './random.js';
import type {
  CustomFieldKind,
  EventTypeKey,
  JobRoleKey,
  JobTypeKey,
  ResolvedStudioOptions,
  StudioAddress,
  StudioClosedReason,
  StudioCompany,
  StudioCustomField,
  StudioDateFormat,
  StudioEventType,
  StudioJobRole,
  StudioJobType,
  StudioLeadSource,
  StudioLeadStatus,
  StudioPerson,
  StudioReference,
  StudioStaff,
  StudioVenue,
} from './types.js';
import { deterministicUlid } from './ulid.js';

/** Defaults and geography of the countries a studio can be in. */
export interface CountryProfile {
  readonly culture: CultureId;
  readonly currency: string;
  readonly timezone: string;
  readonly dateFormat: StudioDateFormat;
  readonly latitude: number;
  readonly longitude: number;
}

// biome-ignore format: one entry per line reads as a table
/** Countries a studio can be in (ISO 3166-1 alpha-2). */
export const countryProfiles: Readonly<Record<string, CountryProfile>> = {
  US: { culture: 'en_US', currency: 'USD', timezone: 'America/New_York', dateFormat: 'n/j/Y', latitude: 40.7, longitude: -74.0 },
  CA: { culture: 'en_CA', currency: 'CAD', timezone: 'America/Toronto', dateFormat: 'Y-m-d', latitude: 43.7, longitude: -79.4 },
  GB: { culture: 'en_GB', currency: 'GBP', timezone: 'Europe/London', dateFormat: 'j/n/Y', latitude: 52.5, longitude: -1.5 },
  IE: { culture: 'en_IE', currency: 'EUR', timezone: 'Europe/Dublin', dateFormat: 'j/n/Y', latitude: 53.3, longitude: -7.7 },
  AU: { culture: 'en_AU', currency: 'AUD', timezone: 'Australia/Sydney', dateFormat: 'j/n/Y', latitude: -33.8, longitude: 151.0 },
  DE: { culture: 'de', currency: 'EUR', timezone: 'Europe/Berlin', dateFormat: 'j/n/Y', latitude: 51.1, longitude: 10.4 },
  FR: { culture: 'fr', currency: 'EUR', timezone: 'Europe/Paris', dateFormat: 'j/n/Y', latitude: 46.6, longitude: 2.4 },
  ES: { culture: 'es', currency: 'EUR', timezone: 'Europe/Madrid', dateFormat: 'j/n/Y', latitude: 40.4, longitude: -3.7 },
  MX: { culture: 'es_MX', currency: 'MXN', timezone: 'America/Mexico_City', dateFormat: 'j/n/Y', latitude: 19.4, longitude: -99.1 },
  IT: { culture: 'it', currency: 'EUR', timezone: 'Europe/Rome', dateFormat: 'j/n/Y', latitude: 42.8, longitude: 12.5 },
  NL: { culture: 'nl', currency: 'EUR', timezone: 'Europe/Amsterdam', dateFormat: 'j/n/Y', latitude: 52.1, longitude: 5.3 },
  SE: { culture: 'sv', currency: 'SEK', timezone: 'Europe/Stockholm', dateFormat: 'Y-m-d', latitude: 59.3, longitude: 18.0 },
  PL: { culture: 'pl', currency: 'PLN', timezone: 'Europe/Warsaw', dateFormat: 'j/n/Y', latitude: 52.2, longitude: 21.0 },
  TR: { culture: 'tr', currency: 'TRY', timezone: 'Europe/Istanbul', dateFormat: 'j/n/Y', latitude: 41.0, longitude: 28.9 },
  KR: { culture: 'ko', currency: 'KRW', timezone: 'Asia/Seoul', dateFormat: 'Y-m-d', latitude: 37.5, longitude: 127.0 },
  JP: { culture: 'ja', currency: 'JPY', timezone: 'Asia/Tokyo', dateFormat: 'Y-m-d', latitude: 35.7, longitude: 139.7 },
  CN: { culture: 'zh_CN', currency: 'CNY', timezone: 'Asia/Shanghai', dateFormat: 'Y-m-d', latitude: 31.2, longitude: 121.5 },
  IN: { culture: 'en_IN', currency: 'INR', timezone: 'Asia/Kolkata', dateFormat: 'j/n/Y', latitude: 19.1, longitude: 72.9 },
  AE: { culture: 'ar', currency: 'AED', timezone: 'Asia/Dubai', dateFormat: 'j/n/Y', latitude: 25.2, longitude: 55.3 },
  IL: { culture: 'he', currency: 'ILS', timezone: 'Asia/Jerusalem', dateFormat: 'j/n/Y', latitude: 32.1, longitude: 34.8 },
  BR: { culture: 'pt_BR', currency: 'BRL', timezone: 'America/Sao_Paulo', dateFormat: 'j/n/Y', latitude: -23.5, longitude: -46.6 },
  VN: { culture: 'vi', currency: 'VND', timezone: 'Asia/Ho_Chi_Minh', dateFormat: 'j/n/Y', latitude: 10.8, longitude: 106.7 },
  NG: { culture: 'en_NG', currency: 'NGN', timezone: 'Africa/Lagos', dateFormat: 'j/n/Y', latitude: 6.5, longitude: 3.4 },
};

// biome-ignore format: one entry per line reads as a table
/** Rough value of one US dollar in other currencies, so prices look local. */
const dollarRates: Readonly<Record<string, number>> = {
  USD: 1, CAD: 1.35, GBP: 0.8, EUR: 0.92, AUD: 1.5, NZD: 1.6, CHF: 0.9, MXN: 17, SEK: 10.5, PLN: 4, TRY: 32,
  KRW: 1350, JPY: 150, CNY: 7.2, INR: 83, AED: 3.67, ILS: 3.7, BRL: 5, VND: 24_000, NGN: 1500,
};

/** A price in minor units of the studio's currency for a price in US dollars, rounded to look like a price. */
export function localPrice(options: ResolvedStudioOptions, dollars: number): number {
  const major = dollars * (dollarRates[options.currency] ?? 1);
  const step = major >= 1000 ? 50 : major >= 100 ? 5 : 1;
  return Math.max(step, Math.round(major / step) * step) * 10 ** options.currencyExponent;
}

interface DestinationVenue {
  readonly name: string;
  readonly city: string;
  readonly region: string | null;
  readonly postalCode: string;
  readonly country: string;
  readonly timezone: string;
  readonly latitude: number;
  readonly longitude: number;
}

// biome-ignore format: one entry per line reads as a table
/** Destination-wedding venues (names invented; places real, so their time zones differ from the studio's). */
const destinations: readonly DestinationVenue[] = [
  { name: 'Villa dei Limoni', city: 'Ravello', region: 'Campania', postalCode: '84010', country: 'IT', timezone: 'Europe/Rome', latitude: 40.649, longitude: 14.612 },
  { name: 'Casa del Mar', city: 'Tulum', region: 'Quintana Roo', postalCode: '77780', country: 'MX', timezone: 'America/Cancun', latitude: 20.211, longitude: -87.465 },
  { name: 'Caldera Cliff Terrace', city: 'Oia', region: 'South Aegean', postalCode: '84702', country: 'GR', timezone: 'Europe/Athens', latitude: 36.461, longitude: 25.375 },
  { name: 'Higashiyama Garden Pavilion', city: 'Kyoto', region: 'Kyoto', postalCode: '605-0862', country: 'JP', timezone: 'Asia/Tokyo', latitude: 34.995, longitude: 135.785 },
  { name: 'Rice Terrace Villa', city: 'Ubud', region: 'Bali', postalCode: '80571', country: 'ID', timezone: 'Asia/Makassar', latitude: -8.506, longitude: 115.263 },
  { name: 'Oceanfront Lawn', city: 'Wailea', region: 'HI', postalCode: '96753', country: 'US', timezone: 'Pacific/Honolulu', latitude: 20.689, longitude: -156.442 },
  { name: 'Lakeside Lodge', city: 'Banff', region: 'AB', postalCode: 'T1L 1A1', country: 'CA', timezone: 'America/Edmonton', latitude: 51.178, longitude: -115.571 },
  { name: 'Château des Vignes', city: 'Saint-Émilion', region: 'Nouvelle-Aquitaine', postalCode: '33330', country: 'FR', timezone: 'Europe/Paris', latitude: 44.894, longitude: -0.155 },
  { name: 'Harbour Pavilion', city: 'Sydney', region: 'NSW', postalCode: '2000', country: 'AU', timezone: 'Australia/Sydney', latitude: -33.857, longitude: 151.215 },
  { name: 'Lava Field Chapel', city: 'Reykjavík', region: null, postalCode: '101', country: 'IS', timezone: 'Atlantic/Reykjavik', latitude: 64.146, longitude: -21.942 },
];

const leadSourceNames = [
  'Instagram',
  'Google',
  'The Knot',
  'WeddingWire',
  'Referral – Past Client',
  'Referral – Vendor',
  'Facebook',
  'Pinterest',
  'Wedding Fair',
  'Website',
  'Repeat Client',
];

const leadStatusSpecs: readonly (readonly [string, StudioLeadStatus['kind']])[] = [
  ['New', 'new'],
  ['Contacted', 'general'],
  ['Consultation Scheduled', 'general'],
  ['Proposal Sent', 'general'],
  ['Follow Up', 'general'],
  ['Stale', 'stale'],
];

const closedReasonSpecs: readonly (readonly [string, StudioClosedReason['outcome']])[] = [
  ['Booked another photographer', 'lost'],
  ['Over budget', 'lost'],
  ['No response', 'lost'],
  ['Date unavailable', 'lost'],
  ['Wedding cancelled', 'cancelled'],
  ['Postponed indefinitely', 'cancelled'],
];

const jobTypeSpecs: readonly (readonly [JobTypeKey, string])[] = [
  ['wedding', 'Wedding'],
  ['elopement', 'Elopement'],
  ['engagement', 'Engagement'],
  ['anniversary', 'Anniversary'],
  ['family', 'Family'],
  ['portrait', 'Portrait'],
];

const jobRoleSpecs: readonly (readonly [JobRoleKey, string, StudioJobRole['kind']])[] = [
  ['bride', 'Bride', 'subject'],
  ['groom', 'Groom', 'subject'],
  ['partner', 'Partner', 'subject'],
  ['client', 'Client', 'customer'],
  ['planner', 'Planner', 'vendor'],
  ['florist', 'Florist', 'vendor'],
  ['second_shooter', 'Second Shooter', 'team'],
];

const eventTypeSpecs: readonly (readonly [EventTypeKey, string])[] = [
  ['ceremony', 'Ceremony'],
  ['reception', 'Reception'],
  ['engagement_session', 'Engagement Session'],
  ['elopement', 'Elopement'],
  ['portrait_session', 'Portrait Session'],
];

const customFieldSpecs: readonly {
  readonly key: string;
  readonly label: string;
  readonly kind: CustomFieldKind;
  readonly appliesTo: 'contact' | 'job';
  readonly choices?: readonly string[];
}[] = [
  { key: 'instagram', label: 'Instagram handle', kind: 'text', appliesTo: 'contact' },
  { key: 'nickname', label: 'Nickname', kind: 'text', appliesTo: 'contact' },
  {
    key: 'pronouns',
    label: 'Pronouns',
    kind: 'choice',
    appliesTo: 'contact',
    choices: ['she/her', 'he/him', 'they/them'],
  },
  { key: 'wedding_hashtag', label: 'Wedding hashtag', kind: 'text', appliesTo: 'job' },
  { key: 'getting_ready', label: 'Getting-ready locations', kind: 'textarea', appliesTo: 'job' },
  {
    key: 'photo_style',
    label: 'Photo style',
    kind: 'choice',
    appliesTo: 'job',
    choices: ['Classic', 'Documentary', 'Editorial', 'Fine art'],
  },
  { key: 'family_groups', label: 'Family group photos', kind: 'number', appliesTo: 'job' },
  { key: 'coverage_hours', label: 'Hours of coverage', kind: 'decimal', appliesTo: 'job' },
  { key: 'travel_fee', label: 'Travel fee', kind: 'money', appliesTo: 'job' },
  { key: 'final_payment_due', label: 'Final payment due', kind: 'date', appliesTo: 'job' },
  { key: 'ceremony_time', label: 'Ceremony time', kind: 'time', appliesTo: 'job' },
  { key: 'second_shooter', label: 'Second shooter', kind: 'boolean', appliesTo: 'job' },
];

// biome-ignore format: one entry per line reads as a table
const foldMap: Readonly<Record<string, string>> = {
  ß: 'ss', ł: 'l', Ł: 'l', ø: 'o', Ø: 'o', æ: 'ae', Æ: 'ae', đ: 'd', Đ: 'd', ı: 'i', œ: 'oe', þ: 'th', ð: 'd',
};

/** Lowercase ASCII letters and digits of a text, accents removed (`Zoë O'Brien` -> `zoeobrien`). */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßłŁøØæÆđĐıœþð]/g, (character) => foldMap[character] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Makes sequential ids for one owner (a client, or the studio itself) with a distinct sequence range. */
export class IdMaker {
  private next = 0;

  constructor(
    private readonly random: Random,
    private readonly base: number,
  ) {}

  /** A new id for an entity created at `timeMs`. */
  id(timeMs: number): string {
    const id = deterministicUlid(timeMs, this.base + this.next, this.random);
    this.next += 1;
    return id;
  }
}

/** Sequence numbers of studio-wide records start here; clients use `(index + 1) * 256` onwards. */
export const referenceSequenceBase = 2 ** 49;

function pickSurname(random: Random, pool: CulturePool): string {
  return random.pick(random.chance(0.5) ? pool.femaleSurnames : pool.maleSurnames);
}

function homeAddress(random: Random, pool: CulturePool, country: string): StudioAddress {
  const address = random.pick(pool.addresses);
  return {
    line1: address.line1,
    line2: null,
    city: address.city,
    region: address.region,
    postalCode: address.postalCode,
    country,
  };
}

/** A Google-style place id (`ChIJ` and 23 URL-safe characters). */
function placeId(random: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let text = 'ChIJ';
  for (let index = 0; index < 23; index += 1) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** Builds the studio-wide records. Everything is created before the studio's history starts. */
export function buildReference(
  options: ResolvedStudioOptions,
  random: Random,
  startDay: number,
): StudioReference {
  const profile = countryProfiles[options.country] as CountryProfile;
  const pool = culturePool(profile.culture);
  const ids = new IdMaker(random, referenceSequenceBase);
  const before = (minDays: number, maxDays: number) =>
    momentOf(random, startDay - random.int(minDays, maxDays));
  const stamp = (ms: number) => formatTimestamp(ms);

  const studioCreated = before(1200, 2400);
  const ownerFirstName = random.pick(random.chance(0.6) ? pool.femaleNames : pool.maleNames);
  const ownerLastName = pickSurname(random, pool);
  const name = options.name;
  const domain = `${asciiFold(name).slice(0, 40) || 'studio'}.com`;
  const settings = {
    id: ids.id(studioCreated),
    name,
    ownerFirstName,
    ownerLastName,
    email: `hello@${domain}`,
    country: options.country,
    currency: options.currency,
    currencyExponent: options.currencyExponent,
    timezone: options.timezone,
    dateFormat: options.dateFormat,
    createdAt: stamp(studioCreated),
    modifiedAt: stamp(before(0, 30)),
  };

  const setupTime = () => studioCreated + random.int(1, 30) * dayMs;
  const jobTypes: StudioJobType[] = jobTypeSpecs.map(([key, label]) => {
    const time = setupTime();
    return { id: ids.id(time), key, name: label, createdAt: stamp(time) };
  });
  const leadSources: StudioLeadSource[] = leadSourceNames.map((label) => {
    const time = setupTime();
    return { id: ids.id(time), name: label, createdAt: stamp(time) };
  });
  const leadStatuses: StudioLeadStatus[] = leadStatusSpecs.map(([label, kind], position) => {
    const time = setupTime();
    return { id: ids.id(time), name: label, kind, sortPosition: position + 1, createdAt: stamp(time) };
  });
  const closedReasons: StudioClosedReason[] = closedReasonSpecs.map(([label, outcome]) => {
    const time = setupTime();
    return { id: ids.id(time), name: label, outcome, createdAt: stamp(time) };
  });
  const jobRoles: StudioJobRole[] = jobRoleSpecs.map(([key, label, kind]) => {
    const time = setupTime();
    return { id: ids.id(time), key, name: label, kind, createdAt: stamp(time) };
  });
  const eventTypes: StudioEventType[] = eventTypeSpecs.map(([key, label]) => {
    const time = setupTime();
    return { id: ids.id(time), key, name: label, createdAt: stamp(time) };
  });
  const customFields: StudioCustomField[] = customFieldSpecs.map((spec) => {
    const time = setupTime();
    return {
      id: ids.id(time),
      key: spec.key,
      label: spec.label,
      kind: spec.kind,
      appliesTo: spec.appliesTo,
      choices: spec.choices ?? null,
      createdAt: stamp(time),
    };
  });

  const staffTitles = ['Associate Photographer', 'Second Shooter', 'Studio Manager', 'Second Shooter'];
  const staffCount = options.clients > 500 ? 4 : 2;
  const staff: StudioStaff[] = [];
  for (let index = 0; index < staffCount; index += 1) {
    const time = before(100, 1000);
    const firstName = random.pick(random.chance(0.5) ? pool.femaleNames : pool.maleNames);
    const lastName = pickSurname(random, pool);
    staff.push({
      id: ids.id(time),
      firstName,
      lastName,
      email: `${asciiFold(firstName) || 'team'}${index + 1}@${domain}`,
      jobTitle: staffTitles[index] as string,
      phone: generatePhone(random, options.country, 'mobile', false),
      createdAt: stamp(time),
      modifiedAt: stamp(time),
    });
  }

  const venueCount = clamp(Math.ceil(options.clients / 12), 5, 500);
  const destinationCount = Math.max(1, Math.round(venueCount / 10));
  const venues: StudioVenue[] = [];
  for (let index = 0; index < venueCount; index += 1) {
    const time = before(10, 900);
    const destination = index < destinationCount ? destinations[index % destinations.length] : undefined;
    if (destination !== undefined) {
      venues.push({
        id: ids.id(time),
        name: destination.name,
        address: {
          line1: null,
          line2: null,
          city: destination.city,
          region: destination.region,
          postalCode: destination.postalCode,
          country: destination.country,
        },
        latitude: destination.latitude,
        longitude: destination.longitude,
        googlePlaceId: placeId(random),
        timezone: destination.timezone,
        destination: true,
        phone: null,
        createdAt: stamp(time),
        modifiedAt: stamp(time),
      });
      continue;
    }
    const address = homeAddress(random, pool, options.country);
    const surname = pickSurname(random, pool);
    const city = address.city ?? surname;
    const venueName = random.pick([
      `${city} Botanical Gardens`,
      `The ${surname} Estate`,
      `${surname} Hall`,
      `Hotel ${surname}`,
      `${city} Country Club`,
      `${surname} Vineyard`,
      `The Old Barn at ${city}`,
      `St. Mary's Church, ${city}`,
      `${city} Lakeside Pavilion`,
    ]);
    venues.push({
      id: ids.id(time),
      name: venueName.slice(0, 120),
      address,
      latitude: Math.round((profile.latitude + (random.next() - 0.5) * 3) * 1e6) / 1e6,
      longitude: Math.round((profile.longitude + (random.next() - 0.5) * 3) * 1e6) / 1e6,
      googlePlaceId: random.chance(0.8) ? placeId(random) : null,
      timezone: options.timezone,
      destination: false,
      phone: random.chance(0.7) ? generatePhone(random, options.country, 'work', false) : null,
      createdAt: stamp(time),
      modifiedAt: stamp(time),
    });
  }

  const companyCount = clamp(Math.ceil(options.clients / 40), 3, 200);
  const companies: StudioCompany[] = [];
  for (let index = 0; index < companyCount; index += 1) {
    const time = before(10, 900);
    const surname = pickSurname(random, pool);
    const address = homeAddress(random, pool, options.country);
    const companyName = random.pick([
      `${surname} Florals`,
      `Petal & ${surname}`,
      `${address.city ?? surname} Flower Co.`,
      `${surname} Floral Design`,
    ]);
    companies.push({
      id: ids.id(time),
      name: companyName.slice(0, 120),
      email: `info${index + 1}@${asciiFold(companyName).slice(0, 30) || 'florist'}.com`,
      phone: generatePhone(random, options.country, 'work', false),
      address: random.chance(0.7) ? address : null,
      createdAt: stamp(time),
      modifiedAt: stamp(time),
    });
  }

  const plannerCount = clamp(Math.ceil(options.clients / 60), 2, 150);
  const planners: StudioPerson[] = [];
  for (let index = 0; index < plannerCount; index += 1) {
    const time = before(10, 900);
    const gender = random.chance(0.8) ? 'female' : 'male';
    const firstName = random.pick(gender === 'female' ? pool.femaleNames : pool.maleNames);
    const lastName = pickSurname(random, pool);
    const companyName = `${lastName} Weddings & Events`;
    const slug = asciiFold(companyName).slice(0, 30) || 'planner';
    planners.push({
      id: ids.id(time),
      role: 'planner',
      culture: profile.culture,
      gender,
      firstName,
      lastName,
      maidenName: null,
      nickname: null,
      email: `${asciiFold(firstName) || 'hello'}${index + 1}@${slug}.com`,
      secondaryEmail: null,
      phones: [generatePhone(random, options.country, 'work', false)],
      address: random.chance(0.5) ? homeAddress(random, pool, options.country) : null,
      birthdate: null,
      anniversary: null,
      companyName,
      marketingOptIn: false,
      previousClient: false,
      notes: [],
      customFields: [],
      createdAt: stamp(time),
      modifiedAt: stamp(time),
    });
  }

  return {
    settings,
    jobTypes,
    leadSources,
    leadStatuses,
    closedReasons,
    jobRoles,
    eventTypes,
    customFields,
    staff,
    venues,
    companies,
    planners,
  };
}
