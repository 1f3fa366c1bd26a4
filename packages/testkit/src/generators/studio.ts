/**
 * The wedding-studio generator: a deterministic, realistic studio of clients with partners, names from many
 * cultures, jobs over several years, events at venues in their time zones, orders, invoices and payments,
 * custom fields, lead sources and statuses — plus, on request, planted duplicates and bad records, every one
 * listed in the manifest so tests can assert exact expectations.
 *
 * Each client is generated from its own random stream (seed + index), so generation is O(clients), can run
 * lazily (`createStudioGenerator(options).clients()`), and a client never depends on its neighbours.
 */
import {
  formatDay,
  formatTime,
  formatTimestamp,
  impossibleDateNear,
  momentOf,
  parseDay,
} from './calendar.js';
import { type CultureId, culturePool, cultureWeights } from './cultures.js';
import {
  brokenEmail,
  emailAddress,
  emailCaseVariant,
  familyName,
  givenName,
  nameCaseVariant,
  spacingVariant,
  typoVariant,
} from './people.js';
import { generatePhone, retypePhone, type StudioPhone } from './phones.js';
import { Random, sampleDistinct } from './random.js';
import { asciiFold, buildReference, countryProfiles, IdMaker, localPrice } from './reference.js';
import type {
  BadRecordCounts,
  BadRecordKind,
  DuplicateCounts,
  DuplicateKind,
  EventTypeKey,
  GeneratedStudio,
  JobRoleKey,
  JobStage,
  JobTypeKey,
  ManifestBadRecord,
  ManifestDuplicate,
  ManifestEdgeCase,
  ResolvedStudioOptions,
  StudioAddress,
  StudioClientBundle,
  StudioCustomFieldValue,
  StudioDateFormat,
  StudioEvent,
  StudioInvoice,
  StudioJob,
  StudioJobContact,
  StudioLineItem,
  StudioManifest,
  StudioNote,
  StudioOptions,
  StudioOrder,
  StudioPayment,
  StudioPerson,
  StudioReference,
  StudioVenue,
} from './types.js';
import { enumOption, integerOption, invalid, numberOption, objectOption, stringOption } from './validate.js';

const streams = { plan: 1, reference: 2, client: 3 } as const;
const duplicateKinds: readonly DuplicateKind[] = ['case', 'spacing', 'phoneFormat', 'typo'];
const badRecordKinds: readonly BadRecordKind[] = ['invalidEmail', 'impossibleDate', 'missingName'];
const maxClients = 10_000_000;

/** A generator of one studio: its options, its studio-wide records, and its clients on demand. */
export interface StudioGenerator {
  /** The options after defaults. */
  readonly options: ResolvedStudioOptions;
  /** Settings, types, venues, vendors and planners. */
  readonly reference: StudioReference;
  /** Generates the clients one by one, in order. Every iteration yields the same bundles. */
  clients(): Generator<StudioClientBundle, void, undefined>;
  /** Generates one client by position (0-based). */
  client(index: number): StudioClientBundle;
}

interface Signature {
  readonly culture: CultureId;
  readonly gender: 'female' | 'male';
  readonly firstName: string;
  readonly lastName: string;
  readonly nickname?: string;
  readonly jobNote?: string;
  readonly features: {
    readonly firstName?: ManifestEdgeCase['features'];
    readonly lastName?: ManifestEdgeCase['features'];
    readonly nickname?: ManifestEdgeCase['features'];
    readonly notes?: ManifestEdgeCase['features'];
  };
}

// biome-ignore format: one entry per line reads as a table
/** Names and notes every studio contains (spread over its clients), to exercise encodings and limits. */
const signatures: readonly Signature[] = [
  { culture: 'en_IE', gender: 'female', firstName: 'Siobhán', lastName: "O'Brien", features: { firstName: ['accent'], lastName: ['apostrophe'] } },
  { culture: 'es', gender: 'male', firstName: 'José', lastName: 'García Núñez', features: { firstName: ['accent'], lastName: ['accent'] } },
  { culture: 'ko', gender: 'male', firstName: '민준', lastName: '김', features: { firstName: ['hangul'], lastName: ['hangul'] } },
  { culture: 'fr', gender: 'female', firstName: 'Zoë', lastName: 'Lefèvre', features: { firstName: ['accent'], lastName: ['accent'] } },
  {
    culture: 'en_GB',
    gender: 'female',
    firstName: 'Josephine',
    lastName: 'Featherstonehaugh-Cholmondeley-Worthington-Smyth',
    nickname: 'Jojo 🌸',
    jobNote: "Can't wait for the big day! 💍✨ Wants a first look before the ceremony.",
    features: { lastName: ['long', 'hyphen'], nickname: ['emoji'], notes: ['emoji', 'apostrophe'] },
  },
  { culture: 'ja', gender: 'female', firstName: '陽菜', lastName: '佐藤', features: { firstName: ['kanji'], lastName: ['kanji'] } },
  { culture: 'ar', gender: 'female', firstName: 'فاطمة', lastName: 'الهاشمي', features: { firstName: ['arabic'], lastName: ['arabic'] } },
  { culture: 'vi', gender: 'female', firstName: 'Ngọc Ánh', lastName: 'Nguyễn', features: { firstName: ['accent'], lastName: ['accent'] } },
  { culture: 'pl', gender: 'male', firstName: 'Łukasz', lastName: 'Wiśniewski-Żółć', features: { firstName: ['accent'], lastName: ['accent', 'hyphen'] } },
  { culture: 'en_US', gender: 'male', firstName: "D'Andre", lastName: "O'Connor-McKenzie", features: { firstName: ['apostrophe'], lastName: ['apostrophe', 'hyphen'] } },
];

const jobTypeWeights: readonly (readonly [JobTypeKey, number])[] = [
  ['wedding', 68],
  ['elopement', 8],
  ['engagement', 12],
  ['family', 6],
  ['portrait', 6],
];

/** Days between inquiry and event, by job type. */
const leadTimes: Readonly<Record<JobTypeKey, readonly [number, number]>> = {
  wedding: [90, 600],
  elopement: [30, 240],
  engagement: [14, 120],
  anniversary: [14, 90],
  family: [7, 60],
  portrait: [7, 60],
};

const packages: Readonly<Record<JobTypeKey, readonly (readonly [string, number])[]>> = {
  wedding: [
    ['Essential Collection — 6 hours', 2800],
    ['Signature Collection — 8 hours', 4200],
    ['Luxury Collection — 10 hours, two photographers', 6500],
  ],
  elopement: [
    ['Elopement — 3 hours', 1800],
    ['Adventure Elopement — full day', 3500],
  ],
  engagement: [['Engagement Session — 90 minutes', 450]],
  anniversary: [['Anniversary Session — 1 hour', 395]],
  family: [
    ['Family Session — 1 hour', 350],
    ['Extended Family Session — 2 hours', 550],
  ],
  portrait: [['Portrait Session', 300]],
};

