import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundError } from '@wedsync/crm-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneAbbreviations, zonedToUtc } from '../src/fake-servers/tave/time.js';
import {
  createFakeTave,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
  type TaveCollection,
  type TaveContact,
  type TaveEvent,
  type TaveJob,
  type TaveJobContact,
  type TavePayment,
  type TavePerson,
  toTavePhone,
  ulidPattern,
} from '../src/servers.js';

const apiKey = 'tave-test-key-0123456789';
const studio = generateStudio({ seed: 11, clients: 60, duplicates: 4, badRecords: 3 });
let fake: RunningFakeTave;

const headers = { 'X-API-KEY': apiKey, 'content-type': 'application/json' };
const get = (path: string, init: RequestInit = {}) => fetch(`${fake.url}${path}`, { headers, ...init });
async function getJson<T>(path: string): Promise<T> {
  const response = await get(path);
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}
async function send<T>(method: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${fake.url}${path}`, { method, headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

/** Walks every page of a collection. */
async function walk<T extends { id: string }>(
  path: string,
  pageSize = 10,
): Promise<{ items: T[]; pages: TaveCollection<T>[] }> {
  const pages: TaveCollection<T>[] = [];
  const separator = path.includes('?') ? '&' : '?';
  for (let page = 1; ; page += 1) {
    const body = await getJson<TaveCollection<T>>(`${path}${separator}page=${page}&pageSize=${pageSize}`);
    pages.push(body);
    if (page >= body.meta.totalPages) break;
  }
  return { items: pages.flatMap((page) => [...page.items]), pages };
}

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
});
afterAll(async () => {
  await fake.close();
});

describe('startFakeTave', () => {
  it('serves under /api/v2 on loopback and describes the studio at /studio/me', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
    const me = await getJson<Record<string, unknown>>('/studio/me');
    expect(me).toMatchObject({ currencyCode: 'USD', dateFormat: 'n/j/Y', name: studio.settings.name });
    const timezone = await getJson<{ name: string }>(`/timezone/${me.timezoneId}`);
    expect(timezone.name).toBe('America/New_York');
  });

  it('walks every page with no gaps or repeats, with the vendor meta block', async () => {
    const { items, pages } = await walk<TaveContact>('/address-book');
    const ids = items.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(fake.state.count('address-book'));
    expect(pages[0]?.meta).toEqual({
      currentPage: 1,
      totalPages: Math.ceil(ids.length / 10),
      totalItems: ids.length,
      rows: 10,
    });
    expect(pages[0]?.type).toBe('addressbook-collection');
    expect(ids).toEqual([...ids].sort());
    const kinds = new Set(items.map((item) => item.kind));
    expect(kinds).toEqual(new Set(['person', 'company', 'location', 'employee']));
    expect(items.find((item) => item.kind === 'person')).not.toHaveProperty('notes');
    const beyond = await getJson<TaveCollection<TaveContact>>(
      `/address-book?page=${pages.length + 1}&pageSize=10`,
    );
    expect(beyond.items).toEqual([]);
    expect((await getJson<TaveCollection<TaveContact>>('/address-book')).meta.rows).toBe(100);
  });

  it('sorts by modified desc and asc, and rejects unknown sorts and page sizes in the vendor shape', async () => {
    const { items } = await walk<TaveJob>('/job?includeClosed=true&sortBy=modified%20desc', 25);
    const modified = items.map((item) => Date.parse(item.modified));
    expect(modified).toEqual([...modified].sort((a, b) => b - a));
    const ascending = (await walk<TaveJob>('/job?includeClosed=true&sortBy=modified+asc', 25)).items.map(
      (item) => item.id,
    );
    expect(ascending).toEqual(items.map((item) => item.id).reverse());
    for (const [query, field] of [
      ['sortBy=modified%20sideways', 'sortBy'],
      ['sortBy=password', 'sortBy'],
      ['pageSize=9', 'pageSize'],
      ['pageSize=101', 'pageSize'],
      ['page=0', 'page'],
      ['includeClosed=maybe', 'includeClosed'],
    ] as const) {
      const response = await get(`/job?${query}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        type: string;
        detail: Record<string, string[]>;
        status: number;
      };
      expect(body).toMatchObject({ type: 'validation-error', title: 'Validation Error', status: 400 });
      expect(Object.keys(body.detail)).toEqual([field]);
    }
  });

  it('hides closed jobs unless includeClosed=true', async () => {
    const open = await walk<TaveJob>('/job', 100);
    const all = await walk<TaveJob>('/job?includeClosed=true', 100);
    expect(all.items).toHaveLength(studio.jobs.length);
    expect(open.items).toHaveLength(studio.jobs.filter((job) => !job.closed).length);
    expect(open.items.every((job) => !job.closed)).toBe(true);
    expect(all.items.some((job) => job.closed && job.closedReasonName !== null)).toBe(true);
  });

  it('answers 401 in the vendor shape without the key, and accepts Authorization: Bearer', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { 'X-API-KEY': 'not-the-key' },
      { Authorization: 'Bearer not-the-key' },
    ];
    for (const requestHeaders of attempts) {
      const response = await fetch(`${fake.url}/address-book`, { headers: requestHeaders });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        type: 'unknown',
        title: 'Unauthorized',
        detail: 'API key is missing or invalid',
        status: 401,
      });
    }
    const bearer = await fetch(`${fake.url}/address-book?pageSize=10`, {
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    expect(bearer.status).toBe(200);
    const last = fake.requestLog.last();
    expect(last?.keyId).toBe(fake.keyId);
    expect(JSON.stringify(fake.requestLog.entries())).not.toContain(apiKey);
  });

  it('filters contacts by email (any case), events and job contacts by job, payments and orders of a job', async () => {
    const client = studio.people.find(
      (person) =>
        person.role === 'client' &&
        person.email !== null &&
        !studio.manifest.sharedEmailCouples.some((couple) => couple.email === person.email),
    ) as { id: string; email: string };
    const byEmail = await getJson<TaveCollection<TaveContact>>(
      `/address-book?email=${encodeURIComponent(client.email.toUpperCase())}`,
    );
    expect(byEmail.items.map((item) => item.id)).toContain(client.id);

    const couple = studio.manifest.sharedEmailCouples[0];
    if (couple !== undefined) {
      const shared = await getJson<TaveCollection<TavePerson>>(
        `/address-book?email=${encodeURIComponent(couple.email)}`,
      );
      expect(shared.items.map((item) => item.id).sort()).toEqual([...couple.contactIds].sort());
      expect(new Set(shared.items.map((item) => item.name)).size).toBe(2);
    }

    const wedding = studio.jobs.find(
      (job) =>
        studio.events.filter((event) => event.jobId === job.id).length >= 2 &&
        studio.payments.some((payment) => payment.jobId === job.id),
    ) as { id: string };
    const events = await getJson<TaveCollection<TaveEvent>>(`/event?jobId=${wedding.id}`);
    expect(events.items.map((event) => event.id).sort()).toEqual(
      studio.events
        .filter((event) => event.jobId === wedding.id)
        .map((event) => event.id)
        .sort(),
    );
    expect(events.items[0]?.timezoneName).toBeTruthy();
    expect(events.items[0]?.startTime).toMatch(/^\d{2}:\d{2}:00$/);
    const contacts = await getJson<TaveCollection<TaveJobContact>>(`/job-contact?jobId=${wedding.id}`);
    const primary = contacts.items.filter((item) => item.client === true);
    expect(primary).toHaveLength(1);
    expect(primary[0]?.roleKinds).toContain('client');
    expect(contacts.items.length).toBe(
      studio.jobContacts.filter((jobContact) => jobContact.jobId === wedding.id).length,
    );
    const payments = await getJson<TaveCollection<TavePayment>>(`/job/${wedding.id}/payment`);
    expect(payments.type).toBe('jobpayment-collection');
    expect(payments.items.length).toBe(
      studio.payments.filter((payment) => payment.jobId === wedding.id).length,
    );
    const orders = await getJson<TaveCollection<{ jobId: string }>>(`/job/${wedding.id}/order`);
    expect(orders.type).toBe('joborder-collection');
    expect(orders.items.every((order) => order.jobId === wedding.id)).toBe(true);
    const jobFields = await getJson<TaveCollection<{ canApplyTo: string }>>('/custom-field?canApplyTo=job');
    expect(jobFields.items.length).toBeGreaterThan(0);
    expect(jobFields.items.every((field) => field.canApplyTo === 'Job')).toBe(true);
    const bad = await get('/event?jobId=not-a-ulid');
    expect(bad.status).toBe(400);
  });

  it('gets each record by id, with 404 for an unknown id and 400 for a malformed one', async () => {
    const client = studio.people.find((person) => person.role === 'client' && person.notes.length > 0) as {
      id: string;
      notes: readonly { text: string }[];
    };
    const person = await getJson<
      TavePerson & { notes: { contentHtml: string }[]; links: { self: { href: string } } }
    >(`/address-book/${client.id}`);
    expect(person.id).toBe(client.id);
    expect(person.links.self.href).toBe(`${fake.url}/address-book/${client.id}`);
    expect(person.notes).toHaveLength(client.notes.length);
    for (const resource of [
      'job',
      'event',
      'payment',
      'order',
      'job-contact',
      'lead-source',
      'custom-field',
    ]) {
      const list = await getJson<TaveCollection<{ id: string }>>(`/${resource}?pageSize=10`);
      const id = list.items[0]?.id as string;
      expect((await getJson<{ id: string }>(`/${resource}/${id}`)).id).toBe(id);
    }
    const missing = await get('/job/01h35ccwymj5ctckp8px1azhg6');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'unknown', title: 'Not Found', status: 404 });
    expect((await get('/job/42')).status).toBe(400);
  });

  it('shows the studio in the vendor’s shapes: phone objects, nullable names, planted bad values', async () => {
    const people = (await walk<TaveContact>('/address-book', 100)).items.filter(
      (item): item is TavePerson => item.kind === 'person',
    );
    const withPhone = people.find((person) => person.cellPhone?.e164 !== null && person.cellPhone !== null);
    expect(withPhone?.cellPhone).toMatchObject({
      e164: expect.stringMatching(/^\+\d+$/),
      dialCode: expect.any(Number),
      countryCode: expect.stringMatching(/^[a-z]{2}$/),
    });
    for (const entry of studio.manifest.badRecords) {
      const person = people.find((item) => item.id === entry.contactId) as TavePerson;
      if (entry.kind === 'missingName')
        expect([person.firstName, person.lastName, person.name]).toEqual([null, null, '']);
      if (entry.kind === 'invalidEmail') expect(person.email).toBe(entry.value);
      if (entry.kind === 'impossibleDate')
        expect((await getJson<TaveJob>(`/job/${entry.jobId}`)).eventDate).toBe(entry.value);
    }
    // A foreign number typed without `+` does not parse in the studio's country: only `formatted` survives.
    expect(
      toTavePhone(
        {
          type: 'mobile',
          typed: '07700 900123',
          e164: '+447700900123',
          country: 'GB',
          national: '07700 900123',
          international: '+44 7700 900123',
        },
        'US',
      ),
    ).toEqual({
      id: null,
      formatted: '07700 900123',
      e164: null,
      extension: null,
      telUri: null,
      dialCode: null,
      countryCode: null,
    });
    expect(
      toTavePhone(
        {
          type: 'mobile',
          typed: '+44 7700 900123',
          e164: '+447700900123',
          country: 'GB',
          national: '07700 900123',
          international: '+44 7700 900123',
        },
        'US',
      ),
    ).toMatchObject({
      formatted: '+44 7700 900123',
      e164: '+447700900123',
      telUri: 'tel:+44-7700-900123',
      dialCode: 44,
      countryCode: 'gb',
    });
  });

  it('lets a test change the CRM side between syncs: update bumps modified, add and delete show up', async () => {
    const newest = async () =>
      (await getJson<TaveCollection<TaveContact>>('/address-book?sortBy=modified%20desc&pageSize=10'))
        .items[0] as TaveContact;
    const before = await newest();
    const target = studio.people.find((person) => person.role === 'client') as { id: string };
    const updated = fake.state.update('address-book', target.id, {
      firstName: 'Renamed',
    } as Partial<TavePerson>);
    expect(Date.parse(updated.modified)).toBeGreaterThan(Date.parse(before.modified));
    expect((updated as TavePerson).name.startsWith('Renamed')).toBe(true);
    const top = await newest();
    expect(top.id).toBe(target.id);
    expect((top as TavePerson).firstName).toBe('Renamed');

    const job = studio.jobs.find((item) => !item.closed) as { id: string };
    const jobBefore = await getJson<TaveJob>(`/job/${job.id}`);
    fake.state.update('job', job.id, { guestCount: 321 });
    const jobAfter = await getJson<TaveJob>(`/job/${job.id}`);
    expect(jobAfter.guestCount).toBe(321);
    expect(jobAfter.modified > jobBefore.modified).toBe(true);

    const added = fake.state.create('address-book', {
      firstName: 'Added',
      lastName: 'Later',
      email: 'added@example.com',
    }) as TavePerson;
    expect(added).toMatchObject({ kind: 'person', name: 'Added Later', cellPhone: null, hidden: false });
    expect(added.id).toMatch(ulidPattern);
    expect((await newest()).id).toBe(added.id);

    const events = (await getJson<TaveCollection<TaveEvent>>(`/event?jobId=${job.id}`)).items;
    fake.state.remove('job', job.id);
    expect((await get(`/job/${job.id}`)).status).toBe(404);
    expect((await getJson<TaveCollection<TaveEvent>>(`/event?jobId=${job.id}`)).items).toEqual([]);
    if (events[0] !== undefined) expect((await get(`/event/${events[0].id}`)).status).toBe(404);
    expect(() => fake.state.update('job', job.id, {})).toThrow(NotFoundError);
  });

  it('creates and updates contacts and jobs through the API, validating like the vendor', async () => {
    const created = await send<TavePerson>('POST', '/address-book', {
      kind: 'person',
      firstName: 'Zoë',
      lastName: "O'Brien",
      email: 'zoe.obrien@example.com',
      cellPhone: { e164: '+14155550142' },
      birthdate: '1990-02-28',
      name: 'ignored: read-only',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'person',
      firstName: 'Zoë',
      lastName: "O'Brien",
      name: "Zoë O'Brien",
      cellPhone: { e164: '+14155550142', dialCode: 1, countryCode: 'us' },
    });
    expect(created.body.id).toMatch(ulidPattern);
    expect(created.body.created).toMatch(/\+00:00$/);
    const read = await getJson<TavePerson>(`/address-book/${created.body.id}`);
    expect(read.email).toBe('zoe.obrien@example.com');

    const updated = await send<TavePerson>('PUT', `/address-book/${created.body.id}`, {
      lastName: 'Murphy',
      secondaryEmail: null,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      firstName: 'Zoë',
      lastName: 'Murphy',
      name: 'Zoë Murphy',
      email: 'zoe.obrien@example.com',
    });
    expect(updated.body.modified > created.body.modified).toBe(true);

    const invalid = await send<{ type: string; detail: Record<string, string[]> }>('POST', '/address-book', {
      kind: 'person',
      email: 'not-an-email',
      firstName: 'x'.repeat(49),
      birthdate: '2023-02-30',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.type).toBe('validation-error');
    expect(Object.keys(invalid.body.detail).sort()).toEqual(['birthdate', 'email', 'firstName']);
    expect((await send('POST', '/address-book', { firstName: 'No kind' })).status).toBe(400);
    expect((await send('PUT', `/address-book/${created.body.id}`, { kind: 'company' })).status).toBe(400);
    const malformed = await fetch(`${fake.url}/address-book`, { method: 'POST', headers, body: '{"kind":' });
    expect(malformed.status).toBe(400);

    const jobType = studio.jobTypes.find((type) => type.key === 'wedding') as { id: string };
    const job = await send<TaveJob>('POST', '/job', {
      jobTypeId: jobType.id,
      eventDate: '2027-06-12',
      guestCount: 120,
      leadNotes: 'From the API 💍',
    });
    expect(job.status).toBe(201);
    expect(job.body).toMatchObject({
      jobTypeName: 'Wedding',
      stage: 'lead',
      closed: false,
      eventDate: '2027-06-12',
      guestCount: 120,
    });
    const booked = await send<TaveJob>('PUT', `/job/${job.body.id}`, {
      stage: 'booked',
      bookingDate: '2026-12-01',
    });
    expect(booked.body).toMatchObject({ stage: 'booked', bookingDate: '2026-12-01', jobTypeName: 'Wedding' });
    expect(
      (await send('PUT', `/job/${job.body.id}`, { jobTypeId: '01h35ccwymj5ctckp8px1azhg6' })).status,
    ).toBe(400);
    expect((await send('PUT', `/job/${job.body.id}`, { stage: 'archived' })).status).toBe(400);

    const role = studio.jobRoles.find((item) => item.key === 'bride') as { id: string };
    const link = await send<TaveJobContact>('POST', '/job-contact', {
      jobId: job.body.id,
      contactId: created.body.id,
      client: true,
      jobRoles: [role.id],
    });
    expect(link.status).toBe(201);
    expect(link.body.roleKinds).toEqual(['client', 'subject']);
    const linked = await getJson<TaveCollection<TaveJobContact>>(`/job-contact?jobId=${job.body.id}`);
    expect(linked.items.map((item) => item.contactId)).toEqual([created.body.id]);

    const removed = await fetch(`${fake.url}/address-book/${created.body.id}`, { method: 'DELETE', headers });
    expect(removed.status).toBe(204);
    expect(
      (await getJson<TaveCollection<TaveJobContact>>(`/job-contact?jobId=${job.body.id}`)).items,
    ).toEqual([]);
  });

  it('delivers REST hooks with the target id only', async () => {
    const received: { body: string; path: string }[] = [];
    const receiver = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ body, path: request.url ?? '' });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const hook = await send<{ id: string; event: string }>('POST', '/rest-hook', {
        event: 'contact.created',
        url: `http://127.0.0.1:${port}/hooks/contacts`,
        limitTo: { contactKinds: ['person'] },
      });
      expect(hook.status).toBe(201);
      expect(
        (await send('POST', '/rest-hook', { event: 'contact.deleted', url: 'https://example.com/x' })).status,
      ).toBe(400);
      const contact = await send<{ id: string }>('POST', '/address-book', {
        kind: 'person',
        firstName: 'Hooked',
      });
      await send('POST', '/address-book', { kind: 'company', name: 'Not a person' });
      await fake.webhooks.settled();
      expect(received).toEqual([
        { body: JSON.stringify({ targetId: contact.body.id }), path: '/hooks/contacts' },
      ]);
      expect(fake.webhooks.deliveries()).toEqual([
        expect.objectContaining({
          hookId: hook.body.id,
          event: 'contact.created',
          targetId: contact.body.id,
          status: 200,
          error: null,
        }),
      ]);
      const hooks = await getJson<TaveCollection<{ id: string }>>('/rest-hook');
      expect(hooks.items.map((item) => item.id)).toEqual([hook.body.id]);
      expect(
        (await fetch(`${fake.url}/rest-hook/${hook.body.id}`, { method: 'DELETE', headers })).status,
      ).toBe(204);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('rate limits with 429, quota-limit body and Retry-After; faults reach a plain fetch client', async () => {
    const limited = await startFakeTave({
      apiKey,
      studio: { seed: 2, clients: 5 },
      rateLimits: { perMinute: 2 },
      faults: { paths: { '/payment': { serverErrorRate: 1 } } },
    });
    try {
      const call = (path: string) => fetch(`${limited.url}${path}`, { headers: { 'X-API-KEY': apiKey } });
      expect((await call('/job')).status).toBe(200);
      expect((await call('/job')).status).toBe(200);
      const refused = await call('/job');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toEqual({
        type: 'quota-limit',
        title: 'Too Many Requests',
        detail: 'Exceeded request quota, see Retry-After header',
        status: 429,
      });
      limited.rateLimits.configure({});
      const failed = await call('/payment');
      expect(failed.status).toBe(503);
      expect(await failed.json()).toMatchObject({ type: 'unknown', status: 503 });
      limited.faults.configure({ malformedJsonRate: 1 });
      await expect((await call('/job')).json()).rejects.toThrow(SyntaxError);
      limited.faults.configure({ connectionResetRate: 1 });
      await expect(call('/job')).rejects.toThrow(TypeError);
    } finally {
      await limited.close();
    }
  });

  it('generates its own studio from options, lazily converted, and checks its options', () => {
    const fromOptions = createFakeTave({ apiKey, studio: { seed: 4, clients: 30, duplicates: 2 } });
    expect(fromOptions.studio).toBeUndefined();
    expect(fromOptions.manifest.counts.clients).toBe(30);
    expect(fromOptions.manifest.duplicates).toHaveLength(2);
    expect(fromOptions.state.count('job')).toBe(fromOptions.manifest.counts.jobs);
    expect(
      fromOptions.state.list('address-book').filter((contact) => contact.kind === 'person'),
    ).toHaveLength(fromOptions.manifest.counts.people);
    const same = createFakeTave({ apiKey, studio: generateStudio({ seed: 4, clients: 30, duplicates: 2 }) });
    expect(same.state.list('job')).toEqual(fromOptions.state.list('job'));
    expect(same.state.list('address-book')).toEqual(fromOptions.state.list('address-book'));
    expect(same.state.list('payment')).toEqual(fromOptions.state.list('payment'));
    expect(() => createFakeTave({ apiKey: 'short' })).toThrow(
      'Expected `apiKey` to be a string of at least 8 characters',
    );
    expect(() => createFakeTave({ apiKey, pageSizeMax: 5 })).toThrow('`pageSizeMax`');
  });

  it('validates every writable field like the vendor, and filters by external mapping, kind and search', async () => {
    const location = await send<{
      id: string;
      kind: string;
      phone: { e164: string | null; formatted: string };
    }>('POST', '/address-book', {
      kind: 'location',
      name: 'Harbour Hall',
      phone: { formatted: '07700 900123' },
      address: { streetAddress: '1 Quay St', city: 'Bristol', country: 'GB' },
      externalMappings: [{ id: 'wedsync-123', url: 'https://app.wedsync.example/venues/123' }],
    });
    expect(location.status).toBe(201);
    // A number typed without a country code parses with the studio's country (US) — or does not parse.
    expect(location.body.phone).toMatchObject({ formatted: '07700 900123' });
    // The document defines no externalMappingId filter on /address-book: the parameter is ignored there.
    const unfiltered = await getJson<TaveCollection<{ id: string }>>(
      '/address-book?externalMappingId=wedsync-123',
    );
    expect(unfiltered.meta.totalItems).toBe(fake.state.count('address-book'));
    const company = await send<{ id: string }>('POST', '/address-book', {
      kind: 'company',
      name: 'Petal Co',
      phone: { formatted: '+44 7700 900123' },
      primaryContactFirstName: 'Ana',
    });
    expect(company.status).toBe(201);
    const failures: [string, string, unknown, string][] = [
      ['POST', '/address-book', { kind: 'company' }, 'name'],
      ['POST', '/address-book', { kind: 'person', address: { street: 'x' } }, 'address.street'],
      ['POST', '/address-book', { kind: 'person', address: { country: 'GBR' } }, 'address.country'],
      ['POST', '/address-book', { kind: 'person', cellPhone: { e164: '555-0142' } }, 'cellPhone.e164'],
      ['POST', '/address-book', { kind: 'person', cellPhone: '+14155550142' }, 'cellPhone'],
      ['POST', '/address-book', { kind: 'person', cellPhone: {} }, 'cellPhone'],
      ['POST', '/address-book', { kind: 'person', gender: 'other' }, 'gender'],
      ['POST', '/address-book', { kind: 'person', privacyOptIn: 'yes' }, 'privacyOptIn'],
      [
        'POST',
        '/address-book',
        {
          kind: 'person',
          customFields: [
            { fieldId: studio.customFields.find((field) => field.appliesTo === 'job')?.id, value: 'x' },
          ],
        },
        'customFields[0].fieldId',
      ],
      [
        'POST',
        '/address-book',
        {
          kind: 'person',
          customFields: [
            { fieldId: studio.customFields.find((field) => field.appliesTo === 'contact')?.id, value: 3 },
          ],
        },
        'customFields[0].value',
      ],
      [
        'POST',
        '/address-book',
        { kind: 'person', externalMappings: [{ id: '', url: 'x' }] },
        'externalMappings[0].id',
      ],
      ['POST', '/address-book', { kind: 'person', url: 'not a url' }, 'url'],
      ['POST', '/job', { guestCount: 1.5 }, 'guestCount'],
      ['POST', '/job', { leadRating: 9 }, 'leadRating'],
      ['POST', '/job', { leadSourceId: 'nope' }, 'leadSourceId'],
      ['POST', '/job', { closed: null }, 'closed'],
      ['POST', '/job', { name: 42 }, 'name'],
      ['POST', '/job-contact', { jobId: fake.state.list('job')[0]?.id }, 'contactId'],
      [
        'POST',
        '/job-contact',
        { jobId: fake.state.list('job')[0]?.id, contactId: company.body.id, jobRoles: ['nope'] },
        'jobRoles',
      ],
      ['POST', '/rest-hook', { url: 'https://example.com/hook' }, 'event'],
      [
        'POST',
        '/rest-hook',
        { event: 'job.created', url: 'https://example.com/hook', limitTo: { colour: 'red' } },
        'limitTo',
      ],
    ];
    for (const [method, path, body, field] of failures) {
      const result = await send<{ detail: Record<string, string[]> }>(method, path, body);
      expect(result.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(Object.keys(result.body.detail), `${path} ${JSON.stringify(body)}`).toContain(field);
    }
    expect((await send('POST', '/job', [1, 2])).status).toBe(400);
    expect((await send('PUT', '/job/42', {})).status).toBe(400);
    expect((await send('PUT', '/job-contact/01h35ccwymj5ctckp8px1azhg6', {})).status).toBe(404);

    const jobContact = fake.state.list('job-contact')[0] as { id: string };
    const role = studio.jobRoles.find((item) => item.key === 'planner') as { id: string };
    const relinked = await send<TaveJobContact>('PUT', `/job-contact/${jobContact.id}`, {
      jobRoles: [role.id],
      client: false,
    });
    expect(relinked.body.roleKinds).toEqual(['vendor']);
    const hook = await send<{ id: string }>('POST', '/rest-hook', {
      event: 'job.created',
      url: 'https://example.com/hooks/jobs',
      limitTo: { webLead: true },
    });
    const changed = await send<{ url: string; event: string }>('PUT', `/rest-hook/${hook.body.id}`, {
      url: 'https://example.com/hooks/leads',
    });
    expect(changed.body).toMatchObject({ url: 'https://example.com/hooks/leads', event: 'job.created' });

    const person = studio.people.find((item) => item.role === 'client') as { id: string };
    await send('PUT', `/address-book/${person.id}`, {
      externalMappings: [{ id: 'ws-client-1', url: 'https://app.wedsync.example/clients/1' }],
    });
    const byMapping = await getJson<TaveCollection<{ id: string }>>('/job?externalMappingId=ws-client-1');
    expect(byMapping.items).toEqual([]);
    const mappedJob = fake.state.list('job')[1] as { id: string };
    fake.state.update('job', mappedJob.id, {
      externalMappings: [{ id: 'ws-project-7', url: 'https://app.wedsync.example/projects/7' }],
    });
    expect(
      (
        await getJson<TaveCollection<{ id: string }>>(
          '/job?includeClosed=true&externalMappingId=ws-project-7',
        )
      ).items.map((item) => item.id),
    ).toEqual([mappedJob.id]);

    const money = await getJson<TaveCollection<{ kind: string }>>('/custom-field?kind=money&kind=date');
    expect(money.items.map((item) => item.kind).sort()).toEqual(['Date', 'Money']);
    const zones = await getJson<TaveCollection<{ name: string }>>('/timezone?search=new_york');
    expect(zones.items.map((item) => item.name)).toEqual(['America/New_York']);

    const hiddenSource = fake.state.list('lead-source')[0] as { id: string };
    fake.state.update('lead-source', hiddenSource.id, { hidden: true });
    const visible = await getJson<TaveCollection<{ id: string }>>('/lead-source');
    const everything = await getJson<TaveCollection<{ id: string }>>('/lead-source?includeHidden=true');
    expect(visible.items.map((item) => item.id)).not.toContain(hiddenSource.id);
    expect(everything.items.map((item) => item.id)).toContain(hiddenSource.id);
  });

  it('converts local event times to UTC in the event time zone, across daylight saving', () => {
    expect(zonedToUtc('2024-07-01', '14:00', 'America/New_York')).toBe('2024-07-01T18:00:00+00:00');
    expect(zonedToUtc('2024-01-15', '14:00', 'America/New_York')).toBe('2024-01-15T19:00:00+00:00');
    expect(zonedToUtc('2024-03-10', '12:00', 'America/New_York')).toBe('2024-03-10T16:00:00+00:00');
    expect(zonedToUtc('2024-03-10', '01:30', 'America/New_York')).toBe('2024-03-10T06:30:00+00:00');
    expect(zonedToUtc('2024-01-15', '23:30', 'Australia/Sydney')).toBe('2024-01-15T12:30:00+00:00');
    expect(zonedToUtc('2024-06-01', '09:15', 'Asia/Kolkata')).toBe('2024-06-01T03:45:00+00:00');
    expect(zoneAbbreviations('America/New_York')).toEqual({ standard: 'EST', daylight: 'EDT' });
    const event = studio.events.find((item) => item.endDate > item.startDate);
    expect(event).toBeDefined();
  });
});
