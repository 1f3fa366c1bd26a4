/**
 * What changed since a watermark, and which clients that touches. A client record is built from its contact, the
 * jobs it is the client of, those jobs' contacts (who the client and the partner are) and the partner's contact,
 * so a change to any of them re-reads the client:
 *
 * - a changed person contact: the contact itself (a client, or a person who may have become one), and the
 *   client-role contacts of every job it holds a couple role on (it may be their partner);
 * - a changed job: the client-role contacts of the job (its summary is in their `jobs`);
 * - a changed job contact (hidden ones too: hiding is how a contact leaves a job): its contact, and the
 *   client-role contacts of its job (the job's client or partner may have changed).
 *
 * Every client-role contact of a job is re-read, not only its first: a change can pass the job from one client to
 * another. {@link clientsToReread} applies these rules to a {@link RowSource}: per-record lookups in the cheap
 * case, the job contacts a full `/job-contact` walk stored (`pre-pass.ts`) in the fallback, so both read the same
 * clients.
 */
import type { TaveJobContactItem } from '../api/schemas.js';
import { TaveJobContactSchema } from '../api/schemas.js';
import type { ReadContext } from './context.js';
import type { JobContactRow } from './links.js';
import { collectChanges, type TaveLookups } from './lookups.js';

/** A job contact changed since the watermark: who and which job (the row may now be hidden). */
export interface ChangedLink {
  readonly contactId: string;
  readonly jobId: string;
}

/** What changed since the watermark, by id. */
export interface ChangeSet {
  /** Changed person contacts (companies, locations and employees are never clients or partners). */
  readonly contacts: ReadonlySet<string>;
  /** Changed jobs. */
  readonly jobs: ReadonlySet<string>;
  /** Changed job contacts, hidden ones included. */
  readonly links: readonly ChangedLink[];
}

/** The job contacts changed since the watermark, and the size of the collection. */
export interface LinkChanges {
  readonly links: readonly ChangedLink[];
  readonly totalItems: number | undefined;
}

/**
 * Walks `/job-contact` by `modified desc` down to the watermark, hidden job contacts included (a contact taken
 * off a job is hidden, and that changes who the job's client or partner is).
 * Docs: GET /job-contact?includeHidden=true&sortBy=modified desc (operation listResourceJobContact)
 * https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function collectLinkChanges(context: ReadContext, modifiedAfter: number): Promise<LinkChanges> {
  const changes = await collectChanges<TaveJobContactItem, ChangedLink>(context, {
    path: 'job-contact',
    schema: TaveJobContactSchema,
    query: { includeHidden: true },
    modifiedAfter,
    keep: 0,
    key: (jobContact) => ({ contactId: jobContact.contactId, jobId: jobContact.jobId }),
  });
  return { links: changes.keys, totalItems: changes.totalItems };
}

/** What the rules read of a job contact. */
export type RuleRow = Pick<JobContactRow, 'contactId' | 'jobId' | 'client' | 'couple' | 'hidden'>;

/**
 * Where the rules read job contacts from: a contact's visible ones, a job's (hidden ones too). Undefined answers
 * mean "too costly": the caller falls back.
 */
export interface RowSource {
  rowsOfContacts(ids: readonly string[]): Promise<ReadonlyMap<string, readonly RuleRow[]> | undefined>;
  rowsOfJobs(ids: readonly string[]): Promise<ReadonlyMap<string, readonly RuleRow[]> | undefined>;
}

/** Rows from per-record lookups, while the budget lasts. */
export function lookupRowSource(lookups: TaveLookups): RowSource {
  return {
    rowsOfContacts: async (ids) =>
      lookups.affords('rowsOfContact', ids) ? lookups.rowsOfContacts(ids) : undefined,
    rowsOfJobs: async (ids) => (lookups.affords('rowsOfJob', ids) ? lookups.rowsOfJobs(ids) : undefined),
  };
}

/**
 * The contacts whose client record may have changed (see the module comment), sorted by id; undefined when the
 * source found it too costly. Whether each is a client at all is decided when it is built.
 */
export async function clientsToReread(
  changes: ChangeSet,
  source: RowSource,
): Promise<readonly string[] | undefined> {
  const seeds = new Set([...changes.contacts, ...changes.links.map((link) => link.contactId)]);
  const rowsOfSeeds = await source.rowsOfContacts([...seeds]);
  if (rowsOfSeeds === undefined) return undefined;
  const jobs = new Set([...changes.jobs, ...changes.links.map((link) => link.jobId)]);
  for (const rows of rowsOfSeeds.values()) {
    for (const row of rows) if (row.couple && !row.hidden) jobs.add(row.jobId);
  }
  const rowsOfJobs = await source.rowsOfJobs([...jobs]);
  if (rowsOfJobs === undefined) return undefined;
  const clients = new Set(seeds);
  for (const rows of rowsOfJobs.values()) {
    for (const row of rows) if (row.client && !row.hidden) clients.add(row.contactId);
  }
  return [...clients].sort();
}