const addOns: readonly (readonly [string, number, number])[] = [
  ['Engagement session', 450, 1],
  ['Second photographer', 600, 1],
  ['Additional hour of coverage', 350, 3],
  ['Fine art album 10×10', 1200, 1],
  ['Parent albums (pair)', 700, 1],
  ['Travel fee', 250, 1],
];

const jobNotes: readonly string[] = [
  'Looking for full-day coverage; ceremony in the afternoon.',
  'Loves candid, documentary-style photos. Not a fan of posed shots.',
  'Budget is flexible for the right photographer ✨',
  'Destination wedding — flights and hotel covered by the couple ✈️',
  'Wants a first look before the ceremony.',
  'Asked about albums and parent books.',
  'Met us at the wedding fair 💍',
  'Small family ceremony, around 30 guests.',
  'Follow up after their venue visit next week.',
  'Prefers to be contacted by text message.',
];

const personNotes: readonly string[] = [
  'Prefers WhatsApp over email.',
  'Vegetarian — let the caterer know 🌱',
  'Allergic to lilies.',
  'Mother of the bride handles the payments.',
  'Works night shifts: call after 2pm.',
];

const paymentMethods: readonly (readonly [StudioPayment['method'], number])[] = [
  ['card', 60],
  ['bank_transfer', 25],
  ['check', 8],
  ['cash', 7],
];

function currencyExponentOf(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function resolveCounts<K extends string>(
  name: string,
  value: unknown,
  kinds: readonly K[],
  limit: number,
): Record<K, number> {
  const counts = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<K, number>;
  if (value === undefined) return counts;
  if (typeof value === 'number') {
    const total = integerOption(name, value, 0, 0, limit);
    for (let index = 0; index < total; index += 1) {
      const kind = kinds[index % kinds.length] as K;
      counts[kind] += 1;
    }
    return counts;
  }
  const record = objectOption(name, value) ?? {};
  for (const key of Object.keys(record)) {
    if (!(kinds as readonly string[]).includes(key)) {
      invalid(`${name}.${key}`, `one of ${kinds.map((kind) => `\`${kind}\``).join(', ')}`, key);
    }
  }
  for (const kind of kinds) counts[kind] = integerOption(`${name}.${kind}`, record[kind], 0, 0, limit);
  return counts;
}

/** Checks the options and fills in the defaults. Throws InvalidArgumentError naming the bad option. */
export function resolveStudioOptions(options: StudioOptions = {}): ResolvedStudioOptions {
  objectOption('options', options);
  const seed = integerOption('seed', options.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const clients = integerOption('clients', options.clients, 50, 0, maxClients);
  const years = numberOption('years', options.years, 3, 0.1, 50);
  const startDate = stringOption('startDate', options.startDate, '2023-01-01');
  const startDay = parseDay(startDate);
  if (startDay === undefined) invalid('startDate', 'a date `YYYY-MM-DD`', startDate);
  const country = stringOption('country', options.country, 'US');
  const profile = countryProfiles[country];
  if (profile === undefined) {
    invalid(
      'country',
      `one of ${Object.keys(countryProfiles)
        .map((code) => `\`${code}\``)
        .join(', ')}`,
      country,
    );
  }
  const currency = stringOption('currency', options.currency, profile.currency);
  if (!/^[A-Z]{3}$/.test(currency) || !Intl.supportedValuesOf('currency').includes(currency)) {
    invalid('currency', 'an ISO 4217 currency code such as `USD`', currency);
  }
  const timezone = stringOption('timezone', options.timezone, profile.timezone);
  if (!isTimeZone(timezone)) invalid('timezone', 'an IANA time zone such as `Europe/London`', timezone);
  const dateFormat = enumOption<StudioDateFormat>(
    'dateFormat',
    options.dateFormat,
    ['n/j/Y', 'j/n/Y', 'Y-m-d'],
    profile.dateFormat,
  );
  const seedName = new Random(seed, streams.plan, 99);
  const name = stringOption(
    'name',
    options.name,
    `${seedName.pick(['Golden Hour', 'Evergreen', 'Wildflower', 'Silver Lining', 'Juniper', 'Lumière', 'Saltwater', 'Honeybee'])} ${seedName.pick(['Photography', 'Studio', 'Weddings', 'Photo Co.'])}`,
  );
  const duplicates = resolveCounts(
    'duplicates',
    options.duplicates,
    duplicateKinds,
    maxClients,
  ) as Required<DuplicateCounts>;
  const badRecords = resolveCounts(
    'badRecords',
    options.badRecords,
    badRecordKinds,
    maxClients,
  ) as Required<BadRecordCounts>;
  const signatureCount = Math.min(signatures.length, clients);
  const planted =
    Object.values(duplicates).reduce((sum, count) => sum + count, 0) +
    Object.values(badRecords).reduce((sum, count) => sum + count, 0);
  if (planted > clients - signatureCount) {
    invalid(
      'duplicates',
      `at most ${clients - signatureCount} planted records together with \`badRecords\` (one client each, signature clients excluded)`,
      planted,
    );
  }
  const endDay = startDay + Math.round(years * 365.25);
  return {
    seed,
    clients,
    years,
    startDate,
    endDate: formatDay(endDay),
    duplicates,
    badRecords,
    country,
    currency,
    currencyExponent: currencyExponentOf(currency),
    timezone,
    dateFormat,
    name,
  };
}

interface Plan {
  readonly signatures: ReadonlyMap<number, Signature>;
  readonly duplicates: ReadonlyMap<number, DuplicateKind>;
  readonly badRecords: ReadonlyMap<number, BadRecordKind>;
}

function makePlan(options: ResolvedStudioOptions): Plan {
  const random = new Random(options.seed, streams.plan);
  const signatureMap = new Map<number, Signature>();
  const count = Math.min(signatures.length, options.clients);
  for (let index = 0; index < count; index += 1) {
    const position = Math.floor((index * options.clients) / count);
    signatureMap.set(position, signatures[index] as Signature);
  }
  const kinds: (readonly [DuplicateKind | BadRecordKind, 'duplicate' | 'bad'])[] = [];
  for (const kind of duplicateKinds)
    for (let n = 0; n < options.duplicates[kind]; n += 1) kinds.push([kind, 'duplicate']);
  for (const kind of badRecordKinds)
    for (let n = 0; n < options.badRecords[kind]; n += 1) kinds.push([kind, 'bad']);
  const positions = sampleDistinct(random, kinds.length, options.clients, new Set(signatureMap.keys()));
  const duplicates = new Map<number, DuplicateKind>();
  const badRecords = new Map<number, BadRecordKind>();
  kinds.forEach(([kind, group], index) => {
    const position = positions[index] as number;
    if (group === 'duplicate') duplicates.set(position, kind as DuplicateKind);
    else badRecords.set(position, kind as BadRecordKind);
  });
  return { signatures: signatureMap, duplicates, badRecords };
}

