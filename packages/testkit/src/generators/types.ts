/**
 * The vendor-neutral model of a generated wedding studio. Every fake CRM converts it into its own API shapes
 * (the VSCO Workspace fake does so in fake-servers/tave/convert.ts), so the same studio can be served by
 * several fakes. Ids are lowercase ULIDs whose time part is the record's creation time; timestamps are UTC
 * ISO 8601 strings with second precision (`2024-03-05T14:22:10Z`); dates are `YYYY-MM-DD`; money is an
 * integer amount in minor units of the studio's currency (JPY and KRW have none).
 */
import type { CultureId } from './cultures.js';
import type { StudioPhone } from './phones.js';

export type { CultureId } from './cultures.js';
export type { StudioPhone } from './phones.js';

/** Date formats a studio may display dates in (PHP `date()` letters, as VSCO Workspace names them). */
export type StudioDateFormat = 'n/j/Y' | 'j/n/Y' | 'Y-m-d';

/** Kinds of planted duplicate: a second record of one person, differing only in the named way. */
export type DuplicateKind = 'case' | 'spacing' | 'phoneFormat' | 'typo';

/** Kinds of planted bad record. */
export type BadRecordKind = 'invalidEmail' | 'impossibleDate' | 'missingName';

/** How many duplicates of each kind to plant. */
export interface DuplicateCounts {
  /** Names and email in another letter case (`ANNA SMITH`, `Anna.Smith1@Gmail.com`). @default 0 */
  readonly case?: number;
  /** Names with extra leading, trailing or inner spaces; same phone, no email. @default 0 */
  readonly spacing?: number;
  /** Same name and phone number, typed in another format; no email. @default 0 */
  readonly phoneFormat?: number;
  /** One-letter typo in a name; same email and phone. @default 0 */
  readonly typo?: number;
}

/** How many bad records of each kind to plant. */
export interface BadRecordCounts {
  /** A client whose email is not an email address (`anna@@gmail.com`). @default 0 */
  readonly invalidEmail?: number;
  /** A job whose event date does not exist (`2025-02-30`). @default 0 */
  readonly impossibleDate?: number;
  /** A client with neither first nor last name. @default 0 */
  readonly missingName?: number;
}

/** Options of the studio generator. Same options, same studio. */
export interface StudioOptions {
  /** Seed of every random choice. @default 1 */
  readonly seed?: number;
  /** Number of clients (primary contacts, each with at least one job). @default 50 */
  readonly clients?: number;
  /** Length of the studio's history in years, from `startDate`. @default 3 */
  readonly years?: number;
  /** First day of the studio's history (`YYYY-MM-DD`). Its end, `startDate + years`, is the studio's "now". @default '2023-01-01' */
  readonly startDate?: string;
  /** Planted duplicates: a total spread over the four kinds, or a count per kind. @default 0 */
  readonly duplicates?: number | DuplicateCounts;
  /** Planted bad records: a total spread over the three kinds, or a count per kind. @default 0 */
  readonly badRecords?: number | BadRecordCounts;
  /** ISO 3166-1 alpha-2 country of the studio; sets the defaults below and most clients' addresses and phones. @default 'US' */
  readonly country?: string;
  /** ISO 4217 currency of every amount. @default the country's (USD for US) */
  readonly currency?: string;
  /** IANA time zone of the studio. @default the country's (America/New_York for US) */
  readonly timezone?: string;
  /** How the studio displays dates. @default the country's (`n/j/Y` for US) */
  readonly dateFormat?: StudioDateFormat;
  /** The studio's name. @default a generated name */
  readonly name?: string;
}

/** The options after defaults, as the generator used them. */
export interface ResolvedStudioOptions {
  readonly seed: number;
  readonly clients: number;
  readonly years: number;
  readonly startDate: string;
  /** The studio's "now": `startDate + years` (no record is created or modified after it). */
  readonly endDate: string;
  readonly duplicates: Required<DuplicateCounts>;
  readonly badRecords: Required<BadRecordCounts>;
  readonly country: string;
  readonly currency: string;
  /** Digits after the decimal point in `currency` (2 for USD, 0 for JPY). */
  readonly currencyExponent: number;
  readonly timezone: string;
  readonly dateFormat: StudioDateFormat;
  readonly name: string;
}

/** A postal address. Any part may be missing. */
export interface StudioAddress {
  readonly line1: string | null;
  readonly line2: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly postalCode: string | null;
  /** ISO 3166-1 alpha-2. */
  readonly country: string | null;
}

