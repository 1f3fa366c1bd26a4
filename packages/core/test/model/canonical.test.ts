import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AddressSchema,
  type CanonicalClient,
  CanonicalClientSchema,
  CanonicalEventSchema,
  CanonicalInvoiceSchema,
  CanonicalPaymentSchema,
  CanonicalProjectSchema,
  CustomFieldValueSchema,
  canonicalSchemasByRecordType,
  MoneySchema,
  PersonSchema,
  RecordStatusSchema,
  RecordTypeSchema,
  StageSchema,
} from '../../src/model/canonical.js';

/** The issues of a failed parse as `path: message` pairs, so tests can assert exact paths. */
function issuesOf(schema: z.ZodType, value: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`Expected ${JSON.stringify(value)} to be invalid`);
  return result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function pathsOf(schema: z.ZodType, value: unknown): string[] {
  return issuesOf(schema, value).map((issue) => issue.path);
}

const fullClient: CanonicalClient = {
  first_name: 'Emma',
  last_name: 'Thompson',
  full_name: 'Emma Thompson',
  maiden_name: 'Clarke',
  email: 'emma.thompson@example.com',
  secondary_email: 'emma@work.example.com',
  phone: '+15125550143',
  secondary_phone: '+447700900123',
  address: { line1: '12 Orchard Lane', city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' },
  birthdate: '1994-03-17',
  company: 'Bloom & Vine',
  marketing_opt_in: true,
  partner: { first_name: 'James', last_name: 'Okafor', email: 'james@example.com', phone: '+15125550199' },
  other_contacts: [{ role: 'planner', full_name: 'Ava Reyes', email: 'ava@example.com' }],
  wedding_date: '2026-06-20',
  venue_name: 'Barton Creek Resort',
  guest_count: 120,
  budget: { amount_minor: 2_500_000, currency: 'USD' },
  job_type: 'Wedding',
  lead_source: 'Instagram',
  status: { stage: 'booked', raw: 'Booked - retainer paid' },
  inquiry_date: '2025-01-09',
  booked_date: '2025-02-14',
  notes: 'Prefers a first look.',
  tags: ['vip', 'destination'],
  custom_fields: {
    dress_colour: { key: 'dress_colour', label: 'Dress colour', type: 'text', value: 'Ivory' },
    shot_list: { key: 'shot_list', value: null },
  },
};

describe('MoneySchema', () => {
  it('accepts integer minor units and an ISO 4217 code', () => {
    expect(MoneySchema.parse({ amount_minor: 150_000, currency: 'GBP' })).toEqual({
      amount_minor: 150_000,
      currency: 'GBP',
    });
    expect(MoneySchema.parse({ amount_minor: -500, currency: 'EUR' }).amount_minor).toBe(-500);
  });

  it('rejects decimals, unsafe integers and lower-case or long currencies', () => {
    expect(pathsOf(MoneySchema, { amount_minor: 1500.5, currency: 'USD' })).toEqual(['amount_minor']);
    expect(pathsOf(MoneySchema, { amount_minor: 2 ** 60, currency: 'USD' })).toEqual(['amount_minor']);
    expect(pathsOf(MoneySchema, { amount_minor: '1500', currency: 'USD' })).toEqual(['amount_minor']);
    expect(issuesOf(MoneySchema, { amount_minor: 1, currency: 'usd' })).toEqual([
      { path: 'currency', message: 'Expected an ISO 4217 currency code of 3 upper-case letters' },
    ]);
    expect(pathsOf(MoneySchema, { amount_minor: 1, currency: 'USDT' })).toEqual(['currency']);
    expect(pathsOf(MoneySchema, { amount_minor: 1 })).toEqual(['currency']);
  });
});

describe('PersonSchema and AddressSchema', () => {
  it('accepts an empty person and address (every part optional)', () => {
    expect(PersonSchema.parse({})).toEqual({});
    expect(AddressSchema.parse({})).toEqual({});
  });

  it('checks emails, E.164 phones and the birthdate', () => {
    expect(pathsOf(PersonSchema, { email: 'not-an-email' })).toEqual(['email']);
    expect(pathsOf(PersonSchema, { secondary_email: 'a@' })).toEqual(['secondary_email']);
    expect(pathsOf(PersonSchema, { phone: '(512) 555-0143' })).toEqual(['phone']);
    expect(pathsOf(PersonSchema, { secondary_phone: '15125550143' })).toEqual(['secondary_phone']);
    expect(pathsOf(PersonSchema, { birthdate: '17/03/1994' })).toEqual(['birthdate']);
    expect(pathsOf(PersonSchema, { birthdate: '1994-02-30' })).toEqual(['birthdate']);
    expect(pathsOf(PersonSchema, { marketing_opt_in: 'yes' })).toEqual(['marketing_opt_in']);
    expect(pathsOf(PersonSchema, { address: { city: 12 } })).toEqual(['address.city']);
  });
});

describe('StageSchema, RecordStatusSchema, CustomFieldValueSchema', () => {
  it('lists the stages', () => {
    expect(StageSchema.options).toEqual([
      'inquiry',
      'booked',
      'fulfillment',
      'completed',
      'lost',
      'archived',
    ]);
  });

  it('requires stage and raw text', () => {
    expect(RecordStatusSchema.parse({ stage: 'lost', raw: 'Closed', closed_reason: 'Budget' })).toEqual({
      stage: 'lost',
      raw: 'Closed',
      closed_reason: 'Budget',
    });
    expect(pathsOf(RecordStatusSchema, { stage: 'won', raw: 'Won' })).toEqual(['stage']);
    expect(pathsOf(RecordStatusSchema, { stage: 'booked' })).toEqual(['raw']);
  });

  it('keeps custom field values as text or null', () => {
    expect(CustomFieldValueSchema.parse({ key: 'k', value: null })).toEqual({ key: 'k', value: null });
    expect(pathsOf(CustomFieldValueSchema, { key: 'k', value: 3 })).toEqual(['value']);
    expect(pathsOf(CustomFieldValueSchema, { key: 'k' })).toEqual(['value']);
    expect(pathsOf(CustomFieldValueSchema, { key: '', value: 'x', type: 'colour' })).toEqual(['key', 'type']);
  });
});

describe('CanonicalClientSchema', () => {
  it('accepts a complete client unchanged', () => {
    expect(CanonicalClientSchema.parse(fullClient)).toEqual(fullClient);
  });

  it.each([
    ['first_name', { first_name: 'Emma' }],
    ['last_name', { last_name: 'Thompson' }],
    ['full_name', { full_name: 'Emma Thompson' }],
  ])('accepts a client named only by %s', (_field, client) => {
    expect(CanonicalClientSchema.parse(client)).toEqual(client);
  });

  it('requires at least one non-blank name, reported at first_name', () => {
    const message =
      'Expected at least one of `first_name`, `last_name` or `full_name` to be a non-blank string';
    expect(issuesOf(CanonicalClientSchema, { email: 'emma@example.com' })).toEqual([
      { path: 'first_name', message },
    ]);
    expect(issuesOf(CanonicalClientSchema, { first_name: '  ', last_name: '', full_name: '\t' })).toEqual([
      { path: 'first_name', message },
    ]);
  });

  it('strips unknown keys instead of rejecting them', () => {
    const parsed = CanonicalClientSchema.parse({
      first_name: 'Emma',
      crm_internal_id: 42,
      partner: { x: 1 },
    });
    expect(parsed).toEqual({ first_name: 'Emma', partner: {} });
  });

  it.each([
    ['wedding_date', { wedding_date: '2026-13-01' }],
    ['wedding_date', { wedding_date: '2026-06-20T00:00:00Z' }],
    ['guest_count', { guest_count: -1 }],
    ['guest_count', { guest_count: 12.5 }],
    ['budget.amount_minor', { budget: { amount_minor: 10.5, currency: 'USD' } }],
    ['budget.currency', { budget: { amount_minor: 10, currency: 'dollars' } }],
    ['partner.email', { partner: { email: 'james at example.com' } }],
    ['partner.address.postal_code', { partner: { address: { postal_code: 78701 } } }],
    ['other_contacts.0.role', { other_contacts: [{ full_name: 'Ava Reyes' }] }],
    ['other_contacts.1.role', { other_contacts: [{ role: 'planner' }, { role: '' }] }],
    ['status.stage', { status: { stage: 'won', raw: 'Won' } }],
    ['status.raw', { status: { stage: 'booked' } }],
    ['inquiry_date', { inquiry_date: '01/09/2025' }],
    ['booked_date', { booked_date: 20250214 }],
    ['tags.1', { tags: ['vip', 7] }],
    ['custom_fields.dress.value', { custom_fields: { dress: { key: 'dress', value: 1 } } }],
    ['notes', { notes: ['a', 'b'] }],
  ])('rejects a bad %s at that exact path', (path, patch) => {
    expect(pathsOf(CanonicalClientSchema, { first_name: 'Emma', ...patch })).toEqual([path]);
  });

  it('requires each custom field to be stored under its own key', () => {
    expect(
      issuesOf(CanonicalClientSchema, {
        first_name: 'Emma',
        custom_fields: { dress: { key: 'dress_colour', value: 'Ivory' } },
      }),
    ).toEqual([
      {
        path: 'custom_fields.dress.key',
        message: 'Expected custom field key to equal its record key `dress`, got `dress_colour`',
      },
    ]);
  });
});

describe('CanonicalProjectSchema', () => {
  it('accepts a project with money totals', () => {
    const project = {
      client_id: 'client-1',
      name: 'Thompson & Okafor Wedding',
      job_type: 'Wedding',
      event_date: '2026-06-20',
      status: { stage: 'fulfillment', raw: 'Editing' },
      guest_count: 0,
      total_revenue: { amount_minor: 650_000, currency: 'USD' },
      account_balance: { amount_minor: 0, currency: 'USD' },
      custom_fields: {},
    };
    expect(CanonicalProjectSchema.parse(project)).toEqual(project);
  });

  it('requires a client id and checks its parts', () => {
    expect(pathsOf(CanonicalProjectSchema, {})).toEqual(['client_id']);
    expect(pathsOf(CanonicalProjectSchema, { client_id: '' })).toEqual(['client_id']);
    expect(pathsOf(CanonicalProjectSchema, { client_id: 'c', event_date: 'June 20' })).toEqual([
      'event_date',
    ]);
    expect(
      pathsOf(CanonicalProjectSchema, {
        client_id: 'c',
        account_balance: { amount_minor: 1, currency: 'us' },
      }),
    ).toEqual(['account_balance.currency']);
  });
});

describe('CanonicalEventSchema', () => {
  it('accepts an event with HH:mm times, a time zone and a venue', () => {
    const event = {
      project_id: 'project-1',
      name: 'Ceremony',
      event_type: 'ceremony',
      start_date: '2026-06-20',
      start_time: '14:30',
      end_date: '2026-06-20',
      end_time: '23:59',
      timezone: 'America/Chicago',
      venue: {
        name: 'Barton Creek Resort',
        address: { city: 'Austin', country: 'US' },
        latitude: 30.2672,
        longitude: -97.7431,
        google_place_id: 'ChIJLwPMoJm1RIYRetVp1EtGm10',
      },
    };
    expect(CanonicalEventSchema.parse(event)).toEqual(event);
    expect(CanonicalEventSchema.parse({ project_id: 'p', timezone: 'UTC' }).timezone).toBe('UTC');
  });

  it.each([
    ['project_id', {}],
    ['start_time', { project_id: 'p', start_time: '2:30pm' }],
    ['start_time', { project_id: 'p', start_time: '14:30:00' }],
    ['end_time', { project_id: 'p', end_time: '24:00' }],
    ['end_date', { project_id: 'p', end_date: '2026-02-29' }],
    ['timezone', { project_id: 'p', timezone: 'Mars/Olympus_Mons' }],
    ['venue.latitude', { project_id: 'p', venue: { latitude: 91 } }],
    ['venue.longitude', { project_id: 'p', venue: { longitude: -180.5 } }],
    ['venue.address.line1', { project_id: 'p', venue: { address: { line1: null } } }],
  ])('rejects a bad %s at that exact path', (path, event) => {
    expect(pathsOf(CanonicalEventSchema, event)).toEqual([path]);
  });

  it('explains a bad time zone', () => {
    expect(issuesOf(CanonicalEventSchema, { project_id: 'p', timezone: 'CST6CDT-ish' })).toEqual([
      { path: 'timezone', message: 'Expected an IANA time zone name such as `Europe/London`' },
    ]);
  });
});

describe('CanonicalInvoiceSchema', () => {
  const invoice = {
    project_id: 'project-1',
    number: 'INV-1042',
    status: 'partial',
    issued_at: '2025-02-14T10:00:00+01:00',
    due_date: '2026-05-20',
    total: { amount_minor: 650_000, currency: 'USD' },
    balance: { amount_minor: 300_000, currency: 'USD' },
    line_items: [
      { name: 'Full-day coverage', quantity: 1, unit_price: { amount_minor: 350_000, currency: 'USD' } },
      { name: 'Album' },
    ],
  };

  it('accepts an invoice, with a timestamp or a date-only issue time', () => {
    expect(CanonicalInvoiceSchema.parse(invoice)).toEqual(invoice);
    expect(CanonicalInvoiceSchema.parse({ ...invoice, issued_at: '2025-02-14' }).issued_at).toBe(
      '2025-02-14',
    );
    expect(CanonicalInvoiceSchema.parse({ ...invoice, issued_at: '2025-02-14T10:00:00Z' }).issued_at).toBe(
      '2025-02-14T10:00:00Z',
    );
  });

  it.each([
    ['status', { status: 'unpaid' }],
    ['total', { total: undefined }],
    ['total.amount_minor', { total: { amount_minor: 6500.0001, currency: 'USD' } }],
    ['issued_at', { issued_at: '2025-02-14T10:00:00' }],
    ['issued_at', { issued_at: 'yesterday' }],
    ['due_date', { due_date: '2026-05-20T00:00:00Z' }],
    ['line_items.1.name', { line_items: [{ name: 'a' }, { name: '' }] }],
    ['line_items.0.quantity', { line_items: [{ name: 'a', quantity: -1 }] }],
    [
      'line_items.0.unit_price.currency',
      { line_items: [{ name: 'a', unit_price: { amount_minor: 1, currency: '$' } }] },
    ],
  ])('rejects a bad %s at that exact path', (path, patch) => {
    expect(pathsOf(CanonicalInvoiceSchema, { ...invoice, ...patch })).toEqual([path]);
  });
});

describe('CanonicalPaymentSchema', () => {
  const payment = {
    project_id: 'project-1',
    invoice_id: 'invoice-1',
    amount: { amount_minor: 150_000, currency: 'USD' },
    received_at: '2025-02-14T10:00:00Z',
    status: 'paid',
    method: 'card',
  };

  it('accepts a payment', () => {
    expect(CanonicalPaymentSchema.parse(payment)).toEqual(payment);
    expect(
      CanonicalPaymentSchema.parse({ project_id: 'p', amount: payment.amount, status: 'scheduled' }),
    ).toEqual({
      project_id: 'p',
      amount: payment.amount,
      status: 'scheduled',
    });
  });

  it.each([
    ['status', { status: 'complete' }],
    ['amount', { amount: null }],
    ['amount.currency', { amount: { amount_minor: 1 } }],
    ['received_at', { received_at: '14 Feb 2025' }],
    ['invoice_id', { invoice_id: '' }],
    ['project_id', { project_id: undefined }],
  ])('rejects a bad %s at that exact path', (path, patch) => {
    expect(pathsOf(CanonicalPaymentSchema, { ...payment, ...patch })).toEqual([path]);
  });
});

describe('RecordTypeSchema and canonicalSchemasByRecordType', () => {
  it('maps every record type to its schema', () => {
    expect(RecordTypeSchema.options).toEqual(['client', 'project', 'event', 'invoice', 'payment']);
    expect(Object.keys(canonicalSchemasByRecordType)).toEqual(RecordTypeSchema.options);
    expect(canonicalSchemasByRecordType.client).toBe(CanonicalClientSchema);
    expect(canonicalSchemasByRecordType.project).toBe(CanonicalProjectSchema);
    expect(canonicalSchemasByRecordType.event).toBe(CanonicalEventSchema);
    expect(canonicalSchemasByRecordType.invoice).toBe(CanonicalInvoiceSchema);
    expect(canonicalSchemasByRecordType.payment).toBe(CanonicalPaymentSchema);
    expect(RecordTypeSchema.safeParse('task').success).toBe(false);
  });
});
