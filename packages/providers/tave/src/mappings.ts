/**
 * Default field mappings of a new Tave integration, per record type, onto the canonical WedSync model.
 *
 * Convention (core's `sync/record-types.ts`): client fields are unqualified (`first_name`, `partner.email`);
 * other record types' `wedsync_field` carries the record type (`project.name`, `invoice.total.amount_minor`);
 * `crm_field` is a path into the `ExternalRecord.data` the read yields (see the field catalog).
 *
 * Mappings that derive a value (a street line split out, a status computed from two fields) are `import_only`:
 * their steps cannot be reversed. Money: the API's integers are read as minor units (the `moneyUnit` setting
 * switches to whole units, adding a `money` step); currencies come from the studio (`currencyCode`), and an
 * optional amount's currency is read from the same object as the amount so that no currency is ever set
 * without its amount.
 */
import type { CrmFieldMapping, FieldType, ProviderRecordType, SyncDirection } from '@wedsync/crm-core';
import type { TaveMoneyUnit } from './settings.js';

interface Extra {
  readonly steps?: readonly Record<string, unknown>[];
  readonly direction?: SyncDirection;
  /** Rules besides `steps` (e.g. `on_invalid`). */
  readonly rules?: Readonly<Record<string, unknown>>;
}

function mapping(
  wedsyncField: string,
  crmField: string,
  fieldType: FieldType,
  extra: Extra = {},
): CrmFieldMapping {
  return {
    wedsync_field: wedsyncField,
    crm_field: crmField,
    field_type: fieldType,
    transform_rules: {
      ...extra.rules,
      ...(extra.steps === undefined ? {} : { steps: extra.steps.map((step) => ({ ...step })) }),
    },
    sync_direction: extra.direction ?? 'bidirectional',
    is_required: false,
  };
}

/** The first or second line of a multi-line street address (import only: splitting cannot be reversed). */
function streetLine(wedsyncField: string, crmField: string, index: 0 | 1): CrmFieldMapping {
  return mapping(wedsyncField, crmField, 'text', {
    steps: [{ type: 'split', separator: '\n', index }],
    direction: 'import_only',
  });
}

function addressMappings(wedsyncPrefix: string, crmPrefix: string): CrmFieldMapping[] {
  return [
    streetLine(`${wedsyncPrefix}.line1`, `${crmPrefix}.streetAddress`, 0),
    streetLine(`${wedsyncPrefix}.line2`, `${crmPrefix}.streetAddress`, 1),
    mapping(`${wedsyncPrefix}.city`, `${crmPrefix}.city`, 'text'),
    mapping(`${wedsyncPrefix}.region`, `${crmPrefix}.state`, 'text'),
    mapping(`${wedsyncPrefix}.postal_code`, `${crmPrefix}.postalCode`, 'text'),
    mapping(`${wedsyncPrefix}.country`, `${crmPrefix}.country`, 'text'),
  ];
}

const importOnly = { direction: 'import_only' } as const;
/**
 * Tave parses what was typed with the studio's country and leaves `e164` null when it could not. Such a
 * number is skipped with a warning (the typed text stays in the staged raw record) instead of keeping the
 * whole client out of WedSync.
 */
const lenientPhone = { rules: { on_invalid: 'skip_field' } } as const;

/** An integer amount of the API as minor units (through a `money` step when the API speaks whole units). */
function amount(wedsyncField: string, crmField: string, unit: TaveMoneyUnit): CrmFieldMapping {
  return mapping(wedsyncField, crmField, 'number', {
    direction: 'import_only',
    ...(unit === 'major' ? { steps: [{ type: 'money', output: 'minor', export_as: 'decimal' }] } : {}),
  });
}

/** `amount_minor` and `currency` of one WedSync money field (read only: totals and balances are computed). */
function money(
  wedsyncField: string,
  crmAmount: string,
  crmCurrency: string,
  unit: TaveMoneyUnit,
): CrmFieldMapping[] {
  return [
    amount(`${wedsyncField}.amount_minor`, crmAmount, unit),
    mapping(`${wedsyncField}.currency`, crmCurrency, 'text', importOnly),
  ];
}

