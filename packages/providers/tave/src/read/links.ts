/**
 * Job contacts reduced to what clients and projects need, and what one job's contacts say: its client and its
 * partner candidates. The full reads (one walk of `/job-contact`) and the incremental reads (`/job-contact`
 * filtered by `contactId` or `jobId`) both go through {@link summarizeJob}, so both decide alike.
 */
import type { TaveJobContactItem } from '../api/schemas.js';

/** One job contact: a contact on a job, in roles. */
export interface JobContactRow {
  readonly id: string;
  readonly contactId: string;
  readonly jobId: string;
  /** A client of the job: `client: true` or the role kind `client`. */
  readonly client: boolean;
  /** A couple role: a client, or the role kind `customer` or `subject`. Team and vendor roles are not. */
  readonly couple: boolean;
  /** Sort key: creation time, then id. */
  readonly order: string;
  readonly modified: string | undefined;
  /** Hidden: taken off the job. A hidden row counts only for when the job's contacts last changed. */
  readonly hidden: boolean;
}

const coupleKinds: ReadonlySet<string> = new Set(['client', 'customer', 'subject']);

/** What {@link summarizeJob} reads of a row. */
export type SummarizedRow = Pick<
  JobContactRow,
  'contactId' | 'client' | 'couple' | 'order' | 'modified' | 'hidden'
>;

/** A job contact of the API as a row. */
export function toJobContactRow(jobContact: TaveJobContactItem): JobContactRow {
  const kinds = jobContact.roleKinds ?? [];
  const client = jobContact.client === true || kinds.includes('client');
  return {
    id: jobContact.id,
    contactId: jobContact.contactId,
    jobId: jobContact.jobId,
    client,
    couple: client || kinds.some((kind) => coupleKinds.has(kind)),
    order: `${jobContact.created ?? ''}\u0000${jobContact.id}`,
    modified: jobContact.modified,
    hidden: jobContact.hidden === true,
  };
}

/** What one job's contacts say. */
export interface JobPeopleSummary {
  /** The job's client: its first contact marked as a client (clients first, then by creation), if it has one. */
  readonly clientId: string | undefined;
  /**
   * The job's possible partners, best first: its other couple-role contacts (other clients first, then those
   * whose role kinds include `customer` or `subject`). Empty when the job has no client.
   */
  readonly partners: readonly string[];
  /** The newest `modified` among the job's contacts (any role, hidden ones too: hiding one is a change). */
  readonly contactsModified: string | undefined;
}

const noPeople: JobPeopleSummary = Object.freeze({
  clientId: undefined,
  partners: Object.freeze([]) as readonly string[],
  contactsModified: undefined,
});

/**
 * The client and partner candidates of one job from its visible contacts, and the newest change among all of
 * them. `rows` are every contact of the job, hidden ones included or not.
 */
export function summarizeJob(rows: readonly SummarizedRow[] | undefined): JobPeopleSummary {
  if (rows === undefined || rows.length === 0) return noPeople;
  const contactsModified = newestTime(rows.map((row) => row.modified));
  const visible = rows.filter((row) => !row.hidden);
  if (visible.length === 0) return { clientId: undefined, partners: [], contactsModified };
  const sorted = visible.sort((left, right) =>
    left.client === right.client
      ? left.order < right.order
        ? -1
        : left.order > right.order
          ? 1
          : 0
      : left.client
        ? -1
        : 1,
  );
  const first = sorted[0] as JobContactRow;
  if (!first.client) return { clientId: undefined, partners: [], contactsModified };
  const partners = sorted
    .slice(1)
    .filter((row) => row.couple && row.contactId !== first.contactId)
    .map((row) => row.contactId);
  return { clientId: first.contactId, partners: [...new Set(partners)], contactsModified };
}

/**
 * The newest of some vendor timestamps, as written (so a record's own `modified` is kept verbatim when nothing it
 * depends on is newer). Values that do not parse are passed over; when none parses, the first one given is.
 */
export function newestTime(values: Iterable<string | null | undefined>): string | undefined {
  let newest: string | undefined;
  let newestTime = Number.NEGATIVE_INFINITY;
  let first: string | undefined;
  for (const value of values) {
    if (typeof value !== 'string') continue;
    first ??= value;
    const time = Date.parse(value);
    if (Number.isFinite(time) && time > newestTime) {
      newest = value;
      newestTime = time;
    }
  }
  return newest ?? first;
}
