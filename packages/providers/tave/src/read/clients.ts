/**
 * `read('client')`: one record per client. In VSCO Workspace a client is a person contact who is the client of a
 * job (the first job contact marked `client`), or a person on no job at all (a lead or a second record of
 * someone, typed in by hand) unless the contact is a vendor (`vendorRoleId`, or a company name). A contact who is
 * only someone's partner, a planner, a vendor or a team member is not a client.
 *
 * Tave has no partner field: the partner is the other couple-role contact of the client's most recent job that
 * has one. A client record is therefore built from its contact, the jobs it is the client of, those jobs'
 * contacts and the partner's contact; its `modifiedAt` is the newest `modified` among all of them, so a change to
 * any of them moves the client past the watermark.
 *
 * A full read needs every job contact and job before the address book is read. What it learns of them goes to
 * the session's scratch space (`ProviderContext.scratch`, see `pre-pass.ts`), which the hub moves to its storage
 * once it grows, so the read holds a page or two in memory whatever the studio's size:
 *
 * 1. `GET /studio/me` (currency) and `GET /custom-field` (labels), read once per session;
 * 2. one walk of `/job-contact`: each job's contacts (reduced to what decides its client and partner candidates)
 *    and who is on any job; the project read of the same session reads them too (`session-cache.ts`);
 * 3. one walk of `/job`: a small summary of each client's jobs (id, type, dates, stage, guests, budget) with the
 *    partner candidates each job names, and who may be whose partner;
 * 4. one walk of `/address-book` that yields pages of clients. For each page, the pre-pass says which contacts
 *    are clients and what their jobs are. Each page is yielded once the partners of its clients are settled,
 *    and no fetched page is held back. A candidate the walk has shown is known: on the client's page or the one
 *    after it, in memory; on an earlier page, because the walk kept it in the scratch space when it passed (the
 *    pre-pass says who may be wanted by a client still to come). Partners are usually typed in with their
 *    client, so their ULIDs sit right after the client's: the last clients of a page whose partner is not shown
 *    yet wait for the next page, their ids carried in the cursor (`address-book:page:N:waiting:<ids>`). Any other
 *    candidate not shown (further ahead, before a resumed read's cursor, archived or gone) is looked up by
 *    `GET /address-book/{id}` while those lookups cost less than a walk; past that, one walk of the whole address
 *    book settles them all. 500 clients at pages of 100: no lookup (measured).
 *
 * Only walk 4 yields pages, so a crash loses at most the page in flight. Resuming runs steps 1–3 again (a new
 * session starts them afresh: each clears what it keeps before it fills it), looks up the waiting clients by id
 * and continues at page N. The number of clients is known at the end of a walk from page 1: only its last page
 * carries `totalRecords`.
 *
 * An incremental read (`since`) walks `/job-contact` (hidden ones too), `/job` and `/address-book` by
 * `modified desc` down to the watermark — usually one page each — and works out which clients those changes
 * touch (see `changes.ts`). It then builds just those clients from per-record lookups the vendor documents:
 * `GET /job-contact?contactId=` for each touched contact, `GET /job-contact?jobId=` for each of their client jobs,
 * `GET /job/{id}` for each such job and `GET /address-book/{id}` for each client or partner that did not change
 * itself — about four requests per changed client. When that would cost more than the full read's walks (a bulk
 * change), it runs the full pre-pass instead and yields only the touched clients. Either way the records are
 * the ones a full read yields for those clients, in id order, with cursors `address-book:modified:after:<id>`.
 *
 * What an incremental read cannot see: records deleted outright (a deleted contact, job or job contact leaves
 * nothing to walk by; the client is corrected at its next change or full import), and changes the vendor makes
 * without moving `modified` (the vendor documents no rule for it; a job's derived fields, such as its
 * `jobTypeName` after the job type is renamed, may be such changes).
 */
