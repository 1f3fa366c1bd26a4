/**
 * Incremental reads against the fake VSCO Workspace after changes of every kind a client or project depends on:
 * a client's contact, a partner's contact, a job, a partner added to a job, a partner taken off a job (hidden),
 * and a job passed from one client to another. The records read `since` the watermark are exactly the ones a
 * full read yields for those clients and jobs — whether they came from per-record lookups or, when those would
 * cost more than the full walks, from the full pre-pass — and the lookups send a few requests per change.
 */
import type { ExternalRecord, ProviderSession } from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll, readPages } from './helpers.js';

const studio: GeneratedStudio = generateStudio({ seed: 31, clients: 80 });
let fake: RunningFakeTave;
/** pageSize 10: the full walks cost ~60 requests, enough budget for per-record lookups. */
let cheap: ProviderSession;
/** pageSize 100: the full walks cost ~7 requests, so the same changes take the full pre-pass. */
let walking: ProviderSession;

const time = (record: ExternalRecord) => Date.parse(record.modifiedAt as string);

/** The scenario's ids: who and what changed. */
interface Scenario {
  readonly since: string;
  /** A client whose own contact changed. */
  readonly renamed: string;
  /** A client whose partner's contact changed. */
  readonly partnerChanged: string;
  /** A client whose job changed, and the job. */
  readonly jobChanged: { readonly clientId: string; readonly jobId: string };
  /** A client without a partner who got one on its job, the job and the new partner. */
  readonly partnerAdded: { readonly clientId: string; readonly jobId: string; readonly partnerId: string };
  /** A client whose partner was taken off its job (hidden), the job and that partner. */
  readonly partnerRemoved: { readonly clientId: string; readonly jobId: string; readonly partnerId: string };
  /** A job passed from its client to the partner: the old client, the new one, the job. */
  readonly handedOver: { readonly from: string; readonly to: string; readonly jobId: string };
}
let scenario: Scenario;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  cheap = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }));
  walking = await connect(createTave({ baseUrl: fake.url, pageSize: 100 }));
  const clients = await readAll(cheap, 'client');
  const projects = await readAll(cheap, 'project');
  const since = new Date(Math.max(...[...clients, ...projects].map(time))).toISOString();

  // Clients with exactly one job, picked apart so no two scenarios share a contact.
  const jobContacts = fake.state.list('job-contact');
  const used = new Set<string>();
  const rowsOf = (jobId: string) => jobContacts.filter((row) => row.jobId === jobId);
  const pick = (test: (record: ExternalRecord) => boolean) => {
    const record = clients.find((candidate) => {
      const jobs = candidate.data['jobs'] as { id: string }[];
      if (jobs.length !== 1 || used.has(candidate.externalId) || !test(candidate)) return false;
      return rowsOf((jobs[0] as { id: string }).id).every((row) => !used.has(row.contactId));
    }) as ExternalRecord;
    const jobId = (record.data['jobs'] as { id: string }[])[0]?.id as string;
    for (const row of rowsOf(jobId)) used.add(row.contactId);
    return {
      clientId: record.externalId,
      jobId,
      partnerId: (record.data['partner'] as { id: string } | null)?.id,
    };
  };
  const withPartner = (record: ExternalRecord) => record.data['partner'] !== null;

  const renamed = pick(withPartner);
  fake.state.update('address-book', renamed.clientId, { firstName: 'Renamed' } as never);
  const partnerChanged = pick(withPartner);
  fake.state.update(
    'address-book',
    partnerChanged.partnerId as string,
    {
      email: 'changed.partner@example.com',
    } as never,
  );
  const jobChanged = pick(withPartner);
  fake.state.update('job', jobChanged.jobId, { eventDate: '2031-05-17', guestCount: 321 } as never);
  const partnerAdded = pick((record) => !withPartner(record));
  const partnerRole = fake.state.list('job-role').find((role) => role.kind === 'subject');
  const newPartner = fake.state.create('address-book', {
    kind: 'person',
    firstName: 'Nova',
    lastName: 'Added',
  });
  fake.state.create('job-contact', {
    contactId: newPartner.id,
    jobId: partnerAdded.jobId,
    client: false,
    jobRoles: [partnerRole?.id as string],
  });
  const partnerRemoved = pick(withPartner);
  const removedRow = jobContacts.find(
    (row) => row.jobId === partnerRemoved.jobId && row.contactId === partnerRemoved.partnerId,
  );
  fake.state.update('job-contact', removedRow?.id as string, { hidden: true });
  const handedOver = pick(withPartner);
  for (const row of rowsOf(handedOver.jobId)) {
    if (row.contactId === handedOver.clientId) fake.state.update('job-contact', row.id, { client: false });
    if (row.contactId === handedOver.partnerId) fake.state.update('job-contact', row.id, { client: true });
  }
  scenario = {
    since,
    renamed: renamed.clientId,
    partnerChanged: partnerChanged.clientId,
    jobChanged,
    partnerAdded: { ...partnerAdded, partnerId: newPartner.id },
    partnerRemoved: { ...partnerRemoved, partnerId: partnerRemoved.partnerId as string },
    handedOver: { from: handedOver.clientId, to: handedOver.partnerId as string, jobId: handedOver.jobId },
  };
});
afterAll(async () => {
  await fake?.close();
});

