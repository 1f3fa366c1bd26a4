/**
 * zod schemas of the request bodies this provider sends, written from the vendor's OpenAPI document
 * (`Person` + `Contact` for `POST/PUT /address-book`, `Job` for `POST/PUT /job`, `JobContact` for
 * `POST /job-contact`), writable properties only. They are plain `z.object`s, so parsing strips every property the
 * vendor does not accept on input (read-only ones such as `name`, `accountBalance`, `links`, and what the read
 * adds: `partner`, `jobs`, `customFieldsByKey`, `displayName`, `currencyCode`...), and it refuses a value the vendor
 * would refuse (a 49-character first name, a date that is not `YYYY-MM-DD`) before any request is sent.
 */
import { z } from 'zod';

/** A ULID as the API writes ids (`format: ulid`, lower case in responses, case-insensitive here). */
const ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/, 'Expected a ULID');
const nullableId = ulid.nullish();
const text = (max: number) => z.string().max(max, `Expected at most ${max} characters`).nullish();
/** `NullableDate`: `YYYY-MM-DD`, a real calendar date. */
const date = z.iso.date('Expected a date as YYYY-MM-DD').nullish();
/** `format: email` as the vendor checks it (one `@`, a dot in the domain, no spaces). */
const email = (max: number) =>
  z
    .string()
    .max(max, `Expected at most ${max} characters`)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Expected an email address')
    .nullish();
/** `MoneyAmount`: an integer in the studio's currency. */
const moneyAmount = z.number().int().min(-99_999_999_999).max(99_999_999_999).nullish();

/**
 * A phone number on input (`Event.properties.phoneNumber`). The vendor prefers `e164` (an extension as `x123`);
 * `formatted` is typed text it parses with the studio's country. `id`, `dialCode` and the rest are read only.
 */
export const TavePhoneInputSchema = z
  .object({
    e164: z
      .string()
      .regex(/^\+[1-9]\d{1,14}(x\d{1,6})?$/, 'Expected an E.164 phone number')
      .max(24)
      .optional(),
    formatted: z
      .string()
      .max(24, 'Expected at most 24 characters')
      .regex(/^[ -~]+$/, 'Expected printable ASCII')
      .optional(),
    countryCode: z
      .string()
      .regex(/^[a-z]{2}$/, 'Expected an ISO 3166-1 alpha-2 code in lower case')
      .nullish(),
  })
  .nullable();

/** An `Address` on input (`additionalProperties: false`; `name`, coordinates and `timezone` are read only). */
export const TaveAddressInputSchema = z
  .object({
    streetAddress: text(512),
    village: text(255),
    city: text(255),
    state: text(255),
    postalCode: text(255),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'Expected an ISO 3166-1 alpha-2 code')
      .nullish(),
  })
  .nullable();

/** A `CustomFieldValue` on input: the field's id and its value as text. */
export const TaveCustomFieldInputSchema = z.object({ fieldId: ulid, value: z.string().nullable() });

/** An `ExternalMapping`: this record's id in another system (1–64 characters) and a URI to it (12–255). */
export const TaveExternalMappingSchema = z.object({
  id: z.string().min(1).max(64),
  url: z.string().min(12).max(255),
});

/** The writable properties of a `Person` contact (`Person` and `Contact common fields`). */
export const TavePersonInputSchema = z.object({
  kind: z.literal('person').optional(),
  firstName: text(48),
  lastName: text(48),
  maidenName: text(48),
  email: email(255),
  secondaryEmail: email(64),
  cellPhone: TavePhoneInputSchema.optional(),
  homePhone: TavePhoneInputSchema.optional(),
  workPhone: TavePhoneInputSchema.optional(),
  fax: TavePhoneInputSchema.optional(),
  address: TaveAddressInputSchema.optional(),
  mailingAddress: TaveAddressInputSchema.optional(),
  birthdate: date,
  anniversary: date,
  companyName: text(128),
  jobTitle: text(64),
  gender: z.enum(['male', 'female']).nullish(),
  salutation: z.enum(['mr', 'miss', 'mrs', 'ms', 'dr']).nullish(),
  contactPreference: z.enum(['email', 'cell-phone', 'home-phone', 'work-phone']).nullish(),
  bestDayToCall: z
    .enum([
      'weekdays',
      'weekends',
      'mondays',
      'tuesdays',
      'wednesdays',
      'thursdays',
      'fridays',
      'saturdays',
      'sundays',
    ])
    .nullish(),
  bestTimeToCall: z.enum(['mornings', 'afternoons', 'evenings']).nullish(),
  previousClient: z.boolean().nullish(),
  privacyOptIn: z.boolean().nullish(),
  requireStrictPrivacy: z.boolean().nullish(),
  brandId: nullableId,
  vendorRoleId: nullableId,
  schoolName: text(255),
  schoolGradYear: z.number().int().min(1900).max(2100).nullish(),
  sport: text(255),
  teamName: text(255),
  teamPosition: text(255),
  startingCost: moneyAmount,
  startingRevenue: moneyAmount,
  customFields: z.array(TaveCustomFieldInputSchema).nullish(),
  externalMappings: z.array(TaveExternalMappingSchema).nullish(),
  facebookUsername: z
    .string()
    .regex(/^[a-zA-Z\d.]{5,50}$/, 'Expected 5 to 50 letters, digits or dots')
    .nullish(),
  twitterUsername: z
    .string()
    .regex(/^[a-zA-Z\d.]{5,15}$/, 'Expected 5 to 15 letters, digits or dots')
    .nullish(),
  url: z.url().nullish(),
  pinned: z.boolean().nullish(),
});
/** A person body as sent. */
export type TavePersonInput = z.infer<typeof TavePersonInputSchema>;

/** The writable properties of a `Job`. */
export const TaveJobInputSchema = z.object({
  name: text(255),
  stage: z.enum(['lead', 'booked', 'fulfillment', 'completed']).optional(),
  closed: z.boolean().optional(),
  closedReasonId: nullableId,
  eventDate: date,
  inquiryDate: date,
  bookingDate: date,
  closedDate: date,
  completedDate: date,
  fulfillmentDate: date,
  leadDecisionExpectedByDate: date,
  guestCount: z.number().int().min(0).max(99_999_999_999).nullish(),
  leadMaxBudget: moneyAmount,
  leadNotes: z.string().nullish(),
  leadRating: z.number().int().min(1).max(5).nullish(),
  leadConfidence: z.enum(['low', 'medium', 'high']).nullish(),
  jobTypeId: nullableId,
  leadSourceId: nullableId,
  leadStatusId: nullableId,
  brandId: nullableId,
  workflowId: nullableId,
  contactFormId: nullableId,
  webLead: z.boolean().optional(),
  pinned: z.boolean().nullish(),
  customFields: z.array(TaveCustomFieldInputSchema).nullish(),
  externalMappings: z.array(TaveExternalMappingSchema).nullish(),
});
/** A job body as sent. */
export type TaveJobInput = z.infer<typeof TaveJobInputSchema>;

/** A `JobContact` on input: a contact on a job, `client: true` for the job's client. */
export const TaveJobContactInputSchema = z.object({
  jobId: ulid,
  contactId: ulid,
  client: z.boolean().nullish(),
});

/** What a create or update answers: the record with its id and modification time. */
export const TaveWrittenSchema = z.looseObject({
  id: z.string().min(1),
  modified: z.string().optional(),
});

/** The vendor's validation error body (`ErrorValidation`): `detail` maps field names to messages. */
export const TaveValidationErrorSchema = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  detail: z.unknown().optional(),
  status: z.number().optional(),
});
