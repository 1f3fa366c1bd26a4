/**
 * Converts a generated (vendor-neutral) studio into VSCO Workspace's exact shapes: people, companies, venues
 * and staff into `/address-book` kinds, the partner as a second job contact, phones as phone objects parsed
 * the way the vendor does (with the studio's country: a foreign number typed without `+` does not parse),
 * money as integer minor units, timestamps with `+00:00`.
 */
import { dialCodeOf, type StudioPhone } from '../../generators/phones.js';
import { Random } from '../../generators/random.js';
import { IdMaker, referenceSequenceBase } from '../../generators/reference.js';
import type {
  CustomFieldKind,
  GeneratedStudio,
  StudioAddress,
  StudioClientBundle,
  StudioCompany,
  StudioCustomFieldValue,
  StudioOrder,
  StudioPayment,
  StudioPerson,
  StudioReference,
  StudioStaff,
  StudioVenue,
} from '../../generators/types.js';
import { toTaveTimestamp, zoneAbbreviations, zonedToUtc } from './time.js';
import type {
  TaveAddress,
  TaveCompany,
  TaveContact,
  TaveCustomField,
  TaveDataset,
  TaveEmployee,
  TaveEvent,
  TaveJob,
  TaveJobContact,
  TaveLocation,
  TaveNote,
  TaveOrder,
  TavePayment,
  TavePaymentAllocation,
  TavePaymentMethod,
  TavePerson,
  TavePhone,
  TaveRecords,
  TaveResource,
  TaveStudio,
  TaveTimezone,
} from './types.js';

const customFieldKinds: Readonly<Record<CustomFieldKind, TaveCustomField['kind']>> = {
  text: 'TextField',
  textarea: 'TextBox',
  choice: 'DropDown',
  number: 'Number',
  decimal: 'Decimal',
  money: 'Money',
  date: 'Date',
  time: 'Time',
  boolean: 'Checkbox',
};

const paymentMethodSpecs: readonly (readonly [StudioPayment['method'], string, TavePaymentMethod['kind']])[] =
  [
    ['card', 'Credit Card', 'CreditCard'],
    ['bank_transfer', 'Bank Transfer', 'EFT'],
    ['check', 'Check', 'Check'],
    ['cash', 'Cash', 'Cash'],
  ];

