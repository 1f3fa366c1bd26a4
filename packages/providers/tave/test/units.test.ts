/** Small units: custom field resolution, cursors, and what one job's contacts say. */
import { describe, expect, it } from 'vitest';
import {
  formatAfterCursor,
  formatClientCursor,
  formatLinkedCursor,
  formatTaveCursor,
  maxWaitingClients,
  parseClientCursor,
  parseIncrementalCursor,
  parseTaveCursor,
} from '../src/read/cursor.js';
import { CustomFieldResolver } from '../src/read/custom-fields.js';
import { type JobContactRow, newestTime, summarizeJob } from '../src/read/links.js';

describe('CustomFieldResolver', () => {
  const resolver = new CustomFieldResolver([
    { id: 'f1', name: 'Instagram handle', token: 'instagram', kind: 'TextField', canApplyTo: 'Contact' },
    { id: 'f2', name: 'Hours of Coverage', token: null, kind: 'Decimal' },
    { id: 'f3', name: 'Travel fee', token: 'instagram', kind: 'Money' },
    { id: 'f4', name: null, clientLabel: 'Ceremony time', kind: 'Time' },
    { id: 'f5', name: 'Weird', token: '__proto__', kind: 'Mystery' },
    { id: 'f6', name: '¡Primera cita!', kind: 'Checkbox' },
    { id: 'f7', name: null, kind: 'DropDown' },
  ]);

  it('adds label, a unique key and the WedSync type to each value', () => {
    const { customFields, customFieldsByKey } = resolver.resolve([
      { fieldId: 'f1', value: '@emma' },
      { fieldId: 'f2', value: '7.5' },
      { fieldId: 'f3', value: '25000' },
      { fieldId: 'f4', value: '14:00' },
      { fieldId: 'f5', value: 'x' },
      { fieldId: 'f6', value: 'true' },
      { fieldId: 'f7', value: null },
      { fieldId: 'gone', value: 'orphan' },
    ]);
    expect(customFields.map(({ fieldId, key, label, type }) => [fieldId, key, label, type])).toEqual([
      ['f1', 'instagram', 'Instagram handle', 'text'],
      ['f2', 'hours_of_coverage', 'Hours of Coverage', 'number'],
      // A second field with the same token keeps its id as key.
      ['f3', 'f3', 'Travel fee', 'money'],
      ['f4', 'ceremony_time', 'Ceremony time', 'time'],
      ['f5', 'f5', 'Weird', null],
      ['f6', 'primera_cita', '¡Primera cita!', 'boolean'],
      ['f7', 'f7', null, 'choice'],
      ['gone', 'gone', null, null],
    ]);
    expect(customFieldsByKey).toEqual({
      instagram: { key: 'instagram', label: 'Instagram handle', type: 'text', value: '@emma' },
      hours_of_coverage: {
        key: 'hours_of_coverage',
        label: 'Hours of Coverage',
        type: 'number',
        value: '7.5',
      },
      f3: { key: 'f3', label: 'Travel fee', type: 'money', value: '25000' },
      ceremony_time: { key: 'ceremony_time', label: 'Ceremony time', type: 'time', value: '14:00' },
      f5: { key: 'f5', label: 'Weird', value: 'x' },
      primera_cita: { key: 'primera_cita', label: '¡Primera cita!', type: 'boolean', value: 'true' },
      f7: { key: 'f7', type: 'choice', value: null },
      gone: { key: 'gone', value: 'orphan' },
    });
    expect(Object.getPrototypeOf(customFieldsByKey)).toBe(Object.prototype);
  });

  it('treats null or missing values as no custom fields', () => {
    expect(resolver.resolve(null)).toEqual({ customFields: [], customFieldsByKey: {} });
    expect(resolver.resolve(undefined)).toEqual({ customFields: [], customFieldsByKey: {} });
  });

  it('keeps the first value of a field listed twice in customFieldsByKey', () => {
    const { customFields, customFieldsByKey } = resolver.resolve([
      { fieldId: 'f1', value: 'first' },
      { fieldId: 'f1', value: 'second' },
    ]);
    expect(customFields).toHaveLength(2);
    expect(customFieldsByKey['instagram']?.value).toBe('first');
  });
});

describe('cursors', () => {
  it('name the walk and the page', () => {
    expect(formatTaveCursor('job', '3', false)).toBe('job:page:3');
    expect(formatTaveCursor('address-book', '2', true)).toBe('address-book:modified:page:2');
    expect(formatTaveCursor('order', null, false)).toBeNull();
    expect(parseTaveCursor('job:page:3', 'job', false)).toBe('3');
    expect(parseTaveCursor('address-book:modified:page:12', 'address-book', true)).toBe('12');
    expect(parseTaveCursor(null, 'job', false)).toBeNull();
    expect(parseTaveCursor(undefined, 'job', true)).toBeNull();
  });

  it.each([
    ['job:page:3', 'event', false],
    ['job:page:3', 'job', true],
    ['job:modified:page:3', 'job', false],
    ['job:page:0', 'job', false],
    ['job:page:03', 'job', false],
    ['job:page:', 'job', false],
    [42, 'job', false],
  ] as const)('refuses %s for a %s walk (incremental: %s)', (cursor, phase, incremental) => {
    expect(() => parseTaveCursor(cursor as string, phase, incremental)).toThrow(
      'Expected `cursor` to be a cursor of this read',
    );
  });
});

