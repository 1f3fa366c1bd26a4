/**
 * read('client') against the fake VSCO Workspace: one record per seeded client (and per planted duplicate, a
 * second contact of the same person), never a partner, planner or vendor; partner, jobs and labelled custom
 * fields attached; phones to E.164 through the default mappings.
 */
import { compileMappings, type ExternalRecord, type ProviderPage } from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll, readPages } from './helpers.js';

const studio: GeneratedStudio = generateStudio({ seed: 5, clients: 60, duplicates: 4, badRecords: 3 });
let fake: RunningFakeTave;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
});
afterAll(async () => {
  await fake?.close();
});

const byRole = (role: string) =>
  new Set(studio.people.filter((person) => person.role === role).map((person) => person.id));

/** The generator's partner of each client: the non-primary partner contact on the client's jobs. */
function expectedPartners(): Map<string, string> {
  const partners = byRole('partner');
  const jobsOf = new Map(studio.jobs.map((job) => [job.id, job.clientId]));
  const result = new Map<string, string>();
  for (const jobContact of studio.jobContacts) {
    if (jobContact.primary || !partners.has(jobContact.contactId)) continue;
    const clientId = jobsOf.get(jobContact.jobId);
    if (clientId !== undefined) result.set(clientId, jobContact.contactId);
  }
  return result;
}

