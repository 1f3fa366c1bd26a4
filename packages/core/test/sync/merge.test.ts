/** The three-way merge of one record, and the stable content hash. */
import { describe, expect, it } from 'vitest';
import { contentHash, mergeRecord, sameTextLoosely, stableStringify } from '../../src/index.js';

const base = {
  first_name: 'Emma',
  notes: 'base',
  budget: { amount_minor: 100, currency: 'USD' },
  tags: ['a'],
};

describe('mergeRecord', () => {
  it('takes CRM-only changes, keeps WedSync-only changes, and sees equal changes as no conflict', () => {
    const result = mergeRecord({
      current: { ...base, notes: 'wedsync', venue_name: 'Barn' },
      base,
      incoming: { ...base, first_name: 'Emmy', tags: ['a', 'b'], notes: 'base' },
      policy: 'manual_review',
      crmIsNewer: false,
    });
    expect(result.record).toEqual({
      ...base,
      first_name: 'Emmy',
      tags: ['a', 'b'],
      notes: 'wedsync',
      venue_name: 'Barn',
    });
    expect(result.changed).toEqual(['first_name', 'tags']);
    expect(result.conflicts).toEqual([]);
    expect(result.base).toEqual({ ...base, first_name: 'Emmy', tags: ['a', 'b'] });

    const same = mergeRecord({
      current: { ...base, notes: 'both' },
      base,
      incoming: { ...base, notes: 'both' },
      policy: 'manual_review',
      crmIsNewer: false,
    });
    expect(same.changed).toEqual([]);
  });

  it('removes a field the CRM removed, pruning objects left empty', () => {
    const result = mergeRecord({
      current: base,
      base,
      incoming: { first_name: 'Emma', notes: 'base', tags: ['a'] },
      policy: 'manual_review',
      crmIsNewer: false,
    });
    expect(result.record).toEqual({ first_name: 'Emma', notes: 'base', tags: ['a'] });
    expect([...result.changed].sort()).toEqual(['budget.amount_minor', 'budget.currency']);
  });

  it('settles conflicts by policy', () => {
    const input = {
      current: { ...base, notes: 'wedsync' },
      base,
      incoming: { ...base, notes: 'crm' },
    };
    const manual = mergeRecord({ ...input, policy: 'manual_review', crmIsNewer: true });
    expect(manual.record['notes']).toBe('wedsync');
    expect(manual.conflicts).toEqual([{ field: 'notes', base: 'base', wedsync: 'wedsync', crm: 'crm' }]);
    expect(manual.base['notes']).toBe('base');
    expect(manual.keptWedsync).toEqual(['notes']);

    expect(mergeRecord({ ...input, policy: 'wedsync_wins', crmIsNewer: true }).record['notes']).toBe(
      'wedsync',
    );
    expect(mergeRecord({ ...input, policy: 'crm_wins', crmIsNewer: false }).record['notes']).toBe('crm');
    expect(mergeRecord({ ...input, policy: 'newest_wins', crmIsNewer: true }).record['notes']).toBe('crm');
    const older = mergeRecord({ ...input, policy: 'newest_wins', crmIsNewer: false });
    expect(older.record['notes']).toBe('wedsync');
    expect(older.conflicts).toEqual([]);
    expect(older.base['notes']).toBe('crm');
  });

  it('treats a field WedSync removed and the CRM changed as a conflict', () => {
    const { budget: _removed, ...withoutBudget } = base;
    const result = mergeRecord({
      current: withoutBudget,
      base,
      incoming: { ...base, budget: { amount_minor: 200, currency: 'USD' } },
      policy: 'manual_review',
      crmIsNewer: false,
    });
    expect(result.record['budget']).toBeUndefined();
    expect(result.conflicts.map((conflict) => conflict.field)).toEqual(['budget.amount_minor']);
  });

  it('leaves fields with an open conflict alone and refreshes their conflict', () => {
    const result = mergeRecord({
      current: base,
      base,
      incoming: { ...base, notes: 'crm again' },
      policy: 'crm_wins',
      crmIsNewer: true,
      lockedFields: new Set(['notes']),
    });
    expect(result.record['notes']).toBe('base');
    expect(result.conflicts).toEqual([{ field: 'notes', base: 'base', wedsync: 'base', crm: 'crm again' }]);
    expect(result.base['notes']).toBe('base');
  });

  it('fills what WedSync lacks on a first link, and reports differing fields as conflicts', () => {
    const result = mergeRecord({
      current: { first_name: 'Emma', notes: 'kept' },
      base: undefined,
      incoming: { first_name: 'Emma', notes: 'crm', address: { city: 'Bath' } },
      policy: 'manual_review',
      crmIsNewer: false,
    });
    expect(result.record).toEqual({ first_name: 'Emma', notes: 'kept', address: { city: 'Bath' } });
    expect(result.changed).toEqual(['address.city']);
    expect(result.conflicts.map((conflict) => conflict.field)).toEqual(['notes']);
    expect(result.base).toEqual({ first_name: 'Emma', address: { city: 'Bath' } });
  });

  it('sees case and spacing differences as no conflict on a first link, when asked', () => {
    const result = mergeRecord({
      current: { first_name: 'Olivia', email: 'olivia@example.com' },
      base: undefined,
      incoming: { first_name: ' OLIVIA ', email: 'Olivia@Example.com' },
      policy: 'manual_review',
      crmIsNewer: false,
      equivalent: sameTextLoosely,
    });
    expect(result.record).toEqual({ first_name: 'Olivia', email: 'olivia@example.com' });
    expect(result.conflicts).toEqual([]);
    expect(sameTextLoosely('a  b', 'A b')).toBe(true);
    expect(sameTextLoosely(1, 1)).toBe(false);
  });

  it('replaces a value that is not an object when the CRM sets a field inside it', () => {
    const result = mergeRecord({
      current: { address: 'legacy text' },
      base: { address: 'legacy text' },
      incoming: { address: { city: 'Bath' } },
      policy: 'crm_wins',
      crmIsNewer: false,
    });
    expect(result.record).toEqual({ address: { city: 'Bath' } });
  });
});

describe('contentHash', () => {
  it('ignores key order and undefined members', () => {
    expect(contentHash({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(
      contentHash({ b: { c: [1, 2] }, a: 1 }),
    );
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes what JSON cannot hold in a stable way', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    expect(stableStringify({ when: new Date('2026-01-01T00:00:00Z'), bad: new Date(Number.NaN) })).toBe(
      '{"bad":null,"when":"2026-01-01T00:00:00.000Z"}',
    );
    expect(stableStringify({ big: 10n, inf: Number.POSITIVE_INFINITY, fn: () => 1, sym: Symbol('s') })).toBe(
      '{"big":"10","inf":null}',
    );
    expect(stableStringify([undefined, () => 1])).toBe('[null,null]');
    expect(stableStringify(circular)).toBe('{"name":"loop","self":"[Circular]"}');
    expect(stableStringify(undefined)).toBe('null');
  });
});