describe('client cursors', () => {
  it('carry the clients that wait for a partner on the next page', () => {
    expect(formatClientCursor('4', [])).toBe('address-book:page:4');
    expect(formatClientCursor('4', ['01abc', '01abd'])).toBe('address-book:page:4:waiting:01abc,01abd');
    expect(formatClientCursor(null, ['01abc'])).toBeNull();
    expect(parseClientCursor('address-book:page:4:waiting:01abc,01abd')).toEqual({
      page: '4',
      waiting: ['01abc', '01abd'],
    });
    expect(parseClientCursor('address-book:page:4')).toEqual({ page: '4', waiting: [] });
    expect(parseClientCursor(null)).toEqual({ page: null, waiting: [] });
  });

  it.each([
    'address-book:page:4:waiting:',
    'address-book:page:4:waiting:01abc,,01abd',
    'address-book:page:4:waiting:01a/bc',
    `address-book:page:4:waiting:${Array.from({ length: maxWaitingClients + 1 }, (_, index) => `id${index}`).join(',')}`,
    'address-book:page:0:waiting:01abc',
    'job:page:4:waiting:01abc',
  ])('refuses %s', (cursor) => {
    expect(() => parseClientCursor(cursor)).toThrow('Expected `cursor`');
  });
});

describe('incremental cursors', () => {
  it('resume after an id, at the linked records, or at a page of the walk', () => {
    expect(formatAfterCursor('address-book', '01h35ccwymj5ctckp8px1azhg6')).toBe(
      'address-book:modified:after:01h35ccwymj5ctckp8px1azhg6',
    );
    expect(formatLinkedCursor('job')).toBe('job:modified:linked');
    expect(
      parseIncrementalCursor('address-book:modified:after:01h35ccwymj5ctckp8px1azhg6', 'address-book', [
        'after',
        'page',
      ]),
    ).toEqual({ kind: 'after', id: '01h35ccwymj5ctckp8px1azhg6' });
    expect(parseIncrementalCursor('address-book:modified:page:3', 'address-book', ['after', 'page'])).toEqual(
      {
        kind: 'page',
        page: '3',
      },
    );
    expect(parseIncrementalCursor('job:modified:linked', 'job', ['page', 'linked'])).toEqual({
      kind: 'linked',
    });
    expect(parseIncrementalCursor(null, 'job', ['page'])).toEqual({ kind: 'start' });
  });

  it.each([
    ['job:modified:linked', 'job', ['page']],
    ['job:modified:after:abc', 'job', ['page', 'linked']],
    ['address-book:modified:after:', 'address-book', ['after']],
    ['address-book:modified:after:a/b', 'address-book', ['after']],
    ['address-book:page:2', 'address-book', ['after', 'page']],
    ['job:modified:page:0', 'job', ['page']],
  ] as const)('refuses %s for a %s read accepting %j', (cursor, phase, forms) => {
    expect(() => parseIncrementalCursor(cursor, phase, forms)).toThrow(
      'Expected `cursor` to be a cursor of this read',
    );
  });

  it('names the forms it accepts', () => {
    expect(() => parseIncrementalCursor('x', 'job', ['page', 'linked'])).toThrow(
      'Expected `cursor` to be a cursor of this read (`job:modified:page:<page>` or `job:modified:linked`, as the read has `since`), got `x` (string)',
    );
  });
});

describe('summarizeJob', () => {
  const row = (id: string, patch: Partial<JobContactRow>): JobContactRow => ({
    id,
    contactId: `contact-${id}`,
    jobId: 'job',
    client: false,
    couple: false,
    order: `2025-01-01T00:00:0${id}Z\u0000${id}`,
    modified: `2025-01-01T00:00:0${id}+00:00`,
    hidden: false,
    ...patch,
  });

  it('takes the first client, then the other couple roles as partner candidates', () => {
    const summary = summarizeJob([
      row('4', { couple: true }),
      row('3', { client: true, couple: true }),
      row('2', { couple: false }),
      row('5', { client: true, couple: true }),
    ]);
    expect(summary).toEqual({
      clientId: 'contact-3',
      partners: ['contact-5', 'contact-4'],
      contactsModified: '2025-01-01T00:00:05+00:00',
    });
  });

  it('dates the job contacts by the hidden ones too, but leaves them out of the roles', () => {
    const summary = summarizeJob([
      row('1', { client: true, couple: true }),
      row('7', { couple: true, hidden: true }),
    ]);
    expect(summary).toEqual({
      clientId: 'contact-1',
      partners: [],
      contactsModified: '2025-01-01T00:00:07+00:00',
    });
    expect(summarizeJob([row('1', { client: true, hidden: true })])).toMatchObject({ clientId: undefined });
    expect(summarizeJob([row('1', { couple: true })])).toMatchObject({ clientId: undefined, partners: [] });
    expect(summarizeJob(undefined)).toEqual({
      clientId: undefined,
      partners: [],
      contactsModified: undefined,
    });
  });

  it('keeps the newest timestamp as written, passing over what does not parse', () => {
    expect(newestTime(['2025-01-01T00:00:00+00:00', undefined, '2025-03-01T00:00:00+01:00', null])).toBe(
      '2025-03-01T00:00:00+01:00',
    );
    expect(newestTime(['not a date', '2024-01-01T00:00:00Z'])).toBe('2024-01-01T00:00:00Z');
    expect(newestTime(['not a date'])).toBe('not a date');
    expect(newestTime([])).toBeUndefined();
  });
});
