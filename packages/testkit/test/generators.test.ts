import { InvalidArgumentError } from '@wedsync/crm-core';
import { describe, expect, it } from 'vitest';
import {
  createStudioGenerator,
  type GeneratedStudio,
  generateStudio,
  type StudioPerson,
  typedVariants,
  ulidPattern,
  ulidTime,
} from '../src/servers.js';

const options = { seed: 42, clients: 400, duplicates: 8, badRecords: 6 } as const;
const studio = generateStudio(options);
const byId = new Map(studio.people.map((person) => [person.id, person]));
const clients = studio.people.filter((person) => person.role === 'client');

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const isRealDate = (value: string) => {
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

function levenshtein(left: string, right: string): number {
  const a = [...left];
  const b = [...right];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function allRecords(generated: GeneratedStudio) {
  return [
    ...generated.people,
    ...generated.jobs,
    ...generated.jobContacts,
    ...generated.events,
    ...generated.orders,
    ...generated.payments,
    ...generated.venues,
    ...generated.companies,
    ...generated.staff,
  ];
}

describe('generateStudio', () => {
  it('is deterministic: the same seed gives a deep-equal studio, another seed a different one', () => {
    expect(generateStudio(options)).toEqual(studio);
    const other = generateStudio({ ...options, seed: 43 });
    expect(other.people[0]?.id).not.toBe(studio.people[0]?.id);
    expect(other.people.map((person) => person.lastName)).not.toEqual(
      studio.people.map((person) => person.lastName),
    );
  });

  it('generates lazily: a client on its own equals the same client in the stream', () => {
    const generator = createStudioGenerator(options);
    const streamed = [...generator.clients()];
    expect(streamed).toHaveLength(400);
    expect(generator.client(123)).toEqual(streamed[123]);
    expect(streamed.flatMap((bundle) => bundle.jobs)).toEqual(studio.jobs);
  });

  it('has the requested counts and consistent references', () => {
    const { counts } = studio.manifest;
    expect(clients).toHaveLength(400);
    expect(counts.clients).toBe(400);
    expect(counts.people).toBe(studio.people.length);
    expect(counts.people).toBe(400 + counts.partners + counts.planners + 8);
    expect(counts.jobs).toBe(studio.jobs.length);
    expect(counts.events).toBe(studio.events.length);
    expect(counts.invoices).toBe(studio.orders.reduce((sum, order) => sum + order.invoices.length, 0));

    const clientIds = new Set(clients.map((client) => client.id));
    const jobIds = new Set(studio.jobs.map((job) => job.id));
    const contactIds = new Set(
      [...studio.people, ...studio.companies, ...studio.staff].map((contact) => contact.id),
    );
    const jobsPerClient = new Map<string, number>();
    for (const job of studio.jobs) {
      expect(clientIds.has(job.clientId)).toBe(true);
      jobsPerClient.set(job.clientId, (jobsPerClient.get(job.clientId) ?? 0) + 1);
    }
    expect(jobsPerClient.size).toBe(400);
    for (const jobContact of studio.jobContacts) {
      expect(jobIds.has(jobContact.jobId)).toBe(true);
      expect(contactIds.has(jobContact.contactId)).toBe(true);
    }
    for (const job of studio.jobs) {
      const primaries = studio.jobContacts.filter(
        (jobContact) => jobContact.jobId === job.id && jobContact.primary,
      );
      expect(primaries.map((jobContact) => jobContact.contactId)).toEqual([job.clientId]);
    }
    for (const event of studio.events) expect(jobIds.has(event.jobId)).toBe(true);
    const invoiceIds = new Set(studio.orders.flatMap((order) => order.invoices.map((invoice) => invoice.id)));
    for (const order of studio.orders) {
      expect(order.total).toBe(
        order.lineItems.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
      );
      expect(order.invoices.reduce((sum, invoice) => sum + invoice.total, 0)).toBe(order.total);
      expect(Number.isInteger(order.total)).toBe(true);
    }
    for (const payment of studio.payments) expect(invoiceIds.has(payment.invoiceId)).toBe(true);
  });

  it('uses unique lowercase ULIDs whose time is the creation time, and nothing happens after the studio’s now', () => {
    const records = allRecords(studio);
    const ids = records.map((record) => record.id);
    expect(new Set(ids).size).toBe(ids.length);
    const end = Date.parse(`${studio.options.endDate}T23:59:59Z`);
    for (const record of records) {
      expect(record.id).toMatch(ulidPattern);
      expect(ulidTime(record.id)).toBe(Date.parse(record.createdAt));
      expect(Date.parse(record.createdAt)).toBeLessThanOrEqual(Date.parse(record.modifiedAt));
      expect(Date.parse(record.modifiedAt)).toBeLessThanOrEqual(end);
    }
  });

  it('spreads jobs over the years, in every stage, with lost leads and events in venue time zones', () => {
    const years = new Set(studio.jobs.map((job) => job.inquiryDate.slice(0, 4)));
    expect([...years].sort()).toEqual(['2023', '2024', '2025']);
    const stages = new Set(studio.jobs.map((job) => job.stage));
    expect(stages).toEqual(new Set(['inquiry', 'booked', 'fulfillment', 'completed']));
    expect(studio.jobs.some((job) => job.closed && job.stage === 'inquiry')).toBe(true);
    const zones = new Set(studio.events.map((event) => event.timezone));
    expect(zones.has('America/New_York')).toBe(true);
    expect(zones.size).toBeGreaterThan(1);
    expect(studio.events.some((event) => event.endDate > event.startDate)).toBe(true);
    expect(studio.payments.some((payment) => payment.status === 'scheduled')).toBe(true);
    expect(studio.leadSources.length).toBeGreaterThan(5);
    expect(new Set(studio.customFields.map((field) => field.kind)).size).toBe(9);
  });

  it('draws names from many cultures, with accents, apostrophes, Hangul, kanji, Arabic and an emoji', () => {
    const cultures = new Set(clients.map((client) => client.culture));
    expect(cultures.size).toBeGreaterThanOrEqual(15);
    const names = studio.people.map((person) => `${person.firstName ?? ''} ${person.lastName ?? ''}`);
    expect(names.some((name) => /[\uac00-\ud7af]/.test(name))).toBe(true);
    expect(names.some((name) => /[\u0600-\u06ff]/.test(name))).toBe(true);
    expect(names.some((name) => /[\u4e00-\u9fff]/.test(name))).toBe(true);
    const signature = (first: string, last: string) =>
      clients.find((client) => client.firstName === first && client.lastName === last);
    expect(signature('민준', '김')).toBeDefined();
    expect(signature('Siobhán', "O'Brien")).toBeDefined();
    expect(signature('José', 'García Núñez')).toBeDefined();
    expect(signature('Zoë', 'Lefèvre')).toBeDefined();
    const long = clients.find((client) => client.lastName?.length === 48);
    expect(long?.nickname).toBe('Jojo 🌸');
    const edgeFeatures = new Set(studio.manifest.edgeCases.flatMap((edge) => edge.features));
    expect(edgeFeatures).toEqual(
      new Set(['apostrophe', 'accent', 'hangul', 'kanji', 'arabic', 'emoji', 'hyphen', 'long']),
    );
    for (const edge of studio.manifest.edgeCases) {
      if (edge.field === 'notes')
        expect(studio.jobs.find((job) => job.id === edge.jobId)?.notes).toBe(edge.value);
      else expect(byId.get(edge.contactId)?.[edge.field as 'firstName']).toBe(edge.value);
    }
    for (const person of studio.people) {
      expect((person.firstName ?? '').length).toBeLessThanOrEqual(48);
      expect((person.lastName ?? '').length).toBeLessThanOrEqual(48);
    }
  });

  it('lists every planted duplicate, and each differs from its original only as planted', () => {
    const { duplicates } = studio.manifest;
    expect(duplicates.map((entry) => entry.kind).sort()).toEqual([
      'case',
      'case',
      'phoneFormat',
      'phoneFormat',
      'spacing',
      'spacing',
      'typo',
      'typo',
    ]);
    expect(studio.people.filter((person) => person.role === 'duplicate')).toHaveLength(8);
    const squash = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();
    for (const entry of duplicates) {
      const original = byId.get(entry.originalId) as StudioPerson;
      const duplicate = byId.get(entry.duplicateId) as StudioPerson;
      expect(original.role).toBe('client');
      expect(duplicate.role).toBe('duplicate');
      expect(Date.parse(duplicate.createdAt)).toBeGreaterThan(Date.parse(original.createdAt));
      if (entry.kind === 'case') {
        expect(duplicate.email).not.toBe(original.email);
        expect(duplicate.email?.toLowerCase()).toBe(original.email?.toLowerCase());
        expect(duplicate.firstName?.toLowerCase()).toBe(original.firstName?.toLowerCase());
        expect(duplicate.lastName?.toLowerCase()).toBe(original.lastName?.toLowerCase());
      } else if (entry.kind === 'spacing') {
        expect(duplicate.firstName).not.toBe(original.firstName);
        expect(squash(duplicate.firstName)).toBe(squash(original.firstName));
        expect(squash(duplicate.lastName)).toBe(squash(original.lastName));
        expect(duplicate.phones[0]?.e164).toBe(original.phones[0]?.e164);
      } else if (entry.kind === 'phoneFormat') {
        expect([duplicate.firstName, duplicate.lastName]).toEqual([original.firstName, original.lastName]);
        expect(duplicate.phones[0]?.e164).toBe(original.phones[0]?.e164);
        expect(duplicate.phones[0]?.typed).not.toBe(original.phones[0]?.typed);
        expect(typedVariants(original.phones[0] as never)).toContain(duplicate.phones[0]?.typed);
      } else {
        expect(duplicate.email).toBe(original.email);
        const field = entry.differences[0] as 'firstName' | 'lastName';
        expect(entry.differences).toEqual([field]);
        expect(levenshtein(duplicate[field] as string, original[field] as string)).toBe(1);
      }
    }
  });

  it('explains every shared email address: planted duplicates and couples who share one', () => {
    const owners = new Map<string, StudioPerson[]>();
    for (const person of studio.people) {
      if (person.email === null) continue;
      const key = person.email.toLowerCase();
      owners.set(key, [...(owners.get(key) ?? []), person]);
    }
    const explained = new Set<string>();
    for (const couple of studio.manifest.sharedEmailCouples) {
      const [first, second] = couple.contactIds.map((id) => byId.get(id) as StudioPerson);
      expect(first?.email).toBe(couple.email);
      expect(second?.email).toBe(couple.email);
      expect(`${first?.firstName} ${first?.lastName}`).not.toBe(`${second?.firstName} ${second?.lastName}`);
      expect(
        studio.jobContacts
          .filter((jobContact) => jobContact.jobId === couple.jobId)
          .map((jobContact) => jobContact.contactId),
      ).toEqual(expect.arrayContaining([...couple.contactIds]));
      explained.add(couple.email.toLowerCase());
    }
    for (const entry of studio.manifest.duplicates) {
      const email = byId.get(entry.originalId)?.email;
      if (email) explained.add(email.toLowerCase());
    }
    expect(studio.manifest.sharedEmailCouples.length).toBeGreaterThan(5);
    for (const [email, people] of owners) if (people.length > 1) expect(explained.has(email)).toBe(true);
  });

  it('lists every planted bad record, and there are no others', () => {
    const { badRecords } = studio.manifest;
    expect(badRecords.map((entry) => entry.kind).sort()).toEqual([
      'impossibleDate',
      'impossibleDate',
      'invalidEmail',
      'invalidEmail',
      'missingName',
      'missingName',
    ]);
    const invalidEmails = studio.people
      .filter((person) => person.email !== null && !emailPattern.test(person.email))
      .map((person) => person.id);
    expect(invalidEmails.sort()).toEqual(
      badRecords
        .filter((entry) => entry.kind === 'invalidEmail')
        .map((entry) => entry.contactId)
        .sort(),
    );
    const impossible = studio.jobs
      .filter((job) => job.eventDate !== null && !isRealDate(job.eventDate))
      .map((job) => job.id);
    expect(impossible.sort()).toEqual(
      badRecords
        .filter((entry) => entry.kind === 'impossibleDate')
        .map((entry) => entry.jobId)
        .sort(),
    );
    const nameless = studio.people
      .filter((person) => person.firstName === null && person.lastName === null)
      .map((person) => person.id);
    expect(nameless.sort()).toEqual(
      badRecords
        .filter((entry) => entry.kind === 'missingName')
        .map((entry) => entry.contactId)
        .sort(),
    );
    for (const entry of badRecords) {
      if (entry.kind === 'invalidEmail') expect(byId.get(entry.contactId)?.email).toBe(entry.value);
      if (entry.kind === 'impossibleDate')
        expect(studio.jobs.find((job) => job.id === entry.jobId)?.eventDate).toBe(entry.value);
    }
    for (const person of studio.people) {
      if (person.birthdate !== null) expect(isRealDate(person.birthdate)).toBe(true);
    }
  });

  it('brings clients back: one contact on two jobs', () => {
    expect(studio.manifest.returningClients.length).toBeGreaterThan(0);
    for (const returning of studio.manifest.returningClients) {
      expect(returning.jobIds.length).toBeGreaterThanOrEqual(2);
      for (const jobId of returning.jobIds) {
        expect(studio.jobs.find((job) => job.id === jobId)?.clientId).toBe(returning.contactId);
      }
      expect(byId.get(returning.contactId)?.previousClient).toBe(true);
    }
  });

  it('accepts per-kind counts and studio settings', () => {
    const uk = generateStudio({
      seed: 5,
      clients: 30,
      country: 'GB',
      duplicates: { typo: 2 },
      badRecords: { missingName: 1 },
    });
    expect(uk.settings).toMatchObject({ currency: 'GBP', timezone: 'Europe/London', dateFormat: 'j/n/Y' });
    expect(uk.manifest.duplicates.map((entry) => entry.kind)).toEqual(['typo', 'typo']);
    expect(uk.manifest.badRecords.map((entry) => entry.kind)).toEqual(['missingName']);
    const yen = generateStudio({ seed: 5, clients: 20, country: 'JP' });
    expect(yen.options.currencyExponent).toBe(0);
    const local = yen.people.filter((person) => person.role === 'client' && person.address?.country === 'JP');
    expect(local.length).toBeGreaterThan(10);
    const custom = generateStudio({
      seed: 1,
      clients: 10,
      startDate: '2020-06-01',
      years: 1,
      currency: 'EUR',
      timezone: 'Europe/Paris',
      dateFormat: 'Y-m-d',
    });
    expect(custom.options.endDate).toBe('2021-06-01');
    expect(
      custom.jobs.every((job) => job.inquiryDate >= '2020-06-01' && job.inquiryDate < '2021-06-01'),
    ).toBe(true);
    expect(generateStudio({ clients: 0 }).people.filter((person) => person.role === 'client')).toEqual([]);
  });

  it('rejects bad options with an InvalidArgumentError naming the option', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ clients: -1 }, '`clients`'],
      [{ clients: 'many' }, '`clients`'],
      [{ seed: 1.5 }, '`seed`'],
      [{ startDate: '2023-02-30' }, '`startDate`'],
      [{ currency: 'usd' }, '`currency`'],
      [{ timezone: 'Mars/Olympus_Mons' }, '`timezone`'],
      [{ dateFormat: 'd.m.Y' }, '`dateFormat`'],
      [{ country: 'XX' }, '`country`'],
      [{ clients: 12, duplicates: 5 }, '`duplicates`'],
      [{ duplicates: { twins: 1 } }, '`duplicates.twins`'],
      [{ badRecords: { missingName: -1 } }, '`badRecords.missingName`'],
    ];
    for (const [input, name] of bad) {
      expect(() => generateStudio(input as never)).toThrow(InvalidArgumentError);
      expect(() => generateStudio(input as never)).toThrow(name);
    }
    expect(() => generateStudio({ clients: -1 })).toThrow(
      'Expected `clients` to be an integer from 0 to 10000000, got `-1` (number)',
    );
  });

  it('generates 5,000 clients in well under two seconds', () => {
    generateStudio({ seed: 9, clients: 200 });
    // CPU time, not wall time: other test files and other processes share the cores.
    const started = process.cpuUsage();
    const large = generateStudio({ seed: 9, clients: 5000, duplicates: 20, badRecords: 15 });
    const used = process.cpuUsage(started);
    expect(large.manifest.counts.clients).toBe(5000);
    // Typically about 0.5 s.
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });
});