/**
 * Client: the contact's own fields both ways; the street lines, the read-only full name, the partner (another
 * contact), everything read through the job list and the custom fields import only.
 */
function clientMappings(unit: TaveMoneyUnit): CrmFieldMapping[] {
  const wedding = 'jobs[isWedding=true]';
  return [
    mapping('first_name', 'firstName', 'text'),
    mapping('last_name', 'lastName', 'text'),
    mapping('full_name', 'name', 'text', importOnly),
    mapping('maiden_name', 'maidenName', 'text'),
    mapping('email', 'email', 'email'),
    mapping('secondary_email', 'secondaryEmail', 'email'),
    mapping('phone', 'cellPhone', 'phone', lenientPhone),
    mapping('secondary_phone', 'workPhone', 'phone', lenientPhone),
    ...addressMappings('address', 'address'),
    mapping('birthdate', 'birthdate', 'date'),
    // Import only: a person with a company name and no job reads as a vendor, not a client (see read/clients.ts),
    // so writing it would make an exported client vanish from the next client read.
    mapping('company', 'companyName', 'text', importOnly),
    mapping('marketing_opt_in', 'privacyOptIn', 'boolean'),
    mapping('partner.first_name', 'partner.firstName', 'text', importOnly),
    mapping('partner.last_name', 'partner.lastName', 'text', importOnly),
    mapping('partner.email', 'partner.email', 'email', importOnly),
    mapping('partner.phone', 'partner.cellPhone', 'phone', { ...importOnly, ...lenientPhone }),
    mapping('partner.birthdate', 'partner.birthdate', 'date', importOnly),
    mapping('wedding_date', `${wedding}.eventDate`, 'date', importOnly),
    mapping('guest_count', `${wedding}.guestCount`, 'number', importOnly),
    amount('budget.amount_minor', `${wedding}.budget.amount`, unit),
    mapping('budget.currency', `${wedding}.budget.currencyCode`, 'text', importOnly),
    mapping('job_type', 'jobs.0.jobTypeName', 'text', importOnly),
    mapping('lead_source', 'jobs.0.leadSourceName', 'text', importOnly),
    mapping('inquiry_date', 'jobs.0.inquiryDate', 'date', importOnly),
    mapping('booked_date', 'jobs.0.bookingDate', 'date', importOnly),
    mapping('custom_fields', 'customFieldsByKey', 'json', importOnly),
  ];
}

/** A job's stage and closed flag to WedSync's stage: a closed lead is lost, a closed booking archived. */
const stageOfJob: Readonly<Record<string, string>> = {
  'lead open': 'inquiry',
  'lead closed': 'lost',
  'booked open': 'booked',
  'booked closed': 'archived',
  'fulfillment open': 'fulfillment',
  'fulfillment closed': 'archived',
  'completed open': 'completed',
  'completed closed': 'archived',
};

/** Project: the job's writable fields both ways; names read by id, computed amounts and the status import only. */
function projectMappings(unit: TaveMoneyUnit): CrmFieldMapping[] {
  return [
    mapping('name', 'displayName', 'text', importOnly),
    // `name` overrides the generated title; the read's `displayName` is the name, else the title.
    mapping('name', 'name', 'text', { direction: 'export_only' }),
    mapping('job_type', 'jobTypeName', 'text', importOnly),
    mapping('event_date', 'eventDate', 'date'),
    mapping('status.stage', 'stage', 'text', {
      direction: 'import_only',
      steps: [
        { type: 'template', template: '{stage} {closed}' },
        { type: 'regex_replace', pattern: ' true$', replacement: ' closed' },
        { type: 'regex_replace', pattern: ' false$', replacement: ' open' },
        { type: 'map', values: stageOfJob },
      ],
    }),
    mapping('status.raw', 'stage', 'text', importOnly),
    mapping('status.closed_reason', 'closedReasonName', 'text', importOnly),
    mapping('lead_source', 'leadSourceName', 'text', importOnly),
    mapping('guest_count', 'guestCount', 'number'),
    amount('budget.amount_minor', 'budget.amount', unit),
    // Written back as the integer `leadMaxBudget` when the API speaks minor units (whole units would need rounding).
    ...(unit === 'minor'
      ? [mapping('budget.amount_minor', 'leadMaxBudget', 'number', { direction: 'export_only' })]
      : []),
    mapping('budget.currency', 'budget.currencyCode', 'text', importOnly),
    mapping('notes', 'leadNotes', 'text'),
    mapping('inquiry_date', 'inquiryDate', 'date'),
    mapping('booked_date', 'bookingDate', 'date'),
    mapping('custom_fields', 'customFieldsByKey', 'json', importOnly),
    ...money('total_revenue', 'totalRevenue', 'currencyCode', unit),
    ...money('account_balance', 'accountBalance', 'currencyCode', unit),
  ];
}