const commaDecimalCountries = new Set(['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'TR', 'BR', 'VN', 'SE', 'IE']);

/** Escapes text for an HTML note body. */
function html(text: string): string {
  return `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>')}</p>`;
}

/**
 * A phone object the way VSCO Workspace stores typed text: parsed with the studio's country. A number of
 * another country typed without `+` does not parse, so only `formatted` (the typed text) is set.
 */
export function toTavePhone(phone: StudioPhone | undefined | null, studioCountry: string): TavePhone | null {
  if (phone === undefined || phone === null) return null;
  const parses = phone.country === studioCountry || phone.typed.trim().startsWith('+');
  if (!parses) {
    return {
      id: null,
      formatted: phone.typed.slice(0, 24),
      e164: null,
      extension: null,
      telUri: null,
      dialCode: null,
      countryCode: null,
    };
  }
  const local = phone.country === studioCountry;
  return {
    id: null,
    formatted: (local ? phone.national : phone.international).slice(0, 24),
    e164: phone.e164,
    extension: null,
    telUri: `tel:${phone.international.replace(/[^+\d]+/g, '-')}`,
    dialCode: Number(dialCodeOf(phone.country)),
    countryCode: phone.country.toLowerCase(),
  };
}

function toTaveAddress(address: StudioAddress | null): TaveAddress | null {
  if (address === null) return null;
  const street = [address.line1, address.line2]
    .filter((part): part is string => part !== null && part !== '')
    .join('\n');
  return {
    streetAddress: street === '' ? null : street,
    city: address.city,
    state: address.region,
    postalCode: address.postalCode,
    country: address.country,
  };
}

function venueAddress(venue: StudioVenue): TaveAddress {
  return {
    ...(toTaveAddress(venue.address) as TaveAddress),
    name: venue.name,
    latitude: venue.latitude,
    longitude: venue.longitude,
    googlePlaceId: venue.googlePlaceId,
    timezone: venue.timezone,
  };
}

function customFieldValues(values: readonly StudioCustomFieldValue[]): TaveRecords['job']['customFields'] {
  return values.map((value) => ({ fieldId: value.fieldId, value: value.value }));
}

function fullName(first: string | null, last: string | null): string {
  return [first, last].filter((part): part is string => part !== null && part.trim() !== '').join(' ');
}

function referenceCode(id: string): string {
  return id.slice(-10).toUpperCase();
}

/** Converts a generated studio's records, client by client. */
export interface TaveConverter {
  /** The studio record. */
  readonly studio: TaveStudio;
  /** The studio-wide records: types, sources, statuses, roles, fields, time zones, venues, vendors, team. */
  readonly reference: { readonly [R in TaveResource]: TaveRecords[R][] };
  /** One client's records. */
  bundle(bundle: StudioClientBundle): { readonly [R in TaveResource]?: TaveRecords[R][] };
}

function emptyRecords(): { [R in TaveResource]: TaveRecords[R][] } {
  return {
    'address-book': [],
    job: [],
    'job-contact': [],
    event: [],
    order: [],
    payment: [],
    'payment-method': [],
    note: [],
    'custom-field': [],
    'lead-source': [],
    'lead-status': [],
    'job-type': [],
    'job-role': [],
    'job-closed-reason': [],
    'event-type': [],
    timezone: [],
    'rest-hook': [],
  };
}

function personToTave(
  person: StudioPerson,
  studioCountry: string,
  totals: { revenue: number; balance: number } | undefined,
): TavePerson {
  const phone = (type: StudioPhone['type']) =>
    toTavePhone(
      person.phones.find((entry) => entry.type === type),
      studioCountry,
    );
  return {
    id: person.id,
    created: toTaveTimestamp(person.createdAt),
    modified: toTaveTimestamp(person.modifiedAt),
    hidden: false,
    kind: 'person',
    firstName: person.firstName,
    lastName: person.lastName,
    maidenName: person.maidenName,
    name: fullName(person.firstName, person.lastName),
    email: person.email,
    secondaryEmail: person.secondaryEmail,
    cellPhone: phone('mobile'),
    homePhone: phone('home'),
    workPhone: phone('work'),
    fax: null,
    address: toTaveAddress(person.address),
    mailingAddress: null,
    birthdate: person.birthdate,
    anniversary: person.anniversary,
    gender: person.role === 'duplicate' ? null : person.gender,
    companyName: person.companyName,
    jobTitle: person.role === 'planner' ? 'Wedding Planner' : null,
    previousClient: person.previousClient,
    privacyOptIn: person.marketingOptIn,
    requireStrictPrivacy: false,
    accountBalance: totals?.balance ?? 0,
    creditBalance: 0,
    totalRevenue: totals?.revenue ?? 0,
    totalCost: 0,
    anonymized: false,
    brandId: null,
    contactPreference: person.email === null ? (person.phones.length > 0 ? 'cell-phone' : null) : 'email',
    salutation: null,
    vendorRoleId: null,
    customFields: customFieldValues(person.customFields),
    externalMappings: [],
    pinned: false,
    url: null,
  };
}

function companyToTave(
  company: StudioCompany,
  studioCountry: string,
  vendorRoleId: string | null,
): TaveCompany {
  return {
    id: company.id,
    created: toTaveTimestamp(company.createdAt),
    modified: toTaveTimestamp(company.modifiedAt),
    hidden: false,
    kind: 'company',
    name: company.name,
    email: company.email,
    secondaryEmail: null,
    phone: toTavePhone(company.phone, studioCountry),
    cellPhone: null,
    fax: null,
    tollFree: null,
    address: toTaveAddress(company.address),
    mailingAddress: null,
    primaryContactFirstName: null,
    primaryContactLastName: null,
    accountNumber: null,
    accountBalance: 0,
    creditBalance: 0,
    totalRevenue: 0,
    totalCost: 0,
    brandId: null,
    vendorRoleId,
    customFields: [],
    externalMappings: [],
    pinned: false,
    url: null,
  };
}

function venueToTave(venue: StudioVenue, studioCountry: string): TaveLocation {
  return {
    id: venue.id,
    created: toTaveTimestamp(venue.createdAt),
    modified: toTaveTimestamp(venue.modifiedAt),
    hidden: false,
    kind: 'location',
    name: venue.name,
    phone: toTavePhone(venue.phone, studioCountry),
    tollFree: null,
    address: venueAddress(venue),
    email: null,
    secondaryEmail: null,
    totalRevenue: 0,
    totalCost: 0,
    customFields: [],
    externalMappings: [],
    pinned: false,
    url: null,
  };
}

function staffToTave(member: StudioStaff, studioCountry: string): TaveEmployee {
  return {
    id: member.id,
    created: toTaveTimestamp(member.createdAt),
    modified: toTaveTimestamp(member.modifiedAt),
    hidden: false,
    kind: 'employee',
    firstName: member.firstName,
    lastName: member.lastName,
    name: fullName(member.firstName, member.lastName),
    displayAs: null,
    jobTitle: member.jobTitle,
    email: member.email,
    secondaryEmail: null,
    cellPhone: toTavePhone(member.phone, studioCountry),
    address: null,
    mailingAddress: null,
    totalRevenue: 0,
    totalCost: 0,
    customFields: [],
    externalMappings: [],
    pinned: false,
    url: null,
  };
}

const regions: Readonly<Record<string, string>> = {
  America: 'Americas',
  Europe: 'Europe',
  Asia: 'Asia',
  Australia: 'Australia',
  Pacific: 'Pacific',
  Africa: 'Africa',
  Atlantic: 'Atlantic',
};

/** Creates a converter for a studio's records (call `bundle` for each client). */
export function createTaveConverter(reference: StudioReference, seed: number): TaveConverter {
  const { settings } = reference;
  const studioCountry = settings.country;
  const ids = new IdMaker(new Random(seed, 5), referenceSequenceBase + 100_000);
  const created = Date.parse(settings.createdAt);
  const stamp = toTaveTimestamp(settings.createdAt);
  const records = emptyRecords();

  // Time zones: the studio's and every venue's.
  const zones = new Map<string, string | null>([[settings.timezone, settings.country]]);
  for (const venue of reference.venues)
    if (!zones.has(venue.timezone)) zones.set(venue.timezone, venue.address.country);
  const timezoneIds = new Map<string, string>();
  for (const [zone, country] of zones) {
    const id = ids.id(created);
    timezoneIds.set(zone, id);
    const { standard, daylight } = zoneAbbreviations(zone);
    const area = zone.split('/')[0] ?? zone;
    const timezone: TaveTimezone = {
      id,
      created: stamp,
      modified: stamp,
      hidden: false,
      city: (zone.split('/').pop() ?? zone).replace(/_/g, ' '),
      code: standard,
      country,
      daylightCode: daylight,
      extendedInfo: null,
      name: zone,
      displayName: `${standard === daylight ? standard : `${standard}/${daylight}`} - ${regions[area] ?? area}`,
      primary: true,
      region: regions[area] ?? area,
    };
    records.timezone.push(timezone);
  }

  const studio: TaveStudio = {
    id: settings.id,
    created: toTaveTimestamp(settings.createdAt),
    modified: toTaveTimestamp(settings.modifiedAt),
    hidden: false,
    cacheVersion: 1,
    currencyCode: settings.currency,
    dateFormat: settings.dateFormat,
    decimalSeparator: commaDecimalCountries.has(settings.country) ? ',' : '.',
    thousandsSeparator: commaDecimalCountries.has(settings.country) ? '.' : ',',
    defaultBrandId: null,
    email: settings.email,
    externalMappings: [],
    name: settings.name,
    temperature: settings.country === 'US' ? 'Fahrenheit' : 'Celsius',
    timeFormat: settings.country === 'US' || settings.country === 'AU' ? 'g:ia' : 'H:i',
    timezoneId: timezoneIds.get(settings.timezone) ?? null,
    weekStartsOn:
      settings.country === 'US' || settings.country === 'CA' || settings.country === 'JP'
        ? 'Sunday'
        : 'Monday',
    readonlyEnabled: false,
    primaryIndustrySlug: 'photography',
    primaryIndustryName: 'Photography',
    firstName: settings.ownerFirstName.slice(0, 48),
    lastName: settings.ownerLastName.slice(0, 48),
  };

  const initialStatus = reference.leadStatuses.find((status) => status.kind === 'new')?.id ?? null;
  reference.jobTypes.forEach((type, position) => {
    records['job-type'].push({
      id: type.id,
      created: toTaveTimestamp(type.createdAt),
      modified: toTaveTimestamp(type.createdAt),
      hidden: false,
      defaultContacts: [],
      defaultEvents: [],
      externalMappings: [],
      initialLeadStatusId: initialStatus,
      name: type.name,
      primarySessionRequired: true,
      profitCenterId: null,
      sortPosition: position + 1,
      workflowId: null,
    });
  });
  for (const source of reference.leadSources) {
    records['lead-source'].push({
      id: source.id,
      created: toTaveTimestamp(source.createdAt),
      modified: toTaveTimestamp(source.createdAt),
      hidden: false,
      name: source.name,
      parentId: null,
    });
  }
  const colors = ['2f80ed', '27ae60', 'f2c94c', 'f2994a', '9b51e0', '828282'];
  for (const status of reference.leadStatuses) {
    records['lead-status'].push({
      id: status.id,
      created: toTaveTimestamp(status.createdAt),
      modified: toTaveTimestamp(status.createdAt),
      hidden: false,
      color: colors[(status.sortPosition - 1) % colors.length] ?? null,
      externalMappings: [],
      kind: status.kind,
      name: status.name,
      sortPosition: status.sortPosition,
      transitionToId: null,
    });
  }
  for (const reason of reference.closedReasons) {
    records['job-closed-reason'].push({
      id: reason.id,
      created: toTaveTimestamp(reason.createdAt),
      modified: toTaveTimestamp(reason.createdAt),
      hidden: false,
      externalMappings: [],
      description: reason.outcome === 'lost' ? 'Lead did not book' : 'Booking called off',
      name: reason.name,
      includedInReporting: true,
    });
  }
  const roleKind = new Map<string, TaveJobContact['roleKinds'][number]>();
  reference.jobRoles.forEach((role, position) => {
    roleKind.set(role.id, role.kind);
    records['job-role'].push({
      id: role.id,
      created: toTaveTimestamp(role.createdAt),
      modified: toTaveTimestamp(role.createdAt),
      hidden: false,
      externalMappings: [],
      kind: role.kind,
      name: role.name,
      sortPosition: position + 1,
      tokenPrefix: role.key,
    });
  });
  reference.eventTypes.forEach((type, position) => {
    records['event-type'].push({
      id: type.id,
      created: toTaveTimestamp(type.createdAt),
      modified: toTaveTimestamp(type.createdAt),
      hidden: false,
      color: colors[position % colors.length] ?? null,
      defaultDuration: 60,
      externalMappings: [],
      kind: 'session',
      name: type.name,
      sortPosition: position + 1,
      tokenPrefix: type.key,
    });
  });
  for (const field of reference.customFields) {
    records['custom-field'].push({
      id: field.id,
      created: toTaveTimestamp(field.createdAt),
      modified: toTaveTimestamp(field.createdAt),
      hidden: false,
      canApplyTo: field.appliesTo === 'job' ? 'Job' : 'Contact',
      clientAccess: 'None',
      clientLabel: null,
      choices: field.choices === null ? null : [...field.choices],
      kind: customFieldKinds[field.kind],
      name: field.label,
      token: field.key,
    });
  }
  const paymentMethodIds = new Map<StudioPayment['method'], string>();
  for (const [method, label, kind] of paymentMethodSpecs) {
    const id = ids.id(created);
    paymentMethodIds.set(method, id);
    records['payment-method'].push({ id, created: stamp, modified: stamp, hidden: false, name: label, kind });
  }
  const floristRole = reference.jobRoles.find((role) => role.key === 'florist')?.id ?? null;
  for (const member of reference.staff) records['address-book'].push(staffToTave(member, studioCountry));
  for (const venue of reference.venues) records['address-book'].push(venueToTave(venue, studioCountry));
  for (const company of reference.companies)
    records['address-book'].push(companyToTave(company, studioCountry, floristRole));
  for (const planner of reference.planners)
    records['address-book'].push(personToTave(planner, studioCountry, undefined));

  // One address object per venue, shared by its events (records are never mutated in place).
  const venueAddresses = new Map(reference.venues.map((venue) => [venue.id, venueAddress(venue)]));
  const jobTypeNames = new Map(reference.jobTypes.map((type) => [type.id, type.name]));
  const sourceNames = new Map(reference.leadSources.map((source) => [source.id, source.name]));
  const statusNames = new Map(reference.leadStatuses.map((status) => [status.id, status.name]));
  const reasonNames = new Map(reference.closedReasons.map((reason) => [reason.id, reason.name]));
  const completedJobs = new Set<string>();

  const orderToTave = (
    order: StudioOrder,
    payments: readonly StudioPayment[],
    allocations: TavePaymentAllocation[],
  ): { order: TaveOrder; revenue: number; balance: number } => {
    const paid = payments.filter((payment) => payment.orderId === order.id && payment.status === 'paid');
    const paidTotal = paid.reduce((sum, payment) => sum + payment.amount, 0);
    const voided = order.status === 'void';
    const balance = voided ? 0 : Math.max(0, order.total - paidTotal);
    const orderCreated = toTaveTimestamp(order.createdAt);
    const orderModified = toTaveTimestamp(order.modifiedAt);
    const status: TaveOrder['status'] =
      order.status === 'void'
        ? 'voided'
        : order.status === 'draft'
          ? 'draft'
          : order.status === 'open'
            ? 'open'
            : completedJobs.has(order.jobId)
              ? 'completed'
              : 'paid-in-full';
    const tave: TaveOrder = {
      id: order.id,
      created: orderCreated,
      modified: orderModified,
      hidden: false,
      jobId: order.jobId,
      recipientId: order.recipientId,
      customNumber: order.number.slice(0, 16),
      name: order.name,
      title: order.name,
      referenceCode: referenceCode(order.id),
      status,
      bookedElectronically: false,
      bookedFromQuote: false,
      bookedOn: order.bookedDate,
      balance,
      paymentTermsId: null,
      paymentTermsName: 'Standard',
      paymentAllocations: allocations.filter((allocation) => allocation.orderId === order.id),
      invoices: order.invoices.map((invoice) => ({
        id: invoice.id,
        created: toTaveTimestamp(invoice.createdAt),
        modified: toTaveTimestamp(invoice.modifiedAt),
        hidden: false,
        status:
          invoice.status === 'void' ? 'voided' : invoice.status === 'paid' ? 'paid-in-full' : invoice.status,
        customNumber: invoice.number.slice(0, 16),
        orderId: order.id,
        title: `Invoice ${invoice.number}`,
        dueDate: invoice.dueDate,
        recipientId: order.recipientId,
        promisedArrival: null,
        response: null,
        referenceCode: referenceCode(invoice.id),
        total: invoice.total,
      })),
      lineItems: order.lineItems.map((item) => ({
        id: item.id,
        created: orderCreated,
        modified: orderCreated,
        hidden: false,
        orderId: order.id,
        productId: null,
        name: item.name,
        descriptionHtml: null,
        basePricePerUnit: item.unitPrice,
        pricePerUnit: item.unitPrice,
        baseCostPerUnit: 0,
        costPerUnit: 0,
        units: item.quantity,
        taxable: item.taxable,
        discount: false,
        discountKind: 'amount',
        selectability: 'required',
        selected: true,
        children: null,
      })),
      preTaxDiscount: null,
      afterTaxDiscount: null,
      taxGroupId: null,
      tax1: null,
      tax2: null,
      tax3: null,
      taxIsCompounding: false,
      subtotal: { amount: order.total, taxable: 0, nonTaxable: order.total },
      total: order.total,
    };
    return { order: tave, revenue: voided ? paidTotal : order.total, balance };
  };

  return {
    studio,
    reference: records,
    bundle(bundle) {
      const out = {
        'address-book': [] as TaveContact[],
        job: [] as TaveJob[],
        'job-contact': [] as TaveJobContact[],
        event: [] as TaveEvent[],
        order: [] as TaveOrder[],
        payment: [] as TavePayment[],
        note: [] as TaveNote[],
      };
      const clientIds = new IdMaker(new Random(seed, 6, bundle.index), (bundle.index + 1) * 256 + 160);
      for (const job of bundle.jobs) if (job.stage === 'completed') completedJobs.add(job.id);

      // Payments first: orders need their allocations, jobs their totals.
      const allocations: TavePaymentAllocation[] = [];
      for (const payment of bundle.payments) {
        const paymentCreated = toTaveTimestamp(payment.createdAt);
        const allocation: TavePaymentAllocation | null =
          payment.status === 'paid' || payment.status === 'refunded'
            ? {
                id: clientIds.id(Date.parse(payment.createdAt)),
                created: paymentCreated,
                modified: paymentCreated,
                hidden: false,
                paymentId: payment.id,
                orderId: payment.orderId,
                jobId: payment.jobId,
                amount: payment.amount,
                refundedAmount: payment.status === 'refunded' ? payment.amount : 0,
              }
            : null;
        if (allocation !== null) allocations.push(allocation);
        out.payment.push({
          id: payment.id,
          created: paymentCreated,
          modified: toTaveTimestamp(payment.modifiedAt),
          hidden: false,
          jobId: payment.jobId,
          payerId: payment.payerId,
          paymentMethodId: paymentMethodIds.get(payment.method) ?? null,
          invoiceItemId: null,
          status:
            payment.status === 'scheduled'
              ? 'future'
              : payment.status === 'paid' || payment.status === 'refunded'
                ? 'posted'
                : payment.status,
          amount: payment.amount,
          refundedAmount: payment.status === 'refunded' ? payment.amount : 0,
          memo: payment.memo,
          checkNumber:
            payment.method === 'check'
              ? String(1000 + (Number.parseInt(payment.id.slice(-4), 32) % 9000))
              : null,
          transactionId:
            payment.method === 'card' && payment.status !== 'scheduled' ? `ch_${payment.id.slice(10)}` : null,
          authCode: null,
          received: payment.receivedDate,
          processedViaClientAccess: payment.method === 'card',
          refunds: [],
          paymentAllocations: allocation === null ? [] : [allocation],
        });
      }
      const jobTotals = new Map<string, { revenue: number; balance: number }>();
      for (const order of bundle.orders) {
        const { order: tave, revenue, balance } = orderToTave(order, bundle.payments, allocations);
        out.order.push(tave);
        const totals = jobTotals.get(order.jobId) ?? { revenue: 0, balance: 0 };
        jobTotals.set(order.jobId, { revenue: totals.revenue + revenue, balance: totals.balance + balance });
      }

      // People: the client carries the totals of the jobs where it is the primary client.
      const personTotals = new Map<string, { revenue: number; balance: number }>();
      for (const job of bundle.jobs) {
        const totals = jobTotals.get(job.id);
        if (totals === undefined) continue;
        const sum = personTotals.get(job.clientId) ?? { revenue: 0, balance: 0 };
        personTotals.set(job.clientId, {
          revenue: sum.revenue + totals.revenue,
          balance: sum.balance + totals.balance,
        });
      }
      for (const person of bundle.people) {
        out['address-book'].push(personToTave(person, studioCountry, personTotals.get(person.id)));
        for (const note of person.notes) {
          const noteStamp = toTaveTimestamp(note.createdAt);
          out.note.push({
            id: note.id,
            created: noteStamp,
            modified: noteStamp,
            hidden: false,
            authorId: null,
            contactId: person.id,
            jobId: null,
            contentHtml: html(note.text),
            date: note.date,
          });
        }
      }

      for (const job of bundle.jobs) {
        const totals = jobTotals.get(job.id) ?? { revenue: 0, balance: 0 };
        out.job.push({
          id: job.id,
          created: toTaveTimestamp(job.createdAt),
          modified: toTaveTimestamp(job.modifiedAt),
          accountBalance: totals.balance,
          bookingDate: job.bookingDate,
          brandId: null,
          closed: job.closed,
          closedReasonId: job.closedReasonId,
          closedDate: job.closedDate,
          closedReasonName:
            job.closedReasonId === null ? null : (reasonNames.get(job.closedReasonId) ?? null),
          completedDate: job.completedDate,
          contactFormId: null,
          creditBalance: 0,
          customFields: customFieldValues(job.customFields),
          eventDate: job.eventDate,
          externalMappings: [],
          fulfillmentDate: job.fulfillmentDate,
          guestCount: job.guestCount,
          inquiryDate: job.inquiryDate,
          jobTypeId: job.jobTypeId,
          jobTypeName: jobTypeNames.get(job.jobTypeId) ?? null,
          leadConfidence: job.leadConfidence,
          leadMaxBudget: job.budget,
          leadNotes: job.notes,
          leadRating: job.leadRating,
          leadSourceId: job.leadSourceId,
          leadSourceName: job.leadSourceId === null ? null : (sourceNames.get(job.leadSourceId) ?? null),
          leadStatusId: job.leadStatusId,
          leadStatusName: job.leadStatusId === null ? null : (statusNames.get(job.leadStatusId) ?? null),
          name: job.name,
          pinned: false,
          sample: false,
          stage: job.stage === 'inquiry' ? 'lead' : job.stage,
          title: job.title,
          totalCost: 0,
          totalProfit: totals.revenue,
          totalRevenue: totals.revenue,
          webLead: job.webLead,
          workflowId: null,
          workflowName: null,
        });
      }
      for (const jobContact of bundle.jobContacts) {
        const kind = roleKind.get(jobContact.roleId);
        const kinds: TaveJobContact['roleKinds'][number][] = jobContact.primary ? ['client'] : [];
        if (kind !== undefined) kinds.push(kind);
        out['job-contact'].push({
          id: jobContact.id,
          created: toTaveTimestamp(jobContact.createdAt),
          modified: toTaveTimestamp(jobContact.modifiedAt),
          hidden: false,
          client: jobContact.primary,
          contactId: jobContact.contactId,
          jobId: jobContact.jobId,
          externalMappings: [],
          jobRoles: [jobContact.roleId],
          roleKinds: kinds,
        });
      }
      for (const event of bundle.events) {
        const address = event.venueId === null ? undefined : venueAddresses.get(event.venueId);
        out.event.push({
          id: event.id,
          created: toTaveTimestamp(event.createdAt),
          modified: toTaveTimestamp(event.modifiedAt),
          hidden: false,
          allDay: event.allDay,
          channel: 'InPerson',
          confirmed: event.confirmed,
          descriptionHtml: null,
          endDate: event.endDate,
          endTime: event.endTime === null ? null : `${event.endTime}:00`,
          endUtc: event.endTime === null ? null : zonedToUtc(event.endDate, event.endTime, event.timezone),
          externalMappings: [],
          galleryId: null,
          jobId: event.jobId,
          location: address === undefined || event.venueId === null ? null : { id: event.venueId, address },
          name: event.name,
          phoneNumber: null,
          readOnly: false,
          startDate: event.startDate,
          startTime: event.startTime === null ? null : `${event.startTime}:00`,
          startUtc:
            event.startTime === null ? null : zonedToUtc(event.startDate, event.startTime, event.timezone),
          timezoneName: event.timezone,
          timezoneId: timezoneIds.get(event.timezone) ?? null,
          typeId: event.eventTypeId,
          virtualUrl: null,
        });
      }
      return out;
    },
  };
}

/** Converts a whole generated studio into the records the fake VSCO Workspace serves. */
export function toTaveDataset(studio: GeneratedStudio): TaveDataset {
  const reference: StudioReference = studio;
  const converter = createTaveConverter(reference, studio.options.seed);
  const records = converter.reference;
  // Regroup the flat arrays into one bundle per client, in generation order (the converter numbers them).
  const byJob = <T extends { readonly jobId: string }>(items: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) {
      const list = map.get(item.jobId);
      if (list === undefined) map.set(item.jobId, [item]);
      else list.push(item);
    }
    return map;
  };
  const contactsByJob = byJob(studio.jobContacts);
  const eventsByJob = byJob(studio.events);
  const ordersByJob = byJob(studio.orders);
  const paymentsByJob = byJob(studio.payments);
  const jobsByClient = new Map<string, (typeof studio.jobs)[number][]>();
  for (const job of studio.jobs) {
    const list = jobsByClient.get(job.clientId);
    if (list === undefined) jobsByClient.set(job.clientId, [job]);
    else list.push(job);
  }
  const duplicatesOf = new Map(
    studio.manifest.duplicates.map((entry) => [entry.originalId, entry.duplicateId]),
  );
  const people = new Map(studio.people.map((person) => [person.id, person]));
  let index = 0;
  for (const client of studio.people) {
    if (client.role !== 'client') continue;
    const jobs = jobsByClient.get(client.id) ?? [];
    const bundlePeople: StudioPerson[] = [client];
    const seen = new Set([client.id]);
    const jobContacts = jobs.flatMap((job) => contactsByJob.get(job.id) ?? []);
    for (const jobContact of jobContacts) {
      const person = people.get(jobContact.contactId);
      if (person !== undefined && person.role === 'partner' && !seen.has(person.id)) {
        seen.add(person.id);
        bundlePeople.push(person);
      }
    }
    const duplicateId = duplicatesOf.get(client.id);
    const duplicate = duplicateId === undefined ? undefined : people.get(duplicateId);
    if (duplicate !== undefined) bundlePeople.push(duplicate);
    const converted = converter.bundle({
      index: index++,
      people: bundlePeople,
      jobs,
      jobContacts,
      events: jobs.flatMap((job) => eventsByJob.get(job.id) ?? []),
      orders: jobs.flatMap((job) => ordersByJob.get(job.id) ?? []),
      payments: jobs.flatMap((job) => paymentsByJob.get(job.id) ?? []),
      duplicates: [],
      badRecords: [],
      edgeCases: [],
      sharedEmailCouple: null,
      returningClient: null,
    });
    for (const [resource, items] of Object.entries(converted) as [
      TaveResource,
      TaveRecords[TaveResource][],
    ][]) {
      (records[resource] as TaveRecords[TaveResource][]).push(...items);
    }
  }
  return { studio: converter.studio, records };
}
