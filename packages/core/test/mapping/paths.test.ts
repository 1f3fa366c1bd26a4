import { describe, expect, it } from 'vitest';
import { MappingError } from '../../src/errors/index.js';
import {
  formatFieldPath,
  getAtPath,
  isPathPrefix,
  parseFieldPath,
  setAtPath,
  tryParseFieldPath,
} from '../../src/mapping/index.js';

const taveContact = {
  id: '01hx4m0000',
  firstName: 'Zoë',
  jobs: [{ eventDate: '2026-06-12' }, { eventDate: '2027-01-02' }],
  customFields: [
    { fieldId: '01abc', value: 'The Barn at Upwaltham' },
    { fieldId: 42, value: 'numeric id' },
    { fieldId: 'venue [main]', value: 'quoted' },
  ],
  'First Name.': 'dotted header',
};

describe('parseFieldPath', () => {
  it('parses names, indexes and selectors into segments', () => {
    expect(parseFieldPath('partner.email').segments).toEqual([
      { kind: 'key', key: 'partner' },
      { kind: 'key', key: 'email' },
    ]);
    expect(parseFieldPath('jobs.0.event_date').segments).toEqual([
      { kind: 'key', key: 'jobs' },
      { kind: 'index', index: 0 },
      { kind: 'key', key: 'event_date' },
    ]);
    expect(parseFieldPath('customFields[fieldId=01abc].value').segments).toEqual([
      { kind: 'key', key: 'customFields' },
      { kind: 'match', field: 'fieldId', value: '01abc' },
      { kind: 'key', key: 'value' },
    ]);
  });

  it('gives bracket and dot indexes one canonical spelling', () => {
    expect(parseFieldPath('jobs[0].event_date').canonical).toBe('jobs.0.event_date');
    expect(parseFieldPath('jobs.0.event_date').canonical).toBe('jobs.0.event_date');
    expect(parseFieldPath('customFields[fieldId="01abc"].value').canonical).toBe(
      'customFields[fieldId=01abc].value',
    );
    expect(parseFieldPath('["First Name."]').canonical).toBe('["First Name."]');
    expect(parseFieldPath('a["0"]').canonical).toBe('a["0"]');
  });

  it('treats leading-zero numbers as names and reads quoted selector values with escapes', () => {
    expect(parseFieldPath('codes.01').segments[1]).toEqual({ kind: 'key', key: '01' });
    expect(parseFieldPath('customFields[label="Venue [main] \\"A\\""].value').segments[1]).toEqual({
      kind: 'match',
      field: 'label',
      value: 'Venue [main] "A"',
    });
    expect(formatFieldPath(parseFieldPath('customFields[label="a]b"].value').segments)).toBe(
      'customFields[label="a]b"].value',
    );
  });

  it.each([
    ['', 'the path is empty', 0],
    ['first..name', 'empty segment', 6],
    ['first.', 'empty segment', 6],
    ['.first', 'empty segment', 0],
    ['jobs[', 'unclosed `[`', 4],
    ['jobs[]', 'empty brackets', 5],
    ['jobs[x]', 'expected an index, a quoted name or key=value', 5],
    ['jobs[0]x', 'expected `.` or `[` after `]`', 7],
    ['jobs.[0]', 'unexpected `[` after `.`', 5],
    ['a]b', 'unexpected `]`', 1],
    ['customFields[=x]', 'empty selector key', 13],
    ['customFields[fieldId=]', 'empty selector value', 21],
    ['customFields[fieldId="x]', 'unclosed quote', 21],
    ['customFields[fieldId="x"y]', 'expected `]`', 24],
    ['a["x"y]', 'expected `]`', 5],
    ['a[""]', 'empty quoted name', 2],
    ['a["\\n"]', 'only `\\"` and `\\\\` may be escaped', 3],
    ['__proto__.polluted', 'segment `__proto__` is not allowed', 0],
    ['a.constructor.prototype', 'segment `constructor` is not allowed', 2],
    ['a["prototype"]', 'segment `prototype` is not allowed', 2],
    ['items[__proto__=x]', 'segment `__proto__` is not allowed', 6],
    ['jobs.10001', 'index 10001 is larger than 10000', 0],
    [Array.from({ length: 33 }, () => 'a').join('.'), 'more than 32 segments', 0],
  ])('rejects %j: %s', (text, reason, position) => {
    const result = tryParseFieldPath(text);
    expect(result).toEqual({ ok: false, problem: { reason, position } });
  });

  it('throws MappingError with the reason in context', () => {
    expect(() => parseFieldPath('a..b')).toThrow(MappingError);
    expect(() => parseFieldPath('a..b')).toThrow('Invalid field path `a..b`: empty segment at position 2');
  });

  it('tells whether one path is a prefix of another', () => {
    expect(isPathPrefix(parseFieldPath('address'), parseFieldPath('address.city'))).toBe(true);
    expect(isPathPrefix(parseFieldPath('address.city'), parseFieldPath('address'))).toBe(false);
    expect(isPathPrefix(parseFieldPath('jobs[0]'), parseFieldPath('jobs.0.date'))).toBe(true);
    expect(isPathPrefix(parseFieldPath('c[id=1]'), parseFieldPath('c[id=1].value'))).toBe(true);
    expect(isPathPrefix(parseFieldPath('c[id=1]'), parseFieldPath('c[id=2].value'))).toBe(false);
    expect(isPathPrefix(parseFieldPath('jobs.1'), parseFieldPath('jobs.0.date'))).toBe(false);
  });
});

