/**
 * The catalog of WedSync fields: every mappable field of each canonical record (see `canonical.ts`), as the
 * dotted path a field mapping names (`first_name`, `partner.email`, `budget.amount_minor`). Mapping validation
 * uses it (unknown field with the closest suggestion, type mismatch, required field left unmapped) and field
 * pickers list it. A test walks the canonical schemas so the catalog and the model cannot drift apart.
 *
 * Fields are leaves: an object such as `budget` is offered as `budget.amount_minor` and `budget.currency`.
 * Lists of objects (`other_contacts`, `line_items`) and `custom_fields` are offered whole as `json`.
 * The ids that tie records together (`client_id`, `project_id`, `invoice_id`) are not mappable: the hub
 * fills them from its record links (see `hubAssignedWedsyncFields`).
 */
import { InvalidArgumentError } from '../errors/index.js';
import { type RecordType, RecordTypeSchema, recordTypes, stages } from './canonical.js';
import type { FieldType } from './enums.js';
import type { FieldDefinition } from './field-mapping.js';

interface FieldSpec {
  readonly name: string;
  readonly display_name: string;
  readonly field_type: FieldType;
  readonly description: string;
  readonly is_required?: boolean;
  readonly sample_values: readonly string[];
}

function define(spec: FieldSpec): FieldDefinition {
  return Object.freeze({
    name: spec.name,
    display_name: spec.display_name,
    field_type: spec.field_type,
    description: spec.description,
    is_required: spec.is_required ?? false,
    sample_values: Object.freeze([...spec.sample_values]) as string[],
  });
}

function addressFields(prefix: string, owner: string): FieldSpec[] {
  return [
    {
      name: `${prefix}line1`,
      display_name: `${owner} address line 1`,
      field_type: 'text',
      description: `First line of the ${owner.toLowerCase()} street address.`,
      sample_values: ['12 Orchard Lane'],
    },
    {
      name: `${prefix}line2`,
      display_name: `${owner} address line 2`,
      field_type: 'text',
      description: `Second line of the ${owner.toLowerCase()} street address (flat, suite).`,
      sample_values: ['Suite 4'],
    },
    {
      name: `${prefix}city`,
      display_name: `${owner} city`,
      field_type: 'text',
      description: `City or town of the ${owner.toLowerCase()} address.`,
      sample_values: ['Austin', 'Bath'],
    },
    {
      name: `${prefix}region`,
      display_name: `${owner} region`,
      field_type: 'text',
      description: `State, county or province of the ${owner.toLowerCase()} address.`,
      sample_values: ['TX', 'Somerset'],
    },
    {
      name: `${prefix}postal_code`,
      display_name: `${owner} postal code`,
      field_type: 'text',
      description: `ZIP or postal code of the ${owner.toLowerCase()} address.`,
      sample_values: ['78701', 'BA1 1LT'],
    },
    {
      name: `${prefix}country`,
      display_name: `${owner} country`,
      field_type: 'text',
      description: `Country of the ${owner.toLowerCase()} address (ISO 3166 code preferred).`,
      sample_values: ['US', 'GB'],
    },
  ];
}

function personFields(prefix: string, owner: string): FieldSpec[] {
  const of = owner.toLowerCase();
  return [
    {
      name: `${prefix}first_name`,
      display_name: `${owner} first name`,
      field_type: 'text',
      description: `Given name of the ${of}.`,
      sample_values: ['Emma', 'James'],
    },
    {
      name: `${prefix}last_name`,
      display_name: `${owner} last name`,
      field_type: 'text',
      description: `Family name of the ${of}.`,
      sample_values: ['Thompson', 'Okafor'],
    },
    {
      name: `${prefix}full_name`,
      display_name: `${owner} full name`,
      field_type: 'text',
      description: `Whole name of the ${of}, for CRMs that keep one name field.`,
      sample_values: ['Emma Thompson'],
    },
    {
      name: `${prefix}maiden_name`,
      display_name: `${owner} maiden name`,
      field_type: 'text',
      description: `Birth family name of the ${of}, when it differs from the last name.`,
      sample_values: ['Clarke'],
    },
    {
      name: `${prefix}email`,
      display_name: `${owner} email`,
      field_type: 'email',
      description: `Main email address of the ${of}.`,
      sample_values: ['emma.thompson@example.com'],
    },
    {
      name: `${prefix}secondary_email`,
      display_name: `${owner} secondary email`,
      field_type: 'email',
      description: `Another email address of the ${of}.`,
      sample_values: ['emma@work.example.com'],
    },
    {
      name: `${prefix}phone`,
      display_name: `${owner} phone`,
      field_type: 'phone',
      description: `Main phone number of the ${of}, stored as E.164.`,
      sample_values: ['+15125550143', '+447700900123'],
    },
    {
      name: `${prefix}secondary_phone`,
      display_name: `${owner} secondary phone`,
      field_type: 'phone',
      description: `Another phone number of the ${of}, stored as E.164.`,
      sample_values: ['+15125550199'],
    },
    ...addressFields(`${prefix}address.`, owner),
    {
      name: `${prefix}birthdate`,
      display_name: `${owner} birthdate`,
      field_type: 'date',
      description: `Date of birth of the ${of} (YYYY-MM-DD).`,
      sample_values: ['1994-03-17'],
    },
    {
      name: `${prefix}company`,
      display_name: `${owner} company`,
      field_type: 'text',
      description: `Company or organisation of the ${of}.`,
      sample_values: ['Bloom & Vine Events'],
    },
    {
      name: `${prefix}marketing_opt_in`,
      display_name: `${owner} marketing opt-in`,
      field_type: 'boolean',
      description: `Whether the ${of} agreed to receive marketing messages.`,
      sample_values: ['true', 'false'],
    },
  ];
}