/** A custom field's value on a person or a job (values are strings, as CRMs store them). */
export interface StudioCustomFieldValue {
  readonly fieldId: string;
  /** text/textarea/choice: the text; number/decimal: `12`, `7.5`; money: minor units; date: `YYYY-MM-DD`; time: `HH:mm`; boolean: `true`/`false`. */
  readonly value: string | null;
}

/** A dated note on a person. */
export interface StudioNote {
  readonly id: string;
  readonly text: string;
  readonly date: string;
  readonly createdAt: string;
}

/** Why a person is in the address book. */
export type PersonRole = 'client' | 'partner' | 'planner' | 'duplicate';

/** A person: a client, a client's partner, a wedding planner, or a planted duplicate of a client. */
export interface StudioPerson {
  readonly id: string;
  readonly role: PersonRole;
  /** The culture the name comes from. */
  readonly culture: CultureId;
  readonly gender: 'female' | 'male';
  /** Given name; null when unknown (planted `missingName`). */
  readonly firstName: string | null;
  /** Family name; null when unknown. */
  readonly lastName: string | null;
  readonly maidenName: string | null;
  /** A nickname (kept in a custom field by CRMs without a nickname field); may hold an emoji. */
  readonly nickname: string | null;
  readonly email: string | null;
  readonly secondaryEmail: string | null;
  readonly phones: readonly StudioPhone[];
  readonly address: StudioAddress | null;
  /** `YYYY-MM-DD`. */
  readonly birthdate: string | null;
  /** Wedding anniversary (`YYYY-MM-DD`) once the studio photographed the wedding. */
  readonly anniversary: string | null;
  /** Planners' company. */
  readonly companyName: string | null;
  readonly marketingOptIn: boolean;
  /** True once the person had a completed job (returning clients). */
  readonly previousClient: boolean;
  readonly notes: readonly StudioNote[];
  readonly customFields: readonly StudioCustomFieldValue[];
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A vendor company (florist, DJ, caterer) that appears on jobs. */
export interface StudioCompany {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: StudioPhone | null;
  readonly address: StudioAddress | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A member of the studio's team (a second shooter, an associate). */
export interface StudioStaff {
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly jobTitle: string;
  readonly phone: StudioPhone | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A venue; events take place at venues and take their time zone. */
export interface StudioVenue {
  readonly id: string;
  readonly name: string;
  readonly address: StudioAddress;
  readonly latitude: number;
  readonly longitude: number;
  readonly googlePlaceId: string | null;
  /** IANA time zone of the venue. */
  readonly timezone: string;
  /** True for destination venues abroad. */
  readonly destination: boolean;
  readonly phone: StudioPhone | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** The studio's own settings. */
export interface StudioSettings {
  readonly id: string;
  readonly name: string;
  readonly ownerFirstName: string;
  readonly ownerLastName: string;
  readonly email: string;
  readonly country: string;
  readonly currency: string;
  readonly currencyExponent: number;
  readonly timezone: string;
  readonly dateFormat: StudioDateFormat;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** Kinds of job the studio sells. */
export type JobTypeKey = 'wedding' | 'elopement' | 'engagement' | 'anniversary' | 'family' | 'portrait';

/** A job type. */
export interface StudioJobType {
  readonly id: string;
  readonly key: JobTypeKey;
  readonly name: string;
  readonly createdAt: string;
}

/** Where leads come from. */
export interface StudioLeadSource {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** The studio's lead pipeline steps. */
export interface StudioLeadStatus {
  readonly id: string;
  readonly name: string;
  readonly kind: 'new' | 'general' | 'stale';
  readonly sortPosition: number;
  readonly createdAt: string;
}

/** Why a job was closed. */
export interface StudioClosedReason {
  readonly id: string;
  readonly name: string;
  /** `lost`: a lead that did not book; `cancelled`: a booking called off. */
  readonly outcome: 'lost' | 'cancelled';
  readonly createdAt: string;
}

/** Roles people and companies take on a job. */
export type JobRoleKey = 'bride' | 'groom' | 'partner' | 'client' | 'planner' | 'florist' | 'second_shooter';

/** A job role. `kind` follows VSCO Workspace: customer, subject, team, vendor. */
export interface StudioJobRole {
  readonly id: string;
  readonly key: JobRoleKey;
  readonly name: string;
  readonly kind: 'customer' | 'subject' | 'team' | 'vendor';
  readonly createdAt: string;
}

/** Kinds of event on a job. */
export type EventTypeKey = 'ceremony' | 'reception' | 'engagement_session' | 'elopement' | 'portrait_session';

/** An event type. */
export interface StudioEventType {
  readonly id: string;
  readonly key: EventTypeKey;
  readonly name: string;
  readonly createdAt: string;
}

/** Kinds of custom field. */
export type CustomFieldKind =
  | 'text'
  | 'textarea'
  | 'choice'
  | 'number'
  | 'decimal'
  | 'money'
  | 'date'
  | 'time'
  | 'boolean';

/** A custom field definition. */
export interface StudioCustomField {
  readonly id: string;
  /** Stable machine name, e.g. `wedding_hashtag`. */
  readonly key: string;
  readonly label: string;
  readonly kind: CustomFieldKind;
  readonly appliesTo: 'contact' | 'job';
  readonly choices: readonly string[] | null;
  readonly createdAt: string;
}

/** Where a job is in its life. Closed jobs (`closed: true`) are lost leads or cancelled bookings. */
export type JobStage = 'inquiry' | 'booked' | 'fulfillment' | 'completed';

/** A job (a project): one shoot or one wedding for one client. */
export interface StudioJob {
  readonly id: string;
  /** The primary contact. */
  readonly clientId: string;
  readonly jobTypeId: string;
  /** A name that overrides the generated title; usually null. */
  readonly name: string | null;
  /** The generated title, e.g. `Anna Smith & Ben Jones Wedding`. */
  readonly title: string;
  readonly stage: JobStage;
  readonly closed: boolean;
  readonly closedReasonId: string | null;
  readonly closedDate: string | null;
  readonly leadStatusId: string | null;
  readonly leadSourceId: string | null;
  /** True when the lead came through a web form. */
  readonly webLead: boolean;
  readonly inquiryDate: string;
  readonly bookingDate: string | null;
  /** `YYYY-MM-DD`; a planted `impossibleDate` makes it a day that does not exist. */
  readonly eventDate: string | null;
  readonly fulfillmentDate: string | null;
  readonly completedDate: string | null;
  readonly guestCount: number | null;
  /** The client's budget in minor units. */
  readonly budget: number | null;
  readonly leadConfidence: 'low' | 'medium' | 'high' | null;
  readonly leadRating: number | null;
  readonly notes: string | null;
  readonly customFields: readonly StudioCustomFieldValue[];
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A person or company on a job, in a role. */
export interface StudioJobContact {
  readonly id: string;
  readonly jobId: string;
  /** A StudioPerson, StudioCompany or StudioStaff id. */
  readonly contactId: string;
  readonly roleId: string;
  /** True for the job's primary client (who is billed). */
  readonly primary: boolean;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A dated event of a job (ceremony, reception, session). */
export interface StudioEvent {
  readonly id: string;
  readonly jobId: string;
  readonly eventTypeId: string;
  readonly name: string;
  readonly startDate: string;
  /** `HH:mm`, local to `timezone`. */
  readonly startTime: string | null;
  readonly endDate: string;
  readonly endTime: string | null;
  readonly allDay: boolean;
  /** IANA time zone the times are in. */
  readonly timezone: string;
  readonly venueId: string | null;
  readonly confirmed: boolean;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A line of an order. */
export interface StudioLineItem {
  readonly id: string;
  readonly name: string;
  readonly quantity: number;
  /** Minor units. */
  readonly unitPrice: number;
  readonly taxable: boolean;
}

/** An invoice (an instalment of an order). */
export interface StudioInvoice {
  readonly id: string;
  readonly number: string;
  readonly status: 'draft' | 'open' | 'paid' | 'void';
  readonly issuedDate: string;
  readonly dueDate: string;
  /** Minor units. */
  readonly total: number;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** An order (booked package) of a job, billed by its invoices. */
export interface StudioOrder {
  readonly id: string;
  readonly jobId: string;
  readonly recipientId: string;
  readonly name: string;
  readonly number: string;
  readonly status: 'draft' | 'open' | 'paid' | 'void';
  readonly bookedDate: string | null;
  readonly lineItems: readonly StudioLineItem[];
  readonly invoices: readonly StudioInvoice[];
  /** Minor units: the sum of the line items. */
  readonly total: number;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A payment towards an invoice. */
export interface StudioPayment {
  readonly id: string;
  readonly jobId: string;
  readonly orderId: string;
  readonly invoiceId: string;
  readonly payerId: string;
  /** Minor units. */
  readonly amount: number;
  /** Received date, or the scheduled date of a future payment. */
  readonly receivedDate: string;
  readonly status: 'scheduled' | 'pending' | 'paid' | 'failed' | 'refunded';
  readonly method: 'card' | 'bank_transfer' | 'check' | 'cash';
  readonly memo: string | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A planted duplicate: `duplicateId` is a second record of the person `originalId`. */
export interface ManifestDuplicate {
  readonly kind: DuplicateKind;
  readonly originalId: string;
  readonly duplicateId: string;
  /** Fields whose values differ from the original's (`firstName`, `lastName`, `email`, `phones`). */
  readonly differences: readonly string[];
}

/** A planted bad record. */
export interface ManifestBadRecord {
  readonly kind: BadRecordKind;
  /** The client the record belongs to. */
  readonly contactId: string;
  /** The job, when the bad value is on the job (`impossibleDate`). */
  readonly jobId: string | null;
  /** The field holding the bad value: `email`, `eventDate`, or `firstName,lastName`. */
  readonly field: string;
  /** The bad value (null for a missing name). */
  readonly value: string | null;
}

/** Names and notes that exercise encodings and limits. */
export interface ManifestEdgeCase {
  readonly contactId: string;
  readonly jobId: string | null;
  /** Where the interesting text is: `firstName`, `lastName`, `nickname` or `notes`. */
  readonly field: string;
  readonly value: string;
  readonly features: readonly (
    | 'apostrophe'
    | 'accent'
    | 'hangul'
    | 'kanji'
    | 'arabic'
    | 'emoji'
    | 'hyphen'
    | 'long'
  )[];
}

/** What a test can rely on: everything planted, with ids, and the totals. */
export interface StudioManifest {
  readonly duplicates: readonly ManifestDuplicate[];
  readonly badRecords: readonly ManifestBadRecord[];
  /** Couples who share one email address (two people, one address). */
  readonly sharedEmailCouples: readonly {
    readonly jobId: string;
    readonly contactIds: readonly [string, string];
    readonly email: string;
  }[];
  /** Clients who came back for another job: one contact on several jobs. */
  readonly returningClients: readonly { readonly contactId: string; readonly jobIds: readonly string[] }[];
  readonly edgeCases: readonly ManifestEdgeCase[];
  readonly counts: StudioCounts;
}

/** Totals of a studio. */
export interface StudioCounts {
  readonly clients: number;
  /** Every person: clients, partners, planners and duplicates. */
  readonly people: number;
  readonly partners: number;
  readonly planners: number;
  readonly companies: number;
  readonly staff: number;
  readonly venues: number;
  readonly jobs: number;
  readonly closedJobs: number;
  readonly jobContacts: number;
  readonly events: number;
  readonly orders: number;
  readonly invoices: number;
  readonly payments: number;
}

/** The studio-wide records every client's jobs refer to. */
export interface StudioReference {
  readonly settings: StudioSettings;
  readonly jobTypes: readonly StudioJobType[];
  readonly leadSources: readonly StudioLeadSource[];
  readonly leadStatuses: readonly StudioLeadStatus[];
  readonly closedReasons: readonly StudioClosedReason[];
  readonly jobRoles: readonly StudioJobRole[];
  readonly eventTypes: readonly StudioEventType[];
  readonly customFields: readonly StudioCustomField[];
  readonly staff: readonly StudioStaff[];
  readonly venues: readonly StudioVenue[];
  readonly companies: readonly StudioCompany[];
  /** Wedding planners (people with a company name) shared by many jobs. */
  readonly planners: readonly StudioPerson[];
}

/** Everything generated for one client: the client, partner, duplicates, jobs and their records. */
export interface StudioClientBundle {
  /** Position of the client, 0-based. */
  readonly index: number;
  /** The client first, then partner and planted duplicate, if any. */
  readonly people: readonly StudioPerson[];
  readonly jobs: readonly StudioJob[];
  readonly jobContacts: readonly StudioJobContact[];
  readonly events: readonly StudioEvent[];
  readonly orders: readonly StudioOrder[];
  readonly payments: readonly StudioPayment[];
  readonly duplicates: readonly ManifestDuplicate[];
  readonly badRecords: readonly ManifestBadRecord[];
  readonly edgeCases: readonly ManifestEdgeCase[];
  readonly sharedEmailCouple: StudioManifest['sharedEmailCouples'][number] | null;
  readonly returningClient: StudioManifest['returningClients'][number] | null;
}

/** A whole generated studio. */
export interface GeneratedStudio extends StudioReference {
  readonly options: ResolvedStudioOptions;
  /** Clients, partners, planners and planted duplicates. */
  readonly people: readonly StudioPerson[];
  readonly jobs: readonly StudioJob[];
  readonly jobContacts: readonly StudioJobContact[];
  readonly events: readonly StudioEvent[];
  readonly orders: readonly StudioOrder[];
  readonly payments: readonly StudioPayment[];
  readonly manifest: StudioManifest;
}