import type { ExternalRecord, ProviderPage, ProviderScratch, ScratchItem } from '@wedsync/crm-core';
import { type TaveContactItem, TaveContactSchema, type TaveJobItem, TaveJobSchema } from '../api/schemas.js';
import { type ChangeSet, clientsToReread, collectLinkChanges, lookupRowSource } from './changes.js';
import { customFieldResolver, type ReadContext, studioCurrency, withoutLinks } from './context.js';
import {
  formatAfterCursor,
  formatClientCursor,
  maxWaitingClients,
  parseClientCursor,
  parseIncrementalCursor,
} from './cursor.js';
import type { CustomFieldResolver } from './custom-fields.js';
import { type JobPeopleSummary, newestTime, summarizeJob } from './links.js';
import { collectChanges, pagesOf, TaveLookups } from './lookups.js';
import {
  prePassNamespaces,
  storedJobSummaries,
  storedOnJob,
  storedRowSource,
  storeJobContacts,
} from './pre-pass.js';

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

/** One job of a client while it is built. */
interface JobRow {
  readonly summary: TaveClientJob;
  readonly order: string;
  /** The newest `modified` of the job and its contacts. */
  readonly changed: string | undefined;
  /** The job's partner candidates, best first (its other couple-role contacts). */
  readonly partners: readonly string[];
}

