/**
 * What every read shares: the API, the settings, the read's signal, and the reference data several record types
 * need (the studio's currency, custom field definitions, each job's client and partner candidates).
 */
import type { ProviderLogger, ProviderScratch } from '@wedsync/crm-core';
import type { TaveApi } from '../api/client.js';
import { TaveJobContactSchema } from '../api/schemas.js';
import type { ResolvedTaveSettings } from '../settings.js';
import type { CustomFieldResolver } from './custom-fields.js';
import { type JobContactRow, type JobPeopleSummary, summarizeJob, toJobContactRow } from './links.js';
import type { TaveSessionCache } from './session-cache.js';

/** The currency the OpenAPI document gives `Studio.currencyCode` by default. */
const defaultCurrency = 'USD';

/** One read's collaborators. */
export interface ReadContext {
  readonly api: TaveApi;
  readonly settings: ResolvedTaveSettings;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
  /** What the session already read (settings; whether the client read stored the job contacts). */
  readonly cache: TaveSessionCache;
  /** The session's working space: the full reads' pre-pass lives there (see `pre-pass.ts`). */
  readonly scratch: ProviderScratch;
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

/** Who is on each job, as far as clients and projects are concerned: the job contacts by job and by contact. */
export interface JobPeople {
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
  };
}

/**
 * Every job contact, hidden ones included (they date the last change of a job's contacts), as rows, a page at a
 * time: one walk of `/job-contact`.
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function* jobContactPages(context: ReadContext): AsyncGenerator<JobContactRow[]> {
  for await (const page of context.api.list({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: context.settings.pageSize,
    query: { includeHidden: true, sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    yield page.items.map(toJobContactRow);
  }
}

/**
 * Walks `/job-contact` once, hidden job contacts included (they date the last change of a job's contacts), and
 * keeps every row (ids, roles and times only).
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function collectJobPeople(context: ReadContext): Promise<JobPeople> {
  const rows: JobContactRow[] = [];
  for await (const page of jobContactPages(context)) rows.push(...page);
  return jobPeopleOf(rows);
}
