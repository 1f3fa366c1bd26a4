/**
 * Incremental reads fetch some records by id (`GET /address-book/{id}`, `GET /job/{id}`) instead of walking their
 * collections. A record fetched that way with a property of the wrong type no longer fails the whole read: like an
 * item of a list page, it comes out carrying core's `unreadableRecordKey` note, which the default mappings reject
 * as that one record; every other record of the read maps as before, and each record equals what a full read
 * yields for it.
 */
import {
  compileMappings,
  type ExternalRecord,
  type ProviderSession,
  type UnreadableRecordNote,
  unreadableRecordKey,
} from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll } from './helpers.js';

const studio: GeneratedStudio = generateStudio({ seed: 47, clients: 30 });
const provider = createTave({ pageSize: 10 });
let fake: RunningFakeTave;
/** pageSize 10: the full walks cost enough requests for per-record lookups. */
let session: ProviderSession;

/** The scenario's ids. */
interface Scenario {
  readonly since: string;
  /** A client whose job changed and whose own contact (unchanged, so fetched by id) is malformed. */
  readonly malformedContact: { readonly clientId: string; readonly jobId: string };
  /** A client whose job changed, nothing malformed. */
  readonly wellFormed: { readonly clientId: string; readonly jobId: string };
  /** A job whose contacts changed and which is malformed itself (unchanged, so fetched by id). */
  readonly malformedJob: { readonly clientId: string; readonly jobId: string };
}
let scenario: Scenario;

const time = (record: ExternalRecord) => Date.parse(record.modifiedAt as string);
const noteOf = (record: ExternalRecord | undefined) =>
  record?.data[unreadableRecordKey] as UnreadableRecordNote | undefined;

/** Sets a property of a stored record to a value of the wrong type, leaving its `modified` as it was. */
function plant(resource: 'address-book' | 'job', id: string, property: string, value: unknown): void {
  const collection = fake.state.collection(resource);
  const current = collection.items.get(id);
  if (current === undefined) throw new Error(`No ${resource} ${id} in the fake`);
  collection.items.set(id, { ...current, [property]: value } as never);
  collection.touch();
}

/** GET requests the read `read` sends, as paths. */
async function pathsOf<T>(read: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  fake.requestLog.clear();
  const result = await read();
  return { result, paths: fake.requestLog.entries({ method: 'GET' }).map((entry) => entry.path) };
}

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  session = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }));
  const clients = await readAll(session, 'client');
  const projects = await readAll(session, 'project');
  const since = new Date(Math.max(...[...clients, ...projects].map(time))).toISOString();

  // Clients with exactly one job, picked apart so no two share a contact.
  const jobContacts = fake.state.list('job-contact');
  const rowsOf = (jobId: string) => jobContacts.filter((row) => row.jobId === jobId);
  const used = new Set<string>();
  const pick = () => {
    const record = clients.find((candidate) => {
      const jobs = candidate.data['jobs'] as { id: string }[];
      if (jobs.length !== 1 || used.has(candidate.externalId)) return false;
      return rowsOf((jobs[0] as { id: string }).id).every((row) => !used.has(row.contactId));
    });
    if (record === undefined) throw new Error('The studio has too few clients with one job');
    const jobId = (record.data['jobs'] as { id: string }[])[0]?.id as string;
    for (const row of rowsOf(jobId)) used.add(row.contactId);
    return { clientId: record.externalId, jobId };
  };

  const malformedContact = pick();
  plant('address-book', malformedContact.clientId, 'customFields', 'oops');
  fake.state.update('job', malformedContact.jobId, { guestCount: 222 } as never);
  const wellFormed = pick();
  fake.state.update('job', wellFormed.jobId, { guestCount: 111 } as never);
  const malformedJob = pick();
  plant('job', malformedJob.jobId, 'leadMaxBudget', 'a lot');
  const row = rowsOf(malformedJob.jobId)[0];
  if (row === undefined) throw new Error('The job has no job contact');
  fake.state.update('job-contact', row.id, {});
  scenario = { since, malformedContact, wellFormed, malformedJob };
});
afterAll(async () => {
  await fake?.close();
});

