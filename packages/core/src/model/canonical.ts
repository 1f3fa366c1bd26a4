/**
 * The canonical WedSync record model: what every provider maps into and every store reads and writes.
 *
 * Records are plain JSON-able objects with snake_case keys; WedSync field names in field mappings are
 * dotted paths into them (`first_name`, `partner.email`, `address.city`, `budget.amount_minor`).
 *
 * Conventions:
 * - Money is integer minor units plus an ISO 4217 currency (`{ amount_minor: 150000, currency: 'USD' }`).
 * - Dates are `YYYY-MM-DD` (date-only, never shifted by a time zone); times are `HH:mm`.
 * - Timestamps (`*_at`) are ISO 8601 with an offset; a date-only `YYYY-MM-DD` is also accepted there,
 *   because many CRMs only know the day and inventing a time (and a zone) would be a lie.
 * - Phones are E.164 (`+14155550123`); the mapping engine normalises them before validation.
 *
 * Unknown keys: every object schema here is a plain `z.object`, which strips unknown keys when parsing
 * rather than rejecting them (`.strict()` is too harsh for host data that carries extra columns). Parse
 * output therefore only holds the canonical fields; keep anything else in `custom_fields`.
 *
 * Storable text: every text of a record (values and custom field keys) must hold no NUL character and no
 * unpaired UTF-16 surrogate, which no database stores as sent (see `mapping/storable.ts`).
 *
 * Lengths: the fields the host indexes or matches people by are bounded, so that an absurd value is refused with
 * a reason before it reaches a database index (PostgreSQL refuses index entries past about 2.7 kB): first, last
 * and full names at {@link maxNameLength} characters, emails by RFC 5321 (see {@link emailAddressProblem}),
 * phones by E.164. Free text (notes, the maiden name, address parts) is not bounded.
 */
import { z } from 'zod';
import { isStorableText } from '../mapping/storable.js';

/** The longest first, last or full name a record may hold (characters). */
export const maxNameLength = 255;
/** The longest email address (RFC 5321: a 256-octet path less its angle brackets). */
export const maxEmailLength = 254;
/** The longest part of an email address before its `@` (RFC 5321). */
export const maxEmailLocalPartLength = 64;
/** The longest label of a domain name (RFC 1035). */
const maxDomainLabelLength = 63;

/** Text a database stores as sent: no NUL character, no unpaired surrogate. */
const text = z.string().refine(isStorableText, {
  message: 'Expected text without NUL characters or unpaired UTF-16 surrogates',
});
/** A first, last or full name. */
const name = text.max(maxNameLength, `Expected at most ${maxNameLength} characters`);

const emailPattern = z.email();
const notAnEmail = 'Not a valid email address';

/**
 * Why `value` is not an email address WedSync accepts, in words that never quote it; undefined when it is one.
 * Beyond zod's email pattern: at most 254 characters in all and 64 before the `@` (RFC 5321), domain labels of at
 * most 63 characters that neither start nor end with a hyphen (RFC 1035), and storable text.
 */
export function emailAddressProblem(value: string): string | undefined {
  if (value.length > maxEmailLength) return `Longer than ${maxEmailLength} characters`;
  if (!isStorableText(value)) return 'Holds a NUL character or an unpaired UTF-16 surrogate';
  const at = value.lastIndexOf('@');
  if (at > maxEmailLocalPartLength) return `More than ${maxEmailLocalPartLength} characters before the @`;
  if (!emailPattern.safeParse(value).success) return notAnEmail;
  for (const label of value.slice(at + 1).split('.')) {
    if (label.length > maxDomainLabelLength) {
      return `A part of the domain is longer than ${maxDomainLabelLength} characters`;
    }
    if (label.startsWith('-') || label.endsWith('-'))
      return 'A part of the domain starts or ends with a hyphen';
  }
  return undefined;
}

/**
 * An email address WedSync accepts (see {@link emailAddressProblem}): zod's email format (so the schema still
 * reads as an email field) plus RFC 5321's limits and the domain label rules.
 */
export const EmailAddressSchema = z.email().superRefine((value, context) => {
  const problem = emailAddressProblem(value);
  // zod's own format check already reports an address its pattern refuses.
  if (problem !== undefined && problem !== notAnEmail) {
    context.addIssue({ code: 'custom', message: `Invalid email address: ${problem}` });
  }
});

const isoDate = z.iso.date();
const isoTime = z.iso.time({ precision: -1 });
const isoTimestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** Time zone names already checked (a studio uses a handful; the check builds an Intl formatter). */
const knownTimeZones = new Map<string, boolean>();
const maxRememberedTimeZones = 1000;

/** True when `value` names a time zone this runtime knows (IANA names such as `Europe/London`). */
function isKnownTimeZone(value: string): boolean {
  const remembered = knownTimeZones.get(value);
  if (remembered !== undefined) return remembered;
  let known: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    known = true;
  } catch {
    known = false;
  }
  // Bounded: a CRM sending a new bad name with every record must not grow this without end.
  if (knownTimeZones.size < maxRememberedTimeZones) knownTimeZones.set(value, known);
  return known;
}

