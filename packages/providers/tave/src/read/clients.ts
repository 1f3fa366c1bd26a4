/**
 * `read('client')`: one record per client. In VSCO Workspace a client is a person contact who is the client of a
 * job (the first job contact marked `client`), or a person on no job at all (a lead or a second record of
 * someone, typed in by hand) unless the contact is a vendor (`vendorRoleId`, or a company name). A contact who is
 * only someone's partner, a planner, a vendor or a team member is not a client.
 *
 * Tave has no partner field: the partner is the other couple-role contact of the client's most recent job that
 * has one. Building a client therefore needs every job contact and job before the address book is read:
 *
 * 1. `GET /studio/me` (currency) and `GET /custom-field` (labels);
 * 2. one walk of `/job-contact`: each job's client and partner candidates (ids only);
 * 3. one walk of `/job`: a small summary of each client's jobs (id, type, dates, stage, guests, budget);
 * 4. one walk of `/address-book` keeping only the partners' records (and counting the clients);
 * 5. the walk of `/address-book` that yields pages of clients.
 *
 * Only walk 5 yields pages, so cursors are `address-book:page:N`. Resuming runs steps 1–4 again (every page of
 * `/job-contact`, `/job` and `/address-book`) before continuing at page N: a resumed client read costs one full
 * pre-pass. Memory holds ids, job summaries and the partners' records, never the whole address book.
 */
import type { ExternalRecord, ProviderPage } from '@wedsync/crm-core';
import { type TaveContactItem, TaveContactSchema, type TaveJobItem, TaveJobSchema } from '../api/schemas.js';
import {
  collectJobPeople,
  customFieldResolver,
  type ReadContext,
  studioCurrency,
  withoutLinks,
} from './context.js';
import { formatTaveCursor, parseTaveCursor } from './cursor.js';
import type { CustomFieldResolver } from './custom-fields.js';

/** A money amount of the API with the studio's currency; null when the amount is. */
export interface TaveMoneyValue {
  readonly amount: number;
  readonly currencyCode: string;
}

/** One job of a client, as `ExternalRecord.data.jobs` lists them (oldest first). */
export interface TaveClientJob {
  readonly id: string;
  /** The job's name, or its generated title. */
  readonly name: string | null;
  readonly jobTypeName: string | null;
  /** Whether the job type is a wedding (see the `weddingJobTypes` setting). */
  readonly isWedding: boolean;
  readonly eventDate: string | null;
  readonly inquiryDate: string | null;
  readonly bookingDate: string | null;
  /** `lead`, `booked`, `fulfillment` or `completed`. */
  readonly stage: string | null;
  readonly closed: boolean;
  readonly leadSourceName: string | null;
  readonly guestCount: number | null;
  /** `leadMaxBudget` with the studio's currency. */
  readonly budget: TaveMoneyValue | null;
}

interface JobRow {
  readonly summary: TaveClientJob;
  readonly order: string;
}

function jobSummary(job: TaveJobItem, currencyCode: string, weddingJobTypes: RegExp): TaveClientJob {
  const typeName = job.jobTypeName ?? null;
  return {
    id: job.id,
    name: job.name ?? job.title ?? null,
    jobTypeName: typeName,
    isWedding: typeName !== null && weddingJobTypes.test(typeName),
    eventDate: job.eventDate ?? null,
    inquiryDate: job.inquiryDate ?? null,
    bookingDate: job.bookingDate ?? null,
    stage: job.stage ?? null,
    closed: job.closed === true,
    leadSourceName: job.leadSourceName ?? null,
    guestCount: job.guestCount ?? null,
    budget:
      job.leadMaxBudget === null || job.leadMaxBudget === undefined
        ? null
        : { amount: job.leadMaxBudget, currencyCode },
  };
}

/** A contact with its custom fields resolved and without transport links. */
export function enrichContact(
  contact: TaveContactItem,
  resolver: CustomFieldResolver,
): Record<string, unknown> {
  return { ...withoutLinks(contact), ...resolver.resolve(contact.customFields) };
}

function isVendor(contact: TaveContactItem): boolean {
  const filled = (value: string | null | undefined) => typeof value === 'string' && value.trim() !== '';
  return filled(contact.vendorRoleId) || filled(contact.companyName);
}

