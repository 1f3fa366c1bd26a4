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
 * A full read needs every job contact and job before the address book is read:
 *
 * 1. `GET /studio/me` (currency) and `GET /custom-field` (labels), read once per session;
 * 2. one walk of `/job-contact`: each job's client and partner candidates (ids only); each job's client and the
 *    newest change of its contacts are kept in the session for the project read (`session-cache.ts`);
 * 3. one walk of `/job`: a small summary of each client's jobs (id, type, dates, stage, guests, budget);
 * 4. one walk of `/address-book` that yields pages of clients. Each page is yielded once the partners of its
 *    clients are settled, and no fetched page is held back. A candidate the walk has shown is known. Partners are
 *    usually typed in with their client, so their ULIDs sit right after the client's: the last clients of a page
 *    whose partner is not shown yet wait for the next page, their ids carried in the cursor
 *    (`address-book:page:N:waiting:<ids>`). Any other candidate not shown (further ahead, before a resumed read's
 *    cursor, archived or gone) is looked up by `GET /address-book/{id}` while those lookups cost less than a
 *    walk; past that, one walk of the whole address book settles them all. 500 clients at pages of 100: no
 *    lookup (measured).
 *
 * Only walk 4 yields pages, so a crash loses at most the page in flight. Resuming runs steps 1–3 again (a new
 * session has nothing kept), looks up the waiting clients by id and continues at page N. The number of clients is
 * known at the end of a walk from page 1: only its last page carries `totalRecords`. Memory holds ids, job
 * summaries and the partners some client still to be yielded needs, never the whole address book.
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
import type { ExternalRecord, ProviderPage } from '@wedsync/crm-core';
import { type TaveContactItem, TaveContactSchema, type TaveJobItem, TaveJobSchema } from '../api/schemas.js';
import {
  type ChangeSet,
  clientsToReread,
  collectLinkChanges,
  lookupRowSource,
  memoryRowSource,
} from './changes.js';
import {
  collectJobPeople,
  collectJobSummaries,
  customFieldResolver,
  type JobPeople,
  type JobSummaries,
  type ReadContext,
  studioCurrency,
  withoutLinks,
} from './context.js';
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
  };
}

/** Oldest first. */
function sortJobRows(rows: JobRow[]): JobRow[] {
  return rows.sort((left, right) => (left.order < right.order ? -1 : left.order > right.order ? 1 : 0));
}

