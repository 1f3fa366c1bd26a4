/**
 * Every endpoint the fake VSCO Workspace serves, validated against the vendor's OpenAPI document, so the fake
 * cannot drift from the vendor's shapes. Lists are walked to the last page; single items are fetched for
 * several records of each resource; errors are checked where the document defines them. The only
 * violations allowed are the planted bad values the manifest lists (an invalid email, an impossible date),
 * and the test proves each of them is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudio, type RunningFakeTave, startFakeTave, type TaveCollection } from '../src/servers.js';
import { OpenApiValidator, toJsonSchema } from './helpers/openapi.js';

const apiKey = 'openapi-test-key-987654';
const studio = generateStudio({ seed: 21, clients: 70, duplicates: 4, badRecords: 3 });
const validator = new OpenApiValidator();
let fake: RunningFakeTave;

const headers = { 'X-API-KEY': apiKey, 'content-type': 'application/json' };

/** Bad values planted on purpose, by record id: the field and a valid value to repair it with. */
const planted = new Map<string, { field: string; valid: string }>();
for (const entry of studio.manifest.badRecords) {
  if (entry.kind === 'invalidEmail')
    planted.set(entry.contactId, { field: 'email', valid: 'repaired@example.com' });
  if (entry.kind === 'impossibleDate')
    planted.set(entry.jobId as string, { field: 'eventDate', valid: '2026-05-30' });
}
/** Planted values seen failing their `format`, as `<id> <field>`. */
const plantedSeen = new Set<string>();

/**
 * Validates a body. A body holding a planted bad value must fail only because of it: with the value
 * repaired the body is valid, and every error of the original lies inside the planted record.
 */
function check(path: string, method: string, status: number, body: unknown): void {
  const label = `${method.toUpperCase()} ${path} ${status}`;
  const errors = validator.validateResponse(path, method, status, body);
  if (errors.length === 0) return;
  const list =
    body !== null && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items);
  const records: [Record<string, unknown>, string][] = list
    ? (body as { items: Record<string, unknown>[] }).items.map((item, index) => [item, `/items/${index}`])
    : [[body as Record<string, unknown>, '']];
  const repaired = structuredClone(body) as Record<string, unknown>;
  const repairedRecords = list ? (repaired.items as Record<string, unknown>[]) : [repaired];
  const prefixes: string[] = [];
  records.forEach(([record, prefix], index) => {
    const bad = planted.get(String(record.id));
    if (bad === undefined) return;
    prefixes.push(prefix);
    (repairedRecords[index] as Record<string, unknown>)[bad.field] = bad.valid;
    if (
      errors.some((error) => error.keyword === 'format' && error.instancePath === `${prefix}/${bad.field}`)
    ) {
      plantedSeen.add(`${record.id} ${bad.field}`);
    }
  });
  expect(prefixes, `${label}: ${JSON.stringify(errors.slice(0, 3))}`).not.toEqual([]);
  expect(validator.validateResponse(path, method, status, repaired), label).toEqual([]);
  const outside = errors.filter(
    (error) =>
      !prefixes.some(
        (prefix) =>
          prefix === '' || error.instancePath === prefix || error.instancePath.startsWith(`${prefix}/`),
      ),
  );
  expect(outside, label).toEqual([]);
}

