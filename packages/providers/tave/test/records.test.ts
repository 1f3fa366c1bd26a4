/**
 * Reads of projects, events, invoices and payments against the fake VSCO Workspace, and their default mappings
 * applied with core's compileMappings: links, time zones and venues, money in minor units with the studio's
 * currency, pagination, incremental walks.
 */
import {
  type CrmProviderV1,
  canonicalSchemasByRecordType,
  compileMappings,
  type ExternalRecord,
  type ProviderRecordType,
  type RecordMapper,
  unqualifyWedsyncField,
} from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll, readPages } from './helpers.js';

const studio: GeneratedStudio = generateStudio({ seed: 8, clients: 40, badRecords: { impossibleDate: 2 } });
let fake: RunningFakeTave;
let tave: CrmProviderV1;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  tave = createTave({ baseUrl: fake.url, pageSize: 10 });
});
afterAll(async () => {
  await fake?.close();
});

function mapperFor(provider: CrmProviderV1, recordType: ProviderRecordType, currency: string): RecordMapper {
  const mappings = provider.defaultMappings(recordType).map((mapping) => ({
    ...mapping,
    wedsync_field: unqualifyWedsyncField(recordType, mapping.wedsync_field),
  }));
  return compileMappings(mappings, { direction: 'import', currency, defaultCountry: 'US' });
}

/** Maps a record and validates it as the hub does, the parent ids filled in. */
function mapped(mapper: RecordMapper, recordType: ProviderRecordType, record: ExternalRecord) {
  const result = mapper(record.data, { recordId: record.externalId });
  const value = { ...result.value, ...(recordType === 'project' ? { client_id: 'c' } : { project_id: 'p' }) };
  const parsed = canonicalSchemasByRecordType[recordType].safeParse(value);
  return { result, value: value as Record<string, unknown>, valid: result.ok && parsed.success };
}

