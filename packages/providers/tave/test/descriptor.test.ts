/** The provider as data: settings, descriptor, credentials, field catalog and default mappings. */
import {
  CrmError,
  compileMappings,
  listWedsyncFields,
  providerDefaultMappings,
  qualifyWedsyncField,
  type RecordType,
  unqualifyWedsyncField,
  ValidationError,
  validateMappings,
  validateMappingsByRecordType,
} from '@wedsync/crm-core';
import { describe, expect, it } from 'vitest';
import { createTave, taveDefaultMappings, taveFieldCatalog } from '../src/index.js';
import { resolveTaveSettings } from '../src/settings.js';

const recordTypes: readonly RecordType[] = ['client', 'project', 'event', 'invoice', 'payment'];

function errorOf(run: () => unknown): CrmError {
  try {
    run();
  } catch (error) {
    expect(CrmError.isInstance(error)).toBe(true);
    return error as CrmError;
  }
  return expect.unreachable('expected a CrmError');
}

describe('createTave settings', () => {
  it('applies the documented defaults', () => {
    expect(resolveTaveSettings({})).toMatchObject({
      baseUrl: 'https://workspace.vsco.co/api/v2',
      pageSize: 100,
      moneyUnit: 'minor',
      rateLimits: { requestsPerMinute: 60, requestsPerHour: 1000 },
    });
    expect(createTave({ rateLimits: { requestsPerMinute: 20, requestsPerHour: 300 } }).rateLimits).toEqual({
      requestsPerMinute: 20,
      requestsPerHour: 300,
    });
    expect(resolveTaveSettings({ baseUrl: 'http://127.0.0.1:8080/api/v2/' }).baseUrl).toBe(
      'http://127.0.0.1:8080/api/v2',
    );
  });

  it.each([
    [{ pageSize: 5 }, 'Expected `pageSize` to be an integer from 10 to 100, got `5` (number)'],
    [{ pageSize: 101 }, 'Expected `pageSize` to be an integer from 10 to 100, got `101` (number)'],
    [{ pageSize: 12.5 }, 'Expected `pageSize` to be an integer from 10 to 100, got `12.5` (number)'],
    [
      { baseUrl: 'ftp://example.com/v2' },
      'Expected `baseUrl` to be an absolute http(s) URL, got `ftp://example.com/v2` (string)',
    ],
    [{ baseUrl: 'not a url' }, 'Expected `baseUrl` to be an absolute http(s) URL, got `not a url` (string)'],
    [{ moneyUnit: 'cents' }, 'Expected `moneyUnit` to be one of `minor`, `major`, got `cents` (string)'],
    [
      { weddingJobTypes: 'wedding' },
      'Expected `weddingJobTypes` to be a regular expression, got `wedding` (string)',
    ],
    [{ rateLimits: 60 }, 'Expected `rateLimits` to be an object, got `60` (number)'],
    [
      { rateLimits: { requestsPerMinute: 0, requestsPerHour: 1000 } },
      'Expected `rateLimits.requestsPerMinute` to be an integer >= 1, got `0` (number)',
    ],
    [
      { rateLimits: { requestsPerMinute: 60, requestsPerHour: 1.5 } },
      'Expected `rateLimits.requestsPerHour` to be an integer >= 1, got `1.5` (number)',
    ],
  ])('refuses %o', (settings, message) => {
    const error = errorOf(() => createTave(settings as never));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(message);
  });

  it('refuses a base URL holding credentials without echoing them', () => {
    const error = errorOf(() =>
      createTave({ baseUrl: 'https://studio:hunter2-secret@workspace.vsco.co/api/v2' }),
    );
    expect(error.message).toContain('without credentials');
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain('hunter2');
  });

  it('refuses settings that are not an object', () => {
    expect(errorOf(() => createTave(null as never)).message).toBe(
      'Expected `settings` to be an object, got `null` (null)',
    );
  });
});

describe('descriptor', () => {
  const tave = createTave();

  it('is the Tave provider: reads everything, writes clients and projects, deletes nothing', () => {
    expect(tave).toMatchObject({
      specificationVersion: 'v1',
      id: 'tave',
      authKind: 'api_key',
      rateLimits: { requestsPerMinute: 60, requestsPerHour: 1000 },
    });
    for (const recordType of recordTypes) {
      const writes = recordType === 'client' || recordType === 'project';
      expect(tave.features[recordType]).toMatchObject({ read: true, write: writes, delete: false });
      expect(tave.features[recordType]?.limitations?.length).toBeGreaterThan(0);
    }
    expect(Object.isFrozen(tave)).toBe(true);
  });

  it('validates credentials: a non-empty string api_key, named but never echoed', () => {
    expect(() => tave.validateCredentials?.({ api_key: 'abc-123-key' })).not.toThrow();
    for (const credentials of [
      {},
      { api_key: '' },
      { api_key: '   ' },
      { api_key: 12345678 },
      { key: 'x' },
    ]) {
      const error = errorOf(() => tave.validateCredentials?.(credentials));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toContain('`api_key`');
      expect((error as ValidationError).issues).toEqual([
        { path: 'api_key', message: 'Expected a non-empty string' },
      ]);
      expect(error.message).not.toContain('12345678');
    }
  });

  it('connect refuses credentials without an API key before any request', () => {
    let requests = 0;
    const error = errorOf(() =>
      tave.connect({
        integrationId: 'i',
        credentials: { api_key: null },
        rateLimits: tave.rateLimits,
        signal: new AbortController().signal,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        createHttpClient: () => {
          requests += 1;
          return { request: async () => ({ status: 200, headers: {}, body: {} }) } as never;
        },
      }),
    );
    expect(error.code).toBe('validation_failed');
    expect(requests).toBe(0);
  });
});

