/**
 * The VSCO Workspace (Tave) API v2 shapes the fake serves, written from the vendor's OpenAPI document
 * (components/schemas). Records are stored without `links`; the server adds `links.self` per request.
 * Timestamps carry an offset (`2026-10-05T00:00:00+00:00`), dates are `YYYY-MM-DD`, ids lowercase ULIDs,
 * money an integer amount in the studio's currency (this fake uses minor units: cents for USD).
 */

/** A phone number object (`Event.phoneNumber` in the document). Unparseable input keeps only `formatted`. */
export interface TavePhone {
  readonly id: string | null;
  readonly formatted: string | null;
  readonly e164: string | null;
  readonly extension: number | null;
  readonly telUri: string | null;
  readonly dialCode: number | null;
  /** Lowercase ISO 3166-1 alpha-2, as the document's pattern `^[a-z]{2}$` says. */
  readonly countryCode: string | null;
}

/** An address (`Address`; no other properties are allowed). */
export interface TaveAddress {
  readonly name?: string | null;
  readonly streetAddress: string | null;
  readonly village?: string | null;
  readonly city: string | null;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string | null;
  readonly latitude?: number | null;
  readonly longitude?: number | null;
  readonly googlePlaceId?: string | null;
  readonly timezone?: string | null;
}

/** A custom field value on a contact or job. */
export interface TaveCustomFieldValue {
  readonly fieldId: string;
  readonly value: string | null;
}

/** A link from a record to an external system. */
export interface TaveExternalMapping {
  readonly id: string;
  readonly url: string;
}

/** Fields every address-book kind shares (`Contact`). */
export interface TaveContactCommon {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly address: TaveAddress | null;
  readonly customFields: readonly TaveCustomFieldValue[] | null;
  readonly email: string | null;
  readonly secondaryEmail: string | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly pinned: boolean | null;
  readonly totalRevenue: number;
  readonly totalCost: number;
  readonly url: string | null;
}

/** A person (clients, partners, planners). Only people are clients. */
export interface TavePerson extends TaveContactCommon {
  readonly kind: 'person';
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly maidenName: string | null;
  /** `firstName lastName`, read-only. */
  readonly name: string;
  readonly cellPhone: TavePhone | null;
  readonly homePhone: TavePhone | null;
  readonly workPhone: TavePhone | null;
  readonly fax: TavePhone | null;
  readonly mailingAddress: TaveAddress | null;
  readonly birthdate: string | null;
  readonly anniversary: string | null;
  readonly gender: 'male' | 'female' | null;
  readonly companyName: string | null;
  readonly jobTitle: string | null;
  readonly previousClient: boolean | null;
  readonly privacyOptIn: boolean | null;
  readonly requireStrictPrivacy: boolean | null;
  readonly accountBalance: number;
  readonly creditBalance: number;
  readonly anonymized: boolean;
  readonly brandId: string | null;
  readonly contactPreference: 'email' | 'cell-phone' | 'home-phone' | 'work-phone' | null;
  readonly salutation: 'mr' | 'miss' | 'mrs' | 'ms' | 'dr' | null;
  readonly vendorRoleId: string | null;
}

/** A company (vendors such as florists). */
export interface TaveCompany extends TaveContactCommon {
  readonly kind: 'company';
  readonly name: string;
  readonly phone: TavePhone | null;
  readonly cellPhone: TavePhone | null;
  readonly fax: TavePhone | null;
  readonly tollFree: TavePhone | null;
  readonly mailingAddress: TaveAddress | null;
  readonly primaryContactFirstName: string | null;
  readonly primaryContactLastName: string | null;
  readonly accountNumber: string | null;
  readonly accountBalance: number;
  readonly creditBalance: number;
  readonly brandId: string | null;
  readonly vendorRoleId: string | null;
}

/** A location (venues). */
export interface TaveLocation extends TaveContactCommon {
  readonly kind: 'location';
  readonly name: string;
  readonly phone: TavePhone | null;
  readonly tollFree: TavePhone | null;
}

/** A member of the studio's team. */
export interface TaveEmployee extends TaveContactCommon {
  readonly kind: 'employee';
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly name: string;
  readonly displayAs: string | null;
  readonly jobTitle: string | null;
  readonly cellPhone: TavePhone | null;
  readonly mailingAddress: TaveAddress | null;
}