function moneyFields(prefix: string, label: string, what: string, required = false): FieldSpec[] {
  return [
    {
      name: `${prefix}.amount_minor`,
      display_name: `${label} amount`,
      field_type: 'number',
      description: `${what}, as an integer in minor units (cents, pence): 1500.00 is 150000.`,
      is_required: required,
      sample_values: ['150000', '2500000'],
    },
    {
      name: `${prefix}.currency`,
      display_name: `${label} currency`,
      field_type: 'text',
      description: `Currency of the ${label.toLowerCase()}: an ISO 4217 code of 3 upper-case letters.`,
      is_required: required,
      sample_values: ['USD', 'GBP', 'EUR'],
    },
  ];
}

function statusFields(what: string): FieldSpec[] {
  return [
    {
      name: 'status.stage',
      display_name: 'Stage',
      field_type: 'text',
      description: `Where the ${what} stands, normalised: one of ${stages.join(', ')}. Required when any status field is set.`,
      sample_values: [...stages],
    },
    {
      name: 'status.raw',
      display_name: 'Status (as in the CRM)',
      field_type: 'text',
      description: `The CRM's own status text of the ${what}, kept verbatim. Required when any status field is set.`,
      sample_values: ['Lead', 'Booked', 'Archived - lost to competitor'],
    },
    {
      name: 'status.closed_reason',
      display_name: 'Closed reason',
      field_type: 'text',
      description: `Why the ${what} was lost or closed.`,
      sample_values: ['Budget', 'Date unavailable'],
    },
  ];
}

function bookingFields(what: string): FieldSpec[] {
  return [
    {
      name: 'guest_count',
      display_name: 'Guest count',
      field_type: 'number',
      description: `Expected number of guests at the ${what} (a whole number >= 0).`,
      sample_values: ['120', '45'],
    },
    ...moneyFields('budget', 'Budget', `Budget the couple gave for the ${what}`),
    {
      name: 'job_type',
      display_name: 'Job type',
      field_type: 'text',
      description: `Kind of ${what} booked (wedding, engagement, elopement...).`,
      sample_values: ['Wedding', 'Engagement'],
    },
    {
      name: 'lead_source',
      display_name: 'Lead source',
      field_type: 'text',
      description: 'Where the inquiry came from.',
      sample_values: ['Instagram', 'The Knot', 'Referral'],
    },
    ...statusFields(what),
    {
      name: 'inquiry_date',
      display_name: 'Inquiry date',
      field_type: 'date',
      description: 'Day the inquiry arrived (YYYY-MM-DD).',
      sample_values: ['2025-01-09'],
    },
    {
      name: 'booked_date',
      display_name: 'Booked date',
      field_type: 'date',
      description: 'Day the booking was confirmed (YYYY-MM-DD).',
      sample_values: ['2025-02-14'],
    },
    {
      name: 'notes',
      display_name: 'Notes',
      field_type: 'text',
      description: `Free-text notes about the ${what}.`,
      sample_values: ['Prefers a first look before the ceremony.'],
    },
    {
      name: 'custom_fields',
      display_name: 'Custom fields',
      field_type: 'json',
      description:
        'Custom fields keyed by key: an object of `{ key, label?, type?, value }` entries, each stored under its own key.',
      sample_values: [
        '{"dress_colour":{"key":"dress_colour","label":"Dress colour","type":"text","value":"Ivory"}}',
      ],
    },
  ];
}

