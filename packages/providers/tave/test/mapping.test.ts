/**
 * The client default mappings applied through core's compileMappings to every generated client, then validated
 * against the canonical model, as the hub does. The only failures are the planted bad records, each for its own
 * reason, and phones VSCO Workspace itself could not read (typed in another country's format, `e164: null`),
 * which no mapping can read without knowing that country.
 */
import {
  CanonicalClientSchema,
  compileMappings,
  type ExternalRecord,
  type FieldValueError,
} from '@wedsync/crm-core';
import { generateStudio, startFakeTave } from '@wedsync/crm-testkit/servers';
import { describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, readAll } from './helpers.js';

interface Outcome {
  readonly record: ExternalRecord;
  readonly errors: readonly FieldValueError[];
  readonly schemaPaths: readonly string[];
}

function unreadPhone(record: ExternalRecord, crmField: string): boolean {
  const owner = crmField.startsWith('partner.')
    ? (record.data['partner'] as Record<string, unknown>)
    : (record.data as Record<string, unknown>);
  const phone = owner[crmField.replace(/^partner\./, '')] as { e164?: unknown } | null;
  return phone !== null && typeof phone === 'object' && phone.e164 === null;
}

describe.each([1, 2, 3])('default client mappings over a generated studio (seed %i)', (seed) => {
  it('fail only on the planted bad records, each for its reason', async () => {
    const studio = generateStudio({ seed, clients: 120, duplicates: 6, badRecords: 9 });
    const fake = await startFakeTave({ apiKey, studio });
    try {
      const tave = createTave({ baseUrl: fake.url });
      const session = await connect(tave);
      const info = await session.testConnection();
      const mapper = compileMappings(tave.defaultMappings('client'), {
        direction: 'import',
        defaultCountry: String(info.settings?.['country']),
        currency: String(info.settings?.['currencyCode']),
      });
      const records = await readAll(session, 'client');
      expect(records).toHaveLength(120 + 6);

      const failures = new Map<string, Outcome>();
      for (const record of records) {
        const result = mapper(record.data, { recordId: record.externalId });
        const parsed = CanonicalClientSchema.safeParse(result.value);
        const schemaPaths = parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
        if (!result.ok || schemaPaths.length > 0) {
          failures.set(record.externalId, { record, errors: result.errors, schemaPaths });
        }
      }

      const planted = new Map(studio.manifest.badRecords.map((bad) => [bad.contactId, bad]));
      expect(planted.size).toBe(9);
      const weddingTypes = new Set(
        studio.jobTypes.filter((type) => /wedding|elopement/i.test(type.name)).map((type) => type.id),
      );
      for (const [contactId, bad] of planted) {
        const failure = failures.get(contactId);
        const codes = (failure?.errors ?? []).map((error) => `${error.field}:${error.code}`);
        if (bad.kind === 'invalidEmail') expect(codes, contactId).toContain('email:invalid_email');
        if (bad.kind === 'missingName') expect(failure?.schemaPaths, contactId).toEqual(['first_name']);
        if (bad.kind === 'impossibleDate') {
          const job = studio.jobs.find((candidate) => candidate.id === bad.jobId);
          const wedding = job !== undefined && weddingTypes.has(job.jobTypeId);
          // The client's wedding date comes from its wedding job; the bad date of another job fails its project.
          if (wedding) expect(codes, contactId).toContain('wedding_date:invalid_date');
          else expect(codes, contactId).not.toContain('wedding_date:invalid_date');
        }
      }
      for (const [contactId, failure] of failures) {
        // Every error is the planted one, or a phone VSCO Workspace could not read either.
        for (const error of failure.errors) {
          const expected = planted.get(contactId);
          const isPlanted =
            (expected?.kind === 'invalidEmail' &&
              error.field === 'email' &&
              error.code === 'invalid_email') ||
            (expected?.kind === 'impossibleDate' &&
              error.field === 'wedding_date' &&
              error.code === 'invalid_date');
          const isUnreadPhone =
            error.code === 'invalid_phone' && unreadPhone(failure.record, error.crm_field);
          expect(isPlanted || isUnreadPhone, `${contactId} ${error.field} ${error.code}`).toBe(true);
        }
        if (failure.schemaPaths.length > 0) expect(planted.get(contactId)?.kind).toBe('missingName');
      }
    } finally {
      await fake.close();
    }
  });
});

describe('default client mappings', () => {
  it('map the wedding fields from the wedding job and the partner from the job contacts', async () => {
    const studio = generateStudio({ seed: 4, clients: 40 });
    const fake = await startFakeTave({ apiKey, studio });
    try {
      const tave = createTave({ baseUrl: fake.url });
      const records = await readAll(await connect(tave), 'client');
      const mapper = compileMappings(tave.defaultMappings('client'), {
        direction: 'import',
        defaultCountry: 'US',
      });
      let weddings = 0;
      for (const record of records) {
        const value = mapper(record.data).value as Record<string, unknown>;
        const jobs = studio.jobs.filter((job) => job.clientId === record.externalId);
        const wedding = jobs.find(
          (job) => studio.jobTypes.find((type) => type.id === job.jobTypeId)?.name === 'Wedding',
        );
        if (wedding?.eventDate) {
          expect(value['wedding_date']).toBe(wedding.eventDate);
          if (wedding.guestCount !== null) expect(value['guest_count']).toBe(wedding.guestCount);
          weddings += 1;
        }
        const partner = record.data['partner'] as { firstName: string; lastName: string } | null;
        if (partner !== null) {
          expect(value['partner']).toMatchObject({
            first_name: partner.firstName,
            last_name: partner.lastName,
          });
        } else expect(value).not.toHaveProperty('partner');
        const person = studio.people.find((candidate) => candidate.id === record.externalId);
        expect(value).toMatchObject({ first_name: person?.firstName, last_name: person?.lastName });
        expect(value['job_type']).toBe(studio.jobTypes.find((type) => type.id === jobs[0]?.jobTypeId)?.name);
      }
      expect(weddings).toBeGreaterThan(5);
    } finally {
      await fake.close();
    }
  });
});
