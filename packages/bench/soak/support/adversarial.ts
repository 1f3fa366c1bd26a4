/**
 * Adversarial CRM records for the bad-input suite, in groups, each variant with what the hub must make of it:
 * rejected with a reason naming the field and its code, or imported (perhaps with a warning). Text no database
 * stores as such (NUL bytes, lone surrogates) is rejected where a mapping reads it (`invalid_text`) and imported
 * where none does (the staged copy holds U+FFFD instead); names past 255 characters and data nested deeper than
 * 1,000 levels are rejected with their reasons.
 *
 * Client variants are person contacts on no job (Tave reads those as clients), each with its own name and email
 * so that dedupe never ties two of them together; the variant then overwrites fields with hostile values, as
 * own properties (a `__proto__` key stays a key). Child variants change events, invoices and payments of the
 * generated studio.
 */
import type { RunningFakeTave } from '@wedsync/crm-testkit/servers';

/** What the hub must make of one adversarial record. */
export type Expectation =
  | {
      readonly outcome: 'rejected';
      /** The WedSync field the log names (`email`, `payment.amount.amount_minor`), or '' for the record. */
      readonly field: string;
      /** The code the log gives, or a pattern of codes. */
      readonly code: string | RegExp;
    }
  | {
      readonly outcome: 'imported';
      /** A warning the log carries (a lenient field skipped). */
      readonly warning?: { readonly field: string; readonly code: string };
      /** A check of the stored WedSync record's `data` (as parsed JSON). */
      readonly stored?: (data: Record<string, unknown>) => void;
    }
  | { readonly outcome: 'either' };

/** One adversarial record. */
export interface Variant {
  readonly name: string;
  readonly recordType: 'client' | 'event' | 'invoice' | 'payment';
  /** The fields to overwrite (own properties; may hold `__proto__`, `constructor`). */
  readonly patch: Readonly<Record<string, unknown>>;
  readonly expect: Expectation;
}

/** A planted variant: the CRM record's id and what must happen to it. */
export interface PlantedVariant extends Variant {
  readonly externalId: string;
}

const megabyte = 1024 * 1024;

/** `{ a: { a: ... 'bottom' } }`, `depth` objects deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

/** An object whose own keys are exactly `text`'s (JSON keeps `__proto__` a plain key). */
const ownKeys = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

const rejected = (field: string, code: string | RegExp): Expectation => ({
  outcome: 'rejected',
  field,
  code,
});
const imported = (stored?: (data: Record<string, unknown>) => void): Expectation =>
  stored === undefined ? { outcome: 'imported' } : { outcome: 'imported', stored };
const warned = (field: string, code: string): Expectation => ({
  outcome: 'imported',
  warning: { field, code },
});

/** A Tave phone object as the API sends one. */
const phone = (fields: Record<string, unknown>) => ({
  id: null,
  formatted: null,
  e164: null,
  extension: null,
  telUri: null,
  dialCode: null,
  countryCode: null,
  ...fields,
});

/** An address as the API sends one, with `fields` over it. */
const address = (fields: Record<string, unknown>) => ({
  streetAddress: '1 Main Street',
  city: 'Springfield',
  state: 'IL',
  postalCode: '62701',
  country: 'US',
  ...fields,
});