const clientFields: FieldSpec[] = personFields('', 'Client').map((spec) =>
  spec.name === 'first_name'
    ? {
        ...spec,
        is_required: true,
        description:
          'Given name of the client. A client needs a name: map first_name, or at least last_name or full_name (the model accepts any one of the three).',
      }
    : spec,
);

const catalogSpecs: Readonly<Record<RecordType, readonly FieldSpec[]>> = {
  client: [
    ...clientFields,
    ...personFields('partner.', 'Partner'),
    {
      name: 'other_contacts',
      display_name: 'Other contacts',
      field_type: 'json',
      description:
        'Other people on the booking (planner, parents): a list of person objects, each with a `role`.',
      sample_values: ['[{"role":"planner","full_name":"Ava Reyes","email":"ava@example.com"}]'],
    },
    {
      name: 'wedding_date',
      display_name: 'Wedding date',
      field_type: 'date',
      description: 'Day of the wedding (YYYY-MM-DD, date only, never shifted by a time zone).',
      sample_values: ['2026-06-20', '2026-09-12'],
    },
    {
      name: 'venue_name',
      display_name: 'Venue name',
      field_type: 'text',
      description: 'Name of the wedding venue.',
      sample_values: ['Barton Creek Resort', 'Kew Gardens'],
    },
    ...bookingFields('wedding'),
    {
      name: 'tags',
      display_name: 'Tags',
      field_type: 'array',
      description: 'Labels on the client, as a list of strings.',
      sample_values: ['["vip","destination"]'],
    },
  ],
  project: [
    {
      name: 'name',
      display_name: 'Project name',
      field_type: 'text',
      description: 'Name of the booking as the supplier calls it.',
      sample_values: ['Thompson & Okafor Wedding'],
    },
    {
      name: 'event_date',
      display_name: 'Event date',
      field_type: 'date',
      description: 'Main day of the booking (YYYY-MM-DD, date only).',
      sample_values: ['2026-06-20'],
    },
    ...bookingFields('booking'),
    ...moneyFields('total_revenue', 'Total revenue', 'Everything the booking is worth'),
    ...moneyFields('account_balance', 'Account balance', 'What the client still owes on the booking'),
  ],
  event: [
    {
      name: 'name',
      display_name: 'Event name',
      field_type: 'text',
      description: 'Name of the event.',
      sample_values: ['Ceremony', 'Reception', 'Engagement session'],
    },
    {
      name: 'event_type',
      display_name: 'Event type',
      field_type: 'text',
      description: 'Kind of event.',
      sample_values: ['ceremony', 'reception', 'engagement'],
    },
    {
      name: 'start_date',
      display_name: 'Start date',
      field_type: 'date',
      description: 'Day the event starts (YYYY-MM-DD).',
      sample_values: ['2026-06-20'],
    },
    {
      name: 'start_time',
      display_name: 'Start time',
      field_type: 'text',
      description: 'Local time the event starts (HH:mm, 24-hour).',
      sample_values: ['14:30'],
    },
    {
      name: 'end_date',
      display_name: 'End date',
      field_type: 'date',
      description: 'Day the event ends (YYYY-MM-DD).',
      sample_values: ['2026-06-20'],
    },
    {
      name: 'end_time',
      display_name: 'End time',
      field_type: 'text',
      description: 'Local time the event ends (HH:mm, 24-hour).',
      sample_values: ['23:00'],
    },
    {
      name: 'timezone',
      display_name: 'Time zone',
      field_type: 'text',
      description: 'IANA time zone of the event times.',
      sample_values: ['America/Chicago', 'Europe/London'],
    },
    {
      name: 'venue.name',
      display_name: 'Venue name',
      field_type: 'text',
      description: 'Name of the venue.',
      sample_values: ['Barton Creek Resort'],
    },
    ...addressFields('venue.address.', 'Venue'),
    {
      name: 'venue.latitude',
      display_name: 'Venue latitude',
      field_type: 'number',
      description: 'Latitude of the venue in degrees (-90 to 90).',
      sample_values: ['30.2672'],
    },
    {
      name: 'venue.longitude',
      display_name: 'Venue longitude',
      field_type: 'number',
      description: 'Longitude of the venue in degrees (-180 to 180).',
      sample_values: ['-97.7431'],
    },
    {
      name: 'venue.google_place_id',
      display_name: 'Venue Google place id',
      field_type: 'text',
      description: 'Google Maps place id of the venue.',
      sample_values: ['ChIJLwPMoJm1RIYRetVp1EtGm10'],
    },
  ],
  invoice: [
    {
      name: 'number',
      display_name: 'Invoice number',
      field_type: 'text',
      description: 'Number the CRM shows on the invoice.',
      sample_values: ['INV-1042'],
    },
    {
      name: 'status',
      display_name: 'Invoice status',
      field_type: 'text',
      description: 'State of the invoice: one of draft, open, paid, void, partial.',
      is_required: true,
      sample_values: ['draft', 'open', 'paid', 'void', 'partial'],
    },
    {
      name: 'issued_at',
      display_name: 'Issued at',
      field_type: 'date',
      description:
        'When the invoice was issued: ISO 8601 with offset, or YYYY-MM-DD when only the day is known.',
      sample_values: ['2025-02-14', '2025-02-14T10:00:00Z'],
    },
    {
      name: 'due_date',
      display_name: 'Due date',
      field_type: 'date',
      description: 'Day the invoice is due (YYYY-MM-DD).',
      sample_values: ['2026-05-20'],
    },
    ...moneyFields('total', 'Total', 'Total of the invoice', true),
    ...moneyFields('balance', 'Balance', 'What is still unpaid on the invoice'),
    {
      name: 'line_items',
      display_name: 'Line items',
      field_type: 'json',
      description:
        'Lines of the invoice: a list of `{ name, quantity?, unit_price?: { amount_minor, currency } }`.',
      sample_values: [
        '[{"name":"Full-day coverage","quantity":1,"unit_price":{"amount_minor":350000,"currency":"USD"}}]',
      ],
    },
  ],
  payment: [
    ...moneyFields('amount', 'Amount', 'Amount of the payment', true),
    {
      name: 'received_at',
      display_name: 'Received at',
      field_type: 'date',
      description:
        'When the payment arrived: ISO 8601 with offset, or YYYY-MM-DD when only the day is known.',
      sample_values: ['2025-02-14', '2025-02-14T10:00:00Z'],
    },
    {
      name: 'status',
      display_name: 'Payment status',
      field_type: 'text',
      description: 'State of the payment: one of scheduled, pending, paid, failed, refunded.',
      is_required: true,
      sample_values: ['scheduled', 'pending', 'paid', 'failed', 'refunded'],
    },
    {
      name: 'method',
      display_name: 'Payment method',
      field_type: 'text',
      description: 'How the client paid.',
      sample_values: ['card', 'bank transfer', 'check'],
    },
  ],
};