interface Context {
  readonly options: ResolvedStudioOptions;
  readonly reference: StudioReference;
  readonly plan: Plan;
  readonly startDay: number;
  readonly endDay: number;
  readonly homeCulture: CultureId;
  readonly weights: [CultureId, number][];
  readonly jobType: Readonly<Record<JobTypeKey, string>>;
  readonly role: Readonly<Record<JobRoleKey, string>>;
  readonly eventType: Readonly<Record<EventTypeKey, string>>;
  readonly field: Readonly<Record<string, string>>;
  readonly leadStatus: Readonly<Record<string, string>>;
  readonly lostReasons: readonly string[];
  readonly cancelledReasons: readonly string[];
  readonly sources: readonly (readonly [string, number])[];
  readonly repeatSource: string;
  readonly homeVenues: readonly StudioVenue[];
  readonly destinationVenues: readonly StudioVenue[];
}

function byKey<T extends { readonly key: string; readonly id: string }>(
  items: readonly T[],
): Record<string, string> {
  return Object.fromEntries(items.map((item) => [item.key, item.id]));
}

function makeContext(options: ResolvedStudioOptions): Context {
  const startDay = parseDay(options.startDate) as number;
  const endDay = parseDay(options.endDate) as number;
  const reference = buildReference(options, new Random(options.seed, streams.reference), startDay);
  const homeCulture = (countryProfiles[options.country] as { culture: CultureId }).culture;
  const sourceWeights: Readonly<Record<string, number>> = {
    Instagram: 25,
    Google: 15,
    'The Knot': 12,
    WeddingWire: 8,
    'Referral – Past Client': 10,
    'Referral – Vendor': 10,
    Facebook: 6,
    Pinterest: 4,
    'Wedding Fair': 5,
    Website: 5,
  };
  return {
    options,
    reference,
    plan: makePlan(options),
    startDay,
    endDay,
    homeCulture,
    weights: cultureWeights(homeCulture),
    jobType: byKey(reference.jobTypes) as Record<JobTypeKey, string>,
    role: byKey(reference.jobRoles) as Record<JobRoleKey, string>,
    eventType: byKey(reference.eventTypes) as Record<EventTypeKey, string>,
    field: byKey(reference.customFields),
    leadStatus: Object.fromEntries(reference.leadStatuses.map((status) => [status.name, status.id])),
    lostReasons: reference.closedReasons
      .filter((reason) => reason.outcome === 'lost')
      .map((reason) => reason.id),
    cancelledReasons: reference.closedReasons
      .filter((reason) => reason.outcome === 'cancelled')
      .map((reason) => reason.id),
    sources: reference.leadSources
      .filter((source) => sourceWeights[source.name] !== undefined)
      .map((source) => [source.id, sourceWeights[source.name] as number] as const),
    repeatSource: reference.leadSources.find((source) => source.name === 'Repeat Client')?.id as string,
    homeVenues: reference.venues.filter((venue) => !venue.destination),
    destinationVenues: reference.venues.filter((venue) => venue.destination),
  };
}

interface Timeline {
  readonly inquiryDay: number;
  readonly eventDay: number;
  readonly bookingDay: number | null;
  readonly stage: JobStage;
  readonly closed: 'lost' | 'cancelled' | null;
  readonly closedDay: number | null;
  readonly fulfillmentDay: number | null;
  readonly completedDay: number | null;
  readonly leadStatus: string | null;
  /** The last day anything happened on the job (never after the studio's now). */
  readonly lastDay: number;
}

function planTimeline(
  random: Random,
  context: Context,
  key: JobTypeKey,
  inquiryDay: number,
  bookRate: number,
): Timeline {
  const { endDay } = context;
  const [minLead, maxLead] = leadTimes[key];
  const eventDay = inquiryDay + random.int(minLead, maxLead);
  const bookingDay =
    inquiryDay + random.int(2, Math.max(2, Math.min(40, Math.floor((eventDay - inquiryDay) / 2))));
  const books = random.chance(bookRate);
  const age = endDay - inquiryDay;
  if (books && bookingDay <= endDay) {
    let stage: JobStage = 'booked';
    let fulfillmentDay: number | null = null;
    let completedDay: number | null = null;
    if (eventDay < endDay) {
      fulfillmentDay = eventDay + 1;
      const done = eventDay + random.int(21, 75);
      if (done <= endDay) {
        stage = 'completed';
        completedDay = done;
      } else {
        stage = 'fulfillment';
      }
    }
    const leadStatus = random.chance(0.7) ? 'Proposal Sent' : null;
    if (stage === 'booked' && eventDay - bookingDay > 30 && random.chance(0.03)) {
      const closedDay = Math.min(endDay, bookingDay + random.int(7, eventDay - bookingDay - 1));
      return {
        inquiryDay,
        eventDay,
        bookingDay,
        stage,
        closed: 'cancelled',
        closedDay,
        fulfillmentDay,
        completedDay,
        leadStatus,
        lastDay: closedDay,
      };
    }
    const lastDay = Math.min(endDay, completedDay ?? fulfillmentDay ?? bookingDay);
    return {
      inquiryDay,
      eventDay,
      bookingDay,
      stage,
      closed: null,
      closedDay: null,
      fulfillmentDay,
      completedDay,
      leadStatus,
      lastDay,
    };
  }
  if (!books && age > 45) {
    const closedDay = Math.min(endDay, inquiryDay + random.int(10, 45));
    const leadStatus = random.pick(['Contacted', 'Proposal Sent', 'Follow Up', 'Stale']);
    return {
      inquiryDay,
      eventDay,
      bookingDay: null,
      stage: 'inquiry',
      closed: 'lost',
      closedDay,
      fulfillmentDay: null,
      completedDay: null,
      leadStatus,
      lastDay: closedDay,
    };
  }
  const leadStatus =
    age <= 7
      ? 'New'
      : age > 60
        ? 'Stale'
        : random.pick(['Contacted', 'Consultation Scheduled', 'Proposal Sent', 'Follow Up']);
  const lastDay = Math.min(endDay, inquiryDay + random.int(0, Math.max(0, age)));
  return {
    inquiryDay,
    eventDay,
    bookingDay: null,
    stage: 'inquiry',
    closed: null,
    closedDay: null,
    fulfillmentDay: null,
    completedDay: null,
    leadStatus,
    lastDay,
  };
}

