/**
 * write() and findExisting() against the fake VSCO Workspace over real HTTP: contacts and jobs created and
 * updated then read back, validation failures (local and the vendor's), results in input order, a create whose
 * answer is lost (then found by findExisting, never created twice), and the calls refused before any request.
 */
import {
  InvalidArgumentError,
  type ProviderSession,
  type ProviderWriteResult,
  UnsupportedCapabilityError,
} from '@wedsync/crm-core';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTave, outcomeUnknown, type TaveFindOptions } from '../src/index.js';
import { personBody, toPhoneInput } from '../src/write/bodies.js';
import { apiKey, connect, memoryLogger, readAll } from './helpers.js';

let fake: RunningFakeTave;
let session: ProviderSession;
const logger = memoryLogger();
let sequence = 0;

/** A fresh idempotency key and email per test, so tests never see each other's contacts. */
function unique(prefix: string): { key: string; email: string } {
  sequence += 1;
  return { key: `${prefix}-${sequence}-${Date.now()}`, email: `${prefix}.${sequence}@example.org` };
}

function created(result: ProviderWriteResult | undefined): string {
  expect(result?.status, JSON.stringify(result)).toBe('created');
  return (result as { externalId: string }).externalId;
}

/** Creates one contact through the session: its id, and the `modified` the API answered. */
async function createContact(
  key: string,
  data: Readonly<Record<string, unknown>>,
): Promise<{ id: string; modifiedAt: string }> {
  const [result] = (await session.write?.('client', [{ kind: 'create', idempotencyKey: key, data }])) ?? [];
  return { id: created(result), modifiedAt: (result as { modifiedAt: string }).modifiedAt };
}

function contactsWithEmail(email: string) {
  return fake.state
    .list('address-book')
    .filter((contact) => String(contact.email ?? '').toLowerCase() === email.toLowerCase());
}

/** findExisting options with the create's idempotency key (a Tave extension of the session contract's options). */
function byKey(idempotencyKey: string): TaveFindOptions {
  return { idempotencyKey };
}

function posts(path: string): number {
  return fake.requestLog.entries({ method: 'POST', path }).length;
}

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio: { seed: 21, clients: 8 } });
  session = await connect(createTave({ baseUrl: fake.url, pageSize: 100 }), { logger });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.faults.clear();
  logger.lines.length = 0;
});