describe('read project', () => {
  it('reads every job, closed ones too, linked to its client, ten per page', async () => {
    const session = await connect(tave);
    const pages = await readPages(session, 'project');
    const records = pages.flatMap((page) => [...page.records]);
    expect(records).toHaveLength(studio.jobs.length);
    expect(studio.jobs.some((job) => job.closed)).toBe(true);
    expect(pages).toHaveLength(Math.ceil(studio.jobs.length / 10));
    expect(pages.every((page) => page.records.length <= 10 && page.totalRecords === studio.jobs.length)).toBe(
      true,
    );
    expect(pages[0]?.cursor).toBe('job:page:2');
    const byId = new Map(records.map((record) => [record.externalId, record]));
    for (const job of studio.jobs) {
      const record = byId.get(job.id);
      expect(record?.links).toEqual({ client: job.clientId });
      expect(record?.data).toMatchObject({
        clientContactId: job.clientId,
        currencyCode: 'USD',
        eventDate: job.eventDate,
      });
      expect(record?.modifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    }
  });

  it('maps jobs onto projects; only the planted impossible dates fail', async () => {
    const records = await readAll(await connect(tave), 'project');
    const mapper = mapperFor(tave, 'project', 'USD');
    const planted = new Set(studio.manifest.badRecords.map((bad) => bad.jobId));
    expect(planted.size).toBe(2);
    for (const record of records) {
      const job = studio.jobs.find((candidate) => candidate.id === record.externalId);
      const outcome = mapped(mapper, 'project', record);
      if (planted.has(record.externalId)) {
        expect(outcome.valid).toBe(false);
        expect(outcome.result.errors.map((error) => [error.field, error.code])).toEqual([
          ['event_date', 'invalid_date'],
        ]);
        continue;
      }
      expect(outcome.valid, record.externalId).toBe(true);
      const stage = job?.closed ? (job.stage === 'inquiry' ? 'lost' : 'archived') : job?.stage;
      expect(outcome.value).toMatchObject({ status: { stage } });
      expect(outcome.value['event_date']).toBe(job?.eventDate ?? undefined);
      if (job?.budget !== null)
        expect(outcome.value['budget']).toEqual({ amount_minor: job?.budget, currency: 'USD' });
      else expect(outcome.value).not.toHaveProperty('budget');
      expect(outcome.value['total_revenue']).toEqual({
        amount_minor: record.data['totalRevenue'],
        currency: 'USD',
      });
    }
  });

  it('walks jobs changed since a watermark, newest first, then the jobs whose contacts changed', async () => {
    const session = await connect(tave);
    const sorted = [...studio.jobs].sort(
      (left, right) => Date.parse(right.modifiedAt) - Date.parse(left.modifiedAt),
    );
    const since = sorted[12]?.modifiedAt as string;
    // The walk: the jobs that changed themselves, newest first.
    const walked = sorted
      .filter((job) => Date.parse(job.modifiedAt) > Date.parse(since))
      .map((job) => job.id);
    // A job that did not change itself gets a changed contact.
    const still = sorted.at(-1)?.id as string;
    const jobContact = fake.state.list('job-contact').find((item) => item.jobId === still);
    fake.state.update('job-contact', jobContact?.id as string, {});
    const all = await readAll(session, 'project');
    expect(all.find((record) => record.externalId === still)?.modifiedAt).toBe(
      fake.state.get('job-contact', jobContact?.id as string)?.modified,
    );
    // A project's modifiedAt is the newest of its job and the job's contacts: every record past the watermark.
    const expected = all.filter((record) => Date.parse(record.modifiedAt as string) > Date.parse(since));
    const pages = await readPages(session, 'project', { since });
    const records = pages.flatMap((page) => [...page.records]);
    const ids = records.map((record) => record.externalId);
    expect(ids.slice(0, walked.length)).toEqual(walked);
    const byId = (left: ExternalRecord, right: ExternalRecord) =>
      left.externalId < right.externalId ? -1 : 1;
    expect([...records].sort(byId)).toEqual([...expected].sort(byId));
    expect(records.length).toBeGreaterThan(walked.length);
    expect(pages[0]?.cursor).toBe('job:modified:page:2');
    expect(pages.at(-2)?.cursor).toBe('job:modified:linked');
    const resumed = await readAll(session, 'project', { since, cursor: 'job:modified:page:2' });
    expect(resumed.map((record) => record.externalId)).toEqual([
      ...walked.slice(10),
      ...ids.slice(walked.length),
    ]);
    const linked = await readAll(session, 'project', { since, cursor: 'job:modified:linked' });
    expect(linked.map((record) => record.externalId)).toEqual(ids.slice(walked.length));
  });
});

describe('read event', () => {
  it('reads events with their venue and time zone, linked to their job', async () => {
    const records = await readAll(await connect(tave), 'event');
    expect(records).toHaveLength(studio.events.length);
    const mapper = mapperFor(tave, 'event', 'USD');
    const zones = new Set<string>();
    for (const event of studio.events) {
      const record = records.find((candidate) => candidate.externalId === event.id) as ExternalRecord;
      expect(record.links).toEqual({ project: event.jobId });
      const venue = studio.venues.find((candidate) => candidate.id === event.venueId);
      const outcome = mapped(mapper, 'event', record);
      expect(outcome.valid, event.id).toBe(true);
      expect(outcome.value).toMatchObject({
        name: event.name,
        event_type: studio.eventTypes.find((type) => type.id === event.eventTypeId)?.name,
        start_date: event.startDate,
        end_date: event.endDate,
        timezone: event.timezone,
        ...(event.startTime === null ? {} : { start_time: event.startTime }),
        ...(event.endTime === null ? {} : { end_time: event.endTime }),
      });
      if (venue !== undefined) {
        expect(outcome.value['venue']).toMatchObject({
          name: venue.name,
          latitude: venue.latitude,
          longitude: venue.longitude,
          address: {
            ...(venue.address.city === null ? {} : { city: venue.address.city }),
            ...(venue.address.line1 === null ? {} : { line1: venue.address.line1 }),
            ...(venue.address.line2 === null ? {} : { line2: venue.address.line2 }),
          },
        });
      }
      zones.add(event.timezone);
    }
    expect(zones.size).toBeGreaterThan(0);
  });
});

describe('read invoice and payment', () => {
  it('reads the invoices of every order, totals in minor units of the studio currency', async () => {
    const records = await readAll(await connect(tave), 'invoice');
    const invoices = studio.orders.flatMap((order) => order.invoices.map((invoice) => ({ order, invoice })));
    expect(invoices.length).toBeGreaterThan(10);
    expect(records).toHaveLength(invoices.length);
    const mapper = mapperFor(tave, 'invoice', 'USD');
    for (const { order, invoice } of invoices) {
      const record = records.find((candidate) => candidate.externalId === invoice.id) as ExternalRecord;
      expect(record.links).toEqual({ project: order.jobId });
      expect(record.data['order']).toMatchObject({ id: order.id, total: order.total });
      const outcome = mapped(mapper, 'invoice', record);
      expect(outcome.valid, invoice.id).toBe(true);
      expect(outcome.value).toMatchObject({
        number: invoice.number,
        status: invoice.status,
        due_date: invoice.dueDate,
        total: { amount_minor: invoice.total, currency: 'USD' },
      });
    }
  });

  it('reads payments with their amount, status and method', async () => {
    const records = await readAll(await connect(tave), 'payment');
    expect(records).toHaveLength(studio.payments.length);
    const mapper = mapperFor(tave, 'payment', 'USD');
    const names = { card: 'Credit Card', bank_transfer: 'Bank Transfer', check: 'Check', cash: 'Cash' };
    const statuses = new Set<string>();
    for (const payment of studio.payments) {
      const record = records.find((candidate) => candidate.externalId === payment.id) as ExternalRecord;
      expect(record.links).toEqual({ project: payment.jobId });
      const outcome = mapped(mapper, 'payment', record);
      expect(outcome.valid, payment.id).toBe(true);
      expect(outcome.value).toMatchObject({
        amount: { amount_minor: payment.amount, currency: 'USD' },
        received_at: payment.receivedDate,
        // A refund is a posted payment in VSCO Workspace: it reads as paid (see the feature's limitations).
        status: payment.status === 'refunded' ? 'paid' : payment.status,
        method: names[payment.method],
      });
      statuses.add(payment.status);
    }
    expect(statuses.size).toBeGreaterThan(1);
  });

  it('takes the currency from the studio', async () => {
    const british = await startFakeTave({ apiKey, studio: { seed: 2, clients: 12, country: 'GB' } });
    try {
      const provider = createTave({ baseUrl: british.url });
      const session = await connect(provider);
      const info = await session.testConnection();
      expect(info.settings).toMatchObject({ currencyCode: 'GBP', country: 'GB', dateFormat: 'j/n/Y' });
      const payments = await readAll(session, 'payment');
      expect(payments.length).toBeGreaterThan(0);
      const mapper = mapperFor(provider, 'payment', 'GBP');
      for (const record of payments) {
        expect((mapped(mapper, 'payment', record).value['amount'] as { currency: string }).currency).toBe(
          'GBP',
        );
      }
    } finally {
      await british.close();
    }
  });
});

describe('testConnection', () => {
  it('reports the studio name, settings and the features read', async () => {
    fake.requestLog.clear();
    const info = await (await connect(tave)).testConnection();
    expect(info).toEqual({
      accountName: studio.settings.name,
      availableFeatures: ['clients', 'projects', 'events', 'invoices', 'payments'],
      settings: expect.objectContaining({
        currencyCode: 'USD',
        dateFormat: studio.settings.dateFormat,
        timezoneId: expect.any(String),
        timezone: studio.settings.timezone,
        country: 'US',
      }),
    });
    expect(info).not.toHaveProperty('rateLimitStatus');
    expect(fake.requestLog.entries().map((entry) => entry.path)).toEqual([
      '/studio/me',
      `/timezone/${String(info.settings?.['timezoneId'])}`,
    ]);
  });
});