/** Builds one client's records. */
class ClientBuilder {
  readonly random: Random;
  readonly ids: IdMaker;
  readonly people: StudioPerson[] = [];
  readonly jobs: StudioJob[] = [];
  readonly jobContacts: StudioJobContact[] = [];
  readonly events: StudioEvent[] = [];
  readonly orders: StudioOrder[] = [];
  readonly payments: StudioPayment[] = [];
  readonly edgeCases: ManifestEdgeCase[] = [];

  constructor(
    readonly context: Context,
    readonly index: number,
  ) {
    this.random = new Random(context.options.seed, streams.client, index);
    this.ids = new IdMaker(this.random, (index + 1) * 256);
  }

  stamp(day: number): { readonly ms: number; readonly text: string } {
    const ms = momentOf(this.random, day);
    return { ms, text: formatTimestamp(ms) };
  }

  /** A timestamp on `day`, but never before `notBefore` (ms). */
  stampAfter(day: number, notBefore: number): string {
    const ms = Math.max(momentOf(this.random, day), notBefore + 60_000);
    return formatTimestamp(ms);
  }

  address(culture: CultureId, country: string): StudioAddress {
    const address = this.random.pick(culturePool(culture).addresses);
    return {
      line1: address.line1,
      line2: this.random.chance(0.1) ? `Apt ${this.random.int(1, 40)}` : null,
      city: address.city,
      region: address.region,
      postalCode: address.postalCode,
      country,
    };
  }

  personCustomFields(firstName: string | null, nickname: string | null): StudioCustomFieldValue[] {
    const { field } = this.context;
    const random = this.random;
    const values: StudioCustomFieldValue[] = [];
    if (random.chance(0.35)) {
      const handle = asciiFold(firstName ?? '') || 'hello';
      values.push({ fieldId: field.instagram as string, value: `@${handle}${random.int(1, 999)}` });
    }
    if (nickname !== null) values.push({ fieldId: field.nickname as string, value: nickname });
    if (random.chance(0.2))
      values.push({
        fieldId: field.pronouns as string,
        value: random.pick(['she/her', 'he/him', 'they/them']),
      });
    return values;
  }
}