/** Wrong JSON types in mapped fields: objects, arrays, booleans and numbers where text, emails or dates go. */
function wrongTypes(): Variant[] {
  const variants: Variant[] = [];
  const notText: [string, unknown][] = [
    ['an object', { first: 'Anna' }],
    ['an empty object', {}],
    ['an array', ['Anna']],
    ['an empty array', []],
    ['a nested array', [['Anna'], ['Smith']]],
    ['an object with a toString key', { toString: 'Anna' }],
  ];
  for (const [crmField, field] of [
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['maidenName', 'maiden_name'],
  ] as const) {
    for (const [kind, value] of notText) {
      variants.push({
        name: `${crmField} is ${kind}`,
        recordType: 'client',
        patch: { [crmField]: value },
        expect: rejected(field, 'type_mismatch'),
      });
    }
  }
  const notEmail: [string, unknown][] = [
    ['a number', 42],
    ['true', true],
    ['an object', { address: 'anna@example.com' }],
    ['an array', ['anna@example.com']],
    ['an empty array', []],
  ];
  for (const [crmField, field] of [
    ['email', 'email'],
    ['secondaryEmail', 'secondary_email'],
  ] as const) {
    for (const [kind, value] of notEmail) {
      variants.push({
        name: `${crmField} is ${kind}`,
        recordType: 'client',
        patch: { [crmField]: value },
        expect: rejected(field, 'type_mismatch'),
      });
    }
  }
  for (const [kind, value] of [
    ['a number', 20200101],
    ['a huge number', 1e300],
    ['true', true],
    ['an object', { year: 2020, month: 1, day: 1 }],
    ['an array', [2020, 1, 1]],
  ] as const) {
    variants.push({
      name: `birthdate is ${kind}`,
      recordType: 'client',
      patch: { birthdate: value },
      expect: rejected('birthdate', 'type_mismatch'),
    });
  }
  for (const [kind, value, code] of [
    ['a word', 'maybe', 'invalid_boolean'],
    ['a number', 2, 'invalid_boolean'],
    ['an object', { yes: true }, 'type_mismatch'],
    ['an array', [true], 'type_mismatch'],
  ] as const) {
    variants.push({
      name: `privacyOptIn is ${kind}`,
      recordType: 'client',
      patch: { privacyOptIn: value },
      expect: rejected('marketing_opt_in', code),
    });
  }
  // Numbers and booleans are text once written out: imported as such.
  for (const [crmField, field, value, text] of [
    ['firstName', 'first_name', 12345, '12345'],
    ['lastName', 'last_name', -0.5, '-0.5'],
    ['maidenName', 'maiden_name', false, 'false'],
  ] as const) {
    variants.push({
      name: `${crmField} is ${typeof value} ${String(value)}`,
      recordType: 'client',
      patch: { [crmField]: value },
      expect: imported((data) => {
        if (data[field] !== text) throw new Error(`${field} stored as ${JSON.stringify(data[field])}`);
      }),
    });
  }
  // A path runs through a value that is not an object: the fields under it are absent (paths read own
  // properties of objects only), so the client imports without an address.
  const noAddress = (data: Record<string, unknown>) => {
    if (data['address'] !== undefined)
      throw new Error(`address stored as ${JSON.stringify(data['address'])}`);
  };
  variants.push(
    {
      name: 'address is text',
      recordType: 'client',
      patch: { address: 'Springfield' },
      expect: imported(noAddress),
    },
    {
      name: 'address is an array',
      recordType: 'client',
      patch: { address: ['1 Main Street', 'Springfield'] },
      expect: imported(noAddress),
    },
    {
      name: 'address.city is an object',
      recordType: 'client',
      patch: { address: address({ city: { name: 'Springfield' } }) },
      expect: rejected('address.city', 'type_mismatch'),
    },
  );
  return variants;
}

