/**
 * The full reads keep the job contacts in the scratch space, reduced to what a job's summary and the change rules
 * need (`storeJobContacts`). What they say must be what the whole rows say, for every job and every contact of a
 * generated studio — with hidden job contacts, jobs whose client was taken off, and timestamps on team and vendor
 * rows newer than the couple's.
 */

import { createMemoryScratch } from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaveApi } from '../src/api/client.js';
import { type ChangeSet, clientsToReread, type RowSource } from '../src/read/changes.js';
import { jobContactPages, type ReadContext } from '../src/read/context.js';
import { type JobContactRow, summarizeJob } from '../src/read/links.js';
import { storedJobSummaries, storedOnJob, storedRowSource, storeJobContacts } from '../src/read/pre-pass.js';
import { TaveSessionCache } from '../src/read/session-cache.js';
import { resolveTaveSettings } from '../src/settings.js';
import { apiKey, memoryLogger } from './helpers.js';

let fake: RunningFakeTave;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio: { seed: 23, clients: 120 } });
  const rows = fake.state.list('job-contact');
  // Take the client off some jobs, hide some partners, and touch some team or vendor rows last.
  for (const [index, row] of rows.entries()) {
    if (index % 17 === 0) fake.state.update('job-contact', row.id, { hidden: true } as never);
    else if (index % 13 === 0) fake.state.update('job-contact', row.id, { jobRoles: [] } as never);
  }
});
afterAll(async () => {
  await fake?.close();
});

function readContext(): ReadContext {
  const logger = memoryLogger();
  const http = createProviderHttpFactory()({
    baseUrl: fake.url,
    headers: { 'X-API-KEY': apiKey },
    integrationId: 'job-summaries-test',
    providerId: 'tave',
    rateLimits: { requestsPerMinute: 100_000, requestsPerHour: 1_000_000 },
    signal: new AbortController().signal,
    logger,
  });
  const api = new TaveApi(http);
  return {
    api,
    settings: resolveTaveSettings({ baseUrl: fake.url, pageSize: 25 }),
    logger,
    signal: undefined,
    cache: new TaveSessionCache(api),
    scratch: createMemoryScratch(),
  };
}

/** Every job contact, whole, by job and (visible ones) by contact: what the stored ones are checked against. */
async function wholeRows(): Promise<{
  byJob: Map<string, JobContactRow[]>;
  byContact: Map<string, JobContactRow[]>;
  count: number;
}> {
  const byJob = new Map<string, JobContactRow[]>();
  const byContact = new Map<string, JobContactRow[]>();
  let count = 0;
  const add = (map: Map<string, JobContactRow[]>, key: string, row: JobContactRow) => {
    const rows = map.get(key);
    if (rows === undefined) map.set(key, [row]);
    else rows.push(row);
  };
  for await (const page of jobContactPages(readContext())) {
    for (const row of page) {
      count += 1;
      add(byJob, row.jobId, row);
      if (!row.hidden) add(byContact, row.contactId, row);
    }
  }
  return { byJob, byContact, count };
}

describe('job contacts in the scratch space', () => {
  it('say what the whole rows say, for every job and every contact', async () => {
    const context = readContext();
    const stored = await storeJobContacts(context);
    const whole = await wholeRows();
    const jobIds = [...whole.byJob.keys()];
    expect(jobIds.length).toBeGreaterThan(100);
    expect(stored).toBe(whole.count);
    expect(stored).toBe(fake.state.list('job-contact').length);
    const summaries = await storedJobSummaries(context.scratch, [...jobIds, 'no-such-job']);
    for (const jobId of jobIds)
      expect(summaries.get(jobId), jobId).toEqual(summarizeJob(whole.byJob.get(jobId)));
    expect(summaries.get('no-such-job')).toEqual(summarizeJob(undefined));
    // The edits above made jobs without a client and jobs whose newest change is a row that is not a couple's.
    expect(jobIds.some((jobId) => summarizeJob(whole.byJob.get(jobId)).clientId === undefined)).toBe(true);
    const contactIds = fake.state.list('address-book').map((contact) => contact.id);
    const onJob = await storedOnJob(context.scratch, contactIds);
    for (const contactId of contactIds)
      expect(onJob.has(contactId), contactId).toBe(whole.byContact.has(contactId));
    expect(onJob.size).toBeGreaterThan(0);
  });

  it('give the change rules the clients the whole rows give them', async () => {
    const context = readContext();
    await storeJobContacts(context);
    const whole = await wholeRows();
    const pick = (map: Map<string, JobContactRow[]>, ids: readonly string[]) =>
      Promise.resolve(new Map(ids.map((id) => [id, map.get(id) ?? []] as const)));
    const wholeSource: RowSource = {
      rowsOfContacts: (ids) => pick(whole.byContact, ids),
      rowsOfJobs: (ids) => pick(whole.byJob, ids),
    };
    const contacts = fake.state.list('address-book').map((contact) => contact.id);
    const jobs = [...whole.byJob.keys()];
    const rows = [...whole.byJob.values()].flat();
    // Changes of every kind, spread over the studio: contacts, jobs, job contacts (hidden ones among them).
    const changes: ChangeSet = {
      contacts: new Set(contacts.filter((_, index) => index % 7 === 0)),
      jobs: new Set(jobs.filter((_, index) => index % 9 === 0)),
      links: rows
        .filter((_, index) => index % 11 === 0)
        .map(({ contactId, jobId }) => ({ contactId, jobId })),
    };
    const expected = await clientsToReread(changes, wholeSource);
    expect(expected?.length).toBeGreaterThan(20);
    expect(await clientsToReread(changes, storedRowSource(context.scratch))).toEqual(expected);
  });

  it('are stored afresh by each walk: nothing an earlier walk stored outlives it', async () => {
    const context = readContext();
    await context.scratch.put('tave:job-contacts', [{ key: 'gone-job', item: 'gone-row', value: {} }]);
    await context.scratch.put('tave:on-job', [{ key: 'gone-contact', item: 'gone-row', value: {} }]);
    expect(await storeJobContacts(context)).toBe(fake.state.list('job-contact').length);
    expect((await context.scratch.get('tave:job-contacts', ['gone-job'])).size).toBe(0);
    expect((await storedOnJob(context.scratch, ['gone-contact'])).size).toBe(0);
  });
});
