/**
 * The field catalog: what a field picker offers for each record type, as paths into the `ExternalRecord.data`
 * this provider's reads yield (the vendor's own shapes plus the documented enrichments), each with its type, a
 * description and sample values. Objects offered whole (`customFields`, `jobs`, `partner`) are `json`: a mapping
 * may name any path inside them (`jobs[isWedding=true].eventDate`, `customFields[label=Nickname].value`).
 */
import type { FieldDefinition, ProviderRecordType } from '@wedsync/crm-core';

type Spec = readonly [name: string, type: string, description: string, samples: readonly string[]];

/** `partner.cellPhone` -> `Partner cell phone`; `jobs[isWedding=true].eventDate` -> `Wedding job event date`. */
function displayName(path: string): string {
  const words = path
    .replace('jobs[isWedding=true]', 'wedding job')
    .replace('jobs.0', 'first job')
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase())
    .join(' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

function define(specs: readonly Spec[]): readonly FieldDefinition[] {
  return Object.freeze(
    specs.map(([name, fieldType, description, samples]) =>
      Object.freeze({
        name,
        display_name: displayName(name),
        field_type: fieldType,
        description,
        is_required: false,
        sample_values: [...samples],
      }),
    ),
  );
}

const phoneSample = '{"formatted":"(512) 555-0143","e164":"+15125550143","countryCode":"us"}';

function addressSpecs(prefix: string, owner: string): Spec[] {
  return [
    [
      `${prefix}.streetAddress`,
      'text',
      `Street lines of the ${owner}, separated by a line break.`,
      ['12 Orchard Lane\nSuite 4'],
    ],
    [`${prefix}.city`, 'text', `City of the ${owner}.`, ['Austin', 'Bath']],
    [`${prefix}.state`, 'text', `State, county or province of the ${owner}.`, ['TX', 'Somerset']],
    [`${prefix}.postalCode`, 'text', `Postal code of the ${owner}.`, ['78701', 'BA1 1LT']],
    [`${prefix}.country`, 'text', `Country of the ${owner} (ISO 3166-1 alpha-2).`, ['US', 'GB']],
  ];
}

function personSpecs(prefix: string, who: string): Spec[] {
  const at = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
  return [
    [
      at('firstName'),
      'text',
      `Given name of the ${who} (at most 48 characters; may be null).`,
      ['Emma', 'José'],
    ],
    [at('lastName'), 'text', `Family name of the ${who} (may be null).`, ['Thompson', "O'Brien"]],
    [at('maidenName'), 'text', `Maiden name of the ${who}.`, ['Clarke']],
    [
      at('name'),
      'text',
      `First and last name of the ${who}, read-only in VSCO Workspace.`,
      ['Emma Thompson'],
    ],
    [at('email'), 'email', `Email address of the ${who} (may be null).`, ['emma.thompson@example.com']],
    [at('secondaryEmail'), 'email', `Second email address of the ${who}.`, ['emma@work.example.com']],
    [
      at('cellPhone'),
      'phone',
      `Mobile phone of the ${who}: an object with \`e164\` (null when VSCO Workspace could not parse what was typed) and \`formatted\`.`,
      [phoneSample],
    ],
    [at('homePhone'), 'phone', `Home phone of the ${who} (phone object).`, [phoneSample]],
    [at('workPhone'), 'phone', `Work phone of the ${who} (phone object).`, [phoneSample]],
    ...addressSpecs(at('address'), `${who}'s address`),
    [at('birthdate'), 'date', `Date of birth of the ${who} (YYYY-MM-DD).`, ['1994-03-17']],
    [at('anniversary'), 'date', `Wedding anniversary of the ${who} (YYYY-MM-DD).`, ['2025-06-20']],
    [at('gender'), 'text', `Gender of the ${who}: male, female or null.`, ['female', 'male']],
    [
      at('privacyOptIn'),
      'boolean',
      `Whether the ${who} opted in to the studio's communications.`,
      ['true', 'false'],
    ],
  ];
}

const customFieldSpecs: Spec[] = [
  [
    'customFields',
    'json',
    'Custom field values, each `{ fieldId, value, label, key, type }` (label and type from `/custom-field`).',
    [
      '[{"fieldId":"01h35ccwymj5ctckp8px1azhg6","value":"@emma","label":"Instagram handle","key":"instagram","type":"text"}]',
    ],
  ],
  [
    'customFieldsByKey',
    'json',
    'The same custom fields keyed by `key`, each `{ key, label, type, value }`: the shape of WedSync `custom_fields`.',
    ['{"instagram":{"key":"instagram","label":"Instagram handle","type":"text","value":"@emma"}}'],
  ],
];

const common = (what: string): Spec[] => [
  ['id', 'text', `VSCO Workspace id of the ${what} (a lowercase ULID).`, ['01h35ccwymj5ctckp8px1azhg6']],
  ['created', 'text', `When the ${what} was created (ISO 8601 with offset).`, ['2025-01-09T14:22:10+00:00']],
  [
    'modified',
    'text',
    `When the ${what} was last modified (ISO 8601 with offset).`,
    ['2025-02-14T10:00:00+00:00'],
  ],
];

const currencySpec: Spec = [
  'currencyCode',
  'text',
  "The studio's ISO 4217 currency: every amount is in it.",
  ['USD', 'GBP'],
];

const client: Spec[] = [
  ...common('contact'),
  ['kind', 'text', 'Kind of address-book contact; always `person` for clients.', ['person']],
  ...personSpecs('', 'client'),
  ['companyName', 'text', 'Company of the client.', ['Bloom & Vine Events']],
  ['jobTitle', 'text', 'Job title of the client.', ['Architect']],
  ['previousClient', 'boolean', 'Whether the client had a job before.', ['true', 'false']],
  [
    'accountBalance',
    'number',
    "What the client owes across jobs, in the studio's currency (integer).",
    ['0', '250000'],
  ],
  ['totalRevenue', 'number', "Revenue of the client's jobs, in the studio's currency (integer).", ['650000']],
  ...customFieldSpecs,
  [
    'partner',
    'json',
    "The partner's address-book person (the other couple-role contact of the client's most recent job with one), or null.",
    ['{"firstName":"James","lastName":"Okafor"}'],
  ],
  ...personSpecs('partner', 'partner'),
  [
    'jobs',
    'json',
    "The client's jobs, oldest first: `{ id, name, jobTypeName, isWedding, eventDate, inquiryDate, bookingDate, stage, closed, leadSourceName, guestCount, budget }`.",
    [
      '[{"id":"01h35ccwymj5ctckp8px1azhg6","jobTypeName":"Wedding","isWedding":true,"eventDate":"2026-06-20"}]',
    ],
  ],
  [
    'jobs[isWedding=true].eventDate',
    'date',
    "Event date of the client's first wedding job (YYYY-MM-DD).",
    ['2026-06-20'],
  ],
  ['jobs[isWedding=true].guestCount', 'number', "Guest count of the client's first wedding job.", ['120']],
  [
    'jobs[isWedding=true].budget.amount',
    'number',
    "Maximum budget of the client's first wedding job (integer, studio currency).",
    ['2500000'],
  ],
  [
    'jobs[isWedding=true].budget.currencyCode',
    'text',
    'Currency of that budget; absent when there is no budget.',
    ['USD'],
  ],
  ['jobs.0.jobTypeName', 'text', "Job type of the client's first job.", ['Wedding', 'Engagement']],
  ['jobs.0.leadSourceName', 'text', "Lead source of the client's first job.", ['Instagram', 'Referral']],
  ['jobs.0.inquiryDate', 'date', "Inquiry date of the client's first job (YYYY-MM-DD).", ['2025-01-09']],
  ['jobs.0.bookingDate', 'date', "Booking date of the client's first job (YYYY-MM-DD).", ['2025-02-14']],
  currencySpec,
];

const project: Spec[] = [
  ...common('job'),
  [
    'displayName',
    'text',
    'Name of the job: its `name`, else its generated `title`.',
    ['Emma Thompson & James Okafor Wedding'],
  ],
  ['name', 'text', 'Name that overrides the generated title (usually null).', ['Thompson Wedding']],
  ['title', 'text', 'Generated title of the job (read-only).', ['Emma Thompson & James Okafor Wedding']],
  ['jobTypeId', 'text', 'Id of the job type.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['jobTypeName', 'text', 'Name of the job type.', ['Wedding', 'Engagement', 'Family']],
  [
    'stage',
    'text',
    'Stage of the job: lead, booked, fulfillment or completed.',
    ['lead', 'booked', 'fulfillment', 'completed'],
  ],
  ['closed', 'boolean', 'Whether the lead or job is closed (lost or cancelled).', ['false', 'true']],
  ['closedReasonName', 'text', 'Why the job was closed.', ['Budget', 'Date unavailable']],
  ['closedDate', 'date', 'Day the job was closed (YYYY-MM-DD).', ['2025-03-01']],
  ['eventDate', 'date', 'Main date of the job (YYYY-MM-DD).', ['2026-06-20']],
  ['inquiryDate', 'date', 'Day the inquiry arrived (YYYY-MM-DD).', ['2025-01-09']],
  ['bookingDate', 'date', 'Day the job was booked (YYYY-MM-DD).', ['2025-02-14']],
  ['fulfillmentDate', 'date', 'Day the job moved to fulfillment (YYYY-MM-DD).', ['2026-06-21']],
  ['completedDate', 'date', 'Day the job was completed (YYYY-MM-DD).', ['2026-08-01']],
  ['guestCount', 'number', 'Expected number of guests.', ['120']],
  ['leadMaxBudget', 'number', 'Maximum budget the lead gave (integer, studio currency).', ['2500000']],
  ['budget.amount', 'number', '`leadMaxBudget`, absent when there is none.', ['2500000']],
  ['budget.currencyCode', 'text', 'Currency of `budget`, absent when there is no budget.', ['USD']],
  ['leadNotes', 'text', 'Notes taken on the lead.', ['Prefers a first look before the ceremony.']],
  ['leadSourceName', 'text', 'Where the lead came from.', ['Instagram', 'The Knot', 'Referral']],
  ['leadStatusName', 'text', 'Step of the lead pipeline.', ['New', 'Contacted']],
  ['leadConfidence', 'text', 'Confidence the lead books: low, medium or high.', ['high']],
  ['leadRating', 'number', 'Rating of the lead.', ['4']],
  ['webLead', 'boolean', 'Whether the lead came through a web form.', ['true', 'false']],
  ['totalRevenue', 'number', 'Revenue of the job (integer, studio currency).', ['650000']],
  [
    'accountBalance',
    'number',
    'What the client still owes on the job (integer, studio currency).',
    ['150000'],
  ],
  ['totalCost', 'number', 'Costs of the job (integer, studio currency).', ['0']],
  ['totalProfit', 'number', 'Profit of the job (integer, studio currency).', ['650000']],
  ...customFieldSpecs,
  ['clientContactId', 'text', "Address-book id of the job's client.", ['01h35ccwymj5ctckp8px1azhg6']],
  currencySpec,
];

const event: Spec[] = [
  ...common('event'),
  ['name', 'text', 'Name of the event.', ['Ceremony', 'Reception']],
  ['typeId', 'text', 'Id of the event type.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['typeName', 'text', 'Name of the event type.', ['Ceremony', 'Engagement Session']],
  ['startDate', 'date', 'Day the event starts, in its time zone (YYYY-MM-DD).', ['2026-06-20']],
  ['startTime', 'text', 'Local start time (HH:mm:ss, 24-hour).', ['14:30:00']],
  ['endDate', 'date', 'Day the event ends (YYYY-MM-DD).', ['2026-06-20']],
  ['endTime', 'text', 'Local end time (HH:mm:ss, 24-hour).', ['23:00:00']],
  ['allDay', 'boolean', 'Whether the event lasts all day.', ['false']],
  ['timezoneName', 'text', 'IANA time zone of the event times.', ['America/Chicago', 'Europe/London']],
  ['startUtc', 'text', 'Start as an instant (ISO 8601 with offset).', ['2026-06-20T19:30:00+00:00']],
  ['endUtc', 'text', 'End as an instant (ISO 8601 with offset).', ['2026-06-21T04:00:00+00:00']],
  ['channel', 'text', 'InPerson, Phone or Virtual.', ['InPerson']],
  ['confirmed', 'boolean', 'Whether the event is confirmed.', ['true']],
  [
    'location',
    'json',
    'Where the event takes place: `{ id, address }`.',
    ['{"id":"01h35ccwymj5ctckp8px1azhg6","address":{"name":"Barton Creek Resort"}}'],
  ],
  ['location.address.name', 'text', 'Name of the venue.', ['Barton Creek Resort', 'Kew Gardens']],
  ...addressSpecs('location.address', 'venue'),
  ['location.address.latitude', 'number', 'Latitude of the venue.', ['30.2672']],
  ['location.address.longitude', 'number', 'Longitude of the venue.', ['-97.7431']],
  [
    'location.address.googlePlaceId',
    'text',
    'Google Maps place id of the venue.',
    ['ChIJLwPMoJm1RIYRetVp1EtGm10'],
  ],
  ['virtualUrl', 'text', 'Link of a virtual event.', ['https://meet.example.com/abc']],
  ['jobId', 'text', 'Id of the job the event belongs to.', ['01h35ccwymj5ctckp8px1azhg6']],
];

const invoice: Spec[] = [
  ...common('invoice'),
  ['customNumber', 'text', 'Number of the invoice.', ['1042-1']],
  [
    'status',
    'text',
    'State of the invoice: draft, open, paid-in-full or voided.',
    ['draft', 'open', 'paid-in-full', 'voided'],
  ],
  ['title', 'text', 'Generated title of the invoice.', ['Invoice 1 of 3']],
  ['dueDate', 'date', 'Day the invoice is due (YYYY-MM-DD).', ['2026-05-20']],
  ['total', 'number', 'Total of the invoice (integer, studio currency).', ['150000']],
  ['referenceCode', 'text', 'Reference code of the invoice.', ['1AZHG6X2QP']],
  ['orderId', 'text', 'Id of the order the invoice bills.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['jobId', 'text', "Id of the order's job.", ['01h35ccwymj5ctckp8px1azhg6']],
  [
    'order',
    'json',
    'The order: `{ id, name, title, customNumber, status, total, balance, bookedOn, lineItems }`.',
    ['{"name":"Full-day coverage","status":"open","total":450000}'],
  ],
  ['order.name', 'text', 'Name of the order (the package).', ['Full-day coverage']],
  ['order.customNumber', 'text', 'Number of the order.', ['1042']],
  ['order.status', 'text', 'State of the order: draft, open, paid-in-full, completed or voided.', ['open']],
  ['order.total', 'number', 'Total of the order (integer, studio currency).', ['450000']],
  ['order.balance', 'number', 'Unpaid part of the order (integer, studio currency).', ['300000']],
  ['order.bookedOn', 'date', 'Day the order was booked (YYYY-MM-DD).', ['2025-02-14']],
  [
    'order.lineItems',
    'json',
    'Lines of the order, each with `name`, `units` and `pricePerUnit`.',
    ['[{"name":"Full-day coverage","units":1,"pricePerUnit":350000}]'],
  ],
  currencySpec,
];

const payment: Spec[] = [
  ...common('payment'),
  ['amount', 'number', 'Amount of the payment (integer, studio currency).', ['150000']],
  ['refundedAmount', 'number', 'Part of the payment refunded (integer, studio currency).', ['0']],
  [
    'status',
    'text',
    'State of the payment: future, confirmed-future, posted, failed or pending.',
    ['future', 'posted', 'failed', 'pending'],
  ],
  ['received', 'date', 'Day the payment was received, or is scheduled (YYYY-MM-DD).', ['2025-02-14']],
  ['memo', 'text', 'Memo of the payment.', ['Retainer']],
  ['checkNumber', 'text', 'Number of the check.', ['1042']],
  ['transactionId', 'text', 'Id of the card transaction.', ['ch_3MqLiJ']],
  ['paymentMethodId', 'text', 'Id of the payment method.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['paymentMethod.name', 'text', 'Name of the payment method.', ['Credit Card', 'Check']],
  [
    'paymentMethod.kind',
    'text',
    'Kind of payment method: Google, PayPal, CreditCard, Check, Cash or EFT.',
    ['CreditCard'],
  ],
  ['jobId', 'text', 'Id of the job paid for.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['payerId', 'text', 'Address-book id of the payer.', ['01h35ccwymj5ctckp8px1azhg6']],
  ['invoiceItemId', 'text', 'Undocumented reference VSCO Workspace may set.', ['01h35ccwymj5ctckp8px1azhg6']],
  [
    'paymentAllocations',
    'json',
    'How the payment is applied to orders: `{ orderId, jobId, amount, refundedAmount }`.',
    ['[{"orderId":"01h35ccwymj5ctckp8px1azhg6","amount":150000}]'],
  ],
  currencySpec,
];

/** The fields of each record type's `ExternalRecord.data`, for field pickers and mapping validation. Frozen. */
export const taveFieldCatalog: Readonly<Record<ProviderRecordType, readonly FieldDefinition[]>> =
  Object.freeze({
    client: define(client),
    project: define(project),
    event: define(event),
    invoice: define(invoice),
    payment: define(payment),
  });