/** An amount of money: integer minor units (cents, pence) and an ISO 4217 currency code. */
export const MoneySchema = z.object({
  amount_minor: z.number().int(),
  currency: text.regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 currency code of 3 upper-case letters'),
});
/** An amount of money: integer minor units and an ISO 4217 currency code. */
export type Money = z.infer<typeof MoneySchema>;

/** A postal address; every part is optional because CRMs hold partial addresses. */
export const AddressSchema = z.object({
  line1: text.optional(),
  line2: text.optional(),
  city: text.optional(),
  region: text.optional(),
  postal_code: text.optional(),
  country: text.optional(),
});
/** A postal address; every part is optional. */
export type Address = z.infer<typeof AddressSchema>;

/** A person: the client, their partner, or another contact (planner, parent). */
export const PersonSchema = z.object({
  first_name: name.optional(),
  last_name: name.optional(),
  full_name: name.optional(),
  maiden_name: text.optional(),
  email: EmailAddressSchema.optional(),
  secondary_email: EmailAddressSchema.optional(),
  phone: z.e164().optional(),
  secondary_phone: z.e164().optional(),
  address: AddressSchema.optional(),
  birthdate: isoDate.optional(),
  company: text.optional(),
  marketing_opt_in: z.boolean().optional(),
});
/** A person: the client, their partner, or another contact. */
export type Person = z.infer<typeof PersonSchema>;

/** A contact of the client other than the partner, with their role (`planner`, `mother of the bride`). */
export const OtherContactSchema = PersonSchema.extend({ role: text.min(1) });
/** A contact of the client other than the partner, with their role. */
export type OtherContact = z.infer<typeof OtherContactSchema>;

/** Where a booking stands, normalised across CRMs (each CRM's own label is kept in `status.raw`). */
export const stages = ['inquiry', 'booked', 'fulfillment', 'completed', 'lost', 'archived'] as const;
/** Where a booking stands, normalised across CRMs. */
export const StageSchema = z.enum(stages);
/** Where a booking stands, normalised across CRMs. */
export type Stage = z.infer<typeof StageSchema>;

/** A record's status: the normalised stage plus the CRM's own text, which is user-defined per CRM. */
export const RecordStatusSchema = z.object({
  stage: StageSchema,
  raw: text,
  closed_reason: text.optional(),
});
/** A record's status: the normalised stage plus the CRM's own text. */
export type RecordStatus = z.infer<typeof RecordStatusSchema>;

/** Kinds of custom field value a CRM may declare. */
export const customFieldTypes = ['text', 'number', 'money', 'date', 'time', 'boolean', 'choice'] as const;
/** Kinds of custom field value a CRM may declare. */
export const CustomFieldTypeSchema = z.enum(customFieldTypes);
/** Kinds of custom field value a CRM may declare. */
export type CustomFieldType = z.infer<typeof CustomFieldTypeSchema>;

/** One custom field of a CRM record, kept as text so no CRM's value is lost in a conversion. */
export const CustomFieldValueSchema = z.object({
  key: text.min(1),
  label: text.optional(),
  type: CustomFieldTypeSchema.optional(),
  value: text.nullable(),
});
/** One custom field of a CRM record. */
export type CustomFieldValue = z.infer<typeof CustomFieldValueSchema>;

/** Custom fields keyed by their `key`; each entry's `key` must equal the key it is stored under. */
export const CustomFieldsSchema = z.record(text, CustomFieldValueSchema).superRefine((fields, context) => {
  for (const [key, field] of Object.entries(fields)) {
    if (field.key !== key) {
      context.addIssue({
        code: 'custom',
        message: `Expected custom field key to equal its record key \`${key}\`, got \`${field.key}\``,
        path: [key, 'key'],
      });
    }
  }
});
/** Custom fields keyed by their `key`. */
export type CustomFields = z.infer<typeof CustomFieldsSchema>;

const guestCount = z.number().int().min(0);

/**
 * A WedSync client (the couple's primary contact) with their wedding details. Only the client
 * requires a name: at least one of `first_name`, `last_name`, `full_name` must be non-blank.
 */
export const CanonicalClientSchema = PersonSchema.extend({
  other_contacts: z.array(OtherContactSchema).optional(),
  partner: PersonSchema.optional(),
  wedding_date: isoDate.optional(),
  venue_name: text.optional(),
  guest_count: guestCount.optional(),
  budget: MoneySchema.optional(),
  job_type: text.optional(),
  lead_source: text.optional(),
  status: RecordStatusSchema.optional(),
  inquiry_date: isoDate.optional(),
  booked_date: isoDate.optional(),
  notes: text.optional(),
  tags: z.array(text).optional(),
  custom_fields: CustomFieldsSchema.optional(),
}).superRefine((client, context) => {
  const names = [client.first_name, client.last_name, client.full_name];
  if (!names.some((name) => name !== undefined && name.trim() !== '')) {
    context.addIssue({
      code: 'custom',
      message: 'Expected at least one of `first_name`, `last_name` or `full_name` to be a non-blank string',
      path: ['first_name'],
    });
  }
});
/** A WedSync client with their wedding details. */
export type CanonicalClient = z.infer<typeof CanonicalClientSchema>;