/** GET requests of the read `read` sends, as `path?query`. */
async function requestsOf<T>(read: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  fake.requestLog.clear();
  const result = await read();
  const requests = fake.requestLog
    .entries({ method: 'GET' })
    .map((entry) => `${entry.path}?${new URLSearchParams(entry.query as Record<string, string>).toString()}`);
  return { result, requests };
}

describe('incremental client read', () => {
  let full: Map<string, ExternalRecord>;
  beforeAll(async () => {
    full = new Map((await readAll(cheap, 'client')).map((record) => [record.externalId, record]));
  });

  it('builds the touched clients from per-record lookups, as the full read builds them', async () => {
    const { result: pages, requests } = await requestsOf(() =>
      readPages(cheap, 'client', { since: scenario.since }),
    );
    const records = pages.flatMap((page) => [...page.records]);
    const ids = records.map((record) => record.externalId);
    expect(ids).toEqual([...ids].sort());
    for (const record of records) expect(record).toEqual(full.get(record.externalId));
    // Every client a full read dates past the watermark, and one more: the partner taken off the job is on no
    // job now, so it is a client of its own (a person on no job), with its own, older, date.
    const dated = [...full.values()].filter((record) => time(record) > Date.parse(scenario.since));
    expect(new Set(ids)).toEqual(
      new Set([...dated.map((record) => record.externalId), scenario.partnerRemoved.partnerId]),
    );
    expect(time(full.get(scenario.partnerRemoved.partnerId) as ExternalRecord)).toBeLessThan(
      Date.parse(scenario.since),
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        scenario.renamed,
        scenario.partnerChanged,
        scenario.jobChanged.clientId,
        scenario.partnerAdded.clientId,
        scenario.partnerRemoved.clientId,
        scenario.handedOver.to,
      ]),
    );
    // What each change did to the client.
    const record = (id: string) => records.find((candidate) => candidate.externalId === id) as ExternalRecord;
    expect(record(scenario.renamed).data['firstName']).toBe('Renamed');
    expect(record(scenario.partnerChanged).data['partner']).toMatchObject({
      email: 'changed.partner@example.com',
    });
    expect(record(scenario.jobChanged.clientId).data['jobs']).toEqual([
      expect.objectContaining({ id: scenario.jobChanged.jobId, eventDate: '2031-05-17', guestCount: 321 }),
    ]);
    expect(record(scenario.partnerAdded.clientId).data['partner']).toMatchObject({
      id: scenario.partnerAdded.partnerId,
      firstName: 'Nova',
    });
    expect(record(scenario.partnerRemoved.clientId).data['partner']).toBeNull();
    expect(record(scenario.handedOver.to).data).toMatchObject({
      jobs: [expect.objectContaining({ id: scenario.handedOver.jobId })],
      partner: expect.objectContaining({ id: scenario.handedOver.from }),
    });
    // The old client of the handed-over job is on it as a partner now: not a client, in either read.
    expect(ids).not.toContain(scenario.handedOver.from);
    expect(full.has(scenario.handedOver.from)).toBe(false);

    // No full walk: three walks down to the watermark, then per-record lookups.
    expect(requests.filter((request) => request.includes('sortBy=modified+desc'))).toEqual([
      expect.stringMatching(/^\/job-contact\?includeHidden=true&sortBy=modified\+desc/),
      expect.stringMatching(/^\/job\?includeClosed=true&sortBy=modified\+desc/),
      expect.stringMatching(/^\/address-book\?sortBy=modified\+desc/),
    ]);
    const walks = requests.filter(
      (request) =>
        /sortBy=id&page=/.test(request) &&
        /^\/(job-contact|job|address-book)\?/.test(request) &&
        !/(contactId|jobId)=/.test(request),
    );
    expect(walks).toEqual([]);
    const lookups = requests.filter((request) =>
      /contactId=|jobId=|^\/(job|address-book)\/[0-9a-z]+\?$/.test(request),
    );
    // About four requests per touched client (its job contacts, its job's contacts, its job, its partner).
    expect(lookups.length).toBeLessThanOrEqual(5 * ids.length);
    expect(requests.length).toBeLessThan(lookups.length + 10);
  });

  it('takes the full pre-pass when lookups would cost more, and yields the same records', async () => {
    const targeted = await readAll(cheap, 'client', { since: scenario.since });
    const { result: records, requests } = await requestsOf(() =>
      readAll(walking, 'client', { since: scenario.since }),
    );
    expect(records).toEqual(targeted);
    expect(requests).toContain('/job-contact?includeHidden=true&sortBy=id&page=1&pageSize=100');
    expect(requests).toContain('/address-book?sortBy=id&page=1&pageSize=100');
    // The lookups tried first stop within the full walks' cost: 2 pages of job contacts, 1 of jobs, 2 × 2 of
    // contacts.
    const lookups = requests.filter((request) =>
      /contactId=|jobId=|^\/(job|address-book)\/[0-9a-z]+\?$/.test(request),
    );
    expect(lookups.length).toBeLessThanOrEqual(7);
  });

  it('resumes after the client id of its cursor', async () => {
    const records = await readAll(cheap, 'client', { since: scenario.since });
    const after = records[2]?.externalId as string;
    const pages = await readPages(cheap, 'client', {
      since: scenario.since,
      cursor: `address-book:modified:after:${after}`,
    });
    expect(pages.flatMap((page) => page.records)).toEqual(records.slice(3));
    const fallback = await readAll(walking, 'client', {
      since: scenario.since,
      cursor: `address-book:modified:after:${after}`,
    });
    expect(fallback).toEqual(records.slice(3));
  });

  it('yields the fallback by address-book page, each cursor resuming after the last contact of its page', async () => {
    const pages = await readPages(walking, 'client', { since: scenario.since });
    const contacts = fake.state.list('address-book').filter((contact) => contact.hidden !== true).length;
    expect(pages).toHaveLength(Math.ceil(contacts / 100));
    const listed = fake.state
      .list('address-book')
      .filter((contact) => contact.hidden !== true)
      .map((contact) => contact.id)
      .sort();
    expect(pages.map((page) => page.cursor)).toEqual([
      ...pages.slice(1).map((_, index) => `address-book:modified:after:${listed[(index + 1) * 100 - 1]}`),
      null,
    ]);
    const resumed = await readAll(walking, 'client', {
      since: scenario.since,
      cursor: pages[0]?.cursor as string,
    });
    expect(resumed).toEqual(pages.slice(1).flatMap((page) => page.records));
  });

  it('reads nothing but the walks when nothing changed after the watermark', async () => {
    const records = await readAll(cheap, 'client', { since: scenario.since });
    const newest = new Date(Math.max(...records.map(time))).toISOString();
    const { result: pages, requests } = await requestsOf(() => readPages(cheap, 'client', { since: newest }));
    expect(pages).toEqual([{ records: [], cursor: null }]);
    // One page of each walk: the studio and the custom fields were read by this session's earlier reads.
    expect(requests).toHaveLength(3);
  });
});