describe('getAtPath', () => {
  it('reads names, indexes and selectors', () => {
    expect(getAtPath(taveContact, parseFieldPath('firstName'))).toBe('Zoë');
    expect(getAtPath(taveContact, parseFieldPath('jobs.1.eventDate'))).toBe('2027-01-02');
    expect(getAtPath(taveContact, parseFieldPath('jobs[0].eventDate'))).toBe('2026-06-12');
    expect(getAtPath(taveContact, parseFieldPath('customFields[fieldId=01abc].value'))).toBe(
      'The Barn at Upwaltham',
    );
    expect(getAtPath(taveContact, parseFieldPath('customFields[fieldId=42].value'))).toBe('numeric id');
    expect(getAtPath(taveContact, parseFieldPath('customFields[fieldId="venue [main]"].value'))).toBe(
      'quoted',
    );
    expect(getAtPath(taveContact, parseFieldPath('["First Name."]'))).toBe('dotted header');
  });

  it('returns undefined for anything missing or of the wrong shape', () => {
    expect(getAtPath(taveContact, parseFieldPath('lastName'))).toBeUndefined();
    expect(getAtPath(taveContact, parseFieldPath('jobs.5.eventDate'))).toBeUndefined();
    expect(getAtPath(taveContact, parseFieldPath('firstName.length'))).toBeUndefined();
    expect(getAtPath(taveContact, parseFieldPath('customFields[fieldId=nope].value'))).toBeUndefined();
    expect(getAtPath(taveContact, parseFieldPath('jobs.eventDate'))).toBeUndefined();
    expect(getAtPath(taveContact, parseFieldPath('firstName[fieldId=x]'))).toBeUndefined();
    expect(getAtPath(null, parseFieldPath('a'))).toBeUndefined();
    expect(getAtPath('text', parseFieldPath('length'))).toBeUndefined();
  });

  it('reads own properties only, never inherited ones', () => {
    expect(getAtPath({}, parseFieldPath('toString'))).toBeUndefined();
    expect(getAtPath({}, parseFieldPath('hasOwnProperty'))).toBeUndefined();
    expect(getAtPath({ a: [] }, parseFieldPath('a.map'))).toBeUndefined();
  });

  it('reads a numeric segment as an object key when the container is an object', () => {
    expect(getAtPath({ years: { '2024': 'x' } }, parseFieldPath('years.2024'))).toBe('x');
  });
});

describe('setAtPath', () => {
  it('builds nested objects, arrays and selected items', () => {
    const target: Record<string, unknown> = {};
    expect(setAtPath(target, parseFieldPath('partner.email'), 'a@example.com')).toBeUndefined();
    expect(setAtPath(target, parseFieldPath('jobs.1.eventDate'), '2026-06-12')).toBeUndefined();
    expect(setAtPath(target, parseFieldPath('customFields[fieldId=01abc].value'), 'Barn')).toBeUndefined();
    expect(setAtPath(target, parseFieldPath('customFields[fieldId=01def].value'), '120')).toBeUndefined();
    expect(setAtPath(target, parseFieldPath('customFields[fieldId=01abc].label'), 'Venue')).toBeUndefined();
    expect(target).toEqual({
      partner: { email: 'a@example.com' },
      jobs: [undefined, { eventDate: '2026-06-12' }],
      customFields: [
        { fieldId: '01abc', value: 'Barn', label: 'Venue' },
        { fieldId: '01def', value: '120' },
      ],
    });
  });

  it('replaces a selected item when the path ends at the selector', () => {
    const target: Record<string, unknown> = { tags: [{ id: 'a', n: 1 }] };
    setAtPath(target, parseFieldPath('tags[id=a]'), { id: 'a', n: 2 });
    setAtPath(target, parseFieldPath('tags[id=b]'), { id: 'b', n: 3 });
    expect(target).toEqual({
      tags: [
        { id: 'a', n: 2 },
        { id: 'b', n: 3 },
      ],
    });
  });

  it('reports a conflict instead of overwriting a value that is not a container', () => {
    const target: Record<string, unknown> = { address: '12 Orchard Lane', list: [1], items: ['x'] };
    expect(setAtPath(target, parseFieldPath('address.city'), 'Bath')).toEqual({ at: 'address' });
    expect(setAtPath(target, parseFieldPath('list.name'), 'x')).toEqual({ at: 'list' });
    expect(setAtPath(target, parseFieldPath('address[id=1].x'), 'x')).toEqual({ at: 'address' });
    expect(setAtPath(target, parseFieldPath('items[id=1]'), 'x')).toBeUndefined();
    expect(setAtPath({ a: { b: 1 } }, parseFieldPath('a[id=1]'), 'x')).toEqual({ at: 'a' });
    expect(setAtPath({ a: [{ id: '1' }] }, parseFieldPath('a[id=1].b.c'), 'x')).toBeUndefined();
    expect(setAtPath({ a: ['1'] }, parseFieldPath('a.0.b'), 'x')).toEqual({ at: 'a.0' });
    expect(target.address).toBe('12 Orchard Lane');
  });

  it('never pollutes Object.prototype, even from JSON with a __proto__ key', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(tryParseFieldPath('__proto__.polluted').ok).toBe(false);
    const target: Record<string, unknown> = {};
    setAtPath(target, parseFieldPath('payload'), hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(getAtPath(hostile, parseFieldPath('polluted'))).toBeUndefined();
  });
});
