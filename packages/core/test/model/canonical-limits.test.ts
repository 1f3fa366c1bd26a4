/**
 * What the canonical model refuses before it reaches a database: text no database stores as sent (NUL
 * characters, unpaired surrogates) in any field or custom field key, names past 255 characters (they are indexed
 * through the client's name key), and emails past RFC 5321's limits or with a domain label ending in a hyphen.
 * Free text (notes, the maiden name, the address) keeps any length.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CanonicalClientSchema,
  CanonicalEventSchema,
  CanonicalProjectSchema,
  EmailAddressSchema,
  emailAddressProblem,
  maxEmailLength,
  maxNameLength,
} from '../../src/model/canonical.js';

function issuesOf(schema: z.ZodType, value: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('Expected the value to be invalid');
  return result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

const megabyte = 1024 * 1024;
const notText = 'Expected text without NUL characters or unpaired UTF-16 surrogates';

describe('storable text in every field', () => {
  it.each([
    ['first_name', { first_name: 'An\u0000na' }],
    ['last_name', { first_name: 'Anna', last_name: '\udc00Smith' }],
    ['maiden_name', { first_name: 'Anna', maiden_name: '\u0000' }],
    ['address.city', { first_name: 'Anna', address: { city: 'Spring\u0000field' } }],
    ['notes', { first_name: 'Anna', notes: 'a\ud800b' }],
    ['tags.1', { first_name: 'Anna', tags: ['ok', 'n\u0000t'] }],
    ['status.raw', { first_name: 'Anna', status: { stage: 'inquiry', raw: 'Le\u0000d' } }],
    ['partner.first_name', { first_name: 'Anna', partner: { first_name: 'B\u0000b' } }],
  ])('refuses %s', (path, client) => {
    expect(issuesOf(CanonicalClientSchema, client)).toEqual([{ path, message: notText }]);
  });

  it('refuses such text in custom field values and keys', () => {
    const issues = issuesOf(CanonicalProjectSchema, {
      client_id: 'c1',
      custom_fields: {
        venue: { key: 'venue', value: 'Barn\u0000' },
        'k\ud800': { key: 'k\ud800', value: 'x' },
      },
    });
    expect(issues.map((issue) => issue.path)).toEqual(['custom_fields.venue.value', 'custom_fields.k\ud800']);
  });

  it('refuses it in an event name and keeps checking the time zone', () => {
    expect(issuesOf(CanonicalEventSchema, { project_id: 'p1', name: 'Cere\u0000mony' })).toEqual([
      { path: 'name', message: notText },
    ]);
    expect(CanonicalEventSchema.safeParse({ project_id: 'p1', timezone: 'Europe/London' }).success).toBe(
      true,
    );
  });
});

describe('bounded names and emails', () => {
  it(`refuses first, last and full names past ${maxNameLength} characters, also a partner's`, () => {
    const long = 'x'.repeat(maxNameLength + 1);
    const message = `Expected at most ${maxNameLength} characters`;
    expect(issuesOf(CanonicalClientSchema, { first_name: 'x'.repeat(megabyte) })).toEqual([
      { path: 'first_name', message },
    ]);
    expect(issuesOf(CanonicalClientSchema, { first_name: 'Anna', last_name: long })).toEqual([
      { path: 'last_name', message },
    ]);
    expect(issuesOf(CanonicalClientSchema, { full_name: long })).toContainEqual({
      path: 'full_name',
      message,
    });
    expect(issuesOf(CanonicalClientSchema, { first_name: 'Anna', partner: { first_name: long } })).toEqual([
      { path: 'partner.first_name', message },
    ]);
    expect(CanonicalClientSchema.safeParse({ first_name: 'x'.repeat(maxNameLength) }).success).toBe(true);
  });

  it('keeps free text of any length', () => {
    const text = 'Lorem ipsum '.repeat(megabyte / 12);
    const client = { first_name: 'Anna', maiden_name: text, notes: text, address: { city: text } };
    expect(CanonicalClientSchema.safeParse(client).success).toBe(true);
  });

  it.each([
    [`${'z'.repeat(megabyte)}@example.com`, `Longer than ${maxEmailLength} characters`],
    [`${'a'.repeat(65)}@example.com`, 'More than 64 characters before the @'],
    ['anna@example-.com', 'A part of the domain starts or ends with a hyphen'],
  ])('refuses the email %#', (email, problem) => {
    expect(emailAddressProblem(email)).toBe(problem);
    expect(issuesOf(CanonicalClientSchema, { first_name: 'Anna', email })).toEqual([
      { path: 'email', message: `Invalid email address: ${problem}` },
    ]);
    expect(issuesOf(CanonicalClientSchema, { first_name: 'Anna', secondary_email: email })).toEqual([
      { path: 'secondary_email', message: `Invalid email address: ${problem}` },
    ]);
  });

  it('reports an address the email pattern refuses once', () => {
    expect(issuesOf(EmailAddressSchema, 'anna@@example.com')).toHaveLength(1);
    expect(EmailAddressSchema.format).toBe('email');
    expect(EmailAddressSchema.safeParse('anna@example.com').success).toBe(true);
  });
});