/** Reads clients page by page (see the module comment for the pre-pass and its cost on resume). */
export async function* readClients(
  context: ReadContext,
  options: { readonly cursor: string | null | undefined; readonly modifiedAfter: number | undefined },
): AsyncGenerator<ProviderPage> {
  const { api, settings, signal } = context;
  const incremental = options.modifiedAfter !== undefined;
  const startPage = parseTaveCursor(options.cursor, 'address-book', incremental);
  const withSignal = signal === undefined ? {} : { signal };

  // 1. Reference data.
  const currencyCode = await studioCurrency(context);
  const resolver = await customFieldResolver(context);

  // 2. Who is the client and who may be the partner, per job.
  const people = await collectJobPeople(context);

  // 3. Each client's jobs, oldest first.
  const jobsOf = new Map<string, JobRow[]>();
  // Docs: GET /job (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs — closed jobs included.
  for await (const page of api.list({
    path: 'job',
    schema: TaveJobSchema,
    pageSize: settings.pageSize,
    query: { includeClosed: true, sortBy: 'id' },
    ...withSignal,
  })) {
    for (const job of page.items) {
      const clientId = people.clientOf.get(job.id);
      if (clientId === undefined) continue;
      const row: JobRow = {
        summary: jobSummary(job, currencyCode, settings.weddingJobTypes),
        order: `${job.created === undefined ? '' : new Date(Date.parse(job.created) || 0).toISOString()}\u0000${job.id}`,
      };
      const rows = jobsOf.get(clientId);
      if (rows === undefined) jobsOf.set(clientId, [row]);
      else rows.push(row);
    }
  }
  const partnerCandidates = new Map<string, readonly string[]>();
  const wanted = new Set<string>();
  for (const [clientId, rows] of jobsOf) {
    rows.sort((left, right) => (left.order < right.order ? -1 : left.order > right.order ? 1 : 0));
    // The most recent job with a partner decides.
    for (let index = rows.length - 1; index >= 0; index -= 1) {
      const jobId = (rows[index] as JobRow).summary.id;
      const candidates = (people.partnersOf.get(jobId) ?? []).filter((id) => id !== clientId);
      if (candidates.length === 0) continue;
      partnerCandidates.set(clientId, candidates);
      for (const id of candidates) wanted.add(id);
      break;
    }
  }

  const isClient = (contact: TaveContactItem): boolean =>
    contact.kind === 'person' &&
    (jobsOf.has(contact.id) || (!people.onJobs.has(contact.id) && !isVendor(contact)));

  // 4. The partners' records (and the number of clients, for progress).
  const partners = new Map<string, Record<string, unknown>>();
  let clientCount = 0;
  // Docs: GET /address-book (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  for await (const page of api.list({
    path: 'address-book',
    schema: TaveContactSchema,
    pageSize: settings.pageSize,
    query: { sortBy: 'id' },
    ...withSignal,
  })) {
    for (const contact of page.items) {
      if (isClient(contact)) clientCount += 1;
      if (contact.kind === 'person' && wanted.has(contact.id)) {
        partners.set(contact.id, enrichContact(contact, resolver));
      }
    }
  }
  context.logger.debug('Tave client read: pre-pass done', {
    clients: clientCount,
    clientsWithJobs: jobsOf.size,
    partners: partners.size,
    jobs: people.clientOf.size,
  });

  const partnerOf = (clientId: string): Record<string, unknown> | null => {
    for (const id of partnerCandidates.get(clientId) ?? []) {
      const partner = partners.get(id);
      if (partner !== undefined) return partner;
    }
    return null;
  };

  // 5. The clients, one page of the address book at a time.
  // Docs: GET /address-book (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  for await (const page of api.list({
    path: 'address-book',
    schema: TaveContactSchema,
    pageSize: settings.pageSize,
    query: { sortBy: incremental ? 'modified desc' : 'id' },
    cursor: startPage,
    ...(options.modifiedAfter === undefined ? {} : { modifiedAfter: options.modifiedAfter }),
    ...withSignal,
  })) {
    const records: ExternalRecord[] = [];
    for (const contact of page.items) {
      if (!isClient(contact)) continue;
      const data: Record<string, unknown> = {
        ...enrichContact(contact, resolver),
        partner: partnerOf(contact.id),
        jobs: (jobsOf.get(contact.id) ?? []).map((row) => row.summary),
        currencyCode,
      };
      records.push({
        externalId: contact.id,
        ...(contact.modified === undefined ? {} : { modifiedAt: contact.modified }),
        data,
      });
    }
    yield {
      records,
      cursor: formatTaveCursor('address-book', page.cursor, incremental),
      ...(incremental ? {} : { totalRecords: clientCount }),
    };
  }
}
