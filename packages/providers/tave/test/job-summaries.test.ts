/**
 * The full reads keep each job's summary and who is on any job, not the job contact rows
 * (`collectJobSummaries`); the incremental fallback keeps the rows (`collectJobPeople`). Both must decide alike
 * for every job and every contact of a generated studio — with hidden job contacts, jobs whose client was taken
 * off, and timestamps on team and vendor rows newer than the couple's.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaveApi } from '../src/api/client.js';
import { collectJobPeople, collectJobSummaries, type ReadContext } from '../src/read/context.js';
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
  };
}

describe('job summaries without the rows', () => {
  it('say what the rows say, for every job and every contact', async () => {
    const summaries = await collectJobSummaries(readContext());
    const people = await collectJobPeople(readContext());
    const jobIds = [...people.byJob.keys()];
    expect(jobIds.length).toBeGreaterThan(100);
    expect(summaries.jobCount).toBe(jobIds.length);
    for (const jobId of jobIds) expect(summaries.summaryOf(jobId), jobId).toEqual(people.summaryOf(jobId));
    expect(summaries.summaries()).toEqual(people.summaries());
    // The edits above made jobs without a client and jobs whose newest change is a row that is not a couple's.
    expect(jobIds.some((jobId) => people.summaryOf(jobId).clientId === undefined)).toBe(true);
    for (const contact of fake.state.list('address-book')) {
      expect(summaries.isOnJob(contact.id), contact.id).toBe(people.isOnJob(contact.id));
    }
    expect(summaries.summaryOf('no-such-job')).toEqual(people.summaryOf('no-such-job'));
  });
});
