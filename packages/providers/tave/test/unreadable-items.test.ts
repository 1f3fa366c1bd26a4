/**
 * Items of the wrong shape in a list page, against the fake VSCO Workspace: a contact whose `customFields`,
 * `modified` or `kind` has the wrong type, and an invoice whose `modified` does, no longer fail their page (and so
 * the whole import). Each comes out as a record carrying core's `unreadableRecordKey` note — the reason, the
 * property named, its value kept — which the default mappings reject as a whole; every other record reads as
 * before. An item that cannot be made readable (an id of the wrong type) still fails the page.
 */
import {
  compileMappings,
  type ExternalRecord,
  type RecordMapper,
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
import { readableItem } from '../src/api/client.js';
import { TaveContactSchema, TaveOrderSchema } from '../src/api/schemas.js';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll } from './helpers.js';

const studio: GeneratedStudio = generateStudio({ seed: 41, clients: 8 });
let fake: RunningFakeTave;
/** The planted contacts: id -> the property given the wrong type and its value. */
const planted = new Map<string, { property: string; value: unknown }>();
let badInvoiceId: string;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio });
  const { state } = fake;
  const contacts = state.collection('address-book');
  for (const [index, [property, value]] of (
    [
      ['customFields', 'oops'],
      ['modified', 12345],
      ['kind', 7],
    ] as const
  ).entries()) {
    const contact = state.create('address-book', {
      kind: 'person',
      firstName: `Unreadable${index}`,
      lastName: 'Contact',
      email: `unreadable.${index}@example.org`,
    });
    contacts.items.set(contact.id, { ...contact, [property]: value } as never);
    planted.set(contact.id, { property, value });
  }
  contacts.touch();
  const orders = state.collection('order');
  const order = state.list('order').find((candidate) => candidate.invoices.length > 1);
  if (order === undefined) throw new Error('The studio has no order with two invoices');
  const [first, ...rest] = order.invoices;
  badInvoiceId = (first as { id: string }).id;
  orders.items.set(order.id, { ...order, invoices: [{ ...first, modified: 5 }, ...rest] } as never);
  orders.touch();
});
afterAll(async () => {
  await fake?.close();
});

const noteOf = (record: ExternalRecord | undefined) =>
  record?.data[unreadableRecordKey] as UnreadableRecordNote | undefined;

describe('a contact with a property of the wrong type', () => {
  let clients: ExternalRecord[];
  let mapper: RecordMapper;

  beforeAll(async () => {
    const provider = createTave({ baseUrl: fake.url, pageSize: 10 });
    clients = await readAll(await connect(provider), 'client');
    mapper = compileMappings(provider.defaultMappings('client'), {
      direction: 'import',
      defaultCountry: 'US',
    });
  });

  it('is read as a client carrying a note: the reason, the property, its value as sent', () => {
    for (const [id, { property, value }] of planted) {
      const note = noteOf(clients.find((record) => record.externalId === id));
      expect(note, `contact with a wrong ${property}`).toEqual({
        reason: 'VSCO Workspace sent this record with properties that do not match its documented schema',
        issues: [{ path: property, message: expect.stringMatching(/^Invalid input: expected /) }],
        properties: { [property]: value },
      });
    }
  });

  it('is rejected as a whole by the default mappings, with the reason naming the property', () => {
    for (const [id, { property }] of planted) {
      const record = clients.find((candidate) => candidate.externalId === id) as ExternalRecord;
      const result = mapper(record.data, { recordId: id });
      expect(result.ok).toBe(false);
      expect(result.errors).toEqual([
        expect.objectContaining({
          field: '',
          code: 'unreadable_record',
          reason: expect.stringContaining(`(${property}: Invalid input: expected `),
        }),
      ]);
    }
  });

  it('leaves every other client as it was', () => {
    const others = clients.filter((record) => !planted.has(record.externalId));
    expect(others).toHaveLength(studio.manifest.counts.clients);
    for (const record of others) {
      expect(noteOf(record)).toBeUndefined();
      expect(mapper(record.data, { recordId: record.externalId }).ok).toBe(true);
    }
  });
});

describe('an invoice with a property of the wrong type', () => {
  it('carries the note itself; the order and its other invoices read as before', async () => {
    const invoices = await readAll(await connect(createTave({ baseUrl: fake.url, pageSize: 10 })), 'invoice');
    const bad = invoices.find((record) => record.externalId === badInvoiceId);
    expect(noteOf(bad)).toMatchObject({ issues: [{ path: 'modified' }], properties: { modified: 5 } });
    expect(bad?.links).toMatchObject({ project: expect.any(String) });
    const expected = fake.state
      .list('order')
      .flatMap((order) => order.invoices)
      .filter((invoice) => invoice.hidden !== true);
    expect(invoices).toHaveLength(expected.length);
    expect(invoices.filter((record) => noteOf(record) !== undefined)).toHaveLength(1);
  });
});

describe('readableItem', () => {
  it('returns a fitting item as parsed, and leaves it without a note', () => {
    const item = { id: 'c1', kind: 'person', customFields: [{ fieldId: 'f1', value: 'x' }] };
    expect(readableItem(TaveContactSchema, item)).toEqual(item);
  });

  it('takes out the nearest property whose removal makes the item fit', () => {
    const item = readableItem(TaveContactSchema, {
      id: 'c1',
      kind: 'person',
      customFields: [{ fieldId: 42, value: 'x' }],
      hidden: 'no',
    });
    expect(item).toMatchObject({ id: 'c1', kind: 'person' });
    expect(item).not.toHaveProperty('customFields');
    expect(item).not.toHaveProperty('hidden');
    expect((item as Record<string, unknown>)[unreadableRecordKey]).toEqual({
      reason: expect.any(String),
      issues: [
        { path: 'hidden', message: 'Invalid input: expected boolean, received string' },
        { path: 'customFields[0].fieldId', message: 'Invalid input: expected string, received number' },
      ],
      properties: { customFields: [{ fieldId: 42, value: 'x' }], hidden: 'no' },
    });
  });

  it('gives a contact without a kind the fallback kind', () => {
    const item = readableItem(TaveContactSchema, { id: 'c1' }) as Record<string, unknown>;
    expect(item['kind']).toBe('person');
    expect(item[unreadableRecordKey]).toMatchObject({ issues: [{ path: 'kind' }] });
  });

  it('cannot repair an id, a required link, or what is not an object', () => {
    expect(readableItem(TaveContactSchema, { id: 5, kind: 'person' })).toBeUndefined();
    expect(readableItem(TaveOrderSchema, { id: 'o1', jobId: null })).toBeUndefined();
    expect(readableItem(TaveContactSchema, 'contact')).toBeUndefined();
    expect(readableItem(TaveContactSchema, null)).toBeUndefined();
  });
});