/** Values of the right type that are not what they claim: emails, dates, phones, names. */
function invalidValues(): Variant[] {
  const variants: Variant[] = [];
  const emails = [
    'plainaddress',
    '@example.com',
    'anna@',
    'anna@@example.com',
    'anna@example,com',
    'anna@.example.com',
    'anna@example..com',
    'anna..smith@example.com',
    '.anna@example.com',
    'anna.@example.com',
    'anna smith@example.com',
    'anna@exam ple.com',
    'anna@example.com (Anna)',
    'Anna <anna@example.com>',
    'anna@-example.com',
    'anna@example.c',
    'anna@example',
    'anna@[300.1.1.1]',
    'anna@example.com.',
    'anna#example.com',
    'anna@example@example.com',
    '"anna"@example.com"',
    'anna@exa_mple.com',
    'anna@\u00e9xample.com.',
    'anna\\@example.com',
    'mailto:',
    'anna@example.com\nbcc:eve@example.com',
    'anna@example.com,ben@example.com',
    'anna@example.com;ben@example.com',
    '<script>alert(1)</script>@example.com',
    "anna@example.com' OR '1'='1",
  ];
  for (const [index, email] of emails.entries()) {
    variants.push({
      name: `invalid email #${index + 1}`,
      recordType: 'client',
      patch: { email },
      expect: rejected('email', 'invalid_email'),
    });
    if (index % 4 === 0) {
      variants.push({
        name: `invalid secondary email #${index + 1}`,
        recordType: 'client',
        patch: { secondaryEmail: email },
        expect: rejected('secondary_email', 'invalid_email'),
      });
    }
  }
  const dates = [
    '2023-02-30',
    '2023-02-29',
    '1900-02-29',
    '2023-04-31',
    '2023-13-01',
    '2023-00-10',
    '2023-06-00',
    '2023-06-32',
    '0000-00-00',
    '99999-01-01',
    '2023-6-15x',
    'yesterday',
    'soon',
    'NaN',
    'Infinity',
    '2023-06-15T25:00:00Z',
    '2023-06-15T10:61:00Z',
    '2023-06-15T10:00:00+25:00',
    '2/30/2023',
    '13/13/2013',
    '00/00/0000',
    'Feb 30 2023',
    '30.02.2023',
    '2023/02/30',
    '15-06-2023-01',
    '\u0662\u0660\u0662\u0663-\u0660\u0666-\u0661\u0665',
  ];
  for (const [index, date] of dates.entries()) {
    variants.push({
      name: `invalid birthdate #${index + 1} ${JSON.stringify(date)}`,
      recordType: 'client',
      patch: { birthdate: date },
      expect: rejected('birthdate', /^(invalid_date|ambiguous_date)$/),
    });
  }
  // Phones: Tave's mappings skip a phone that cannot be read, with a warning, and keep the client.
  const phones: [string, unknown, string][] = [
    ['too short', phone({ formatted: '12' }), 'invalid_phone'],
    ['words', phone({ formatted: 'call me maybe' }), 'invalid_phone'],
    ['digits galore', phone({ formatted: '12345678901234567890' }), 'invalid_phone'],
    ['half a country code', phone({ formatted: '+44 20' }), 'invalid_phone'],
    ['a bad e164', phone({ e164: '+999999999999999999' }), 'invalid_phone'],
    ['zeros', '000', 'invalid_phone'],
    ['letters', 'abc', 'invalid_phone'],
    ['a plus alone', '+', 'invalid_phone'],
    ['an empty object', {}, 'type_mismatch'],
    ['an array', ['+14155550123'], 'type_mismatch'],
    ['true', true, 'type_mismatch'],
  ];
  for (const [kind, value, code] of phones) {
    variants.push({
      name: `cell phone: ${kind}`,
      recordType: 'client',
      patch: { cellPhone: value },
      expect: warned('phone', code),
    });
  }
  for (const [kind, value, code] of phones.slice(0, 5)) {
    variants.push({
      name: `work phone: ${kind}`,
      recordType: 'client',
      patch: { workPhone: value },
      expect: warned('secondary_phone', code),
    });
  }
  // No name at all: not a client WedSync can hold.
  for (const [kind, first, last] of [
    ['both null', null, null],
    ['both empty', '', ''],
    ['both blank', '   ', '\t'],
    ['blank and null', '\u00a0', null],
  ] as const) {
    variants.push({
      name: `no name: ${kind}`,
      recordType: 'client',
      patch: { firstName: first, lastName: last, name: '' },
      expect: rejected('', /.+/),
    });
  }
  return variants;
}