/** What every client of one read shares. */
interface ClientParts {
  readonly currencyCode: string;
  readonly resolver: CustomFieldResolver;
  readonly weddingJobTypes: RegExp;
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

function jobRowOf(job: TaveJobItem, people: JobPeopleSummary, parts: ClientParts): JobRow {
  return {
    summary: jobSummary(job, parts.currencyCode, parts.weddingJobTypes),
    order: `${job.created === undefined ? '' : new Date(Date.parse(job.created) || 0).toISOString()}\u0000${job.id}`,
    changed: newestTime([job.modified, people.contactsModified]),
    partners: people.partners,
  };
}

/** Oldest first. */
function sortJobRows(rows: JobRow[]): JobRow[] {
  return rows.sort((left, right) => (left.order < right.order ? -1 : left.order > right.order ? 1 : 0));
}

/** The partner candidates of a client: those of its most recent job (rows oldest first) that has any. */
function partnerCandidatesOf(clientId: string, rows: readonly JobRow[]): readonly string[] {
  for (let index = rows.length - 1; index >= 0; index -= 1) {
    const candidates = (rows[index] as JobRow).partners.filter((id) => id !== clientId);
    if (candidates.length > 0) return candidates;
  }
  return [];
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

/** Whether a contact can be someone's partner: a visible person. */
function canPartner(contact: TaveContactItem): boolean {
  return contact.kind === 'person' && contact.hidden !== true;
}

/** Whether a contact is a client: a visible person who is a job's client, or on no job and not a vendor. */
function isClient(contact: TaveContactItem, clientOfJobs: boolean, onJobs: boolean): boolean {
  return (
    contact.kind === 'person' && contact.hidden !== true && (clientOfJobs || (!onJobs && !isVendor(contact)))
  );
}

/** The client record: the contact, its partner, its jobs (oldest first); `modifiedAt` the newest of them all. */
function clientRecord(
  contact: TaveContactItem,
  rows: readonly JobRow[],
  partner: TaveContactItem | null,
  parts: ClientParts,
): ExternalRecord {
  const modifiedAt = newestTime([contact.modified, ...rows.map((row) => row.changed), partner?.modified]);
  return {
    externalId: contact.id,
    ...(modifiedAt === undefined ? {} : { modifiedAt }),
    data: {
      ...enrichContact(contact, parts.resolver),
      partner: partner === null ? null : enrichContact(partner, parts.resolver),
      jobs: rows.map((row) => row.summary),
      currencyCode: parts.currencyCode,
    },
  };
}

/** Options of a read. */
export interface ClientReadOptions {
  readonly cursor: string | null | undefined;
  readonly modifiedAfter: number | undefined;
}

/** Reads clients page by page (see the module comment for what each kind of read requests). */
export async function* readClients(
  context: ReadContext,
  options: ClientReadOptions,
): AsyncGenerator<ProviderPage> {
  const { modifiedAfter } = options;
  if (modifiedAfter === undefined) {
    const resume = parseClientCursor(options.cursor);
    yield* fullPass(context, await clientParts(context), { startPage: resume.page, waiting: resume.waiting });
    return;
  }
  const resume = parseIncrementalCursor(options.cursor, 'address-book', ['after', 'page']);
  // A page cursor of an earlier version of this read resumes nothing: the read starts again (re-reads are no-ops).
  const afterId = resume.kind === 'after' ? resume.id : undefined;
  yield* readChangedClients(context, modifiedAfter, afterId);
}

async function clientParts(context: ReadContext): Promise<ClientParts> {
  const currencyCode = await studioCurrency(context);
  const resolver = await customFieldResolver(context);
  return { currencyCode, resolver, weddingJobTypes: context.settings.weddingJobTypes };
}

/** Changed items kept in memory per walk; past that the read takes the full pre-pass. */
function keptChanges(context: ReadContext): number {
  return 50 * context.settings.pageSize;
}

/** The incremental read: the changes, then the touched clients by lookups, or by the full pre-pass. */
async function* readChangedClients(
  context: ReadContext,
  modifiedAfter: number,
  afterId: string | undefined,
): AsyncGenerator<ProviderPage> {
  const parts = await clientParts(context);
  const keep = keptChanges(context);
  const linkChanges = await collectLinkChanges(context, modifiedAfter);
  // Docs: GET /job?includeClosed=true&sortBy=modified desc (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs
  const jobChanges = await collectChanges<TaveJobItem, string>(context, {
    path: 'job',
    schema: TaveJobSchema,
    query: { includeClosed: true },
    modifiedAfter,
    keep,
    key: (job) => job.id,
  });
  // Docs: GET /address-book?sortBy=modified desc (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  const contactChanges = await collectChanges<TaveContactItem, { id: string; person: boolean }>(context, {
    path: 'address-book',
    schema: TaveContactSchema,
    modifiedAfter,
    keep,
    key: (contact) => ({ id: contact.id, person: contact.kind === 'person' }),
  });
  const changes: ChangeSet = {
    contacts: new Set(contactChanges.keys.filter((key) => key.person).map((key) => key.id)),
    jobs: new Set(jobChanges.keys),
    links: linkChanges.links,
  };
  // What the fallback costs: the full pre-pass and the one walk of the address book.
  const pageSize = context.settings.pageSize;
  const budget =
    pagesOf(linkChanges.totalItems, pageSize) +
    pagesOf(jobChanges.totalItems, pageSize) +
    pagesOf(contactChanges.totalItems, pageSize);
  const lookups = new TaveLookups(context, budget);
  const records =
    jobChanges.items === undefined || contactChanges.items === undefined
      ? undefined
      : await targetedClients(parts, changes, lookups, {
          jobs: new Map(jobChanges.items.map((job) => [job.id, job])),
          contacts: new Map(contactChanges.items.map((contact) => [contact.id, contact])),
        });
  context.logger.debug('Tave incremental client read', {
    changedContacts: changes.contacts.size,
    changedJobs: changes.jobs.size,
    changedJobContacts: changes.links.length,
    lookups: lookups.spent,
    budget,
    fullPrePass: records === undefined,
  });
  if (records === undefined) {
    yield* fullPass(context, parts, { startPage: null, waiting: [], only: { changes, afterId } });
    return;
  }
  const remaining = records.filter((record) => afterId === undefined || record.externalId > afterId);
  if (remaining.length === 0) {
    yield { records: [], cursor: null };
    return;
  }
  for (let start = 0; start < remaining.length; start += pageSize) {
    const page = remaining.slice(start, start + pageSize);
    const last = start + pageSize >= remaining.length;
    yield {
      records: page,
      cursor: last ? null : formatAfterCursor('address-book', (page.at(-1) as ExternalRecord).externalId),
    };
  }
}