/** The partner candidates of a client: those of its most recent job (rows oldest first) that has any. */
function partnerCandidatesOf(
  clientId: string,
  rows: readonly JobRow[],
  summaryOf: (jobId: string) => JobPeopleSummary,
): readonly string[] {
  for (let index = rows.length - 1; index >= 0; index -= 1) {
    const candidates = summaryOf((rows[index] as JobRow).summary.id).partners.filter((id) => id !== clientId);
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
    const partnerIds = partnerCandidatesOf(id, rows, summaryOf);
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

/** The full read (steps 1–5 of the module comment), or the incremental fallback that filters it. */
async function* fullPass(
  context: ReadContext,
  parts: ClientParts,
  options: FullPassOptions,
): AsyncGenerator<ProviderPage> {
  const { api, settings, signal } = context;
  const withSignal = signal === undefined ? {} : { signal };
  const { only } = options;

  // 2. Who is the client and who may be the partner, per job: a full read keeps each job's summary only; the
  // incremental fallback keeps the rows too (it works out from them which clients the changes touch).
  const rowsKept: JobPeople | undefined = only === undefined ? undefined : await collectJobPeople(context);
  const people: JobSummaries = rowsKept ?? (await collectJobSummaries(context));

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
      const summary = people.summaryOf(job.id);
      const clientId = summary.clientId;
      if (clientId === undefined) continue;
      const row = jobRowOf(job, summary, parts);
      const rows = jobsOf.get(clientId);
      if (rows === undefined) jobsOf.set(clientId, [row]);
      else rows.push(row);
    }
  }
  const touched =
    only === undefined || rowsKept === undefined
      ? undefined
      : new Set((await clientsToReread(only.changes, memoryRowSource(rowsKept))) ?? []);
  const partnerCandidates = new Map<string, readonly string[]>();
  for (const [clientId, rows] of jobsOf) {
    sortJobRows(rows);
    if (touched !== undefined && !touched.has(clientId)) continue;
    const candidates = partnerCandidatesOf(clientId, rows, (jobId) => people.summaryOf(jobId));
    if (candidates.length === 0) continue;
    partnerCandidates.set(clientId, candidates);
  }

  const isClientContact = (contact: TaveContactItem): boolean =>
    isClient(contact, jobsOf.has(contact.id), people.isOnJob(contact.id));
  // The client of every job on the pre-pass's job contacts: this session's project read needs no walk of its own.
  if (only === undefined) context.cache.keepJobVerdicts(people.summaries());

  const book = new PartnerBook(partnerCandidates);
  const lookups = new TaveLookups(context, Number.POSITIVE_INFINITY);
  const state = {
    clients: 0,
    /** Requests the partner lookups may cost: as many as a walk of the address book (known from its first page). */
    lookupBudget: undefined as number | undefined,
    lookedUp: 0,
    scanned: false,
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
      for (const id of open) book.found(id, found.get(id));
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
      for (const contact of page.items) book.see(contact);
    }
    book.complete();
    state.scanned = true;
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
    for (const id of options.waiting) {
      const contact = found.get(id);
      if (contact !== undefined && isClientContact(contact)) waiting.push(contact);
    }
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
    const clients: TaveContactItem[] = [];
    for (const contact of page.items) {
      book.see(contact);
      if (!isClientContact(contact)) continue;
      state.clients += 1;
      if (touched !== undefined) {
        if (!touched.has(contact.id)) continue;
        if (only?.afterId !== undefined && contact.id <= only.afterId) continue;
      }
      clients.push(contact);
    }
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
    const records = ready.map((contact) =>
      clientRecord(contact, jobsOf.get(contact.id) ?? [], book.partnerOf(contact.id), parts),
    );
    for (const contact of ready) book.release(contact.id);
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
    const records = waiting.map((contact) =>
      clientRecord(contact, jobsOf.get(contact.id) ?? [], book.partnerOf(contact.id), parts),
    );
    yield { records, cursor: null };
  }
  context.logger.debug('Tave client read: address book read', {
    clients: state.clients,
    clientsWithJobs: jobsOf.size,
    jobs: people.jobCount,
    partnersLookedUp: state.lookedUp,
    partnersScanned: state.scanned,
    ...(touched === undefined ? {} : { touched: touched.size }),
  });
}

/**
 * The partners of the clients still to be yielded, as the address book is walked. A client's partner is its
 * first candidate (best first) that is a visible person; it is settled once every candidate before that one has
 * been seen (in the walk, or looked up by id) or cannot be any more.
 *
 * Only records some client still to be yielded may need are kept, and a client's candidates are let go once it
 * is yielded: with partners near their clients in the address book (ids are ULIDs, so a partner typed in with
 * the client sits next to it), the book holds a page's worth of partners, not the studio's.
 */
class PartnerBook {
  /** Each client's partner candidates, best first, until the client is yielded. */
  readonly #candidates: Map<string, readonly string[]>;
  /** How many clients still to be yielded name each candidate. */
  readonly #wantedBy = new Map<string, number>();
  /** The candidates seen (walked past or looked up) that are visible people; null for those that are not. */
  readonly #seen = new Map<string, TaveContactItem | null>();
  #complete = false;

  constructor(candidates: ReadonlyMap<string, readonly string[]>) {
    this.#candidates = new Map(candidates);
    for (const ids of candidates.values()) {
      for (const id of ids) this.#wantedBy.set(id, (this.#wantedBy.get(id) ?? 0) + 1);
    }
  }

  /** Notes a contact of a walk (the first sighting of a wanted contact counts). */
  see(contact: TaveContactItem): void {
    this.found(contact.id, contact);
  }

  /** Notes a wanted contact looked up by id: its record, or undefined when the API has none. */
  found(id: string, contact: TaveContactItem | undefined): void {
    if (!this.#wantedBy.has(id) || this.#seen.has(id)) return;
    this.#seen.set(id, contact !== undefined && canPartner(contact) ? contact : null);
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
