/**
 * The full reads keep the job contacts in the scratch space, reduced to what a job's summary needs, and who is on
 * any job (`storeJobContacts`); the incremental fallback keeps the rows (`collectJobPeople`). Both must decide alike
 * for every job and every contact of a generated studio — with hidden job contacts, jobs whose client was taken
 * off, and timestamps on team and vendor rows newer than the couple's.
 */

import { createMemoryScratch } from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaveApi } from '../src/api/client.js';
import { collectJobPeople, type ReadContext } from '../src/read/context.js';
import { storedJobSummaries, storedOnJob, storeJobContacts } from '../src/read/pre-pass.js';
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

describe('job summaries without the rows', () => {
  it('say what the rows say, for every job and every contact', async () => {
    const context = readContext();
    const stored = await storeJobContacts(context, { keepRows: false });
    const people = await collectJobPeople(readContext());
    const jobIds = [...people.byJob.keys()];
    expect(jobIds.length).toBeGreaterThan(100);
    expect(stored.rows).toBeUndefined();
    expect(stored.jobContacts).toBe(fake.state.list('job-contact').length);
    const summaries = await storedJobSummaries(context.scratch, [...jobIds, 'no-such-job']);
    for (const jobId of jobIds) expect(summaries.get(jobId), jobId).toEqual(people.summaryOf(jobId));
    expect(summaries.get('no-such-job')).toEqual(people.summaryOf('no-such-job'));
    // The edits above made jobs without a client and jobs whose newest change is a row that is not a couple's.
    expect(jobIds.some((jobId) => people.summaryOf(jobId).clientId === undefined)).toBe(true);
    const contactIds = fake.state.list('address-book').map((contact) => contact.id);
    const onJob = await storedOnJob(context.scratch, contactIds);
    for (const contactId of contactIds)
      expect(onJob.has(contactId), contactId).toBe(people.byContact.has(contactId));
    expect(onJob.size).toBeGreaterThan(0);
  });

  it('are stored afresh by each walk: nothing an earlier walk stored outlives it', async () => {
    const context = readContext();
    await context.scratch.put('tave:job-contacts', [{ key: 'gone-job', item: 'gone-row', value: {} }]);
    await context.scratch.put('tave:on-job', [{ key: 'gone-contact', item: '', value: true }]);
    const kept = await storeJobContacts(context, { keepRows: true });
    expect(kept.rows?.length).toBe(kept.jobContacts);
    expect((await context.scratch.get('tave:job-contacts', ['gone-job'])).size).toBe(0);
    expect((await storedOnJob(context.scratch, ['gone-contact'])).size).toBe(0);
  });
});