describe('incremental project read', () => {
  let full: Map<string, ExternalRecord>;
  beforeAll(async () => {
    full = new Map((await readAll(cheap, 'project')).map((record) => [record.externalId, record]));
  });

  it('reads the jobs that changed, then those whose contacts changed, as the full read does', async () => {
    const { result: pages, requests } = await requestsOf(() =>
      readPages(cheap, 'project', { since: scenario.since }),
    );
    const records = pages.flatMap((page) => [...page.records]);
    const ids = records.map((record) => record.externalId);
    for (const record of records) expect(record).toEqual(full.get(record.externalId));
    // The changed job first (the walk), then the jobs whose contacts changed, in id order.
    const linked = [
      scenario.partnerAdded.jobId,
      scenario.partnerRemoved.jobId,
      scenario.handedOver.jobId,
    ].sort();
    expect(ids).toEqual([scenario.jobChanged.jobId, ...linked]);
    expect(pages.map((page) => page.cursor)).toEqual(['job:modified:linked', null]);
    expect(full.get(scenario.handedOver.jobId)?.links).toEqual({ client: scenario.handedOver.to });
    const dated = [...full.values()].filter((record) => time(record) > Date.parse(scenario.since));
    expect(new Set(dated.map((record) => record.externalId))).toEqual(new Set(ids));
    // The clients by `GET /job-contact?jobId=`, the linked jobs by `GET /job/{id}`: no full walk.
    expect(
      requests.some((request) => /^\/job-contact\?includeHidden=true&sortBy=id&page/.test(request)),
    ).toBe(false);
    expect(requests.filter((request) => /^\/job\/[0-9a-z]+\?$/.test(request))).toHaveLength(3);

    const resumed = await readAll(cheap, 'project', { since: scenario.since, cursor: 'job:modified:linked' });
    expect(resumed).toEqual(records.slice(1));
  });

  it('walks the job contacts and jobs instead when lookups would cost more, with the same records', async () => {
    // More jobs whose contacts changed than a walk of /job and /job-contact costs at 100 a page.
    const touched = new Set([
      scenario.jobChanged.jobId,
      ...[...full.values()].map((record) => record.externalId),
    ]);
    const more = fake.state
      .list('job-contact')
      .filter((row) => touched.has(row.jobId) && !row.hidden)
      .filter((row, index, rows) => rows.findIndex((other) => other.jobId === row.jobId) === index)
      .slice(10, 20);
    for (const row of more) fake.state.update('job-contact', row.id, {});
    const targeted = await readAll(cheap, 'project', { since: scenario.since });
    expect(targeted.length).toBeGreaterThan(more.length);
    const { result: records, requests } = await requestsOf(() =>
      readAll(walking, 'project', { since: scenario.since }),
    );
    expect(records).toEqual(targeted);
    expect(requests).toContain('/job-contact?includeHidden=true&sortBy=id&page=1&pageSize=100');
    expect(requests).toContain('/job?includeClosed=true&sortBy=id&page=1&pageSize=100');
  });
});