function generateClient(context: Context, index: number): StudioClientBundle {
  const builder = new ClientBuilder(context, index);
  const { random, ids } = builder;
  const { options, plan, endDay, startDay } = context;
  const signature = plan.signatures.get(index);
  const duplicateKind = plan.duplicates.get(index);
  const badKind = plan.badRecords.get(index);
  const planted = duplicateKind !== undefined || badKind !== undefined;

  // The first job decides when the client arrived.
  // A planted impossible date is a wedding date: the date a supplier cares about most, and one that is mapped.
  const jobKey: JobTypeKey =
    signature !== undefined || badKind === 'impossibleDate' ? 'wedding' : random.weighted(jobTypeWeights);
  const inquiryDay = random.int(startDay, endDay - 1);
  const timeline = planTimeline(random, context, jobKey, inquiryDay, 0.62);

  // The client.
  const culture: CultureId = signature?.culture ?? random.weighted(context.weights);
  const local = culture === context.homeCulture || random.chance(0.8);
  const livingCulture = local ? context.homeCulture : culture;
  const country = local ? options.country : culturePool(culture).country;
  const pool = culturePool(culture);
  const gender = signature?.gender ?? (random.chance(0.62) ? 'female' : 'male');
  const firstName = signature?.firstName ?? givenName(random, pool, gender);
  const lastName = signature?.lastName ?? familyName(random, pool, gender);
  const nickname = signature?.nickname ?? (random.chance(0.04) ? [...firstName].slice(0, 3).join('') : null);
  const needsEmail = duplicateKind === 'case' || duplicateKind === 'typo' || badKind !== undefined;
  const needsPhone =
    duplicateKind === 'spacing' || duplicateKind === 'phoneFormat' || duplicateKind === 'typo';
  const email =
    needsEmail || random.chance(0.95) ? emailAddress(random, pool, firstName, lastName, index * 3 + 1) : null;
  const phones: StudioPhone[] = [];
  if (needsPhone || random.chance(0.85))
    phones.push(generatePhone(random, country, 'mobile', !local && random.chance(0.8)));
  if (random.chance(0.08)) phones.push(generatePhone(random, options.country, 'work', false));
  const created = builder.stamp(inquiryDay);
  const clientId = ids.id(created.ms);

  // A partner for couples' jobs.
  const couple = jobKey === 'wedding' || jobKey === 'elopement' || jobKey === 'engagement';
  let partner: StudioPerson | null = null;
  let sharedEmail = false;
  if ((couple && random.chance(0.93)) || (jobKey === 'family' && random.chance(0.7))) {
    const partnerCulture = random.chance(0.7) ? culture : random.weighted(context.weights);
    const partnerPool = culturePool(partnerCulture);
    const partnerGender = random.chance(0.88) ? (gender === 'female' ? 'male' : 'female') : gender;
    const partnerFirst = givenName(random, partnerPool, partnerGender);
    const partnerLast = familyName(random, partnerPool, partnerGender);
    sharedEmail = !planted && email !== null && random.chance(0.07);
    const partnerEmail = sharedEmail
      ? email
      : random.chance(0.85)
        ? emailAddress(random, partnerPool, partnerFirst, partnerLast, index * 3 + 2)
        : null;
    const partnerCreated = created.ms + random.int(1, 600) * 1000;
    partner = {
      id: ids.id(partnerCreated),
      role: 'partner',
      culture: partnerCulture,
      gender: partnerGender,
      firstName: partnerFirst,
      lastName: partnerLast,
      maidenName: null,
      nickname: null,
      email: partnerEmail,
      secondaryEmail: null,
      phones: random.chance(0.7)
        ? [generatePhone(random, country, 'mobile', !local && random.chance(0.8))]
        : [],
      address: null,
      birthdate: random.chance(0.3) ? formatDay(inquiryDay - random.int(23 * 365, 42 * 365)) : null,
      anniversary: null,
      companyName: null,
      marketingOptIn: random.chance(0.4),
      previousClient: false,
      notes: [],
      customFields: builder.personCustomFields(partnerFirst, null),
      createdAt: formatTimestamp(partnerCreated),
      modifiedAt: formatTimestamp(partnerCreated),
    };
  }

  // Jobs: the first one, and for some completed clients a return visit.
  const firstJob = buildJob(
    builder,
    jobKey,
    timeline,
    clientId,
    partner,
    { firstName, lastName, gender },
    signature?.jobNote,
  );
  const jobTimelines: [StudioJob, Timeline][] = [[firstJob, timeline]];
  let returning = false;
  if (
    !planted &&
    signature === undefined &&
    timeline.stage === 'completed' &&
    timeline.closed === null &&
    random.chance(0.12)
  ) {
    const secondKey: JobTypeKey = partner !== null && random.chance(0.7) ? 'anniversary' : 'family';
    const secondInquiry = (timeline.completedDay as number) + random.int(150, 500);
    if (secondInquiry < endDay - 3) {
      const secondTimeline = planTimeline(random, context, secondKey, secondInquiry, 0.85);
      const secondJob = buildJob(
        builder,
        secondKey,
        secondTimeline,
        clientId,
        partner,
        { firstName, lastName, gender },
        undefined,
        true,
      );
      jobTimelines.push([secondJob, secondTimeline]);
      returning = true;
    }
  }

  // The client record, now that the jobs say when it was last touched.
  const lastDay = Math.max(...jobTimelines.map(([, jobTimeline]) => jobTimeline.lastDay));
  const weddingDate =
    jobKey === 'wedding' && timeline.stage === 'completed' ? formatDay(timeline.eventDay) : null;
  const notes: StudioNote[] = [];
  if (random.chance(0.12)) {
    const noteDay = random.int(inquiryDay, Math.max(inquiryDay, lastDay));
    const noteCreated = Math.max(momentOf(random, noteDay), created.ms + 60_000);
    notes.push({
      id: ids.id(noteCreated),
      text: random.pick(personNotes),
      date: formatDay(noteDay),
      createdAt: formatTimestamp(noteCreated),
    });
  }
  let client: StudioPerson = {
    id: clientId,
    role: 'client',
    culture,
    gender,
    firstName,
    lastName,
    maidenName: null,
    nickname,
    email,
    secondaryEmail: random.chance(0.05) && email !== null ? email.replace('@', '.work@') : null,
    phones,
    address: random.chance(0.75) ? builder.address(livingCulture, country) : null,
    birthdate: random.chance(0.4) ? formatDay(inquiryDay - random.int(23 * 365, 42 * 365)) : null,
    anniversary: weddingDate,
    companyName: null,
    marketingOptIn: random.chance(0.55),
    previousClient: returning,
    notes,
    customFields: builder.personCustomFields(firstName, nickname),
    createdAt: created.text,
    modifiedAt: lastDay > inquiryDay ? builder.stampAfter(lastDay, created.ms) : created.text,
  };
  if (partner !== null && partner.address === null && client.address !== null && random.chance(0.5)) {
    partner = { ...partner, address: client.address };
  }

  // Planted bad records and duplicates.
  const badRecords: ManifestBadRecord[] = [];
  const duplicates: ManifestDuplicate[] = [];
  if (badKind === 'invalidEmail') {
    const value = brokenEmail(random, client.email as string);
    client = { ...client, email: value };
    badRecords.push({ kind: badKind, contactId: clientId, jobId: null, field: 'email', value });
  } else if (badKind === 'missingName') {
    client = { ...client, firstName: null, lastName: null, nickname: null };
    badRecords.push({
      kind: badKind,
      contactId: clientId,
      jobId: null,
      field: 'firstName,lastName',
      value: null,
    });
  } else if (badKind === 'impossibleDate') {
    const value = impossibleDateNear(timeline.eventDay);
    const job = jobTimelines[0]?.[0] as StudioJob;
    jobTimelines[0] = [{ ...job, eventDate: value }, timeline];
    badRecords.push({ kind: badKind, contactId: clientId, jobId: job.id, field: 'eventDate', value });
  }
  builder.people.push(client);
  if (partner !== null) builder.people.push(partner);
  if (duplicateKind !== undefined) {
    const duplicate = plantDuplicate(builder, duplicateKind, client);
    builder.people.push(duplicate.person);
    duplicates.push(duplicate.entry);
  }
  builder.jobs.push(...jobTimelines.map(([job]) => job));

  if (signature !== undefined) {
    for (const field of ['firstName', 'lastName', 'nickname'] as const) {
      const features = signature.features[field];
      const value = client[field];
      if (features !== undefined && value !== null)
        builder.edgeCases.push({ contactId: clientId, jobId: null, field, value, features });
    }
    if (signature.jobNote !== undefined && signature.features.notes !== undefined) {
      builder.edgeCases.push({
        contactId: clientId,
        jobId: firstJob.id,
        field: 'notes',
        value: signature.jobNote,
        features: signature.features.notes,
      });
    }
  }

  return {
    index,
    people: builder.people,
    jobs: builder.jobs,
    jobContacts: builder.jobContacts,
    events: builder.events,
    orders: builder.orders,
    payments: builder.payments,
    duplicates,
    badRecords,
    edgeCases: builder.edgeCases,
    sharedEmailCouple:
      sharedEmail && partner !== null && email !== null
        ? { jobId: firstJob.id, contactIds: [clientId, partner.id], email }
        : null,
    returningClient: returning ? { contactId: clientId, jobIds: jobTimelines.map(([job]) => job.id) } : null,
  };
}