/** An `/address-book` item: a union on `kind`. */
export type TaveContact = TavePerson | TaveCompany | TaveLocation | TaveEmployee;

/** A note on a contact or job. */
export interface TaveNote {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly authorId: string | null;
  readonly contactId: string | null;
  readonly jobId: string | null;
  readonly contentHtml: string | null;
  readonly date: string | null;
}

/** A job (lead or booked job). */
export interface TaveJob {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly accountBalance: number;
  readonly bookingDate: string | null;
  readonly brandId: string | null;
  readonly closed: boolean;
  readonly closedReasonId: string | null;
  readonly closedDate: string | null;
  readonly closedReasonName: string | null;
  readonly completedDate: string | null;
  readonly contactFormId: string | null;
  readonly creditBalance: number;
  readonly customFields: readonly TaveCustomFieldValue[] | null;
  readonly eventDate: string | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly fulfillmentDate: string | null;
  readonly guestCount: number | null;
  readonly inquiryDate: string | null;
  readonly jobTypeId: string | null;
  readonly jobTypeName: string | null;
  readonly leadConfidence: 'low' | 'medium' | 'high' | null;
  readonly leadMaxBudget: number | null;
  readonly leadNotes: string | null;
  readonly leadRating: number | null;
  readonly leadSourceId: string | null;
  readonly leadSourceName: string | null;
  readonly leadStatusId: string | null;
  readonly leadStatusName: string | null;
  readonly name: string | null;
  readonly pinned: boolean | null;
  readonly sample: boolean;
  readonly stage: 'lead' | 'booked' | 'fulfillment' | 'completed';
  readonly title: string | null;
  readonly totalCost: number;
  readonly totalProfit: number;
  readonly totalRevenue: number;
  readonly webLead: boolean;
  readonly workflowId: string | null;
  readonly workflowName: string | null;
}

/** A contact on a job, in roles. The primary client has `client: true`. */
export interface TaveJobContact {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly client: boolean | null;
  readonly contactId: string;
  readonly jobId: string;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly jobRoles: readonly string[] | null;
  readonly roleKinds: readonly ('client' | 'customer' | 'team' | 'subject' | 'vendor')[];
}

/** An event of a job, at a location, in a time zone. */
export interface TaveEvent {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly allDay: boolean | null;
  readonly channel: 'InPerson' | 'Phone' | 'Virtual';
  readonly confirmed: boolean | null;
  readonly descriptionHtml: string | null;
  readonly endDate: string | null;
  /** `HH:mm:ss`, local to the event's time zone. */
  readonly endTime: string | null;
  readonly endUtc: string | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly galleryId: string | null;
  readonly jobId: string | null;
  readonly location: { readonly id: string | null; readonly address: TaveAddress | null } | null;
  readonly name: string | null;
  readonly phoneNumber: TavePhone | null;
  readonly readOnly: boolean;
  readonly startDate: string | null;
  readonly startTime: string | null;
  readonly startUtc: string | null;
  readonly timezoneName: string | null;
  readonly timezoneId: string | null;
  readonly typeId: string | null;
  readonly virtualUrl: string | null;
}

/** A line of an order. */
export interface TaveOrderItem {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly orderId: string;
  readonly productId: string | null;
  readonly name: string;
  readonly descriptionHtml: string | null;
  readonly basePricePerUnit: number;
  readonly pricePerUnit: number;
  readonly baseCostPerUnit: number;
  readonly costPerUnit: number;
  readonly units: number;
  readonly taxable: boolean;
  readonly discount: boolean;
  readonly discountKind: 'amount' | 'percent';
  readonly selectability: 'required' | 'suggested' | 'optional';
  readonly selected: boolean;
  readonly children: readonly TaveOrderItem[] | null;
}

/** An invoice of an order. */
export interface TaveInvoice {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly status: 'draft' | 'open' | 'paid-in-full' | 'voided';
  readonly customNumber: string;
  readonly orderId: string;
  readonly title: string | null;
  readonly dueDate: string | null;
  readonly recipientId: string | null;
  readonly promisedArrival: string | null;
  readonly response: string | null;
  readonly referenceCode: string;
  readonly total: number;
}