/** A booking (job) of a client: a wedding, an engagement shoot. */
export const CanonicalProjectSchema = z.object({
  client_id: text.min(1),
  name: text.optional(),
  job_type: text.optional(),
  event_date: isoDate.optional(),
  status: RecordStatusSchema.optional(),
  lead_source: text.optional(),
  guest_count: guestCount.optional(),
  budget: MoneySchema.optional(),
  notes: text.optional(),
  inquiry_date: isoDate.optional(),
  booked_date: isoDate.optional(),
  custom_fields: CustomFieldsSchema.optional(),
  total_revenue: MoneySchema.optional(),
  account_balance: MoneySchema.optional(),
});
/** A booking (job) of a client. */
export type CanonicalProject = z.infer<typeof CanonicalProjectSchema>;

/** Where an event takes place. */
export const VenueSchema = z.object({
  name: text.optional(),
  address: AddressSchema.optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  google_place_id: text.optional(),
});
/** Where an event takes place. */
export type Venue = z.infer<typeof VenueSchema>;

/** One event of a project: ceremony, reception, engagement session. */
export const CanonicalEventSchema = z.object({
  project_id: text.min(1),
  name: text.optional(),
  event_type: text.optional(),
  start_date: isoDate.optional(),
  start_time: isoTime.optional(),
  end_date: isoDate.optional(),
  end_time: isoTime.optional(),
  timezone: text
    .refine(isKnownTimeZone, { message: 'Expected an IANA time zone name such as `Europe/London`' })
    .optional(),
  venue: VenueSchema.optional(),
});
/** One event of a project. */
export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;

/** Invoice states, normalised across CRMs. */
export const invoiceStatuses = ['draft', 'open', 'paid', 'void', 'partial'] as const;
/** Invoice states, normalised across CRMs. */
export const InvoiceStatusSchema = z.enum(invoiceStatuses);
/** Invoice states, normalised across CRMs. */
export type InvoiceStatus = z.infer<typeof InvoiceStatusSchema>;

/** One line of an invoice. */
export const LineItemSchema = z.object({
  name: text.min(1),
  quantity: z.number().min(0).optional(),
  unit_price: MoneySchema.optional(),
});
/** One line of an invoice. */
export type LineItem = z.infer<typeof LineItemSchema>;

/** An invoice of a project. */
export const CanonicalInvoiceSchema = z.object({
  project_id: text.min(1),
  number: text.optional(),
  status: InvoiceStatusSchema,
  issued_at: isoTimestamp.optional(),
  due_date: isoDate.optional(),
  total: MoneySchema,
  balance: MoneySchema.optional(),
  line_items: z.array(LineItemSchema).optional(),
});
/** An invoice of a project. */
export type CanonicalInvoice = z.infer<typeof CanonicalInvoiceSchema>;

/** Payment states, normalised across CRMs. */
export const paymentStatuses = ['scheduled', 'pending', 'paid', 'failed', 'refunded'] as const;
/** Payment states, normalised across CRMs. */
export const PaymentStatusSchema = z.enum(paymentStatuses);
/** Payment states, normalised across CRMs. */
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

/** A payment (received or scheduled) towards a project, optionally against one invoice. */
export const CanonicalPaymentSchema = z.object({
  project_id: text.min(1),
  invoice_id: text.min(1).optional(),
  amount: MoneySchema,
  received_at: isoTimestamp.optional(),
  status: PaymentStatusSchema,
  method: text.optional(),
});
/** A payment towards a project. */
export type CanonicalPayment = z.infer<typeof CanonicalPaymentSchema>;

/** The kinds of canonical record. */
export const recordTypes = ['client', 'project', 'event', 'invoice', 'payment'] as const;
/** The kinds of canonical record. */
export const RecordTypeSchema = z.enum(recordTypes);
/** The kinds of canonical record. */
export type RecordType = z.infer<typeof RecordTypeSchema>;

/** The schema of each record type, for code that handles records generically. */
export const canonicalSchemasByRecordType = {
  client: CanonicalClientSchema,
  project: CanonicalProjectSchema,
  event: CanonicalEventSchema,
  invoice: CanonicalInvoiceSchema,
  payment: CanonicalPaymentSchema,
} as const satisfies Readonly<Record<RecordType, z.ZodType>>;

/** The record type of each record type name (`CanonicalRecordByType['client']` is `CanonicalClient`). */
export interface CanonicalRecordByType {
  client: CanonicalClient;
  project: CanonicalProject;
  event: CanonicalEvent;
  invoice: CanonicalInvoice;
  payment: CanonicalPayment;
}

/** Any canonical record. */
export type CanonicalRecord = CanonicalRecordByType[RecordType];