describe('field catalog and default mappings', () => {
  const tave = createTave();

  it('catalogs every record type with typed, described, exemplified fields', () => {
    for (const recordType of recordTypes) {
      const fields = taveFieldCatalog[recordType];
      expect(fields.length).toBeGreaterThan(10);
      expect(new Set(fields.map((field) => field.name)).size).toBe(fields.length);
      for (const field of fields) {
        expect(field.description.length).toBeGreaterThan(5);
        expect(field.sample_values?.length).toBeGreaterThan(0);
        expect(['text', 'email', 'phone', 'date', 'number', 'boolean', 'json']).toContain(field.field_type);
      }
    }
    expect(taveFieldCatalog.client.find((field) => field.name === 'partner.cellPhone')).toMatchObject({
      field_type: 'phone',
      display_name: 'Partner cell phone',
    });
  });

  it.each(recordTypes)(
    '%s mappings validate against the WedSync catalog and the Tave catalog',
    (recordType) => {
      const mappings = tave.defaultMappings(recordType);
      expect(mappings.length).toBeGreaterThan(3);
      for (const mapping of mappings) {
        // The convention: client fields unqualified, other record types' qualified by the record type.
        expect(mapping.wedsync_field).toBe(qualifyWedsyncField(recordType, mapping.wedsync_field));
        if (recordType !== 'client') expect(mapping.wedsync_field.startsWith(`${recordType}.`)).toBe(true);
      }
      const unqualified = mappings.map((mapping) => ({
        ...mapping,
        wedsync_field: unqualifyWedsyncField(recordType, mapping.wedsync_field),
      }));
      expect(
        validateMappings(unqualified, {
          wedsyncFields: listWedsyncFields(recordType),
          crmFields: taveFieldCatalog[recordType],
        }),
      ).toEqual([]);
      expect(() => compileMappings(unqualified, { direction: 'import' })).not.toThrow();
    },
  );

  it('all default mappings together validate the way the hub checks them', () => {
    expect(validateMappingsByRecordType(providerDefaultMappings(tave), tave)).toEqual([]);
  });

  it('every required WedSync field of each record type is mapped', () => {
    for (const recordType of recordTypes) {
      const mapped = new Set(
        tave
          .defaultMappings(recordType)
          .map((mapping) => unqualifyWedsyncField(recordType, mapping.wedsync_field)),
      );
      for (const field of listWedsyncFields(recordType)) {
        if (field.is_required) expect(mapped.has(field.name), `${recordType}.${field.name}`).toBe(true);
      }
    }
  });

  it('gives each caller mappings of its own', () => {
    const first = tave.defaultMappings('project');
    (first[0] as { crm_field: string }).crm_field = 'changed';
    expect(tave.defaultMappings('project')[0]?.crm_field).not.toBe('changed');
    expect(tave.defaultMappings('unknown' as never)).toEqual([]);
  });

  it('reads whole units into minor units when moneyUnit is major', () => {
    const major = taveDefaultMappings('payment', 'major').map((mapping) => ({
      ...mapping,
      wedsync_field: unqualifyWedsyncField('payment', mapping.wedsync_field),
    }));
    const mapper = compileMappings(major, { direction: 'import', currency: 'USD' });
    const result = mapper({ amount: 1500, currencyCode: 'USD', status: 'posted', received: '2025-02-14' });
    expect(result.ok).toBe(true);
    expect(result.value).toMatchObject({ amount: { amount_minor: 150000, currency: 'USD' }, status: 'paid' });
    const minor = taveDefaultMappings('payment', 'minor').map((mapping) => ({
      ...mapping,
      wedsync_field: unqualifyWedsyncField('payment', mapping.wedsync_field),
    }));
    expect(
      compileMappings(minor, { direction: 'import' })({ amount: 1500, currencyCode: 'USD' }).value,
    ).toMatchObject({
      amount: { amount_minor: 1500 },
    });
  });

  it('derives the project stage from the stage and the closed flag', () => {
    const mappings = taveDefaultMappings('project', 'minor').map((mapping) => ({
      ...mapping,
      wedsync_field: unqualifyWedsyncField('project', mapping.wedsync_field),
    }));
    const mapper = compileMappings(mappings, { direction: 'import' });
    const stage = (job: Record<string, unknown>) =>
      (
        mapper({ currencyCode: 'USD', totalRevenue: 0, accountBalance: 0, ...job }).value as {
          status: unknown;
        }
      ).status;
    expect(stage({ stage: 'lead', closed: false })).toEqual({ stage: 'inquiry', raw: 'lead' });
    expect(stage({ stage: 'lead', closed: true, closedReasonName: 'Budget' })).toEqual({
      stage: 'lost',
      raw: 'lead',
      closed_reason: 'Budget',
    });
    expect(stage({ stage: 'booked', closed: true })).toEqual({ stage: 'archived', raw: 'booked' });
    expect(stage({ stage: 'fulfillment', closed: false })).toEqual({
      stage: 'fulfillment',
      raw: 'fulfillment',
    });
    expect(stage({ stage: 'completed', closed: false })).toEqual({ stage: 'completed', raw: 'completed' });
  });
});
