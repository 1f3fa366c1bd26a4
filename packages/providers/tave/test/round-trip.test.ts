/**
 * The default mappings reverse cleanly: a canonical client (and project) exported through them with core's
 * compileMappings, written to the fake VSCO Workspace, read back through read() and mapped again equals the
 * original field by field — unicode names, apostrophes, long notes, date-only dates, phones.
 */
import { compileMappings, type ExternalRecord } from '@wedsync/crm-core';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll } from './helpers.js';

let fake: RunningFakeTave;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio: { seed: 3, clients: 6 } });
});
afterAll(async () => {
  await fake?.close();
});

describe('default mappings, WedSync -> Tave -> WedSync', () => {
  it.each(['client', 'project', 'event', 'invoice', 'payment'] as const)(
    'compile for export (%s), in both money units',
    (recordType) => {
      for (const moneyUnit of ['minor', 'major'] as const) {
        const mappings = createTave({ moneyUnit }).defaultMappings(recordType);
        expect(() => compileMappings(mappings, { direction: 'export', currency: 'USD' })).not.toThrow();
      }
    },
  );

  it('export, write, read and import give back every client and project field', async () => {
    const tave = createTave({ baseUrl: fake.url });
    const session = await connect(tave);
    const info = await session.testConnection();
    const options = {
      defaultCountry: String(info.settings?.['country']),
      currency: String(info.settings?.['currencyCode']),
    };
    const clientExport = compileMappings(tave.defaultMappings('client'), { direction: 'export', ...options });
    const clientImport = compileMappings(tave.defaultMappings('client'), { direction: 'import', ...options });

    const clients = [
      {
        first_name: 'Zoë',
        last_name: "O'Connor-Ñúñez",
        maiden_name: 'Þórsdóttir',
        email: 'zoe.oconnor@example.org',
        secondary_email: "o'connor.family@example.net",
        phone: '+14155550123',
        secondary_phone: '+442079460958',
        birthdate: '1992-02-29',
        marketing_opt_in: true,
        address: { city: 'Montréal', region: 'QC', postal_code: 'H2X 1Y4', country: 'CA' },
      },
      { first_name: '李', last_name: '小龙', email: 'li.xiaolong@example.cn', marketing_opt_in: false },
    ];
    const ids: string[] = [];
    for (const [index, client] of clients.entries()) {
      const exported = clientExport(client);
      expect(exported.errors).toEqual([]);
      const [result] =
        (await session.write?.('client', [
          { kind: 'create', idempotencyKey: `rt-${index}`, data: exported.value },
        ])) ?? [];
      expect(result?.status, JSON.stringify(result)).toBe('created');
      ids.push((result as { externalId: string }).externalId);
    }
    const read = new Map((await readAll(session, 'client')).map((record) => [record.externalId, record]));
    for (const [index, client] of clients.entries()) {
      const record = read.get(ids[index] as string) as ExternalRecord;
      const imported = clientImport(record.data);
      expect(imported.errors).toEqual([]);
      for (const [field, value] of Object.entries(client)) {
        expect(imported.value[field], field).toEqual(value);
      }
      // Only the fields given come back (with the name VSCO Workspace composes, and no custom field values).
      expect(imported.value['full_name']).toBe(`${client.first_name} ${client.last_name}`);
      expect(imported.value['custom_fields'] ?? {}).toEqual({});
      const extra = Object.keys(imported.value).filter((field) => !(field in client));
      expect(extra.sort()).toEqual(['custom_fields', 'full_name'].filter((field) => field in imported.value));
    }

    // A project of the first client.
    const projectExport = compileMappings(tave.defaultMappings('project'), {
      direction: 'export',
      ...options,
    });
    const projectImport = compileMappings(tave.defaultMappings('project'), {
      direction: 'import',
      ...options,
    });
    const project = {
      name: 'Zoë & Léa — mariage à Montréal',
      event_date: '2027-09-18',
      guest_count: 140,
      notes: `Ceremony: 15:00 at the chapel, "first look" before.\n${'Loves peonies; no lilies. '.repeat(400).trimEnd()}`,
      inquiry_date: '2026-11-02',
      booked_date: '2026-12-01',
      budget: { amount_minor: 1_250_000, currency: options.currency },
    };
    const exported = projectExport({ project });
    expect(exported.errors).toEqual([]);
    const [result] =
      (await session.write?.('project', [
        {
          kind: 'create',
          idempotencyKey: 'rt-project',
          data: { ...exported.value, clientContactId: ids[0] },
        },
      ])) ?? [];
    expect(result?.status, JSON.stringify(result)).toBe('created');
    const jobId = (result as { externalId: string }).externalId;
    const job = (await readAll(session, 'project')).find(
      (record) => record.externalId === jobId,
    ) as ExternalRecord;
    expect(job.links).toEqual({ client: ids[0] });
    const imported = projectImport(job.data);
    expect(imported.errors).toEqual([]);
    const back = imported.value['project'] as Record<string, unknown>;
    for (const [field, value] of Object.entries(project)) expect(back[field], field).toEqual(value);
  });
});