describe('read client', () => {
  let pages: ProviderPage[];
  let clients: ExternalRecord[];
  let byId: Map<string, ExternalRecord>;

  beforeAll(async () => {
    const session = await connect(createTave({ baseUrl: fake.url, pageSize: 25 }));
    pages = await readPages(session, 'client');
    clients = pages.flatMap((page) => [...page.records]);
    byId = new Map(clients.map((record) => [record.externalId, record]));
  });

  it('yields every seeded client once, and each planted duplicate as the separate contact it is', () => {
    const seeded = byRole('client');
    const duplicates = byRole('duplicate');
    expect(seeded.size).toBe(studio.manifest.counts.clients);
    expect(duplicates.size).toBe(studio.manifest.duplicates.length);
    expect(clients).toHaveLength(studio.manifest.counts.clients + studio.manifest.duplicates.length);
    expect(new Set(byId.keys())).toEqual(new Set([...seeded, ...duplicates]));
    // The number of clients is known once the address book is read: the last page says it.
    expect(pages.at(-1)?.totalRecords).toBe(clients.length);
    expect(pages.slice(0, -1).every((page) => page.totalRecords === undefined)).toBe(true);
  });

  it('never yields partners, planners, vendors or the team as clients', () => {
    const partners = byRole('partner');
    expect(partners.size).toBeGreaterThan(20);
    for (const id of partners) expect(byId.has(id)).toBe(false);
    for (const planner of studio.planners) expect(byId.has(planner.id)).toBe(false);
    for (const company of studio.companies) expect(byId.has(company.id)).toBe(false);
    for (const member of studio.staff) expect(byId.has(member.id)).toBe(false);
    for (const record of clients) expect(record.data['kind']).toBe('person');
  });

  it('yields a returning client once, with each of its jobs', () => {
    expect(studio.manifest.returningClients.length).toBeGreaterThan(0);
    for (const returning of studio.manifest.returningClients) {
      const record = byId.get(returning.contactId);
      const jobs = record?.data['jobs'] as { id: string }[];
      expect(jobs.map((job) => job.id)).toEqual(returning.jobIds);
    }
  });

  it('attaches the partner from the job contacts, as the raw address-book person', () => {
    const partners = expectedPartners();
    expect(partners.size).toBeGreaterThan(20);
    for (const record of clients) {
      const partner = record.data['partner'] as Record<string, unknown> | null;
      const expected = partners.get(record.externalId);
      if (expected === undefined) {
        expect(partner, record.externalId).toBeNull();
        continue;
      }
      const person = studio.people.find((candidate) => candidate.id === expected);
      expect(partner).toMatchObject({ id: expected, kind: 'person', firstName: person?.firstName });
      expect(partner).not.toHaveProperty('links');
    }
    // A couple sharing one email address stays two people: the client and the partner.
    expect(studio.manifest.sharedEmailCouples.length).toBeGreaterThan(0);
    for (const couple of studio.manifest.sharedEmailCouples) {
      const [clientId, partnerId] = couple.contactIds;
      expect(byId.get(clientId)?.data['partner']).toMatchObject({ id: partnerId });
      expect(byId.has(partnerId)).toBe(false);
    }
  });

  it('lists the client jobs with what the wedding fields need', () => {
    for (const job of studio.jobs) {
      const record = byId.get(job.clientId);
      const summary = ((record?.data['jobs'] ?? []) as Record<string, unknown>[]).find(
        (entry) => entry.id === job.id,
      );
      const typeName = studio.jobTypes.find((type) => type.id === job.jobTypeId)?.name;
      expect(summary).toMatchObject({
        eventDate: job.eventDate,
        inquiryDate: job.inquiryDate,
        jobTypeName: typeName,
        isWedding: typeName === 'Wedding' || typeName === 'Elopement',
        closed: job.closed,
        guestCount: job.guestCount,
        budget: job.budget === null ? null : { amount: job.budget, currencyCode: studio.options.currency },
      });
    }
  });

  it('resolves custom fields to their labels, keeping fieldId and value', () => {
    let seen = 0;
    for (const person of studio.people) {
      const record = byId.get(person.id);
      if (record === undefined) continue;
      const fields = record.data['customFields'] as Record<string, unknown>[];
      expect(fields).toHaveLength(person.customFields.length);
      for (const value of person.customFields) {
        const definition = studio.customFields.find((field) => field.id === value.fieldId);
        expect(fields).toContainEqual(
          expect.objectContaining({
            fieldId: value.fieldId,
            value: value.value,
            label: definition?.label,
            key: definition?.key,
          }),
        );
        expect(
          (record.data['customFieldsByKey'] as Record<string, unknown>)[definition?.key as string],
        ).toEqual({
          key: definition?.key,
          label: definition?.label,
          type: definition?.kind === 'choice' ? 'choice' : 'text',
          value: value.value,
        });
        seen += 1;
      }
    }
    expect(seen).toBeGreaterThan(10);
  });

  it('maps phone objects to E.164 through the default mappings', async () => {
    const tave = createTave({ baseUrl: fake.url });
    const mapper = compileMappings(tave.defaultMappings('client'), {
      direction: 'import',
      defaultCountry: studio.options.country,
    });
    let checked = 0;
    for (const person of studio.people) {
      const record = byId.get(person.id);
      const cell = record?.data['cellPhone'] as { e164: string | null; formatted: string } | null | undefined;
      if (record === undefined || cell === null || cell === undefined || cell.e164 === null) continue;
      const mobile = person.phones.find((phone) => phone.type === 'mobile');
      const mapped = mapper(record.data).value as { phone?: string };
      expect(mapped.phone).toBe(mobile?.e164);
      expect(mapped.phone).toMatch(/^\+\d{8,15}$/);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('pages by the page size and resumes from a cursor in a new session after repeating the pre-pass', async () => {
    const session = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }));
    fake.requestLog.clear();
    const small = await readPages(session, 'client');
    const contacts = fake.state.list('address-book').filter((contact) => contact.hidden !== true).length;
    expect(small).toHaveLength(Math.ceil(contacts / 10));
    // Each cursor names the next page, and the last clients of a page that wait for a partner on it.
    expect(small.map((page) => page.cursor?.replace(/:waiting:[0-9a-z,]+$/, '') ?? null)).toEqual([
      ...Array.from({ length: small.length - 1 }, (_, index) => `address-book:page:${index + 2}`),
      null,
    ]);
    expect(small.some((page) => page.cursor?.includes(':waiting:'))).toBe(true);
    expect(small.flatMap((page) => page.records.map((record) => record.externalId))).toEqual(
      clients.map((record) => record.externalId),
    );
    // One walk of the address book serves the partners and the clients.
    expect(fake.requestLog.entries({ path: '/address-book' })).toHaveLength(small.length);

    // A resumed read (a new session, as after a crash): the pre-pass again (job contacts, jobs), then the walk
    // from page 4, looking up by id the partners that sit on earlier pages.
    const resumedSession = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }));
    fake.requestLog.clear();
    // Resume after page 3, from a cursor whose clients wait for a partner (they are looked up by id).
    const at = small.findIndex((page, index) => index >= 2 && page.cursor?.includes(':waiting:'));
    expect(at).toBeGreaterThan(0);
    const cursor = small[at]?.cursor as string;
    const waiting = (cursor.split(':waiting:')[1] as string).split(',');
    const resumed = await readPages(resumedSession, 'client', { cursor });
    expect(resumed.flatMap((page) => page.records)).toEqual(
      small.slice(at + 1).flatMap((page) => page.records),
    );
    expect(resumed.map((page) => page.cursor)).toEqual(small.slice(at + 1).map((page) => page.cursor));
    // Only a walk from page 1 counts every client.
    expect(resumed.every((page) => page.totalRecords === undefined)).toBe(true);
    const paths = fake.requestLog
      .entries()
      .map((entry) => `${entry.path}?${String(entry.query['page'] ?? '')}`);
    expect(paths).toContain('/job-contact?1');
    expect(paths).toContain('/job?1');
    const addressBook = fake.requestLog.entries({ path: '/address-book' });
    expect(addressBook.map((entry) => entry.query['page'])).toEqual(
      Array.from({ length: small.length - at - 1 }, (_, index) => String(index + at + 2)),
    );
    expect(
      fake.requestLog
        .entries()
        .filter((entry) => entry.path.startsWith('/address-book/'))
        .map((entry) => entry.path.slice('/address-book/'.length)),
    ).toEqual(waiting);
  });
});

