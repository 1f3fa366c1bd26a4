/**
 * What every read shares: the API, the settings, the read's signal, and the reference data several record types
 * need (the studio's currency, custom field definitions, each job's client and partner candidates).
 */
import type { ProviderLogger } from '@wedsync/crm-core';
import type { TaveApi } from '../api/client.js';
import { TaveJobContactSchema } from '../api/schemas.js';
import type { ResolvedTaveSettings } from '../settings.js';
import type { CustomFieldResolver } from './custom-fields.js';
import {
  type JobContactRow,
  type JobPeopleSummary,
  newestTime,
  type SummarizedRow,
  summarizeJob,
  toJobContactRow,
} from './links.js';
import type { TaveSessionCache } from './session-cache.js';

/** The currency the OpenAPI document gives `Studio.currencyCode` by default. */
const defaultCurrency = 'USD';

/** One read's collaborators. */
export interface ReadContext {
  readonly api: TaveApi;
  readonly settings: ResolvedTaveSettings;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
  /** What the session already read (settings, the job verdicts of the client read for the project read). */
  readonly cache: TaveSessionCache;
}

/** Drops the vendor's `links` (HAL links to the record's own URL): transport metadata, not record data. */
export function withoutLinks<T extends Record<string, unknown>>(record: T): Omit<T, 'links'> {
  const { links: _links, ...rest } = record;
  return rest;
}

/** The studio's ISO 4217 currency (every amount of the API is in it). */
export async function studioCurrency(context: ReadContext): Promise<string> {
  const studio = await context.cache.studio(context.signal);
  const code = studio.currencyCode?.trim().toUpperCase();
  return code === undefined || code === '' ? defaultCurrency : code;
}

/** The studio's custom field definitions, ready to resolve values (read once per session). */
export function customFieldResolver(context: ReadContext): Promise<CustomFieldResolver> {
  return context.cache.customFields(context.signal);
}

/** What the full reads need of the job contacts: what each job's say, and who is on any job. */
export interface JobSummaries {
  /** What each job's contacts say (its client, partner candidates, newest change); empty for a job without any. */
  summaryOf(jobId: string): JobPeopleSummary;
  /** Whether a contact is on any job, in any role (a visible job contact). */
  isOnJob(contactId: string): boolean;
  /** How many jobs have job contacts. */
  readonly jobCount: number;
  /** Each job's summary, by job id (every job with job contacts). */
  summaries(): ReadonlyMap<string, JobPeopleSummary>;
}

/** Who is on each job, as far as clients and projects are concerned: the job contacts by job and by contact. */
export interface JobPeople extends JobSummaries {
  /** What each job's contacts say (its client, partner candidates, newest change); empty for a job without any. */
  summaryOf(jobId: string): JobPeopleSummary;
  /** The job contacts of each job, hidden ones included. */
  readonly byJob: ReadonlyMap<string, readonly JobContactRow[]>;
  /** The visible job contacts of each contact: every contact on any job, in any role, is a key. */
  readonly byContact: ReadonlyMap<string, readonly JobContactRow[]>;
}

/** Groups rows by a key. */
function groupRows(
  rows: Iterable<JobContactRow>,
  key: (row: JobContactRow) => string,
): Map<string, JobContactRow[]> {
  const groups = new Map<string, JobContactRow[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group === undefined) groups.set(key(row), [row]);
    else group.push(row);
  }
  return groups;
}

/** {@link JobPeople} over rows already read (hidden ones included). */
export function jobPeopleOf(rows: readonly JobContactRow[]): JobPeople {
  const byJob = groupRows(rows, (row) => row.jobId);
  const byContact = groupRows(
    rows.filter((row) => !row.hidden),
    (row) => row.contactId,
  );
  const summaries = new Map<string, JobPeopleSummary>();
  const summaryOf = (jobId: string): JobPeopleSummary => {
    let summary = summaries.get(jobId);
    if (summary === undefined) {
      summary = summarizeJob(byJob.get(jobId));
      summaries.set(jobId, summary);
    }
    return summary;
  };
  return {
    byJob,
    byContact,
    summaryOf,
    isOnJob: (contactId) => byContact.has(contactId),
    jobCount: byJob.size,
    summaries() {
      for (const jobId of byJob.keys()) summaryOf(jobId);
      return summaries;
    },
  };
}

/**
 * Every job contact, hidden ones included (they date the last change of a job's contacts), as rows: one walk of
 * `/job-contact`.
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
async function* jobContactRows(context: ReadContext): AsyncGenerator<JobContactRow> {
  for await (const page of context.api.list({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: context.settings.pageSize,
    query: { includeHidden: true, sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    for (const jobContact of page.items) yield toJobContactRow(jobContact);
  }
}

/** One job's contacts while `/job-contact` is walked, reduced to what its summary needs. */
interface JobAccumulator {
  /** Its visible couple-role rows (clients, customers, subjects): the only ones that name a client or partner. */
  readonly couple: SummarizedRow[];
  /** The newest `modified` of its other rows (hidden ones, team, vendors). */
  otherModified: string | undefined;
}

/**
 * {@link JobSummaries} from one walk of `/job-contact` (hidden job contacts included: they date the last change of
 * a job's contacts), holding per job only its summary, and the set of contacts on any job — not the rows: a
 * studio has several job contacts per job (planners, vendors, the team), and a full read needs none of them.
 * Decides exactly as {@link summarizeJob} over all the job's rows: the rows it leaves out are never the client
 * or a partner, and only their newest `modified` counts.
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function collectJobSummaries(context: ReadContext): Promise<JobSummaries> {
  const jobs = new Map<string, JobAccumulator>();
  const onJobs = new Set<string>();
  for await (const row of jobContactRows(context)) {
    let job = jobs.get(row.jobId);
    if (job === undefined) {
      job = { couple: [], otherModified: undefined };
      jobs.set(row.jobId, job);
    }
    if (!row.hidden) onJobs.add(row.contactId);
    if (row.couple && !row.hidden) {
      const { contactId, client, couple, order, modified, hidden } = row;
      job.couple.push({ contactId, client, couple, order, modified, hidden });
    } else {
      job.otherModified = newestTime([job.otherModified, row.modified]);
    }
  }
  const summaries = new Map<string, JobPeopleSummary>();
  for (const [jobId, job] of jobs) {
    const rows: SummarizedRow[] = job.couple;
    if (job.otherModified !== undefined) {
      // The other rows only date the job's last change: one hidden row carries their newest `modified`.
      rows.push({
        contactId: '',
        client: false,
        couple: false,
        order: '',
        modified: job.otherModified,
        hidden: true,
      });
    }
    summaries.set(jobId, summarizeJob(rows));
  }
  jobs.clear();
  const none = summarizeJob([]);
  return {
    summaryOf: (jobId) => summaries.get(jobId) ?? none,
    isOnJob: (contactId) => onJobs.has(contactId),
    jobCount: summaries.size,
    summaries: () => summaries,
  };
}

/**
 * Walks `/job-contact` once, hidden job contacts included (they date the last change of a job's contacts), and
 * keeps every row (ids, roles and times only).
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function collectJobPeople(context: ReadContext): Promise<JobPeople> {
  const rows: JobContactRow[] = [];
  for await (const row of jobContactRows(context)) rows.push(row);
  return jobPeopleOf(rows);
}