/** Records already read by the change walks (newest state), by id. */
interface KnownRecords {
  readonly jobs: ReadonlyMap<string, TaveJobItem>;
  readonly contacts: ReadonlyMap<string, TaveContactItem>;
}

/** One client being built. */
interface PendingClient {
  readonly contact: TaveContactItem;
  readonly rows: readonly JobRow[];
  readonly candidates: readonly string[];
  next: number;
  partner: TaveContactItem | null | undefined;
}

/**
 * The touched clients built from per-record lookups, sorted by id; undefined when the lookups would cost more
 * than the budget (then nothing more is requested).
 */
async function targetedClients(
  parts: ClientParts,
  changes: ChangeSet,
  lookups: TaveLookups,
  known: KnownRecords,
): Promise<ExternalRecord[] | undefined> {
  const candidates = await clientsToReread(changes, lookupRowSource(lookups));
  if (candidates === undefined || !lookups.affords('rowsOfContact', candidates)) return undefined;
  const rowsOfContact = await lookups.rowsOfContacts(candidates);
  // The jobs each candidate is a client of, and who their first client is.
  const clientJobs = new Set<string>();
  for (const rows of rowsOfContact.values()) {
    for (const row of rows) if (row.client && !row.hidden) clientJobs.add(row.jobId);
  }
  if (!lookups.affords('rowsOfJob', clientJobs)) return undefined;
  const rowsOfJob = await lookups.rowsOfJobs(clientJobs);
  const summaries = new Map<string, JobPeopleSummary>();
  for (const [jobId, rows] of rowsOfJob) summaries.set(jobId, summarizeJob(rows));
  const summaryOf = (jobId: string) => summaries.get(jobId) ?? summarizeJob([]);
  const jobsOfClient = new Map<string, string[]>();
  for (const jobId of clientJobs) {
    const clientId = summaryOf(jobId).clientId;
    if (clientId === undefined || !rowsOfContact.has(clientId)) continue;
    const jobs = jobsOfClient.get(clientId);
    if (jobs === undefined) jobsOfClient.set(clientId, [jobId]);
    else jobs.push(jobId);
  }
  const unknownJobs = [...jobsOfClient.values()].flat().filter((id) => !known.jobs.has(id));
  const unknownContacts = candidates.filter((id) => !known.contacts.has(id));
  if (!lookups.affords('job', unknownJobs) || !lookups.affords('contact', unknownContacts)) return undefined;
  const [fetchedJobs, fetchedContacts] = await Promise.all([
    lookups.jobs(unknownJobs),
    lookups.contacts(unknownContacts),
  ]);
  const jobOf = (id: string) => known.jobs.get(id) ?? fetchedJobs.get(id);

  const pending: PendingClient[] = [];
  for (const id of candidates) {
    const contact = known.contacts.get(id) ?? fetchedContacts.get(id);
    if (contact === undefined) continue;
    const rows: JobRow[] = [];
    for (const jobId of jobsOfClient.get(id) ?? []) {
      const job = jobOf(jobId);
      if (job !== undefined) rows.push(jobRowOf(job, summaryOf(jobId), parts));
    }
    if (!isClient(contact, rows.length > 0, (rowsOfContact.get(id)?.length ?? 0) > 0)) continue;
    sortJobRows(rows);
    const partnerIds = partnerCandidatesOf(id, rows);
    pending.push({
      contact,
      rows,
      candidates: partnerIds,
      next: 0,
      partner: partnerIds.length ? undefined : null,
    });
  }

  // Partners: each client's first candidate that is a visible person, asked for one candidate per round.
  for (;;) {
    const open = pending.filter((client) => client.partner === undefined);
    if (open.length === 0) break;
    const wanted = open.map((client) => client.candidates[client.next] as string);
    const unknown = wanted.filter((id) => !known.contacts.has(id));
    if (!lookups.affords('contact', unknown)) return undefined;
    const fetched = await lookups.contacts(unknown);
    for (const client of open) {
      const id = client.candidates[client.next] as string;
      const contact = known.contacts.get(id) ?? fetched.get(id);
      client.next += 1;
      if (contact !== undefined && canPartner(contact)) client.partner = contact;
      else if (client.next >= client.candidates.length) client.partner = null;
    }
  }
  return pending.map((client) => clientRecord(client.contact, client.rows, client.partner ?? null, parts));
}