describe('read client since a watermark', () => {
  it('walks contacts by modification date and stops at the watermark', async () => {
    const session = await connect(createTave({ baseUrl: fake.url, pageSize: 10 }));
    const all = await readAll(session, 'client');
    const times = all.map((record) => Date.parse(record.modifiedAt as string)).sort((a, b) => a - b);
    const since = new Date(times[Math.floor(times.length * 0.75)] as number).toISOString();
    fake.requestLog.clear();
    const pages = await readPages(session, 'client', { since });
    const changed = pages.flatMap((page) => [...page.records]);
    // The same records a full read yields for those clients, in id order.
    const expected = all
      .filter((record) => Date.parse(record.modifiedAt as string) > Date.parse(since))
      .sort((left, right) => (left.externalId < right.externalId ? -1 : 1));
    expect(changed).toEqual(expected);
    expect(changed.length).toBeGreaterThan(0);
    expect(pages.every((page) => page.totalRecords === undefined)).toBe(true);
    // A cursor names the last id the page covered: its last record's, or past it when the read took the full
    // walk and yields only the touched clients of each page.
    for (const page of pages.slice(0, -1)) {
      const after = /^address-book:modified:after:([0-9a-z]{26})$/.exec(page.cursor ?? '')?.[1];
      expect(after, String(page.cursor)).toBeDefined();
      const last = page.records.at(-1)?.externalId;
      if (last !== undefined) expect((after as string) >= last).toBe(true);
    }
    // The yielding walk is sorted newest first and stops early.
    const yielding = fake.requestLog
      .entries({ path: '/address-book' })
      .filter((entry) => entry.query['sortBy'] === 'modified desc');
    expect(yielding.length).toBeLessThan(Math.ceil(fake.state.list('address-book').length / 10));
  });
});