/** `__proto__`, `constructor` and `prototype` as keys (top level, nested, in custom fields) and as values. */
function hostileKeys(): Variant[] {
  const variants: Variant[] = [];
  const payloads = [
    '{"__proto__": {"polluted": "yes"}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
    '{"prototype": {"polluted": "yes"}}',
    '{"__proto__": {"__proto__": {"polluted": "yes"}}}',
    '{"__proto__": null}',
    '{"__proto__": "yes"}',
    '{"constructor": "yes"}',
    '{"__proto__": [1, 2, 3]}',
  ];
  for (const [index, payload] of payloads.entries()) {
    variants.push(
      {
        name: `top-level keys #${index + 1} ${payload}`,
        recordType: 'client',
        patch: ownKeys(payload),
        expect: imported(),
      },
      {
        name: `keys inside the address #${index + 1}`,
        recordType: 'client',
        patch: { address: { ...address({}), ...ownKeys(payload) } },
        expect: imported((data) => {
          const city = (data['address'] as Record<string, unknown> | undefined)?.['city'];
          if (city !== 'Springfield') throw new Error(`address.city stored as ${JSON.stringify(city)}`);
        }),
      },
      {
        name: `keys inside a custom field value #${index + 1}`,
        recordType: 'client',
        patch: { customFields: [{ fieldId: '01hostile0000000000000000', value: 'x', ...ownKeys(payload) }] },
        expect: imported(),
      },
    );
  }
  for (const fieldId of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
    variants.push({
      name: `custom field id ${fieldId}`,
      recordType: 'client',
      patch: { customFields: [{ fieldId, value: '{"polluted": "yes"}' }] },
      expect: imported(),
    });
  }
  for (const word of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']) {
    variants.push({
      name: `first name ${word}`,
      recordType: 'client',
      patch: { firstName: word },
      expect: imported((data) => {
        if (data['first_name'] !== word)
          throw new Error(`first_name stored as ${JSON.stringify(data['first_name'])}`);
      }),
    });
    variants.push({
      name: `maiden name ${word}`,
      recordType: 'client',
      patch: { maidenName: word },
      expect: imported(),
    });
  }
  return variants;
}

/**
 * Deeply nested JSON, where nothing maps it (imported) and where a text field expects a value (rejected), at
 * `depths` levels (the staged raw record nests two or three levels more).
 */
function deepJson(depths: readonly number[]): Variant[] {
  const variants: Variant[] = [];
  for (const depth of depths) {
    variants.push(
      {
        name: `unmapped property ${depth} levels deep`,
        recordType: 'client',
        patch: { extra: nested(depth) },
        expect: imported(),
      },
      {
        name: `first name ${depth} levels deep`,
        recordType: 'client',
        patch: { firstName: nested(depth) },
        expect: rejected('first_name', 'type_mismatch'),
      },
      {
        name: `address.city ${depth} levels deep`,
        recordType: 'client',
        patch: { address: address({ city: nested(depth) }) },
        expect: rejected('address.city', 'type_mismatch'),
      },
      {
        name: `custom fields ${depth} levels deep in an unknown key`,
        recordType: 'client',
        patch: {
          customFields: [{ fieldId: '01deep00000000000000000000', value: 'x', nested: nested(depth) }],
        },
        expect: imported(),
      },
    );
  }
  return variants;
}

/** Large strings in fields no index covers (the maiden name and the city live in the record's JSON). */
function largeUnindexed(): Variant[] {
  const variants: Variant[] = [];
  for (const [label, length] of [
    ['1 MB', megabyte],
    ['100 KB', 100 * 1024],
    ['10 KB', 10 * 1024],
  ] as const) {
    const text = `${'Lorem ipsum dolor sit amet '.repeat(Math.ceil(length / 27))}`.slice(0, length);
    variants.push(
      {
        name: `maiden name of ${label}`,
        recordType: 'client',
        patch: { maidenName: text },
        expect: imported((data) => {
          if (data['maiden_name'] !== text.trim()) {
            throw new Error(`maiden_name stored with ${String(data['maiden_name']).length} characters`);
          }
        }),
      },
      {
        name: `city of ${label}`,
        recordType: 'client',
        patch: { address: address({ city: text }) },
        expect: imported(),
      },
      {
        name: `unmapped text of ${label}`,
        recordType: 'client',
        patch: { extra: text },
        expect: imported(),
      },
    );
  }
  return variants;
}