function plantDuplicate(
  builder: ClientBuilder,
  kind: DuplicateKind,
  original: StudioPerson,
): { person: StudioPerson; entry: ManifestDuplicate } {
  const { random, ids, context } = builder;
  const originalCreated = Date.parse(original.createdAt);
  // Entered again later (typed by hand, then again from an inquiry form), within the studio's history.
  const day = Math.min(context.endDay, Math.floor(originalCreated / 86_400_000) + random.int(1, 200));
  const createdMs = Math.max(momentOf(random, day), originalCreated + 60_000);
  const firstName = original.firstName as string;
  const lastName = original.lastName as string;
  const phone = original.phones[0];
  let changes: Partial<StudioPerson>;
  switch (kind) {
    case 'case': {
      const upper = random.chance(0.5);
      changes = {
        firstName: nameCaseVariant(firstName, upper),
        lastName: nameCaseVariant(lastName, upper),
        email: emailCaseVariant(original.email as string),
        phones: [],
      };
      break;
    }
    case 'spacing':
      changes = {
        firstName: spacingVariant(random, firstName),
        lastName: spacingVariant(random, lastName),
        email: null,
        phones: phone === undefined ? [] : [phone],
      };
      break;
    case 'phoneFormat':
      changes = { email: null, phones: phone === undefined ? [] : [retypePhone(random, phone)] };
      break;
    case 'typo': {
      const onLast = [...lastName].length >= 3 || [...firstName].length < 3;
      const phones = original.phones;
      changes = onLast
        ? { lastName: typoVariant(random, lastName), phones }
        : { firstName: typoVariant(random, firstName), phones };
      break;
    }
  }
  const person: StudioPerson = {
    ...original,
    id: ids.id(createdMs),
    role: 'duplicate',
    nickname: null,
    secondaryEmail: null,
    address: null,
    birthdate: null,
    anniversary: null,
    previousClient: false,
    notes: [],
    customFields: [],
    createdAt: formatTimestamp(createdMs),
    modifiedAt: formatTimestamp(createdMs),
    ...changes,
  };
  const typed = (phones: readonly StudioPhone[]) => phones.map((entry) => entry.typed).join('|');
  const differences: string[] = [];
  if (person.firstName !== original.firstName) differences.push('firstName');
  if (person.lastName !== original.lastName) differences.push('lastName');
  if (person.email !== original.email) differences.push('email');
  if (typed(person.phones) !== typed(original.phones)) differences.push('phones');
  return { person, entry: { kind, originalId: original.id, duplicateId: person.id, differences } };
}

