/** The dedupe key helpers the store applies on write and the engine applies on lookup. */
import { describe, expect, it } from 'vitest';
import { foldName, nameKey, normalizeEmail, normalizePhone } from '../src/client-store/keys.js';
import { clientMatchKeys } from '../src/client-store/kysely-client-store.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases, and is idempotent', () => {
    expect(normalizeEmail('  Zoë.Kim@Example.ORG \n')).toBe('zoë.kim@example.org');
    expect(normalizeEmail(normalizeEmail('  A@B.COM ')!)).toBe('a@b.com');
  });

  it('gives null for nothing', () => {
    expect(normalizeEmail(undefined)).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
    expect(normalizeEmail('   ')).toBeNull();
  });
});

describe('normalizePhone', () => {
  it('keeps the plus and the digits', () => {
    expect(normalizePhone('+1 (415) 555-0123')).toBe('+14155550123');
    expect(normalizePhone(' +44 7700 900123 ')).toBe('+447700900123');
    expect(normalizePhone('020 7946 0958')).toBe('02079460958');
    expect(normalizePhone(normalizePhone('+1 415 555 0123')!)).toBe('+14155550123');
  });

  it('gives null without digits', () => {
    expect(normalizePhone('n/a')).toBeNull();
    expect(normalizePhone(undefined)).toBeNull();
  });
});

describe('nameKey', () => {
  it('folds case, accents, apostrophes, hyphens and spacing', () => {
    const expected = 'jose obrien garcia';
    expect(nameKey({ first_name: 'José', last_name: "O'Brien-García" })).toBe(expected);
    expect(nameKey({ first_name: '  JOSE ', last_name: 'O’BRIEN   GARCIA' })).toBe(expected);
    expect(nameKey({ full_name: 'José O`Brien García' })).toBe(expected);
    expect(nameKey({ full_name: expected })).toBe(expected);
  });

  it('folds letters that do not decompose', () => {
    expect(nameKey({ first_name: 'Søren', last_name: 'Łukasz-Straße' })).toBe('soren lukasz strasse');
    expect(nameKey({ full_name: 'Æsa Œlund Þórsdóttir' })).toBe('aesa oelund thorsdottir');
  });

  it('keeps other scripts whole', () => {
    expect(nameKey({ full_name: '김민준' })).toBe('김민준');
    expect(nameKey({ first_name: 'محمد', last_name: 'الفارسي' })).toBe('محمد الفارسي');
    expect(nameKey({ full_name: 'ｊｏｓｅ' })).toBe('jose');
  });

  it('prefers first and last name over the full name', () => {
    expect(nameKey({ first_name: 'Zoë', full_name: 'Zoe Kim' })).toBe('zoe');
    expect(nameKey({ last_name: 'Kim', full_name: 'Zoe Kim' })).toBe('kim');
  });

  it('gives null without a name', () => {
    expect(nameKey({})).toBeNull();
    expect(nameKey({ first_name: '  ', full_name: '—' })).toBeNull();
  });

  it('is idempotent through foldName', () => {
    for (const name of ['José O’Brien', '김민준', 'İlkay Gündoğan', 'Straße']) {
      const once = foldName(name);
      expect(foldName(once)).toBe(once);
    }
  });
});

describe('clientMatchKeys', () => {
  it('collects the client and partner keys once each', () => {
    expect(
      clientMatchKeys({
        first_name: 'Ana',
        email: 'Ana@Example.com',
        secondary_email: 'ana@example.com',
        phone: '+34600000000',
        wedding_date: '2026-05-01',
        partner: { full_name: 'Luis Pérez', secondary_phone: '+34600000001' },
      }),
    ).toEqual([
      { kind: 'email', value: 'ana@example.com' },
      { kind: 'phone', value: '+34600000000' },
      { kind: 'name', value: 'ana' },
      { kind: 'name_date', value: 'ana|2026-05-01' },
      { kind: 'phone', value: '+34600000001' },
      { kind: 'name', value: 'luis perez' },
      { kind: 'name_date', value: 'luis perez|2026-05-01' },
    ]);
  });
});