/** Event: name, dates, times and time zone both ways; the type (read by id) and the venue import only. */
function eventMappings(): CrmFieldMapping[] {
  const time = (wedsyncField: string, crmField: string) =>
    // The API writes `14:30:00`; WedSync keeps `14:30` (the API ignores seconds on input).
    mapping(wedsyncField, crmField, 'text', {
      steps: [{ type: 'regex_replace', pattern: '^(\\d{2}:\\d{2}):\\d{2}$', replacement: '$1' }],
    });
  const venue = (wedsyncField: string, crmField: string, fieldType: FieldType) =>
    mapping(wedsyncField, crmField, fieldType, importOnly);
  return [
    mapping('name', 'name', 'text'),
    mapping('event_type', 'typeName', 'text', importOnly),
    mapping('start_date', 'startDate', 'date'),
    time('start_time', 'startTime'),
    mapping('end_date', 'endDate', 'date'),
    time('end_time', 'endTime'),
    mapping('timezone', 'timezoneName', 'text'),
    venue('venue.name', 'location.address.name', 'text'),
    ...addressMappings('venue.address', 'location.address').map((entry) => ({
      ...entry,
      sync_direction: 'import_only' as const,
    })),
    venue('venue.latitude', 'location.address.latitude', 'number'),
    venue('venue.longitude', 'location.address.longitude', 'number'),
    venue('venue.google_place_id', 'location.address.googlePlaceId', 'text'),
  ];
}

/** Invoice: read only (VSCO Workspace computes invoices from orders). */
function invoiceMappings(unit: TaveMoneyUnit): CrmFieldMapping[] {
  return [
    mapping('number', 'customNumber', 'text', importOnly),
    mapping('status', 'status', 'text', {
      direction: 'import_only',
      steps: [
        { type: 'map', values: { draft: 'draft', open: 'open', 'paid-in-full': 'paid', voided: 'void' } },
      ],
    }),
    mapping('due_date', 'dueDate', 'date', importOnly),
    ...money('total', 'total', 'currencyCode', unit),
  ];
}

/** Payment: read only. A posted payment is `paid` (a refund shows in `refundedAmount`, not in the status). */
function paymentMappings(unit: TaveMoneyUnit): CrmFieldMapping[] {
  return [
    ...money('amount', 'amount', 'currencyCode', unit),
    mapping('received_at', 'received', 'date', importOnly),
    mapping('status', 'status', 'text', {
      direction: 'import_only',
      steps: [
        {
          type: 'map',
          values: {
            future: 'scheduled',
            'confirmed-future': 'scheduled',
            pending: 'pending',
            posted: 'paid',
            failed: 'failed',
          },
        },
      ],
    }),
    mapping('method', 'paymentMethod.name', 'text', importOnly),
  ];
}

/** The default mappings of one record type, `wedsync_field` qualified by the record type (except clients). */
export function taveDefaultMappings(recordType: ProviderRecordType, unit: TaveMoneyUnit): CrmFieldMapping[] {
  let mappings: CrmFieldMapping[];
  switch (recordType) {
    case 'client':
      return clientMappings(unit);
    case 'project':
      mappings = projectMappings(unit);
      break;
    case 'event':
      mappings = eventMappings();
      break;
    case 'invoice':
      mappings = invoiceMappings(unit);
      break;
    case 'payment':
      mappings = paymentMappings(unit);
      break;
    default:
      return [];
  }
  return mappings.map((entry) => ({ ...entry, wedsync_field: `${recordType}.${entry.wedsync_field}` }));
}