/** Part of a payment applied to an order. */
export interface TavePaymentAllocation {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly paymentId: string;
  readonly orderId: string | null;
  readonly jobId: string | null;
  readonly amount: number;
  readonly refundedAmount: number;
}

/** An order (a booked package) with its invoices. */
export interface TaveOrder {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly jobId: string;
  readonly recipientId: string | null;
  readonly customNumber: string | null;
  readonly name: string | null;
  readonly title: string | null;
  readonly referenceCode: string;
  readonly status: 'draft' | 'open' | 'paid-in-full' | 'completed' | 'voided';
  readonly bookedElectronically: boolean;
  readonly bookedFromQuote: boolean;
  readonly bookedOn: string | null;
  readonly balance: number;
  readonly paymentTermsId: string | null;
  readonly paymentTermsName: string;
  readonly paymentAllocations: readonly TavePaymentAllocation[];
  readonly invoices: readonly TaveInvoice[];
  readonly lineItems: readonly TaveOrderItem[];
  readonly preTaxDiscount: null;
  readonly afterTaxDiscount: null;
  readonly taxGroupId: string | null;
  readonly tax1: null;
  readonly tax2: null;
  readonly tax3: null;
  readonly taxIsCompounding: boolean;
  readonly subtotal: { readonly amount: number; readonly taxable: number; readonly nonTaxable: number };
  readonly total: number;
}

/** A payment of a job. */
export interface TavePayment {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly jobId: string | null;
  readonly payerId: string | null;
  readonly paymentMethodId: string | null;
  readonly invoiceItemId: string | null;
  readonly status: 'future' | 'confirmed-future' | 'posted' | 'failed' | 'pending';
  readonly amount: number;
  readonly refundedAmount: number;
  readonly memo: string | null;
  readonly checkNumber: string | null;
  readonly transactionId: string | null;
  readonly authCode: string | null;
  /** Received date (or the scheduled date of a future payment). */
  readonly received: string | null;
  readonly processedViaClientAccess: boolean;
  readonly refunds: readonly TavePayment[] | null;
  readonly paymentAllocations: readonly TavePaymentAllocation[];
}

/** A payment method. */
export interface TavePaymentMethod {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly name: string;
  readonly kind: 'Google' | 'PayPal' | 'CreditCard' | 'Check' | 'Cash' | 'EFT';
}

/** A custom field definition. */
export interface TaveCustomField {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly canApplyTo: 'Job' | 'Contact';
  readonly clientAccess: 'None' | 'Visible' | 'Editable';
  readonly clientLabel: string | null;
  readonly choices: readonly string[] | null;
  readonly kind:
    | 'TextField'
    | 'TextBox'
    | 'DropDown'
    | 'Number'
    | 'Decimal'
    | 'Money'
    | 'Date'
    | 'Time'
    | 'Checkbox';
  readonly name: string | null;
  readonly token: string | null;
}

/** A lead source. */
export interface TaveLeadSource {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly name: string;
  readonly parentId: string | null;
}

/** A lead status. */
export interface TaveLeadStatus {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly color: string | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly kind: 'general' | 'new' | 'stale' | null;
  readonly name: string;
  readonly sortPosition: number | null;
  readonly transitionToId: string | null;
}

/** A job type. */
export interface TaveJobType {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly defaultContacts:
    | readonly {
        readonly jobRoleId: string;
        readonly client: boolean | null;
        readonly quantity: number | null;
      }[]
    | null;
  readonly defaultEvents:
    | readonly {
        readonly eventTypeId: string;
        readonly primarySession: boolean | null;
        readonly quantity: number | null;
      }[]
    | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly initialLeadStatusId: string | null;
  readonly name: string;
  readonly primarySessionRequired: boolean | null;
  readonly profitCenterId: string | null;
  readonly sortPosition: number | null;
  readonly workflowId: string | null;
}

/** A job role. */
export interface TaveJobRole {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly kind: 'customer' | 'subject' | 'team' | 'vendor' | null;
  readonly name: string;
  readonly sortPosition: number | null;
  readonly tokenPrefix: string;
}

/** Why a job was closed. */
export interface TaveJobClosedReason {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly description: string | null;
  readonly name: string;
  readonly includedInReporting: boolean | null;
}