describe('write(client)', () => {
  it('creates a person contact from the reversed mappings and reads it back', async () => {
    const { key, email } = unique('create');
    const results = await session.write?.('client', [
      {
        kind: 'create',
        idempotencyKey: key,
        data: {
          firstName: 'Zoë',
          lastName: "O'Brien-Łukasz",
          email,
          cellPhone: '+14155550123',
          workPhone: '(415) 555-0199',
          birthdate: '1990-02-28',
          privacyOptIn: true,
          address: { city: 'San Francisco', state: 'CA', postalCode: '94110', country: 'US' },
        },
      },
    ]);
    expect(results).toHaveLength(1);
    const id = created(results?.[0]);
    expect(results?.[0]).toMatchObject({ idempotencyKey: key, modifiedAt: expect.any(String) });

    const stored = fake.state.get('address-book', id);
    expect(stored).toMatchObject({
      kind: 'person',
      firstName: 'Zoë',
      lastName: "O'Brien-Łukasz",
      email,
      birthdate: '1990-02-28',
      privacyOptIn: true,
      cellPhone: { e164: '+14155550123' },
      workPhone: { formatted: '(415) 555-0199' },
      address: { city: 'San Francisco', state: 'CA', postalCode: '94110', country: 'US' },
    });
    const clients = await readAll(session, 'client');
    const read = clients.find((client) => client.externalId === id);
    expect(read?.data).toMatchObject({ firstName: 'Zoë', email, cellPhone: { e164: '+14155550123' } });
  });

  it('updates only the given fields, keeping the rest of an address the API replaces whole', async () => {
    const { key, email } = unique('update');
    const [first] =
      (await session.write?.('client', [
        {
          kind: 'create',
          idempotencyKey: key,
          data: {
            firstName: 'Ana',
            lastName: 'Silva',
            email,
            address: { streetAddress: '1 Rua Augusta\nApt 2', city: 'Lisboa', country: 'PT' },
          },
        },
      ])) ?? [];
    const id = created(first);
    const [update] =
      (await session.write?.('client', [
        {
          kind: 'update',
          externalId: id,
          idempotencyKey: `${key}-u`,
          data: { lastName: 'Silva Santos', address: { city: 'Porto' } },
        },
      ])) ?? [];
    expect(update).toMatchObject({ status: 'updated', externalId: id, modifiedAt: expect.any(String) });
    expect(fake.state.get('address-book', id)).toMatchObject({
      firstName: 'Ana',
      lastName: 'Silva Santos',
      email,
      address: { streetAddress: '1 Rua Augusta\nApt 2', city: 'Porto', country: 'PT' },
    });
  });

  it('strips what the request schema does not accept and turns phone text into phone objects', () => {
    const outcome = personBody(
      {
        id: '01hx0000000000000000000000',
        name: 'Read Only',
        firstName: 'Ana',
        partner: { firstName: 'Rui' },
        jobs: [{ id: 'x' }],
        customFieldsByKey: { song: { key: 'song', value: 'x' } },
        currencyCode: 'USD',
        accountBalance: 100,
        links: { self: 'x' },
        cellPhone: {
          id: null,
          e164: '+447700900123',
          formatted: '07700 900123',
          dialCode: 44,
          countryCode: 'gb',
        },
        homePhone: null,
        address: { id: 'a', name: 'Home', latitude: 1, city: 'Leeds' },
      },
      'create',
    );
    expect(outcome).toEqual({
      ok: true,
      body: {
        kind: 'person',
        firstName: 'Ana',
        cellPhone: { e164: '+447700900123', countryCode: 'gb' },
        homePhone: null,
        address: { city: 'Leeds' },
      },
    });
    expect(toPhoneInput('  ')).toBeNull();
    expect(toPhoneInput('+15551234567x12')).toEqual({ e164: '+15551234567x12' });
    expect(toPhoneInput({ e164: null, formatted: 'call me' })).toEqual({ formatted: 'call me' });
  });

  it('fails a change its schema refuses without sending it, naming fields but never values', async () => {
    const { key, email } = unique('invalid');
    const before = posts('/address-book');
    const secret = 'Bartholomew-Maximilian-Alexander-Fitzgerald-Smith';
    const [result] =
      (await session.write?.('client', [
        { kind: 'create', idempotencyKey: key, data: { firstName: secret, email, birthdate: '2026-02-30' } },
      ])) ?? [];
    expect(result).toMatchObject({ status: 'failed', retryable: false, idempotencyKey: key });
    const error = (result as { error: string }).error;
    expect(error).toContain('firstName');
    expect(error).toContain('birthdate');
    expect(error).not.toContain(secret);
    expect(error).not.toContain(email);
    expect(posts('/address-book')).toBe(before);
  });

  it("reports the vendor's validation error with its field names and messages", async () => {
    const { key, email } = unique('vendor400');
    const [result] =
      (await session.write?.('client', [
        {
          kind: 'create',
          idempotencyKey: key,
          data: {
            firstName: 'Mia',
            email,
            customFields: [{ fieldId: '01hzzzzzzzzzzzzzzzzzzzzzzz', value: 'x' }],
          },
        },
      ])) ?? [];
    expect(result).toMatchObject({ status: 'failed', retryable: false });
    expect((result as { error: string }).error).toMatch(
      /status 400.*customFields\[0\]\.fieldId: No custom field/,
    );
    expect(contactsWithEmail(email)).toHaveLength(0);
  });

  it('returns one result per change in input order, whatever each outcome', async () => {
    const one = unique('order');
    const two = unique('order');
    const results = await session.write?.('client', [
      { kind: 'create', idempotencyKey: one.key, data: { firstName: 'Lea', email: one.email } },
      { kind: 'create', idempotencyKey: two.key, data: { firstName: 'Tom', email: 'not an email' } },
      {
        kind: 'update',
        externalId: '01hx0000000000000000000000',
        idempotencyKey: `${one.key}-x`,
        data: { firstName: 'X' },
      },
      { kind: 'create', idempotencyKey: `${two.key}b`, data: { firstName: 'Tom', email: two.email } },
    ]);
    expect(results?.map((result) => result.idempotencyKey)).toEqual([
      one.key,
      two.key,
      `${one.key}-x`,
      `${two.key}b`,
    ]);
    expect(results?.map((result) => result.status)).toEqual(['created', 'failed', 'failed', 'created']);
    expect(results?.[2]).toMatchObject({ retryable: false, error: expect.stringMatching(/not found/) });
  });

  it('writes four changes at once, each checked right before its own write, results in input order', async () => {
    const people = Array.from({ length: 8 }, () => unique('parallel'));
    const made = await session.write?.(
      'client',
      people.map(({ key, email }, index) => ({
        kind: 'create' as const,
        idempotencyKey: key,
        data: { firstName: `Par${index}`, email },
      })),
    );
    const ids = (made ?? []).map((result) => created(result));
    expect(ids.map((id) => fake.state.get('address-book', id)?.email)).toEqual(
      people.map((person) => person.email),
    );
    // Slow answers, so that changes in flight together overlap on the server.
    fake.faults.setPath('/address-book/*', { latencyMs: 40 });
    fake.requestLog.clear();
    const updated = await session.write?.(
      'client',
      ids.map((id, index) => ({
        kind: 'update' as const,
        externalId: id,
        idempotencyKey: `${people[index]?.key}-update`,
        expectedModifiedAt: ((made ?? [])[index] as { modifiedAt: string }).modifiedAt,
        data: { lastName: `Parallel${index}` },
      })),
    );
    expect(updated?.map((result) => result.idempotencyKey)).toEqual(
      people.map((person) => `${person.key}-update`),
    );
    expect(updated?.every((result) => result.status === 'updated')).toBe(true);
    const lastNames = ids.map((id) => {
      const contact = fake.state.get('address-book', id);
      return contact !== undefined && 'lastName' in contact ? contact.lastName : undefined;
    });
    expect(lastNames).toEqual(ids.map((_id, index) => `Parallel${index}`));
    const entries = fake.requestLog.entries();
    // Each contact: its check (GET), then its write (PUT).
    for (const id of ids) {
      const own = entries
        .filter((entry) => entry.path === `/address-book/${id}`)
        .map((entry) => entry.method);
      expect(own).toEqual(['GET', 'PUT']);
    }
    // Four changes in flight: the first four checks all arrived before the first of them was answered.
    const [first] = entries;
    if (first === undefined) throw new Error('no requests');
    const answeredAt = Date.parse(first.time) + first.durationMs;
    const arrivedMeanwhile = entries.filter((entry) => Date.parse(entry.time) < answeredAt);
    expect(arrivedMeanwhile.map((entry) => entry.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
  });

  it('refuses unsupported calls with typed errors before sending anything', async () => {
    const before = fake.requestLog.entries().length;
    await expect(session.write?.('event', [])).rejects.toBeInstanceOf(UnsupportedCapabilityError);
    await expect(
      session.write?.('client', [{ kind: 'delete', externalId: 'x', idempotencyKey: 'k', data: {} }]),
    ).rejects.toBeInstanceOf(UnsupportedCapabilityError);
    await expect(
      session.write?.('client', [{ kind: 'update', idempotencyKey: 'k', data: {} }]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      session.write?.('client', [
        { kind: 'create', idempotencyKey: 'same', data: {} },
        { kind: 'create', idempotencyKey: 'same', data: {} },
      ]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(session.findExisting?.('invoice', {})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(fake.requestLog.entries().length).toBe(before);
  });
});

describe('a refused API key', () => {
  it('throws the typed API error instead of failing every change', async () => {
    const refused = await connect(createTave({ baseUrl: fake.url }), {
      credentials: { api_key: 'wrong-key-123456' },
    });
    await expect(
      refused.write?.('client', [{ kind: 'create', idempotencyKey: 'k', data: { firstName: 'A' } }]),
    ).rejects.toMatchObject({ name: 'ProviderApiError', status: 401 });
  });
});

describe('findExisting(client)', () => {
  it('finds a contact by email, ignoring case and spaces', async () => {
    const { key, email } = unique('find');
    const { id } = await createContact(key, { firstName: 'Ines', lastName: 'Ruiz', email });
    const found = await session.findExisting?.('client', { email: `  ${email.toUpperCase()} ` });
    expect(found).toMatchObject({ externalId: id, modifiedAt: expect.any(String) });
    expect(found?.data).toMatchObject({ kind: 'person', firstName: 'Ines', email });
    expect(found?.data).not.toHaveProperty('links');
  });

  it('answers null when no contact has the email, or there is no email', async () => {
    expect(await session.findExisting?.('client', { email: 'nobody.at.all@example.org' })).toBeNull();
    expect(await session.findExisting?.('client', { firstName: 'Ana' })).toBeNull();
  });

  it('settles a shared email by name, and answers null (saying why) when the name does not settle it', async () => {
    const { key, email } = unique('shared');
    const results =
      (await session.write?.('client', [
        { kind: 'create', idempotencyKey: `${key}-a`, data: { firstName: 'Sam', lastName: 'Lee', email } },
        { kind: 'create', idempotencyKey: `${key}-b`, data: { firstName: 'Alex', lastName: 'Lee', email } },
      ])) ?? [];
    const alex = created(results[1]);
    const byName = await session.findExisting?.('client', { email, firstName: ' alex ', lastName: 'LEE' });
    expect(byName?.externalId).toBe(alex);
    logger.lines.length = 0;
    expect(await session.findExisting?.('client', { email, firstName: 'Jo', lastName: 'Lee' })).toBeNull();
    const line = logger.lines.find((entry) => entry.includes('several contacts share the email'));
    expect(line).toContain('"matches":2');
    expect(line).not.toContain(email);
  });
});

describe('a create whose outcome is unknown', () => {
  it('answer lost after the contact was made: failed retryable, then findExisting finds it, no second contact', async () => {
    const { key, email } = unique('lost');
    const data = { firstName: 'Nora', lastName: 'Quinn', email };
    // The fake applies the POST, then cuts its answer short: the client cannot read it.
    fake.faults.setPath('/address-book', { malformedJsonRate: 1 });
    const [result] = (await session.write?.('client', [{ kind: 'create', idempotencyKey: key, data }])) ?? [];
    fake.faults.clear();
    expect(result).toEqual({ idempotencyKey: key, status: 'failed', retryable: true, error: outcomeUnknown });
    expect(contactsWithEmail(email)).toHaveLength(1);

    const found = await session.findExisting?.('client', data);
    expect(found?.externalId).toBe(contactsWithEmail(email)[0]?.id);
    expect(contactsWithEmail(email)).toHaveLength(1);
  });

  it('connection reset on POST /address-book: failed retryable, never re-sent blindly; found absent, sent once more', async () => {
    const { key, email } = unique('reset');
    const data = { firstName: 'Otto', lastName: 'Berg', email };
    const before = posts('/address-book');
    fake.faults.setPath('/address-book', { connectionResetRate: 1 });
    const [result] = (await session.write?.('client', [{ kind: 'create', idempotencyKey: key, data }])) ?? [];
    fake.faults.clear();
    expect(result).toEqual({ idempotencyKey: key, status: 'failed', retryable: true, error: outcomeUnknown });
    // One attempt only: a POST whose outcome is unknown is not retried by the HTTP client.
    expect(posts('/address-book')).toBe(before + 1);
    // This fake resets before handling, so nothing was made: the hub's lookup says so and it sends the create again.
    expect(await session.findExisting?.('client', data)).toBeNull();
    const [again] = (await session.write?.('client', [{ kind: 'create', idempotencyKey: key, data }])) ?? [];
    const id = created(again);
    expect(contactsWithEmail(email).map((contact) => contact.id)).toEqual([id]);
  });
});

describe('write(project) and findExisting(project)', () => {
  async function newClient(): Promise<string> {
    const { key, email } = unique('jobclient');
    return (await createContact(key, { firstName: 'Eva', lastName: 'Nowak', email })).id;
  }

  it('creates a job linked to its client, carrying the idempotency key, and reads it back', async () => {
    const clientId = await newClient();
    const { key } = unique('job');
    const [result] =
      (await session.write?.('project', [
        {
          kind: 'create',
          idempotencyKey: key,
          data: {
            clientContactId: clientId,
            name: 'Eva & Jan — wedding',
            eventDate: '2027-06-12',
            guestCount: 120,
            leadNotes: 'Ceremony at noon.\n'.repeat(200),
            leadMaxBudget: 450_000,
            displayName: 'ignored',
            jobs: [],
          },
        },
      ])) ?? [];
    const jobId = created(result);
    expect(fake.state.get('job', jobId)).toMatchObject({
      name: 'Eva & Jan — wedding',
      eventDate: '2027-06-12',
      guestCount: 120,
      leadMaxBudget: 450_000,
      externalMappings: [{ id: key }],
    });
    expect(
      fake.state.list('job-contact').filter((entry) => entry.jobId === jobId && entry.contactId === clientId),
    ).toMatchObject([{ client: true }]);

    const projects = await readAll(session, 'project');
    const read = projects.find((project) => project.externalId === jobId);
    expect(read?.links).toEqual({ client: clientId });
    expect(read?.data).toMatchObject({ displayName: 'Eva & Jan — wedding', clientContactId: clientId });

    const found = await session.findExisting?.('project', {}, byKey(key));
    expect(found).toMatchObject({ externalId: jobId, links: { client: clientId } });
    expect(await session.findExisting?.('project', { externalMappingId: key })).toMatchObject({
      externalId: jobId,
    });
    expect(await session.findExisting?.('project', { externalMappingId: 'never-used' })).toBeNull();
    expect(await session.findExisting?.('project', {})).toBeNull();
  });

  it('updates a job and makes the given contact its client', async () => {
    const clientId = await newClient();
    const otherId = await newClient();
    const { key } = unique('jobupdate');
    const [first] =
      (await session.write?.('project', [
        { kind: 'create', idempotencyKey: key, data: { clientContactId: clientId, eventDate: '2027-01-02' } },
      ])) ?? [];
    const jobId = created(first);
    const [update] =
      (await session.write?.('project', [
        {
          kind: 'update',
          externalId: jobId,
          idempotencyKey: `${key}-u`,
          data: { guestCount: 80, clientContactId: otherId },
        },
      ])) ?? [];
    expect(update).toMatchObject({ status: 'updated', externalId: jobId });
    expect(fake.state.get('job', jobId)).toMatchObject({ eventDate: '2027-01-02', guestCount: 80 });
    const contacts = fake.state.list('job-contact').filter((entry) => entry.jobId === jobId);
    expect(
      contacts
        .filter((entry) => entry.client)
        .map((entry) => entry.contactId)
        .sort(),
    ).toEqual([clientId, otherId].sort());
  });

  it('fails a create without its client contact, and a job the vendor refuses', async () => {
    const clientId = await newClient();
    const results = await session.write?.('project', [
      { kind: 'create', idempotencyKey: unique('nojob').key, data: { eventDate: '2027-01-02' } },
      {
        kind: 'create',
        idempotencyKey: unique('badjob').key,
        data: { clientContactId: clientId, guestCount: 1.5 },
      },
    ]);
    expect(results?.[0]).toMatchObject({
      status: 'failed',
      retryable: false,
      error: expect.stringMatching(/clientContactId/),
    });
    expect(results?.[1]).toMatchObject({
      status: 'failed',
      retryable: false,
      error: expect.stringMatching(/guestCount/),
    });
  });

  it('a job whose client link fails is reported retryable, found again, and linked by the next update', async () => {
    const clientId = await newClient();
    const { key } = unique('linkfail');
    fake.faults.setPath('/job-contact', { connectionResetRate: 1 });
    const [result] =
      (await session.write?.('project', [
        { kind: 'create', idempotencyKey: key, data: { clientContactId: clientId, eventDate: '2027-05-06' } },
      ])) ?? [];
    fake.faults.clear();
    expect(result).toMatchObject({
      status: 'failed',
      retryable: true,
      error: expect.stringMatching(/job was created/),
    });
    const found = await session.findExisting?.('project', {}, byKey(key));
    expect(found?.links).toBeUndefined();
    const jobId = found?.externalId as string;
    const [update] =
      (await session.write?.('project', [
        {
          kind: 'update',
          externalId: jobId,
          idempotencyKey: `${key}-u`,
          data: { clientContactId: clientId },
        },
      ])) ?? [];
    expect(update).toMatchObject({ status: 'updated', externalId: jobId });
    expect(await session.findExisting?.('project', {}, byKey(key))).toMatchObject({
      links: { client: clientId },
    });
  });

  it('an update marks a contact already on the job, in another role, as its client', async () => {
    const clientId = await newClient();
    const plannerId = await newClient();
    const { key } = unique('role');
    const jobId = created(
      ((await session.write?.('project', [
        { kind: 'create', idempotencyKey: key, data: { clientContactId: clientId } },
      ])) ?? [])[0],
    );
    const entry = fake.state.create('job-contact', { jobId, contactId: plannerId, client: false });
    await session.write?.('project', [
      { kind: 'update', externalId: jobId, idempotencyKey: `${key}-u`, data: { clientContactId: plannerId } },
    ]);
    expect(fake.state.get('job-contact', entry.id)).toMatchObject({ client: true });
    expect(fake.state.list('job-contact').filter((item) => item.jobId === jobId)).toHaveLength(2);
  });

  it('a job whose answer is lost is found by its idempotency key and never created twice', async () => {
    const clientId = await newClient();
    const { key } = unique('lostjob');
    const jobsBefore = fake.state.count('job');
    fake.faults.setPath('/job', { malformedJsonRate: 1 });
    const [result] =
      (await session.write?.('project', [
        { kind: 'create', idempotencyKey: key, data: { clientContactId: clientId, eventDate: '2027-03-04' } },
      ])) ?? [];
    fake.faults.clear();
    expect(result).toMatchObject({ status: 'failed', retryable: true, error: outcomeUnknown });
    const found = await session.findExisting?.('project', {}, byKey(key));
    expect(found?.data).toMatchObject({ eventDate: '2027-03-04' });
    expect(fake.state.count('job')).toBe(jobsBefore + 1);
  });
});

describe('an update of a record that changed in the CRM since the hub read it', () => {
  /** One hour before an instant of the API. */
  const hourBefore = (time: string) => new Date(Date.parse(time) - 3_600_000).toISOString();
  const puts = (path: string) => fake.requestLog.entries({ method: 'PUT', path }).length;

  it('refuses a contact update (changedInCrm) and writes nothing; sends it when nothing changed since', async () => {
    const { key, email } = unique('stale');
    const { id, modifiedAt: modified } = await createContact(key, {
      firstName: 'Iris',
      lastName: 'Vale',
      email,
    });
    // The hub last read the contact an hour before its last change in the CRM.
    const [stale] =
      (await session.write?.('client', [
        {
          kind: 'update',
          externalId: id,
          idempotencyKey: `${key}-stale`,
          expectedModifiedAt: hourBefore(modified),
          data: { lastName: 'Overwritten' },
        },
      ])) ?? [];
    expect(stale).toMatchObject({ status: 'failed', changedInCrm: true, retryable: false });
    expect((stale as { error: string }).error).toContain('changed in VSCO Workspace');
    expect(puts(`/address-book/${id}`)).toBe(0);
    expect(fake.state.get('address-book', id)).toMatchObject({ lastName: 'Vale' });
    // The hub's view is the CRM's: the update goes, with the one GET it needed.
    const [fresh] =
      (await session.write?.('client', [
        {
          kind: 'update',
          externalId: id,
          idempotencyKey: `${key}-fresh`,
          expectedModifiedAt: modified,
          data: { lastName: 'Vale Cruz' },
        },
      ])) ?? [];
    expect(fresh).toMatchObject({ status: 'updated', externalId: id });
    expect(fake.state.get('address-book', id)).toMatchObject({ lastName: 'Vale Cruz' });
    expect(fake.requestLog.entries({ method: 'GET', path: `/address-book/${id}` })).toHaveLength(2);
  });

  it('refuses a job update the same way', async () => {
    const { key, email } = unique('stalejob');
    const [client] =
      (await session.write?.('client', [
        { kind: 'create', idempotencyKey: `${key}-c`, data: { firstName: 'Noor', lastName: 'Ali', email } },
      ])) ?? [];
    const [job] =
      (await session.write?.('project', [
        { kind: 'create', idempotencyKey: key, data: { clientContactId: created(client), guestCount: 40 } },
      ])) ?? [];
    const jobId = created(job);
    const modified = (fake.state.get('job', jobId) as { modified: string }).modified;
    const [stale] =
      (await session.write?.('project', [
        {
          kind: 'update',
          externalId: jobId,
          idempotencyKey: `${key}-stale`,
          expectedModifiedAt: hourBefore(modified),
          data: { guestCount: 99 },
        },
      ])) ?? [];
    expect(stale).toMatchObject({ status: 'failed', changedInCrm: true });
    expect(puts(`/job/${jobId}`)).toBe(0);
    expect(fake.state.get('job', jobId)).toMatchObject({ guestCount: 40 });
  });

  it('refuses an expectedModifiedAt that is not a timestamp before sending anything', async () => {
    const before = fake.requestLog.size;
    await expect(
      session.write?.('client', [
        {
          kind: 'update',
          externalId: '01k5xs63fr4hn7p40000000er0',
          idempotencyKey: 'bad-expected',
          expectedModifiedAt: 'yesterday',
          data: { lastName: 'X' },
        },
      ]),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(fake.requestLog.size).toBe(before);
  });
});
