/**
 * The full reads' pre-pass, kept in the session's scratch space (`ProviderContext.scratch`) instead of the
 * process: the hub moves that space to its storage once it is large, so a full read of a studio of any size holds
 * only a page or two of it in memory. What the pre-pass keeps, by namespace:
 *
 * - `tave:job-contacts`: each job's contacts (key: job id, item: job contact id), reduced to what
 *   {@link summarizeJob} reads; a contact that is not a visible couple role keeps only its `modified`.
 * - `tave:on-job`: every visible job contact by its contact (key: contact id, item: job contact id): its job and
 *   whether it is the job's client or a couple role.
 * - `tave:client-jobs`: each client's jobs (key: client id, item: job id), with what the client record lists of
 *   each job and the job's partner candidates.
 * - `tave:wanted-partner`: each contact some job names as its client's possible partner (key: contact id, item:
 *   that client's id).
 * - `tave:seen-partner`: the wanted partners the address book walk showed before their client's page, as the walk
 *   showed them (null when they cannot be a partner).
 *
 * Each namespace is cleared before it is filled, so a resumed read (a new session of the same job) never mixes
 * in what an earlier session left.
 */
import type { ProviderScratch, ScratchItem } from '@wedsync/crm-core';
import type { RowSource } from './changes.js';
import { jobContactPages, type ReadContext } from './context.js';
import { type JobContactRow, type JobPeopleSummary, type SummarizedRow, summarizeJob } from './links.js';

/** The scratch namespaces of the pre-pass (see the module comment). */
export const prePassNamespaces = {
  jobContacts: 'tave:job-contacts',
  onJob: 'tave:on-job',
  clientJobs: 'tave:client-jobs',
  wantedPartner: 'tave:wanted-partner',
  seenPartner: 'tave:seen-partner',
} as const;

/** What `tave:on-job` keeps of a visible job contact (its contact is the key). */
interface StoredContactRow {
  readonly jobId: string;
  readonly client: boolean;
  readonly couple: boolean;
}

/** What a row keeps in the scratch space: a visible couple role whole, any other row only its `modified`. */
function storedRow(row: JobContactRow): SummarizedRow {
  if (row.couple && !row.hidden) {
    const { contactId, client, couple, order, modified } = row;
    return { contactId, client, couple, order, modified, hidden: false };
  }
  // It only dates the job's last change: summarizeJob decides alike without its contact and roles.
  return { contactId: '', client: false, couple: false, order: '', modified: row.modified, hidden: true };
}

/**
 * Walks `/job-contact` once, hidden job contacts included (they date the last change of a job's contacts), into
 * the scratch space: each job's contacts and who is on any job.
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function storeJobContacts(context: ReadContext): Promise<number> {
  const { scratch } = context;
  await scratch.clear(prePassNamespaces.jobContacts);
  await scratch.clear(prePassNamespaces.onJob);
  let jobContacts = 0;
  for await (const page of jobContactPages(context)) {
    const rows: ScratchItem[] = [];
    const onJob: ScratchItem[] = [];
    for (const row of page) {
      jobContacts += 1;
      rows.push({ key: row.jobId, item: row.id, value: storedRow(row) });
      if (!row.hidden) {
        const value: StoredContactRow = { jobId: row.jobId, client: row.client, couple: row.couple };
        onJob.push({ key: row.contactId, item: row.id, value });
      }
    }
    await scratch.put(prePassNamespaces.jobContacts, rows);
    await scratch.put(prePassNamespaces.onJob, onJob);
  }
  return jobContacts;
}

/** What each of some jobs' contacts say, from the stored job contacts; a job without any gets the empty summary. */
export async function storedJobSummaries(
  scratch: ProviderScratch,
  jobIds: readonly string[],
): Promise<Map<string, JobPeopleSummary>> {
  const stored = await scratch.get(prePassNamespaces.jobContacts, jobIds);
  const summaries = new Map<string, JobPeopleSummary>();
  for (const jobId of jobIds)
    summaries.set(jobId, summarizeJob(stored.get(jobId) as SummarizedRow[] | undefined));
  return summaries;
}

/** Which of some contacts are on a job (in any role, visibly). */
export async function storedOnJob(
  scratch: ProviderScratch,
  contactIds: readonly string[],
): Promise<Set<string>> {
  return new Set((await scratch.get(prePassNamespaces.onJob, contactIds)).keys());
}

/**
 * The stored job contacts as the change rules read them (`changes.ts`): a contact's visible job contacts, and a
 * job's contacts (hidden ones only date the job, so they name no contact).
 */
export function storedRowSource(scratch: ProviderScratch): RowSource {
  return {
    async rowsOfContacts(ids) {
      const stored = await scratch.get(prePassNamespaces.onJob, ids);
      return new Map(
        ids.map((contactId) => [
          contactId,
          ((stored.get(contactId) ?? []) as StoredContactRow[]).map((row) => ({
            ...row,
            contactId,
            hidden: false,
          })),
        ]),
      );
    },
    async rowsOfJobs(ids) {
      const stored = await scratch.get(prePassNamespaces.jobContacts, ids);
      return new Map(
        ids.map((jobId) => [
          jobId,
          ((stored.get(jobId) ?? []) as SummarizedRow[]).map((row) => ({ ...row, jobId })),
        ]),
      );
    },
  };
}
