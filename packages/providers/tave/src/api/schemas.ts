/**
 * zod schemas of the VSCO Workspace API v2 responses this provider reads, written from the vendor's OpenAPI
 * document (components/schemas). They check only what the provider relies on (ids, the fields it joins and
 * enriches by) and keep every other property as received (`z.looseObject`), so `ExternalRecord.data` stays the
 * vendor's own shape for field mappings to read.
 */
import { z } from 'zod';

const id = z.string().min(1);
const nullableText = z.string().nullish();

/** A collection response (`List`): `{ meta: { currentPage, totalPages, totalItems, rows }, type, items }`. */
export const TaveCollectionSchema = z.object({
  meta: z
    .object({
      currentPage: z.number().int().optional(),
      totalPages: z.number().int().min(0).optional(),
      totalItems: z.number().int().min(0).optional(),
      rows: z.number().int().optional(),
    })
    .optional(),
  type: z.string(),
  items: z.array(z.unknown()),
});

/** A `CustomFieldValue` on a contact or job. */
export const TaveCustomFieldValueSchema = z.looseObject({ fieldId: id, value: z.string().nullish() });

/** An address-book item: `Person`, `Company`, `Employee` or `Location` (a union on `kind`). */
export const TaveContactSchema = z.looseObject({
  id,
  kind: z.string(),
  modified: z.string().optional(),
  hidden: z.boolean().nullish(),
  customFields: z.array(TaveCustomFieldValueSchema).nullish(),
  vendorRoleId: nullableText,
  companyName: nullableText,
});
/** An address-book item as parsed. */
export type TaveContactItem = z.infer<typeof TaveContactSchema>;

/** A `JobContact`: a contact on a job, in roles; `client` marks a client of the job. */
export const TaveJobContactSchema = z.looseObject({
  id,
  contactId: id,
  jobId: id,
  client: z.boolean().nullish(),
  roleKinds: z.array(z.string()).nullish(),
  created: z.string().optional(),
  modified: z.string().optional(),
  hidden: z.boolean().nullish(),
});
/** A job contact as parsed. */
export type TaveJobContactItem = z.infer<typeof TaveJobContactSchema>;

/** A `Job` (a lead or a booked job). */
export const TaveJobSchema = z.looseObject({
  id,
  created: z.string().optional(),
  modified: z.string().optional(),
  name: nullableText,
  title: nullableText,
  jobTypeId: nullableText,
  jobTypeName: nullableText,
  eventDate: nullableText,
  inquiryDate: nullableText,
  bookingDate: nullableText,
  stage: nullableText,
  closed: z.boolean().nullish(),
  leadSourceName: nullableText,
  guestCount: z.number().nullish(),
  leadMaxBudget: z.number().nullish(),
  customFields: z.array(TaveCustomFieldValueSchema).nullish(),
});
/** A job as parsed. */
export type TaveJobItem = z.infer<typeof TaveJobSchema>;

/** An `Event` of a job. */
export const TaveEventSchema = z.looseObject({
  id,
  modified: z.string().optional(),
  jobId: nullableText,
  typeId: nullableText,
});
/** An event as parsed. */
export type TaveEventItem = z.infer<typeof TaveEventSchema>;

/** An `Invoice` of an order. */
export const TaveInvoiceSchema = z.looseObject({
  id,
  modified: z.string().optional(),
  hidden: z.boolean().nullish(),
});

/** An `Order` (a booked package) with its `invoices` and `lineItems`. */
export const TaveOrderSchema = z.looseObject({
  id,
  jobId: id,
  invoices: z.array(TaveInvoiceSchema).nullish(),
});
/** An order as parsed. */
export type TaveOrderItem = z.infer<typeof TaveOrderSchema>;

/** A `Payment` of a job. */
export const TavePaymentSchema = z.looseObject({
  id,
  modified: z.string().optional(),
  jobId: nullableText,
  paymentMethodId: nullableText,
  invoiceItemId: nullableText,
});
/** A payment as parsed. */
export type TavePaymentItem = z.infer<typeof TavePaymentSchema>;

/** A `CustomField` definition. */
export const TaveCustomFieldSchema = z.looseObject({
  id,
  name: nullableText,
  clientLabel: nullableText,
  token: nullableText,
  kind: nullableText,
  canApplyTo: nullableText,
});
/** A custom field definition as parsed. */
export type TaveCustomFieldItem = z.infer<typeof TaveCustomFieldSchema>;

/** An `EventType` or a `PaymentMethod`: an id and a name. */
export const TaveNamedSchema = z.looseObject({ id, name: nullableText, kind: nullableText });
/** An event type or payment method as parsed. */
export type TaveNamedItem = z.infer<typeof TaveNamedSchema>;

/** The `Studio` (`/studio/me`). */
export const TaveStudioSchema = z.looseObject({
  name: z.string(),
  currencyCode: nullableText,
  dateFormat: nullableText,
  timeFormat: nullableText,
  timezoneId: nullableText,
  decimalSeparator: nullableText,
  thousandsSeparator: nullableText,
  readonlyEnabled: z.boolean().nullish(),
  plan: z.looseObject({ name: nullableText, codeName: nullableText }).nullish(),
});
/** The studio as parsed. */
export type TaveStudio = z.infer<typeof TaveStudioSchema>;

/** A `Timezone`: its IANA `name` and ISO 3166-1 alpha-2 `country`. */
export const TaveTimezoneSchema = z.looseObject({ id, name: z.string(), country: nullableText });
/** A time zone as parsed. */
export type TaveTimezone = z.infer<typeof TaveTimezoneSchema>;

/**
 * Values that stand in for a required property of the wrong type when an item is made readable (see
 * `readableItem` in `client.ts`): the item is then rejected by the hub with the reason, and the property's own
 * value is kept in its note. A contact whose `kind` is not text is read as a person, so that a client among such
 * contacts comes out as a rejected client instead of vanishing from the read (vendors and team members stay out:
 * they are told apart by their jobs and vendor fields, not by `kind`).
 */
export const readableFallbacks: ReadonlyMap<z.ZodType, Readonly<Record<string, unknown>>> = new Map<
  z.ZodType,
  Readonly<Record<string, unknown>>
>([[TaveContactSchema, { kind: 'person' }]]);