/** An event type. */
export interface TaveEventType {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly color: string | null;
  readonly defaultDuration: number | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly kind: 'call' | 'meeting' | 'other' | 'session' | null;
  readonly name: string;
  readonly sortPosition: number | null;
  readonly tokenPrefix: string;
}

/** A time zone. */
export interface TaveTimezone {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly city: string | null;
  readonly code: string | null;
  readonly country: string | null;
  readonly daylightCode: string | null;
  readonly extendedInfo: string | null;
  /** IANA name, e.g. `America/New_York`. */
  readonly name: string;
  readonly displayName: string;
  readonly primary: boolean;
  readonly region: string;
}

/** A REST hook subscription: VSCO Workspace posts `{ targetId }` to `url` when `event` happens. */
export interface TaveRestHook {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly event: 'contact.created' | 'job.created' | 'order.booked' | 'payment.created';
  readonly limitTo: {
    readonly contactKinds?: readonly ('person' | 'company' | 'location')[];
    readonly jobTypes?: readonly string[];
    readonly brands?: readonly string[];
    readonly webLead?: boolean;
  } | null;
  readonly url: string;
}

/** The studio (`/studio/me`). */
export interface TaveStudio {
  readonly id: string;
  readonly created: string;
  readonly modified: string;
  readonly hidden: boolean;
  readonly cacheVersion: number;
  readonly currencyCode: string | null;
  readonly dateFormat: 'n/j/Y' | 'j/n/Y' | 'Y-m-d' | null;
  readonly decimalSeparator: ',' | '.' | null;
  readonly thousandsSeparator: ',' | '.' | null;
  readonly defaultBrandId: string | null;
  readonly email: string | null;
  readonly externalMappings: readonly TaveExternalMapping[] | null;
  readonly name: string;
  readonly temperature: 'Celsius' | 'Fahrenheit';
  readonly timeFormat: 'g:ia' | 'H:i' | null;
  /** Id of a `/timezone` record. */
  readonly timezoneId: string | null;
  readonly weekStartsOn: 'Sunday' | 'Monday' | null;
  readonly readonlyEnabled: boolean;
  readonly primaryIndustrySlug: string | null;
  readonly primaryIndustryName: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
}

/** Every collection the fake serves, by resource path. */
export interface TaveRecords {
  readonly 'address-book': TaveContact;
  readonly job: TaveJob;
  readonly 'job-contact': TaveJobContact;
  readonly event: TaveEvent;
  readonly order: TaveOrder;
  readonly payment: TavePayment;
  readonly 'payment-method': TavePaymentMethod;
  readonly note: TaveNote;
  readonly 'custom-field': TaveCustomField;
  readonly 'lead-source': TaveLeadSource;
  readonly 'lead-status': TaveLeadStatus;
  readonly 'job-type': TaveJobType;
  readonly 'job-role': TaveJobRole;
  readonly 'job-closed-reason': TaveJobClosedReason;
  readonly 'event-type': TaveEventType;
  readonly timezone: TaveTimezone;
  readonly 'rest-hook': TaveRestHook;
}

/** A resource path of the fake, e.g. `address-book`. */
export type TaveResource = keyof TaveRecords;

/** A list response: `{ meta, type, items }`. */
export interface TaveCollection<T> {
  readonly meta: {
    readonly currentPage: number;
    readonly totalPages: number;
    readonly totalItems: number;
    readonly rows: number;
  };
  readonly type: string;
  readonly items: readonly T[];
}

/** The vendor's error body (`Error`). */
export interface TaveError {
  readonly type: 'unknown' | 'quota-limit' | 'not-implemented';
  readonly title: string;
  readonly detail: string;
  readonly status: number;
}

/** The vendor's validation error body (`ErrorValidation`): `detail` maps fields to messages. */
export interface TaveValidationError {
  readonly type: 'validation-error';
  readonly title: string;
  readonly detail: Readonly<Record<string, readonly string[]>>;
  readonly status: number;
}

/** Everything the fake serves, as converted from a generated studio. */
export interface TaveDataset {
  readonly studio: TaveStudio;
  readonly records: { readonly [R in TaveResource]: TaveRecords[R][] };
}