/**
 * Every mappable WedSync field of each record type, as dotted paths into the canonical record. Frozen.
 * The client's `first_name` is marked required, although the model also accepts a client with only
 * `last_name` or `full_name`.
 */
export const wedsyncFieldCatalog: Readonly<Record<RecordType, readonly FieldDefinition[]>> = Object.freeze({
  client: Object.freeze(catalogSpecs.client.map(define)),
  project: Object.freeze(catalogSpecs.project.map(define)),
  event: Object.freeze(catalogSpecs.event.map(define)),
  invoice: Object.freeze(catalogSpecs.invoice.map(define)),
  payment: Object.freeze(catalogSpecs.payment.map(define)),
});

/**
 * Fields of each record type that the hub fills from its record links and that no mapping may name:
 * the WedSync ids of the records a record belongs to.
 */
export const hubAssignedWedsyncFields: Readonly<Record<RecordType, readonly string[]>> = Object.freeze({
  client: Object.freeze([]),
  project: Object.freeze(['client_id']),
  event: Object.freeze(['project_id']),
  invoice: Object.freeze(['project_id']),
  payment: Object.freeze(['project_id', 'invoice_id']),
});

const fieldsByName: ReadonlyMap<RecordType, ReadonlyMap<string, FieldDefinition>> = new Map(
  recordTypes.map((recordType) => [
    recordType,
    new Map(wedsyncFieldCatalog[recordType].map((field) => [field.name, field])),
  ]),
);

function checkRecordType(recordType: unknown): RecordType {
  const parsed = RecordTypeSchema.safeParse(recordType);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `Expected \`recordType\` to be one of ${recordTypes.join(', ')}, got \`${String(recordType)}\` (${typeof recordType})`,
      { context: { recordType: String(recordType) }, cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * The mappable WedSync fields of one record type, in catalog order (for field pickers).
 * @throws InvalidArgumentError when `recordType` is not a record type.
 */
export function listWedsyncFields(recordType: RecordType): readonly FieldDefinition[] {
  return wedsyncFieldCatalog[checkRecordType(recordType)];
}

/**
 * The WedSync field of one record type named by a dotted path, or `undefined` when there is none.
 * @throws InvalidArgumentError when `recordType` is not a record type.
 */
export function findWedsyncField(recordType: RecordType, name: string): FieldDefinition | undefined {
  return fieldsByName.get(checkRecordType(recordType))?.get(name);
}
