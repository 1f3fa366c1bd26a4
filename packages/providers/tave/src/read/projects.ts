/**
 * `read('project')`: every job, closed ones included. `data` is the job plus `displayName` (its name, else its
 * generated title), `customFields` resolved to labels, `customFieldsByKey`, `clientContactId`, `currencyCode` and
 * `budget` (`leadMaxBudget` with the currency, or null); `links.client` is the job's client contact. The client
 * comes from the job's contacts, so a project's `modifiedAt` is the newest `modified` of the job and its contacts.
 *
 * A full read walks `/job-contact` once into the session's scratch space (each job's contacts, `pre-pass.ts`),
 * then `/job` by id, one yielded page per page (cursors `job:page:N`), each page's clients worked out from the
 * stored job contacts. After a full client read in the same session it walks `/job` only: the client read's
 * pre-pass already stored the job contacts (see `session-cache.ts`).
 *
 * An incremental read (`since`) walks `/job-contact` by `modified desc` down to the watermark (hidden ones too),
 * then `/job` the same way, one yielded page per page (cursors `job:modified:page:N`); the client of each changed
 * job comes from `GET /job-contact?jobId=` (one request per job) while that costs less than a walk of
 * `/job-contact`, from that walk after. Last come the jobs whose contacts changed but which did not change
 * themselves (`GET /job/{id}` each, or a walk of `/job` when that is cheaper), resumed by `job:modified:linked`.
 * A job contact deleted outright leaves nothing to walk by: its job is corrected at its next change or full import.
 */
import type { ExternalRecord, ProviderPage } from '@wedsync/crm-core';
import { type TaveJobItem, TaveJobSchema } from '../api/schemas.js';
import { collectLinkChanges } from './changes.js';
import { customFieldResolver, type ReadContext, studioCurrency, withoutLinks } from './context.js';
import {
  formatLinkedCursor,
  formatTaveCursor,
  parseIncrementalCursor,
  parseTaveCursor,
  type TaveResumePoint,
} from './cursor.js';
import type { CustomFieldResolver } from './custom-fields.js';
import { type JobPeopleSummary, newestTime, summarizeJob } from './links.js';
import { pagesOf, TaveLookups } from './lookups.js';
import { storedJobSummaries, storeJobContacts } from './pre-pass.js';
import type { JobVerdict } from './session-cache.js';

/** A job on which no contact is. */
const noVerdict: JobVerdict = Object.freeze({ clientId: undefined, contactsModified: undefined });

/** Options of a read. */
export interface ProjectReadOptions {
  readonly cursor: string | null | undefined;
  /** Incremental: only records modified after this instant (epoch milliseconds). */
  readonly modifiedAfter: number | undefined;
}

interface ProjectParts {
  readonly currencyCode: string;
  readonly resolver: CustomFieldResolver;
}

function projectRecord(job: TaveJobItem, people: JobVerdict, parts: ProjectParts): ExternalRecord {
  const clientContactId = people.clientId ?? null;
  const modifiedAt = newestTime([job.modified, people.contactsModified]);
  const { currencyCode } = parts;
  return {
    externalId: job.id,
    ...(modifiedAt === undefined ? {} : { modifiedAt }),
    data: {
      ...withoutLinks(job),
      ...parts.resolver.resolve(job.customFields),
      displayName: job.name ?? job.title ?? null,
      clientContactId,
      currencyCode,
      budget:
        job.leadMaxBudget === null || job.leadMaxBudget === undefined
          ? null
          : { amount: job.leadMaxBudget, currencyCode },
    },
    ...(clientContactId === null ? {} : { links: { client: clientContactId } }),
  };
}