/** Options of {@link fullPass}. */
interface FullPassOptions {
  /** The page of the yielding walk to start at (a full read's cursor). */
  readonly startPage: string | null;
  /** Clients of the page before `startPage` that wait for a partner (from the cursor), by id. */
  readonly waiting: readonly string[];
  /** An incremental read's fallback: yield only the clients these changes touch, after this id. */
  readonly only?: { readonly changes: ChangeSet; readonly afterId: string | undefined };
}

/**
 * Walks `/job` once (step 3): each client's jobs, and the partners those jobs name, into the scratch space.
 * Docs: GET /job (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs — closed jobs included.
 */
async function storeClientJobs(context: ReadContext, parts: ClientParts): Promise<number> {
  const { scratch } = context;
  await scratch.clear(prePassNamespaces.clientJobs);
  await scratch.clear(prePassNamespaces.wantedPartner);
  await scratch.clear(prePassNamespaces.seenPartner);
  let clientJobs = 0;
  for await (const page of context.api.list({
    path: 'job',
    schema: TaveJobSchema,
    pageSize: context.settings.pageSize,
    query: { includeClosed: true, sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    const summaries = await storedJobSummaries(
      scratch,
      page.items.map((job) => job.id),
    );
    const rows: ScratchItem[] = [];
    const wanted: ScratchItem[] = [];
    for (const job of page.items) {
      const summary = summaries.get(job.id) ?? summarizeJob(undefined);
      const clientId = summary.clientId;
      if (clientId === undefined) continue;
      clientJobs += 1;
      rows.push({ key: clientId, item: job.id, value: jobRowOf(job, summary, parts) });
      for (const partnerId of summary.partners) {
        if (partnerId !== clientId) wanted.push({ key: partnerId, item: clientId, value: clientId });
      }
    }
    await scratch.put(prePassNamespaces.clientJobs, rows);
    await scratch.put(prePassNamespaces.wantedPartner, wanted);
  }
  return clientJobs;
}

/** What the pre-pass says of some contacts of the address book: their jobs (oldest first) and who is on a job. */
interface ContactFacts {
  readonly rows: ReadonlyMap<string, JobRow[]>;
  readonly onJob: ReadonlySet<string>;
}

async function contactFacts(scratch: ProviderScratch, contactIds: readonly string[]): Promise<ContactFacts> {
  const stored = await scratch.get(prePassNamespaces.clientJobs, contactIds);
  const rows = new Map<string, JobRow[]>();
  for (const [clientId, values] of stored) rows.set(clientId, sortJobRows(values as JobRow[]));
  return { rows, onJob: await storedOnJob(scratch, contactIds) };
}

/** The full read (steps 1–5 of the module comment), or the incremental fallback that filters it. */
async function* fullPass(
  context: ReadContext,
  parts: ClientParts,
  options: FullPassOptions,
): AsyncGenerator<ProviderPage> {
  const { api, settings, signal, scratch } = context;
  const withSignal = signal === undefined ? {} : { signal };
  const { only } = options;

  // 2. Who is on each job, in the scratch space (the incremental fallback works out from it which clients the
  // changes touch).
  const jobContacts = await storeJobContacts(context);
  // 3. Each client's jobs.
  const clientJobs = await storeClientJobs(context, parts);
  const touched =
    only === undefined
      ? undefined
      : new Set((await clientsToReread(only.changes, storedRowSource(scratch))) ?? []);
  // This session's project read takes each job's client from the stored job contacts: no walk of its own.
  if (only === undefined) context.cache.keepJobContacts();

  /** The jobs of the clients admitted and not yet yielded. */
  const pendingRows = new Map<string, readonly JobRow[]>();
  const book = new PartnerBook(scratch);
  const lookups = new TaveLookups(context, Number.POSITIVE_INFINITY);
  const state = {
    clients: 0,
    /** Requests the partner lookups may cost: as many as a walk of the address book (known from its first page). */
    lookupBudget: undefined as number | undefined,
    lookedUp: 0,
    scanned: false,
    /** The last id of the address book page being yielded: clients after it are still to come. */
    position: '',
  };

  /** Takes clients in: their jobs and partner candidates (a client's partner comes from its latest job naming one). */
  const admit = async (clients: readonly TaveContactItem[], facts: ContactFacts): Promise<void> => {
    for (const contact of clients) pendingRows.set(contact.id, facts.rows.get(contact.id) ?? []);
    await book.admit(
      clients.map((contact) => ({
        clientId: contact.id,
        candidates: partnerCandidatesOf(contact.id, facts.rows.get(contact.id) ?? []),
      })),
    );
  };

  /**
   * Settles the partners of a page's clients. Candidates the walk has shown are known. The others (on a later
   * page, on a page before a resumed read's cursor, hidden or gone) are looked up by id while the lookups cost
   * less than a walk; past that, one walk of the whole address book settles every partner still wanted.
   */
  const settle = async (clients: readonly TaveContactItem[]): Promise<void> => {
    for (;;) {
      const open = new Set<string>();
      for (const contact of clients) {
        const id = book.firstUnsettled(contact.id);
        if (id !== undefined) open.add(id);
      }
      if (open.size === 0) return;
      if (state.lookedUp + open.size > (state.lookupBudget ?? 0)) {
        await scanForPartners();
        return;
      }
      state.lookedUp += open.size;
      const found = await lookups.contacts(open);
      await book.found(
        [...open].map((id) => ({ id, contact: found.get(id) })),
        state.position,
      );
    }
  };

  const scanForPartners = async (): Promise<void> => {
    // Docs: GET /address-book (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
    for await (const page of api.list({
      path: 'address-book',
      schema: TaveContactSchema,
      pageSize: settings.pageSize,
      query: { sortBy: 'id' },
      ...withSignal,
    })) {
      await book.sawPage(page.items, state.position);
    }
    book.complete();
    state.scanned = true;
  };

  /** The records of clients whose partners are settled; they are let go. */
  const recordsOf = (clients: readonly TaveContactItem[]): ExternalRecord[] => {
    const records = clients.map((contact) =>
      clientRecord(contact, pendingRows.get(contact.id) ?? [], book.partnerOf(contact.id), parts),
    );
    for (const contact of clients) {
      pendingRows.delete(contact.id);
      book.release(contact.id);
    }
    return records;
  };

  // 4. The clients, one page of the address book at a time, each with its partner settled before it is yielded.
  // A partner is usually the contact right after its client (typed in with it): the last clients of a page whose
  // partner is not settled wait for the next page (their ids travel in the cursor, so nothing is lost if the
  // read stops between the two), as long as those after them wait too, so that records stay in id order.
  let waiting: TaveContactItem[] = [];
  if (options.waiting.length > 0) {
    // A resumed read: the clients that waited, as they are now.
    state.lookedUp += options.waiting.length;
    const found = await lookups.contacts(options.waiting);
    const facts = await contactFacts(scratch, options.waiting);
    for (const id of options.waiting) {
      const contact = found.get(id);
      if (contact !== undefined && isClient(contact, facts.rows.has(id), facts.onJob.has(id)))
        waiting.push(contact);
    }
    await admit(waiting, facts);
  }
  // Docs: GET /address-book (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  for await (const page of api.list({
    path: 'address-book',
    schema: TaveContactSchema,
    pageSize: settings.pageSize,
    query: { sortBy: 'id' },
    cursor: options.startPage,
    ...withSignal,
  })) {
    state.lookupBudget ??= pagesOf(page.totalItems, settings.pageSize);
    state.position = page.items.at(-1)?.id ?? state.position;
    const facts = await contactFacts(
      scratch,
      page.items.map((contact) => contact.id),
    );
    const clients: TaveContactItem[] = [];
    for (const contact of page.items) {
      if (!isClient(contact, facts.rows.has(contact.id), facts.onJob.has(contact.id))) continue;
      state.clients += 1;
      if (touched !== undefined) {
        if (!touched.has(contact.id)) continue;
        if (only?.afterId !== undefined && contact.id <= only.afterId) continue;
      }
      clients.push(contact);
    }
    // This page's clients first, so that the page settles what they want.
    await admit(clients, facts);
    await book.sawPage(page.items, state.position);
    // The clients that waited for this page are settled by it, or looked up; so are this page's, but for the
    // last ones that may wait for the next page (only a full read's pages wait: an incremental one's cursors
    // name the last id yielded).
    let wait = clients.length;
    if (touched === undefined && page.cursor !== null) {
      while (wait > 0 && book.firstUnsettled((clients[wait - 1] as TaveContactItem).id) !== undefined)
        wait -= 1;
      if (clients.length - wait > maxWaitingClients) wait = clients.length;
    }
    const ready = [...waiting, ...clients.slice(0, wait)];
    waiting = clients.slice(wait);
    await settle(ready);
    const records = recordsOf(ready);
    if (touched === undefined) {
      yield {
        records,
        cursor: formatClientCursor(
          page.cursor,
          waiting.map((contact) => contact.id),
        ),
        // The number of clients is known once the walk has read every page (from page 1): the last page says it.
        ...(page.cursor === null && options.startPage === null ? { totalRecords: state.clients } : {}),
      };
      continue;
    }
    const lastId = page.items.at(-1)?.id;
    yield {
      records,
      cursor: page.cursor === null || lastId === undefined ? null : formatAfterCursor('address-book', lastId),
    };
  }
  if (waiting.length > 0) {
    // The walk ended without a last page for them (the address book shrank under a resumed read).
    await settle(waiting);
    yield { records: recordsOf(waiting), cursor: null };
  }
  context.logger.debug('Tave client read: address book read', {
    clients: state.clients,
    clientJobs,
    jobContacts,
    partnersLookedUp: state.lookedUp,
    partnersScanned: state.scanned,
    ...(touched === undefined ? {} : { touched: touched.size }),
  });
}