/**
 * Large strings in the name (indexed through the client's name key): past the canonical model's 255 characters,
 * so refused with the field named before they reach an index.
 */
function largeIndexed(): Variant[] {
  const text = 'x'.repeat(megabyte);
  return [
    {
      name: 'first name of 1 MB',
      recordType: 'client',
      patch: { firstName: text },
      expect: rejected('first_name', 'invalid_record'),
    },
    {
      name: 'last name of 100 KB',
      recordType: 'client',
      patch: { lastName: 'y'.repeat(100 * 1024) },
      expect: rejected('last_name', 'invalid_record'),
    },
  ];
}

/** NUL bytes in mapped and unmapped text. */
function nulBytes(): Variant[] {
  return [
    {
      name: 'NUL inside the first name',
      recordType: 'client',
      patch: { firstName: 'An\u0000na' },
      expect: rejected('first_name', 'invalid_text'),
    },
    {
      name: 'NUL ending the last name',
      recordType: 'client',
      patch: { lastName: 'Smith\u0000' },
      expect: rejected('last_name', 'invalid_text'),
    },
    {
      name: 'NUL as the maiden name',
      recordType: 'client',
      patch: { maidenName: '\u0000' },
      expect: rejected('maiden_name', 'invalid_text'),
    },
    {
      name: 'NUL in the city',
      recordType: 'client',
      patch: { address: address({ city: 'Spring\u0000field' }) },
      expect: rejected('address.city', 'invalid_text'),
    },
    {
      name: 'NUL in unmapped text',
      recordType: 'client',
      patch: { extra: 'a\u0000b' },
      expect: imported(),
    },
    {
      name: 'NUL in an email',
      recordType: 'client',
      patch: { email: 'an\u0000na@example.com' },
      expect: rejected('email', 'invalid_email'),
    },
  ];
}

/** Invalid UTF-16: lone surrogates and swapped pairs. */
function loneSurrogates(): Variant[] {
  return [
    {
      name: 'lone high surrogate in the first name',
      recordType: 'client',
      patch: { firstName: 'Ann\ud800a' },
      expect: rejected('first_name', 'invalid_text'),
    },
    {
      name: 'lone low surrogate opening the last name',
      recordType: 'client',
      patch: { lastName: '\udc00Smith' },
      expect: rejected('last_name', 'invalid_text'),
    },
    {
      name: 'swapped surrogate pair in the maiden name',
      recordType: 'client',
      patch: { maidenName: 'Ro\udc00\ud800se' },
      expect: rejected('maiden_name', 'invalid_text'),
    },
    {
      name: 'lone surrogate in the city',
      recordType: 'client',
      patch: { address: address({ city: '\ud83dSpringfield' }) },
      expect: rejected('address.city', 'invalid_text'),
    },
    {
      name: 'lone surrogate in unmapped text',
      recordType: 'client',
      patch: { extra: '\udfff' },
      expect: imported(),
    },
  ];
}

/**
 * Emails the email pattern lets through though RFC 5321 forbids them: past its limits (64 characters before the
 * `@`, 254 in all), or with a domain label that ends in a hyphen.
 */
function oversizedEmails(): Variant[] {
  return [
    {
      name: 'a domain label ending in a hyphen',
      recordType: 'client',
      patch: { email: 'anna@example-.com' },
      expect: rejected('email', 'invalid_email'),
    },
    {
      name: 'an email of 1 MB',
      recordType: 'client',
      patch: { email: `${'z'.repeat(megabyte)}@example.com` },
      expect: rejected('email', 'invalid_email'),
    },
    {
      name: 'an email of 300 characters',
      recordType: 'client',
      patch: {
        email: `anna@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(40)}.com`,
      },
      expect: rejected('email', 'invalid_email'),
    },
    {
      name: 'a local part of 65 characters',
      recordType: 'client',
      patch: { email: `${'a'.repeat(65)}@example.com` },
      expect: rejected('email', 'invalid_email'),
    },
  ];
}