/** Reads projects page by page (see the module comment). */
export async function* readProjects(
  context: ReadContext,
  options: ProjectReadOptions,
): AsyncGenerator<ProviderPage> {
  const { modifiedAfter } = options;
  if (modifiedAfter !== undefined) {
    const resume = parseIncrementalCursor(options.cursor, 'job', ['page', 'linked']);
    yield* readChangedProjects(context, modifiedAfter, resume);
    return;
  }
  const start = parseTaveCursor(options.cursor, 'job', false);
  const parts = await projectParts(context);
  // The client read of this session stored every job's contacts already; without it, walk them.
  if (!context.cache.takeJobContacts()) await storeJobContacts(context);
  // Docs: GET /job (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs — `includeClosed=true`.
  for await (const page of context.api.list({
    path: 'job',
    schema: TaveJobSchema,
    pageSize: context.settings.pageSize,
    query: { includeClosed: true, sortBy: 'id' },
    cursor: start,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    const verdicts = await storedJobSummaries(
      context.scratch,
      page.items.map((job) => job.id),
    );
    yield {
      records: page.items.map((job) => projectRecord(job, verdicts.get(job.id) ?? noVerdict, parts)),
      cursor: formatTaveCursor('job', page.cursor, false),
      ...(page.totalItems === undefined ? {} : { totalRecords: page.totalItems }),
    };
  }
}

async function projectParts(context: ReadContext): Promise<ProjectParts> {
  const currencyCode = await studioCurrency(context);
  const resolver = await customFieldResolver(context);
  return { currencyCode, resolver };
}

/** Whether a job's own `modified` is past the watermark: the walk by `modified desc` yields it. */
function changedItself(job: TaveJobItem, modifiedAfter: number): boolean {
  const time = job.modified === undefined ? Number.NaN : Date.parse(job.modified);
  return !(time <= modifiedAfter);
}

async function* readChangedProjects(
  context: ReadContext,
  modifiedAfter: number,
  resume: TaveResumePoint,
): AsyncGenerator<ProviderPage> {
  const parts = await projectParts(context);
  const pageSize = context.settings.pageSize;
  const withSignal = context.signal === undefined ? {} : { signal: context.signal };
  const linkChanges = await collectLinkChanges(context, modifiedAfter);
  const linked = new Set(linkChanges.links.map((link) => link.jobId));
  // Clients by `GET /job-contact?jobId=` while that costs less than walking `/job-contact` once.
  const rowLookups = new TaveLookups(context, pagesOf(linkChanges.totalItems, pageSize));
  /** Whether this read stored every job's contacts (a walk of `/job-contact`, once the lookups cost more). */
  let stored = false;
  const storeOnce = async (): Promise<void> => {
    if (stored) return;
    await storeJobContacts(context);
    stored = true;
  };
  const storedSummariesOf = async (
    jobIds: readonly string[],
  ): Promise<(jobId: string) => JobPeopleSummary> => {
    const summaries = await storedJobSummaries(context.scratch, jobIds);
    return (jobId) => summaries.get(jobId) ?? summarizeJob(undefined);
  };
  const summariesOf = async (jobIds: readonly string[]): Promise<(jobId: string) => JobPeopleSummary> => {
    if (!stored && rowLookups.affords('rowsOfJob', jobIds)) {
      const rows = await rowLookups.rowsOfJobs(jobIds);
      return (jobId) => summarizeJob(rows.get(jobId));
    }
    await storeOnce();
    return storedSummariesOf(jobIds);
  };

  const yielded = new Set<string>();
  let jobTotal: number | undefined;
  if (resume.kind !== 'linked') {
    let first = true;
    // Docs: GET /job?includeClosed=true&sortBy=modified desc (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs
    for await (const page of context.api.list({
      path: 'job',
      schema: TaveJobSchema,
      pageSize,
      query: { includeClosed: true, sortBy: 'modified desc' },
      cursor: resume.kind === 'page' ? resume.page : null,
      modifiedAfter,
      ...withSignal,
    })) {
      if (first) jobTotal = page.totalItems;
      first = false;
      const summaryOf = await summariesOf(page.items.map((job) => job.id));
      for (const job of page.items) yielded.add(job.id);
      const linkedLeft = page.cursor === null && [...linked].some((id) => !yielded.has(id));
      yield {
        records: page.items.map((job) => projectRecord(job, summaryOf(job.id), parts)),
        cursor: linkedLeft ? formatLinkedCursor('job') : formatTaveCursor('job', page.cursor, true),
      };
    }
  }
  const pending = [...linked].filter((id) => !yielded.has(id)).sort();
  if (pending.length === 0) {
    if (resume.kind === 'linked') yield { records: [], cursor: null };
    return;
  }

  // The jobs whose contacts changed but which did not change themselves (those are the walk's, even when it was
  // resumed past them): by id while that costs less than a walk of `/job` (and of `/job-contact`).
  const walkCost =
    jobTotal === undefined
      ? Number.POSITIVE_INFINITY
      : pagesOf(jobTotal, pageSize) + (stored ? 0 : pagesOf(linkChanges.totalItems, pageSize));
  const jobLookups = new TaveLookups(context, walkCost);
  if (jobLookups.affords('job', pending)) {
    const jobs = await jobLookups.jobs(pending);
    const found = pending.filter((id) => {
      const job = jobs.get(id);
      return job !== undefined && !changedItself(job, modifiedAfter);
    });
    const summaryOf = await summariesOf(found);
    const records = found.map((id) => projectRecord(jobs.get(id) as TaveJobItem, summaryOf(id), parts));
    if (records.length === 0) {
      yield { records: [], cursor: null };
      return;
    }
    for (let start = 0; start < records.length; start += pageSize) {
      const last = start + pageSize >= records.length;
      yield {
        records: records.slice(start, start + pageSize),
        cursor: last ? null : formatLinkedCursor('job'),
      };
    }
    return;
  }
  // The walk of `/job` below was priced with one walk of `/job-contact` (unless this read made it already).
  await storeOnce();
  const wanted = new Set(pending);
  // Docs: GET /job (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs — `includeClosed=true`.
  for await (const page of context.api.list({
    path: 'job',
    schema: TaveJobSchema,
    pageSize,
    query: { includeClosed: true, sortBy: 'id' },
    ...withSignal,
  })) {
    const jobs = page.items.filter((job) => wanted.has(job.id) && !changedItself(job, modifiedAfter));
    const summaryOf = await storedSummariesOf(jobs.map((job) => job.id));
    yield {
      records: jobs.map((job) => projectRecord(job, summaryOf(job.id), parts)),
      cursor: page.cursor === null ? null : formatLinkedCursor('job'),
    };
  }
}