async function request(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${fake.url}${path}`, { headers, ...init });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

/** The collections and the document path of each item, with the filters worth exercising. */
const collections: readonly {
  readonly path: string;
  readonly item: string;
  readonly queries?: readonly string[];
}[] = [
  { path: '/address-book', item: '/address-book/{id}', queries: ['sortBy=modified desc'] },
  { path: '/job', item: '/job/{id}', queries: ['includeClosed=true', 'sortBy=modified desc'] },
  { path: '/job-contact', item: '/job-contact/{id}', queries: ['includeHidden=true&sortBy=modified desc'] },
  { path: '/event', item: '/event/{id}' },
  { path: '/order', item: '/order/{id}' },
  { path: '/payment', item: '/payment/{id}' },
  { path: '/payment-method', item: '/payment-method/{id}' },
  { path: '/note', item: '/note/{id}' },
  { path: '/custom-field', item: '/custom-field/{id}', queries: ['canApplyTo=contact'] },
  { path: '/lead-source', item: '/lead-source/{id}' },
  { path: '/lead-status', item: '/lead-status/{id}' },
  { path: '/job-type', item: '/job-type/{id}' },
  { path: '/job-role', item: '/job-role/{id}' },
  { path: '/job-closed-reason', item: '/job-closed-reason/{id}' },
  { path: '/event-type', item: '/event-type/{id}' },
  { path: '/timezone', item: '/timezone/{id}' },
  { path: '/rest-hook', item: '/rest-hook/{id}' },
];

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  // A REST hook so the rest-hook list has an item.
  const hook = await request('/rest-hook', {
    method: 'POST',
    body: JSON.stringify({ event: 'job.created', url: 'https://example.com/hooks/jobs' }),
  });
  expect(hook.status).toBe(201);
});
afterAll(async () => {
  await fake.close();
});

describe('the fake VSCO Workspace against the vendor OpenAPI document', () => {
  it('rewrites OpenAPI 3.0 nullable into JSON Schema', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, enum: ['a'] })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toJsonSchema({ allOf: [{ nullable: true }, { $ref: '#/x' }] })).toEqual({
      anyOf: [{ type: 'null' }, { allOf: [{ anyOf: [{ type: 'null' }, {}] }, { $ref: '#/x' }] }],
    });
    expect(toJsonSchema({ properties: { nullable: { type: 'boolean' } } })).toEqual({
      properties: { nullable: { type: 'boolean' } },
    });
    expect(
      validator.validateSchema('Error', { type: 'unknown', title: 'x', detail: 'y', status: 1 }),
    ).toEqual([]);
    expect(validator.validateSchema('Job', { stage: 'archived' })).not.toEqual([]);
  });

  it('catches drift: the validator rejects shapes the vendor would not send', async () => {
    const event = (await request(`/event/${studio.events[0]?.id}`)).body as Record<string, unknown>;
    check('/event/{id}', 'get', 200, event);
    expect(validator.validateResponse('/event/{id}', 'get', 200, { ...event, venueName: 'x' })).not.toEqual(
      [],
    );
    expect(validator.validateResponse('/event/{id}', 'get', 200, { ...event, startTime: '2pm' })).not.toEqual(
      [],
    );
    const client = studio.people.find((person) => person.role === 'client' && person.phones.length > 0) as {
      id: string;
    };
    const person = (await request(`/address-book/${client.id}`)).body as Record<string, unknown>;
    check('/address-book/{id}', 'get', 200, person);
    expect(
      validator.validateResponse('/address-book/{id}', 'get', 200, { ...person, cellPhone: '+14155550142' }),
    ).not.toEqual([]);
    expect(
      validator.validateResponse('/address-book/{id}', 'get', 200, {
        ...person,
        modified: '2024-01-01 10:00',
      }),
    ).not.toEqual([]);
    expect(
      validator.validateResponse('/address-book/{id}', 'get', 200, { ...person, firstName: 'x'.repeat(49) }),
    ).not.toEqual([]);
    const list = (await request('/job?pageSize=10')).body as Record<string, unknown>;
    expect(validator.validateResponse('/job', 'get', 200, { ...list, type: 'jobs' })).not.toEqual([]);
    expect(
      validator.validateResponse('/job', 'get', 200, { ...list, items: [{ leadMaxBudget: 12.5 }] }),
    ).not.toEqual([]);
  });

  it('GET /studio/me and /job/{id}/payment, /job/{jobId}/order match the document', async () => {
    const me = await request('/studio/me');
    check('/studio/me', 'get', 200, me.body);
    const job = studio.jobs.find((item) => studio.payments.some((payment) => payment.jobId === item.id)) as {
      id: string;
    };
    const payments = await request(`/job/${job.id}/payment`);
    check('/job/{id}/payment', 'get', 200, payments.body);
    const orders = await request(`/job/${job.id}/order`);
    check('/job/{jobId}/order', 'get', 200, orders.body);
    const missing = await request('/job/01h35ccwymj5ctckp8px1azhg6/payment');
    expect(missing.status).toBe(404);
    check('/job/{id}/payment', 'get', 404, missing.body);
  });

  it('every page of every collection, and items by id, match the document', async () => {
    let validated = 0;
    for (const collection of collections) {
      for (const query of ['', ...(collection.queries ?? [])]) {
        for (let page = 1; ; page += 1) {
          const separator = query === '' ? '' : '&';
          const { status, body } = await request(
            `${collection.path}?${query}${separator}page=${page}&pageSize=100`,
          );
          expect(status).toBe(200);
          check(collection.path, 'get', 200, body);
          validated += 1;
          const list = body as TaveCollection<{ id: string }>;
          if (page === 1 && query === '') {
            expect(list.items.length, collection.path).toBeGreaterThan(0);
            const sample = [
              list.items[0],
              list.items[Math.floor(list.items.length / 2)],
              list.items[list.items.length - 1],
            ];
            for (const item of sample) {
              const single = await request(`${collection.path}/${item?.id}`);
              expect(single.status).toBe(200);
              if ((single.body as { kind?: string }).kind === 'employee') {
                // The document's GET /address-book/{id} lists person, company and location but not the employee
                // kind its collection returns: validate employees against their own schema.
                expect(validator.validateSchema('Employee', single.body)).toEqual([]);
              } else {
                check(collection.item, 'get', 200, single.body);
              }
            }
          }
          if (page >= list.meta.totalPages) break;
        }
      }
    }
    expect(validated).toBeGreaterThan(collections.length);
  });

  it('job contacts of one contact and of one job (the incremental lookups) match the document', async () => {
    const jobContact = studio.jobContacts[0] as { contactId: string; jobId: string };
    const byContact = await request(`/job-contact?contactId=${jobContact.contactId}&sortBy=id&pageSize=100`);
    check('/job-contact', 'get', 200, byContact.body);
    const contactItems = (byContact.body as TaveCollection<{ contactId: string }>).items;
    expect(contactItems.length).toBeGreaterThan(0);
    expect(contactItems.every((item) => item.contactId === jobContact.contactId)).toBe(true);
    const byJob = await request(
      `/job-contact?jobId=${jobContact.jobId}&includeHidden=true&sortBy=id&pageSize=100`,
    );
    check('/job-contact', 'get', 200, byJob.body);
    const jobItems = (byJob.body as TaveCollection<{ jobId: string }>).items;
    expect(jobItems.length).toBe(studio.jobContacts.filter((item) => item.jobId === jobContact.jobId).length);
    expect(jobItems.every((item) => item.jobId === jobContact.jobId)).toBe(true);
  });

  it('items holding planted bad values fail exactly where planted', async () => {
    for (const entry of studio.manifest.badRecords) {
      if (entry.kind === 'missingName') {
        // Names are nullable in the document: a nameless person is valid.
        const { body } = await request(`/address-book/${entry.contactId}`);
        expect(validator.validateResponse('/address-book/{id}', 'get', 200, body)).toEqual([]);
        continue;
      }
      const path =
        entry.kind === 'impossibleDate' ? `/job/${entry.jobId}` : `/address-book/${entry.contactId}`;
      const { body } = await request(path);
      check(entry.kind === 'impossibleDate' ? '/job/{id}' : '/address-book/{id}', 'get', 200, body);
    }
    expect([...plantedSeen].sort()).toEqual([...planted].map(([id, bad]) => `${id} ${bad.field}`).sort());
  });

  it('errors match the document: 400 validation, 401, 404, 429', async () => {
    const invalidPage = await request('/address-book?pageSize=5');
    expect(invalidPage.status).toBe(400);
    check('/address-book', 'get', 400, invalidPage.body);
    const invalidWrite = await request('/job', { method: 'POST', body: JSON.stringify({ guestCount: -1 }) });
    expect(invalidWrite.status).toBe(400);
    check('/job', 'post', 400, invalidWrite.body);

    const unauthorized = await fetch(`${fake.url}/job`);
    expect(unauthorized.status).toBe(401);
    expect(validator.validateComponentResponse('unauthorizedError', await unauthorized.json())).toEqual([]);

    const notFound = await request('/event/01h35ccwymj5ctckp8px1azhg6');
    expect(notFound.status).toBe(404);
    expect(validator.validateSchema('Error', notFound.body)).toEqual([]);

    fake.rateLimits.configure({ perMinute: 1 });
    try {
      await request('/job');
      const limited = await request('/job');
      expect(limited.status).toBe(429);
      check('/job', 'get', 429, limited.body);
    } finally {
      fake.rateLimits.configure({});
    }
  });

  it('write responses match the document', async () => {
    const person = await request('/address-book', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'person',
        firstName: 'Min-jun',
        lastName: 'Kim',
        email: 'minjun@example.com',
        cellPhone: { formatted: '(415) 555-0142' },
        address: { city: 'Seoul', country: 'KR' },
      }),
    });
    expect(person.status).toBe(201);
    check('/address-book', 'post', 201, person.body);
    const id = (person.body as { id: string }).id;
    const updated = await request(`/address-book/${id}`, {
      method: 'PUT',
      body: JSON.stringify({ lastName: 'Park' }),
    });
    check('/address-book/{id}', 'put', 200, updated.body);
    const company = await request('/address-book', {
      method: 'POST',
      body: JSON.stringify({ kind: 'company', name: 'Petal & Stem' }),
    });
    check('/address-book', 'post', 201, company.body);

    const job = await request('/job', {
      method: 'POST',
      body: JSON.stringify({ jobTypeId: studio.jobTypes[0]?.id, eventDate: '2027-05-01' }),
    });
    expect(job.status).toBe(201);
    check('/job', 'post', 201, job.body);
    const jobId = (job.body as { id: string }).id;
    check(
      '/job/{id}',
      'put',
      200,
      (await request(`/job/${jobId}`, { method: 'PUT', body: JSON.stringify({ stage: 'booked' }) })).body,
    );
    const link = await request('/job-contact', {
      method: 'POST',
      body: JSON.stringify({ jobId, contactId: id, client: true }),
    });
    check('/job-contact', 'post', 201, link.body);
    const hook = await request('/rest-hook', {
      method: 'POST',
      body: JSON.stringify({ event: 'payment.created', url: 'https://example.com/hooks/payments' }),
    });
    check('/rest-hook', 'post', 201, hook.body);
  });
});