describe('an incremental client read that fetches a malformed contact by id', () => {
  let records: ExternalRecord[];
  let paths: string[];
  let full: Map<string, ExternalRecord>;

  beforeAll(async () => {
    ({ result: records, paths } = await pathsOf(() => readAll(session, 'client', { since: scenario.since })));
    full = new Map((await readAll(session, 'client')).map((record) => [record.externalId, record]));
  });

  it('completes, with the contact fetched by id and read as the full read reads it', () => {
    const { clientId } = scenario.malformedContact;
    expect(paths).toContain(`/address-book/${clientId}`);
    // The malformed job's client is re-read too (its job's contacts changed): its job, fetched by id, reads with
    // the wrong property set aside (a client record keeps only a summary of each job, as in the full read).
    expect(paths).toContain(`/job/${scenario.malformedJob.jobId}`);
    expect(records.map((record) => record.externalId)).toEqual(
      expect.arrayContaining([clientId, scenario.wellFormed.clientId]),
    );
    for (const record of records) expect(record).toEqual(full.get(record.externalId));
    expect(noteOf(records.find((record) => record.externalId === clientId))).toEqual({
      reason: 'VSCO Workspace sent this record with properties that do not match its documented schema',
      issues: [{ path: 'customFields', message: expect.stringMatching(/^Invalid input: expected /) }],
      properties: { customFields: 'oops' },
    });
  });

  it('gives one record the default mappings reject; every other record maps', () => {
    const mapper = compileMappings(provider.defaultMappings('client'), {
      direction: 'import',
      defaultCountry: 'US',
    });
    const rejected = records.filter((record) => !mapper(record.data, { recordId: record.externalId }).ok);
    expect(rejected.map((record) => record.externalId)).toEqual([scenario.malformedContact.clientId]);
    const [result] = rejected.map((record) => mapper(record.data, { recordId: record.externalId }));
    expect(result?.errors).toEqual([
      expect.objectContaining({
        field: '',
        code: 'unreadable_record',
        reason: expect.stringContaining('(customFields: Invalid input: expected '),
      }),
    ]);
    expect(records.length).toBeGreaterThan(1);
  });
});

describe('an incremental project read that fetches a malformed job by id', () => {
  let records: ExternalRecord[];
  let paths: string[];
  let full: Map<string, ExternalRecord>;

  beforeAll(async () => {
    ({ result: records, paths } = await pathsOf(() =>
      readAll(session, 'project', { since: scenario.since }),
    ));
    full = new Map((await readAll(session, 'project')).map((record) => [record.externalId, record]));
  });

  it('completes, with the job fetched by id and read as the full read reads it', () => {
    const { jobId } = scenario.malformedJob;
    expect(paths).toContain(`/job/${jobId}`);
    expect(records.map((record) => record.externalId)).toEqual(
      expect.arrayContaining([jobId, scenario.malformedContact.jobId, scenario.wellFormed.jobId]),
    );
    for (const record of records) expect(record).toEqual(full.get(record.externalId));
    expect(noteOf(records.find((record) => record.externalId === jobId))).toMatchObject({
      issues: [{ path: 'leadMaxBudget' }],
      properties: { leadMaxBudget: 'a lot' },
    });
  });

  it('gives one record the default mappings reject; every other record maps', () => {
    const mapper = compileMappings(provider.defaultMappings('project'), {
      direction: 'import',
      defaultCountry: 'US',
      currency: 'USD',
    });
    const rejected = records.filter((record) => !mapper(record.data, { recordId: record.externalId }).ok);
    expect(rejected.map((record) => record.externalId)).toEqual([scenario.malformedJob.jobId]);
    expect(records.length).toBeGreaterThan(1);
  });
});
