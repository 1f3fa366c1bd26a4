/**
 * Default field values of the records the fake lets clients and tests create, so a draft needs only the
 * fields it cares about (as when a person is created in the vendor's app with a name and nothing else).
 */
import type { TaveContact, TaveJob, TaveJobContact, TavePerson } from './types.js';

/** Fields of a new contact of a kind, before the caller's. */
export function contactDefaults(kind: TaveContact['kind']): Record<string, unknown> {
  const common = {
    hidden: false,
    address: null,
    customFields: [],
    email: null,
    secondaryEmail: null,
    externalMappings: [],
    pinned: false,
    totalRevenue: 0,
    totalCost: 0,
    url: null,
  };
  if (kind === 'person') {
    return {
      ...common,
      kind,
      firstName: null,
      lastName: null,
      maidenName: null,
      name: '',
      cellPhone: null,
      homePhone: null,
      workPhone: null,
      fax: null,
      mailingAddress: null,
      birthdate: null,
      anniversary: null,
      gender: null,
      companyName: null,
      jobTitle: null,
      previousClient: false,
      privacyOptIn: false,
      requireStrictPrivacy: false,
      accountBalance: 0,
      creditBalance: 0,
      anonymized: false,
      brandId: null,
      contactPreference: null,
      salutation: null,
      vendorRoleId: null,
    } satisfies Omit<TavePerson, 'id' | 'created' | 'modified'>;
  }
  if (kind === 'company') {
    return {
      ...common,
      kind,
      phone: null,
      cellPhone: null,
      fax: null,
      tollFree: null,
      mailingAddress: null,
      primaryContactFirstName: null,
      primaryContactLastName: null,
      accountNumber: null,
      accountBalance: 0,
      creditBalance: 0,
      brandId: null,
      vendorRoleId: null,
    };
  }
  if (kind === 'employee') {
    return {
      ...common,
      kind,
      firstName: null,
      lastName: null,
      name: '',
      displayAs: null,
      jobTitle: null,
      cellPhone: null,
      mailingAddress: null,
    };
  }
  return { ...common, kind, phone: null, tollFree: null };
}

/** Fields of a new job, before the caller's: a lead, inquired about `today`. */
export function jobDefaults(today: string): Omit<TaveJob, 'id' | 'created' | 'modified'> {
  return {
    accountBalance: 0,
    bookingDate: null,
    brandId: null,
    closed: false,
    closedReasonId: null,
    closedDate: null,
    closedReasonName: null,
    completedDate: null,
    contactFormId: null,
    creditBalance: 0,
    customFields: [],
    eventDate: null,
    externalMappings: [],
    fulfillmentDate: null,
    guestCount: null,
    inquiryDate: today,
    jobTypeId: null,
    jobTypeName: null,
    leadConfidence: null,
    leadMaxBudget: null,
    leadNotes: null,
    leadRating: null,
    leadSourceId: null,
    leadSourceName: null,
    leadStatusId: null,
    leadStatusName: null,
    name: null,
    pinned: false,
    sample: false,
    stage: 'lead',
    title: null,
    totalCost: 0,
    totalProfit: 0,
    totalRevenue: 0,
    webLead: false,
    workflowId: null,
    workflowName: null,
  };
}

/** Fields of a new job contact, before the caller's. */
export function jobContactDefaults(): Omit<
  TaveJobContact,
  'id' | 'created' | 'modified' | 'contactId' | 'jobId'
> {
  return { hidden: false, client: false, externalMappings: [], jobRoles: [], roleKinds: [] };
}