/**
 * Wrong types in the fields the Tave provider itself checks (ids, kinds, timestamps, custom field lists): the
 * provider sets the property aside and flags the record, which the mapping rejects as a whole.
 */
function providerChecked(): Variant[] {
  const unreadable = rejected('', 'unreadable_record');
  return [
    {
      name: 'customFields is text',
      recordType: 'client',
      patch: { customFields: 'oops' },
      expect: unreadable,
    },
    { name: 'modified is a number', recordType: 'client', patch: { modified: 12345 }, expect: unreadable },
    { name: 'kind is a number', recordType: 'client', patch: { kind: 7 }, expect: unreadable },
  ];
}

/** Bad values in events, invoices and payments of the studio (their parents import). */
function childRecords(): Variant[] {
  const variants: Variant[] = [];
  for (const [kind, value, code] of [
    ['a word', 'lots', 'invalid_number'],
    ['an object', { amount: 100 }, 'type_mismatch'],
    ['an array', [100], 'type_mismatch'],
    ['true', true, /^(type_mismatch|invalid_number)$/],
    // A number, but not a whole amount of minor units: the canonical model refuses the record.
    ['a fraction', 10.5, 'invalid_record'],
  ] as const) {
    variants.push({
      name: `payment amount is ${kind}`,
      recordType: 'payment',
      patch: { amount: value },
      expect: rejected('payment.amount.amount_minor', code),
    });
    variants.push({
      name: `invoice total is ${kind}`,
      recordType: 'invoice',
      patch: { total: value },
      expect: rejected('invoice.total.amount_minor', code),
    });
  }
  for (const [kind, value, code] of [
    ['an impossible day', '2023-02-30', 'invalid_date'],
    ['a word', 'never', 'invalid_date'],
    ['a number', 20230230, 'type_mismatch'],
    ['an object', { day: 30 }, 'type_mismatch'],
  ] as const) {
    variants.push({
      name: `event start date is ${kind}`,
      recordType: 'event',
      patch: { startDate: value },
      expect: rejected('event.start_date', code),
    });
    variants.push({
      name: `payment date is ${kind}`,
      recordType: 'payment',
      patch: { received: value },
      expect: rejected('payment.received_at', code),
    });
  }
  for (const [kind, value] of [
    ['an object', { name: 'Ceremony' }],
    ['an array', ['Ceremony']],
  ] as const) {
    variants.push({
      name: `event name is ${kind}`,
      recordType: 'event',
      patch: { name: value },
      expect: rejected('event.name', 'type_mismatch'),
    });
  }
  return variants;
}

/** A group of variants imported together, and the backends on which a known bug makes it fail. */
export interface VariantGroup {
  readonly name: string;
  readonly variants: readonly Variant[];
  /**
   * Why the group fails today, where (the bug, for the report), or undefined when it passes everywhere. The suite
   * runs such a group as an expected failure (`it.fails`), named KNOWN BUG, so a fix turns it red until the
   * marker is removed.
   */
  readonly knownBug?: {
    readonly backends: readonly string[];
    readonly bug: string;
    /** What the failure says today (so that an unrelated failure does not pass for the known one). */
    readonly signature: RegExp;
  };
}