/**
 * The partners of the clients being yielded, as the address book is walked. A client's partner is its first
 * candidate (best first) that is a visible person; it is settled once every candidate before that one has been
 * seen (in the walk, or looked up by id) or cannot be any more.
 *
 * The book holds in memory only the clients admitted and not yet yielded (a page, and those waiting for the
 * next) and what their candidates are. A wanted partner the walk shows before its client's page (the pre-pass
 * lists who may want whom, `tave:wanted-partner`) goes to the scratch space (`tave:seen-partner`), and comes back
 * when its client is admitted. With partners near their clients in the address book (ids are ULIDs, so a partner
 * typed in with the client sits next to it), that is rare.
 */
class PartnerBook {
  readonly #scratch: ProviderScratch;
  /** Each admitted client's partner candidates, best first, until the client is yielded. */
  readonly #candidates = new Map<string, readonly string[]>();
  /** How many admitted clients name each candidate. */
  readonly #wantedBy = new Map<string, number>();
  /** The admitted clients' candidates seen (walked past, looked up or kept earlier): the visible people, or null. */
  readonly #seen = new Map<string, TaveContactItem | null>();
  #complete = false;

  constructor(scratch: ProviderScratch) {
    this.#scratch = scratch;
  }

  /** Takes clients in with their candidates; the candidates seen before (kept in the scratch space) come back. */
  async admit(
    clients: readonly { readonly clientId: string; readonly candidates: readonly string[] }[],
  ): Promise<void> {
    const unknown = new Set<string>();
    for (const { clientId, candidates } of clients) {
      if (candidates.length === 0) continue;
      this.#candidates.set(clientId, candidates);
      for (const id of candidates) {
        this.#wantedBy.set(id, (this.#wantedBy.get(id) ?? 0) + 1);
        if (!this.#seen.has(id)) unknown.add(id);
      }
    }
    if (unknown.size === 0) return;
    const kept = await this.#scratch.get(prePassNamespaces.seenPartner, [...unknown]);
    for (const [id, values] of kept) {
      if (!this.#seen.has(id)) this.#seen.set(id, (values[0] ?? null) as TaveContactItem | null);
    }
  }

  /**
   * Notes the contacts of an address book page (of the walk, or of a scan of it): those an admitted client wants
   * are kept here, and those a client after `position` wants (the pre-pass says who) go to the scratch space.
   */
  async sawPage(contacts: readonly TaveContactItem[], position: string): Promise<void> {
    await this.found(
      contacts.map((contact) => ({ id: contact.id, contact })),
      position,
    );
  }

  /**
   * Notes contacts seen or looked up by id: each with its record, or undefined when the API has none (the
   * first sighting of an admitted client's candidate counts).
   */
  async found(
    sightings: readonly { readonly id: string; readonly contact: TaveContactItem | undefined }[],
    position: string,
  ): Promise<void> {
    if (sightings.length === 0) return;
    const partnerOrNull = (contact: TaveContactItem | undefined) =>
      contact !== undefined && canPartner(contact) ? contact : null;
    for (const { id, contact } of sightings) {
      if (this.#wantedBy.has(id) && !this.#seen.has(id)) this.#seen.set(id, partnerOrNull(contact));
    }
    const wanted = await this.#scratch.get(
      prePassNamespaces.wantedPartner,
      sightings.map((sighting) => sighting.id),
    );
    const later: ScratchItem[] = [];
    for (const { id, contact } of sightings) {
      const clients = wanted.get(id) as string[] | undefined;
      if (clients?.some((clientId) => clientId > position))
        later.push({ key: id, item: '', value: partnerOrNull(contact) });
    }
    if (later.length > 0) await this.#scratch.put(prePassNamespaces.seenPartner, later);
  }

  /** Every wanted contact that was not seen is absent (a walk of the whole address book missed it). */
  complete(): void {
    this.#complete = true;
  }

  /** The first candidate of a client that keeps its partner unsettled, if any. */
  firstUnsettled(clientId: string): string | undefined {
    if (this.#complete) return undefined;
    for (const id of this.#candidates.get(clientId) ?? []) {
      const seen = this.#seen.get(id);
      if (seen === undefined) return id;
      if (seen !== null) return undefined;
    }
    return undefined;
  }

  /** A settled client's partner: its first candidate that is a visible person, or null. */
  partnerOf(clientId: string): TaveContactItem | null {
    for (const id of this.#candidates.get(clientId) ?? []) {
      const seen = this.#seen.get(id);
      if (seen !== undefined && seen !== null) return seen;
    }
    return null;
  }

  /** A client was yielded: what only it wanted is let go. */
  release(clientId: string): void {
    const ids = this.#candidates.get(clientId);
    if (ids === undefined) return;
    this.#candidates.delete(clientId);
    for (const id of ids) {
      const left = (this.#wantedBy.get(id) ?? 1) - 1;
      if (left > 0) {
        this.#wantedBy.set(id, left);
        continue;
      }
      this.#wantedBy.delete(id);
      this.#seen.delete(id);
    }
  }
}