function buildJob(
  builder: ClientBuilder,
  key: JobTypeKey,
  timeline: Timeline,
  clientId: string,
  partner: StudioPerson | null,
  names: { readonly firstName: string; readonly lastName: string; readonly gender: 'female' | 'male' },
  forcedNote: string | undefined,
  repeat = false,
): StudioJob {
  const { random, ids, context } = builder;
  const { options, field } = context;
  const created = builder.stamp(timeline.inquiryDay);
  const jobId = ids.id(created.ms);
  const booked = timeline.bookingDay !== null;
  const sourceId = repeat
    ? context.repeatSource
    : random.chance(0.9)
      ? random.weighted(context.sources)
      : null;
  const typeName = context.reference.jobTypes.find((type) => type.key === key)?.name ?? 'Job';
  const partnerName = partner === null ? '' : ` & ${partner.firstName} ${partner.lastName}`;
  const title = `${names.firstName} ${names.lastName}${partnerName} ${typeName}`;
  const wedding = key === 'wedding' || key === 'elopement';

  // Events, with venues and the venue's time zone.
  let ceremonyTime: string | null = null;
  if (booked || timeline.closed === null) {
    const confirmed = booked;
    const destination = key === 'wedding' && context.destinationVenues.length > 0 && random.chance(0.08);
    const venue = destination ? random.pick(context.destinationVenues) : random.pick(context.homeVenues);
    const addEvent = (
      type: EventTypeKey,
      name: string,
      day: number,
      startMinutes: number,
      durationMinutes: number,
      at: StudioVenue | null,
    ) => {
      const eventCreated = Math.max(
        momentOf(random, Math.min(timeline.bookingDay ?? timeline.inquiryDay, context.endDay)),
        created.ms + 60_000,
      );
      builder.events.push({
        id: ids.id(eventCreated),
        jobId,
        eventTypeId: context.eventType[type],
        name,
        startDate: formatDay(day),
        startTime: formatTime(startMinutes),
        endDate: formatDay(day + Math.floor((startMinutes + durationMinutes) / 1440)),
        endTime: formatTime(startMinutes + durationMinutes),
        allDay: false,
        timezone: at?.timezone ?? options.timezone,
        venueId: at?.id ?? null,
        confirmed,
        createdAt: formatTimestamp(eventCreated),
        modifiedAt: formatTimestamp(eventCreated),
      });
    };
    if (key === 'wedding') {
      const start = random.int(26, 33) * 30;
      ceremonyTime = formatTime(start);
      const ceremonyLength = random.pick([30, 45, 60]);
      addEvent('ceremony', 'Ceremony', timeline.eventDay, start, ceremonyLength, venue);
      const receptionVenue = random.chance(0.6) || destination ? venue : random.pick(context.homeVenues);
      const receptionStart = start + ceremonyLength + random.pick([30, 60, 90]);
      // Receptions often run past midnight: the end date is then the next day.
      addEvent(
        'reception',
        'Reception',
        timeline.eventDay,
        receptionStart,
        random.int(8, 14) * 30,
        receptionVenue,
      );
      if (booked && random.chance(0.45)) {
        const sessionDay = Math.max(timeline.bookingDay as number, timeline.eventDay - random.int(60, 200));
        addEvent('engagement_session', 'Engagement Session', sessionDay, random.int(32, 38) * 30, 90, null);
      }
    } else if (key === 'elopement') {
      addEvent(
        'elopement',
        'Elopement',
        timeline.eventDay,
        random.int(18, 34) * 30,
        random.int(6, 12) * 30,
        destination ? venue : random.pick(context.homeVenues),
      );
    } else if (key === 'engagement') {
      addEvent(
        'engagement_session',
        'Engagement Session',
        timeline.eventDay,
        random.int(32, 38) * 30,
        90,
        null,
      );
    } else {
      addEvent(
        'portrait_session',
        key === 'anniversary'
          ? 'Anniversary Session'
          : key === 'family'
            ? 'Family Session'
            : 'Portrait Session',
        timeline.eventDay,
        random.int(18, 36) * 30,
        60,
        null,
      );
    }
  }

  // Job contacts: the client, the partner, and on weddings sometimes a planner, a florist, a second shooter.
  const addContact = (contactId: string, role: JobRoleKey, primary: boolean) => {
    const time = created.ms + random.int(1, 3600) * 1000;
    builder.jobContacts.push({
      id: ids.id(time),
      jobId,
      contactId,
      roleId: context.role[role],
      primary,
      createdAt: formatTimestamp(time),
      modifiedAt: formatTimestamp(time),
    });
  };
  const coupleRole = (gender: 'female' | 'male'): JobRoleKey =>
    wedding
      ? gender === 'female'
        ? 'bride'
        : 'groom'
      : key === 'family' || key === 'portrait'
        ? 'client'
        : 'partner';
  addContact(clientId, coupleRole(names.gender), true);
  if (partner !== null) addContact(partner.id, coupleRole(partner.gender), false);
  if (key === 'wedding' && booked) {
    const { planners, companies, staff } = context.reference;
    if (planners.length > 0 && random.chance(0.2)) addContact(random.pick(planners).id, 'planner', false);
    if (companies.length > 0 && random.chance(0.15)) addContact(random.pick(companies).id, 'florist', false);
    if (staff.length > 0 && random.chance(0.25)) addContact(random.pick(staff).id, 'second_shooter', false);
  }

  // The order, invoices and payments of a booked job.
  let finalDue: string | null = null;
  if (booked) finalDue = buildOrder(builder, key, timeline, jobId, clientId);

  // Custom fields.
  const customFields: StudioCustomFieldValue[] = [];
  if (key === 'wedding') {
    const hashtagName =
      asciiFold(names.lastName) && partner !== null && asciiFold(partner.lastName ?? '')
        ? `${capitalise(asciiFold(names.lastName))}${capitalise(asciiFold(partner.lastName ?? ''))}`
        : `Wedding${formatDay(timeline.eventDay).slice(0, 4)}`;
    if (random.chance(0.3))
      customFields.push({ fieldId: field.wedding_hashtag as string, value: `#${hashtagName}` });
    if (random.chance(0.2))
      customFields.push({
        fieldId: field.getting_ready as string,
        value: `Bride: ${random.pick(context.homeVenues).name}\nGroom: at home`,
      });
    if (random.chance(0.4))
      customFields.push({
        fieldId: field.photo_style as string,
        value: random.pick(['Classic', 'Documentary', 'Editorial', 'Fine art']),
      });
    if (random.chance(0.3))
      customFields.push({ fieldId: field.family_groups as string, value: String(random.int(5, 20)) });
    if (random.chance(0.5))
      customFields.push({
        fieldId: field.coverage_hours as string,
        value: random.pick(['6', '7.5', '8', '10']),
      });
    if (random.chance(0.2))
      customFields.push({
        fieldId: field.travel_fee as string,
        value: String(localPrice(options, random.pick([150, 250, 400]))),
      });
    if (ceremonyTime !== null && random.chance(0.6))
      customFields.push({ fieldId: field.ceremony_time as string, value: ceremonyTime });
    if (random.chance(0.5))
      customFields.push({ fieldId: field.second_shooter as string, value: String(random.chance(0.5)) });
  }
  if (finalDue !== null && random.chance(0.5))
    customFields.push({ fieldId: field.final_payment_due as string, value: finalDue });

  const guestCount =
    key === 'wedding'
      ? random.chance(0.8)
        ? random.int(40, 250)
        : null
      : key === 'elopement'
        ? random.int(2, 12)
        : null;
  const closedReasonId =
    timeline.closed === 'lost'
      ? random.pick(context.lostReasons)
      : timeline.closed === 'cancelled'
        ? random.pick(context.cancelledReasons)
        : null;
  const modifiedMs = Math.max(momentOf(random, timeline.lastDay), created.ms);
  return {
    id: jobId,
    clientId,
    jobTypeId: context.jobType[key],
    name: random.chance(0.08) ? `${names.firstName}'s ${typeName}`.slice(0, 120) : null,
    title,
    stage: timeline.stage,
    closed: timeline.closed !== null,
    closedReasonId,
    closedDate: timeline.closedDay === null ? null : formatDay(timeline.closedDay),
    leadStatusId: timeline.leadStatus === null ? null : (context.leadStatus[timeline.leadStatus] ?? null),
    leadSourceId: sourceId,
    webLead: random.chance(0.45),
    inquiryDate: formatDay(timeline.inquiryDay),
    bookingDate: timeline.bookingDay === null ? null : formatDay(timeline.bookingDay),
    eventDate: formatDay(timeline.eventDay),
    fulfillmentDate: timeline.fulfillmentDay === null ? null : formatDay(timeline.fulfillmentDay),
    completedDate: timeline.completedDay === null ? null : formatDay(timeline.completedDay),
    guestCount,
    budget: key === 'wedding' && random.chance(0.55) ? localPrice(options, random.int(20, 90) * 100) : null,
    leadConfidence:
      timeline.stage === 'inquiry' && timeline.closed === null
        ? random.pick(['low', 'medium', 'high'] as const)
        : null,
    leadRating: timeline.stage === 'inquiry' && random.chance(0.5) ? random.int(1, 5) : null,
    notes: forcedNote ?? (random.chance(0.6) ? random.pick(jobNotes) : null),
    customFields,
    createdAt: created.text,
    modifiedAt: formatTimestamp(modifiedMs),
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Builds the order of a booked job with its invoices and payments; returns the final invoice's due date. */
function buildOrder(
  builder: ClientBuilder,
  key: JobTypeKey,
  timeline: Timeline,
  jobId: string,
  clientId: string,
): string | null {
  const { random, ids, context } = builder;
  const { options, endDay } = context;
  const bookingDay = timeline.bookingDay as number;
  const created = builder.stamp(bookingDay);
  const orderId = ids.id(created.ms);
  const [packageName, packagePrice] = random.pick(packages[key]);
  const lineItems: StudioLineItem[] = [
    {
      id: ids.id(created.ms),
      name: packageName,
      quantity: 1,
      unitPrice: localPrice(options, packagePrice),
      taxable: false,
    },
  ];
  if (key === 'wedding' || key === 'elopement') {
    for (const [name, price, maxQuantity] of addOns) {
      if (random.chance(0.22)) {
        lineItems.push({
          id: ids.id(created.ms),
          name,
          quantity: random.int(1, maxQuantity),
          unitPrice: localPrice(options, price),
          taxable: false,
        });
      }
    }
  }
  const total = lineItems.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  const unit = 10 ** options.currencyExponent;
  const cancelled = timeline.closed === 'cancelled';
  const instalments: { amount: number; dueDay: number }[] = [];
  if ((key === 'wedding' || key === 'elopement') && timeline.eventDay - bookingDay > 45) {
    const deposit = Math.round((total * 0.3) / unit) * unit;
    instalments.push({ amount: deposit, dueDay: bookingDay });
    instalments.push({ amount: total - deposit, dueDay: Math.max(bookingDay + 7, timeline.eventDay - 30) });
  } else {
    instalments.push({ amount: total, dueDay: bookingDay });
  }
  const invoices: StudioInvoice[] = [];
  let lastDay = bookingDay;
  let allPaid = true;
  instalments.forEach((instalment, position) => {
    const invoiceId = ids.id(created.ms);
    let status: StudioInvoice['status'] = 'open';
    const voided = cancelled && position > 0;
    const method = random.weighted(paymentMethods);
    const addPayment = (
      amount: number,
      day: number,
      paymentStatus: StudioPayment['status'],
      createdDay: number,
    ) => {
      const paymentCreated = Math.max(momentOf(random, Math.min(createdDay, endDay)), created.ms + 60_000);
      builder.payments.push({
        id: ids.id(paymentCreated),
        jobId,
        orderId,
        invoiceId,
        payerId: clientId,
        amount,
        receivedDate: formatDay(day),
        status: paymentStatus,
        method,
        memo: position === 0 && instalments.length > 1 ? 'Retainer' : null,
        createdAt: formatTimestamp(paymentCreated),
        modifiedAt: formatTimestamp(paymentCreated),
      });
    };
    if (voided) {
      status = 'void';
    } else if (instalment.dueDay <= endDay && (position === 0 || random.chance(0.95))) {
      const paidDay = Math.min(endDay, Math.max(bookingDay, instalment.dueDay - random.int(0, 10)));
      if (random.chance(0.04))
        addPayment(
          instalment.amount,
          Math.max(bookingDay, paidDay - 1),
          'failed',
          Math.max(bookingDay, paidDay - 1),
        );
      addPayment(instalment.amount, paidDay, 'paid', paidDay);
      status = 'paid';
      lastDay = Math.max(lastDay, paidDay);
    } else if (instalment.dueDay <= endDay) {
      allPaid = false;
      if (random.chance(0.5))
        addPayment(instalment.amount, endDay - random.int(0, 3), 'pending', endDay - random.int(0, 3));
    } else {
      allPaid = false;
      if (random.chance(0.7)) addPayment(instalment.amount, instalment.dueDay, 'scheduled', bookingDay);
    }
    invoices.push({
      id: invoiceId,
      number: `INV-${builder.index + 1}-${invoices.length + 1}`,
      status,
      issuedDate: formatDay(bookingDay),
      dueDate: formatDay(instalment.dueDay),
      total: instalment.amount,
      createdAt: created.text,
      modifiedAt: formatTimestamp(Math.max(momentOf(random, lastDay), created.ms)),
    });
  });
  builder.orders.push({
    id: orderId,
    jobId,
    recipientId: clientId,
    name: packageName,
    number: `ORD-${builder.index + 1}-${builder.orders.length + 1}`,
    status: cancelled ? 'void' : allPaid ? 'paid' : 'open',
    bookedDate: formatDay(bookingDay),
    lineItems,
    invoices,
    total,
    createdAt: created.text,
    modifiedAt: formatTimestamp(Math.max(momentOf(random, lastDay), created.ms)),
  });
  return instalments.length > 1 ? formatDay((instalments[1] as { dueDay: number }).dueDay) : null;
}

/** Creates a studio generator: checks the options, builds the studio-wide records, plans the planted ones. */
export function createStudioGenerator(options: StudioOptions = {}): StudioGenerator {
  const resolved = resolveStudioOptions(options);
  const context = makeContext(resolved);
  return {
    options: resolved,
    reference: context.reference,
    *clients() {
      for (let index = 0; index < resolved.clients; index += 1) yield generateClient(context, index);
    },
    client(index: number) {
      integerOption('index', index, 0, 0, Math.max(0, resolved.clients - 1));
      if (resolved.clients === 0) invalid('index', 'a client position, but the studio has no clients', index);
      return generateClient(context, index);
    },
  };
}

/**
 * Generates a whole studio in memory. Same options, deep-equal studio. 5,000 clients take well under a
 * second; for 100,000 and more prefer iterating `createStudioGenerator(options).clients()`.
 */
export function generateStudio(options: StudioOptions = {}): GeneratedStudio {
  const generator = createStudioGenerator(options);
  const { reference } = generator;
  const people: StudioPerson[] = [];
  const jobs: StudioJob[] = [];
  const jobContacts: StudioJobContact[] = [];
  const events: StudioEvent[] = [];
  const orders: StudioOrder[] = [];
  const payments: StudioPayment[] = [];
  const collector = createManifestCollector(reference);
  for (const bundle of generator.clients()) {
    for (const person of bundle.people) people.push(person);
    for (const job of bundle.jobs) jobs.push(job);
    for (const jobContact of bundle.jobContacts) jobContacts.push(jobContact);
    for (const event of bundle.events) events.push(event);
    for (const order of bundle.orders) orders.push(order);
    for (const payment of bundle.payments) payments.push(payment);
    collector.add(bundle);
  }
  for (const planner of reference.planners) people.push(planner);
  return {
    ...reference,
    options: generator.options,
    people,
    jobs,
    jobContacts,
    events,
    orders,
    payments,
    manifest: collector.manifest(),
  };
}

/** Accumulates the manifest of a studio while its client bundles stream past. */
export interface ManifestCollector {
  /** Adds one client's planted records and counts. */
  add(bundle: StudioClientBundle): void;
  /** The manifest of everything added so far. */
  manifest(): StudioManifest;
}

/** Starts a manifest for a studio whose clients are generated lazily. */
export function createManifestCollector(reference: StudioReference): ManifestCollector {
  const duplicates: ManifestDuplicate[] = [];
  const badRecords: ManifestBadRecord[] = [];
  const edgeCases: ManifestEdgeCase[] = [];
  const sharedEmailCouples: StudioManifest['sharedEmailCouples'][number][] = [];
  const returningClients: StudioManifest['returningClients'][number][] = [];
  const counts = {
    clients: 0,
    people: reference.planners.length,
    partners: 0,
    jobs: 0,
    closedJobs: 0,
    jobContacts: 0,
    events: 0,
    orders: 0,
    invoices: 0,
    payments: 0,
  };
  return {
    add(bundle) {
      counts.clients += 1;
      counts.people += bundle.people.length;
      for (const person of bundle.people) if (person.role === 'partner') counts.partners += 1;
      counts.jobs += bundle.jobs.length;
      for (const job of bundle.jobs) if (job.closed) counts.closedJobs += 1;
      counts.jobContacts += bundle.jobContacts.length;
      counts.events += bundle.events.length;
      counts.orders += bundle.orders.length;
      for (const order of bundle.orders) counts.invoices += order.invoices.length;
      counts.payments += bundle.payments.length;
      duplicates.push(...bundle.duplicates);
      badRecords.push(...bundle.badRecords);
      edgeCases.push(...bundle.edgeCases);
      if (bundle.sharedEmailCouple !== null) sharedEmailCouples.push(bundle.sharedEmailCouple);
      if (bundle.returningClient !== null) returningClients.push(bundle.returningClient);
    },
    manifest() {
      return {
        duplicates: [...duplicates],
        badRecords: [...badRecords],
        sharedEmailCouples: [...sharedEmailCouples],
        returningClients: [...returningClients],
        edgeCases: [...edgeCases],
        counts: {
          ...counts,
          planners: reference.planners.length,
          companies: reference.companies.length,
          staff: reference.staff.length,
          venues: reference.venues.length,
        },
      };
    },
  };
}