/** The groups, each variant `copies` times. */
export function variantGroups(copies: number): VariantGroup[] {
  const times = (variants: Variant[]) =>
    Array.from({ length: copies }, (_, copy) =>
      variants.map((variant) => ({
        ...variant,
        name: copies === 1 ? variant.name : `${variant.name} (copy ${copy + 1})`,
      })),
    ).flat();
  return [
    { name: 'wrong types', variants: times(wrongTypes()) },
    { name: 'invalid emails, dates, phones and names', variants: times(invalidValues()) },
    { name: '__proto__ and constructor keys', variants: times(hostileKeys()) },
    { name: 'deeply nested JSON (up to 900 levels)', variants: times(deepJson([2, 10, 64, 100, 500, 900])) },
    { name: 'large strings in unindexed fields', variants: largeUnindexed() },
    // Each child variant takes over a record of the studio: at most three copies, so a small studio has enough.
    {
      name: 'events, invoices and payments with bad values',
      variants: times(childRecords()).slice(0, childRecords().length * 3),
    },
    {
      // Past 1,000 levels a record is rejected before anything recursive runs on it (its staged copy is cut).
      name: 'JSON nested deeper than 1,000 levels',
      variants: times(deepJson([1000, 2000, 3000])).map((variant) => ({
        ...variant,
        expect: rejected('', 'too_deeply_nested'),
      })),
    },
    { name: 'large strings in indexed fields', variants: largeIndexed() },
    { name: 'NUL bytes', variants: nulBytes() },
    { name: 'invalid UTF-16 (lone surrogates)', variants: loneSurrogates() },
    {
      name: 'emails past the RFC 5321 limits, or with a label ending in a hyphen',
      variants: oversizedEmails(),
    },
    { name: 'wrong types in fields the Tave provider checks', variants: providerChecked() },
  ];
}

/** Sets every own property of `patch` on a copy of `record` (a `__proto__` key stays an own key). */
function patched(record: object, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  for (const key of Reflect.ownKeys(patch)) {
    Object.defineProperty(copy, key, {
      value: (patch as Record<string | symbol, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * Plants the variants in the fake's state and returns each with its CRM id. Clients are new person contacts;
 * child variants take over events, orders' invoices and payments of jobs whose client `usableJob` accepts, one
 * record per variant.
 */
export function plantVariants(
  fake: RunningFakeTave,
  variants: readonly Variant[],
  usableJob: (jobId: string) => boolean,
): PlantedVariant[] {
  const planted: PlantedVariant[] = [];
  const { state } = fake;
  const events = state.list('event').filter((event) => event.jobId !== null && usableJob(event.jobId));
  const payments = state
    .list('payment')
    .filter((payment) => payment.jobId !== null && usableJob(payment.jobId));
  const orders = state.list('order').filter((order) => usableJob(order.jobId) && order.invoices.length > 0);
  let sequence = 0;
  for (const variant of variants) {
    sequence += 1;
    if (variant.recordType === 'client') {
      // A name and an email of its own: a variant that overwrites one name part stays apart from its copies.
      const contact = state.create('address-book', {
        kind: 'person',
        firstName: `Adversarial${sequence}`,
        lastName: `Case${sequence}`,
        email: `adversarial.case.${sequence}@example.org`,
      });
      const hostile = patched(contact, variant.patch);
      const collection = state.collection('address-book');
      collection.items.set(contact.id, hostile as never);
      collection.touch();
      planted.push({ ...variant, externalId: contact.id });
    } else if (variant.recordType === 'event' || variant.recordType === 'payment') {
      const pool = variant.recordType === 'event' ? events : payments;
      const target = pool.shift();
      if (target === undefined)
        throw new Error(`The studio has too few ${variant.recordType}s for the variants`);
      const collection = state.collection(variant.recordType);
      collection.items.set(target.id, patched(target, variant.patch) as never);
      collection.touch();
      planted.push({ ...variant, externalId: target.id });
    } else {
      const order = orders.shift();
      const invoice = order?.invoices[0];
      if (order === undefined || invoice === undefined) {
        throw new Error('The studio has too few orders with invoices for the variants');
      }
      const collection = state.collection('order');
      collection.items.set(order.id, {
        ...order,
        invoices: [patched(invoice, variant.patch), ...order.invoices.slice(1)],
      } as never);
      collection.touch();
      planted.push({ ...variant, externalId: invoice.id });
    }
  }
  return planted;
}
