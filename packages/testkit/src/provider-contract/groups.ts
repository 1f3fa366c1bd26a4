/**
 * The tests of the provider contract suite, by group: descriptor, credentials, connection, reads, secrets.
 */
import {
  CrmError,
  CrmFieldMappingSchema,
  type ExternalRecord,
  FieldDefinitionSchema,
  type ProviderPage,
  type ProviderRecordType,
  providerDefaultMappings,
  tryParseFieldPath,
  validateMappingsByRecordType,
} from '@wedsync/crm-core';
import { expect } from 'vitest';
import { allRecordTypes, type ContractScope, errorTexts, readPages, secretsOf } from './harness.js';

const authKinds = ['api_key', 'oauth2', 'basic_auth', 'csv', 'custom'];
const credentialedKinds = new Set(['api_key', 'oauth2', 'basic_auth']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectNoSecrets(texts: readonly string[], secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    const leaked = texts.some((text) => text.includes(secret));
    expect(leaked, `a credential value appears in ${where}`).toBe(false);
  }
}

/** Descriptor: identity, budget, features, catalogs and default mappings. */
export function descriptorTests(scope: ContractScope): void {
  scope.group('descriptor', () => {
    scope.test('declares its identity', async () => {
      const { provider } = scope.fixture();
      expect(provider.specificationVersion).toBe('v1');
      for (const key of ['id', 'name', 'description'] as const) {
        expect(typeof provider[key], key).toBe('string');
        expect(provider[key].trim(), key).not.toBe('');
      }
      expect(authKinds).toContain(provider.authKind);
      if (provider.authKind === 'oauth2') {
        expect(provider.oauth2, 'oauth2 settings of an oauth2 provider').toBeDefined();
      }
      expect(typeof provider.connect).toBe('function');
      expect(typeof provider.defaultMappings).toBe('function');
    });

    scope.test('rate limits are positive integers', async () => {
      const { rateLimits } = scope.fixture().provider;
      expect(Number.isInteger(rateLimits.requestsPerMinute) && rateLimits.requestsPerMinute > 0).toBe(true);
      expect(Number.isInteger(rateLimits.requestsPerHour) && rateLimits.requestsPerHour > 0).toBe(true);
      expect(rateLimits.requestsPerMinute).toBeLessThanOrEqual(rateLimits.requestsPerHour);
      if (rateLimits.concurrency !== undefined) {
        expect(Number.isInteger(rateLimits.concurrency) && rateLimits.concurrency > 0).toBe(true);
      }
    });

    scope.test('features are booleans with optional limitations', async () => {
      const { features } = scope.fixture().provider;
      const entries = Object.entries(features);
      expect(entries.length, 'at least one feature').toBeGreaterThan(0);
      for (const [recordType, feature] of entries) {
        expect(allRecordTypes, 'a record type').toContain(recordType);
        if (feature === undefined) continue;
        for (const operation of ['read', 'write', 'delete'] as const) {
          expect(typeof feature[operation], `${recordType}.${operation}`).toBe('boolean');
        }
        for (const limitation of feature.limitations ?? []) {
          expect(typeof limitation).toBe('string');
          expect(limitation.trim()).not.toBe('');
        }
      }
    });

    scope.test('every readable record type has a field catalog and default mappings', async () => {
      const { provider } = scope.fixture();
      const readable = scope.readableTypes();
      expect(readable.length, 'at least one readable record type').toBeGreaterThan(0);
      for (const recordType of readable) {
        expect(provider.fieldCatalog[recordType]?.length ?? 0, `${recordType} field catalog`).toBeGreaterThan(
          0,
        );
        expect(provider.defaultMappings(recordType).length, `${recordType} default mappings`).toBeGreaterThan(
          0,
        );
      }
    });

    scope.test('field catalogs are valid field definitions with unique paths', async () => {
      const { provider } = scope.fixture();
      for (const [recordType, fields] of Object.entries(provider.fieldCatalog)) {
        const names = new Set<string>();
        for (const field of fields ?? []) {
          const parsed = FieldDefinitionSchema.safeParse(field);
          expect(parsed.success, `${recordType} field ${String(field?.name)}`).toBe(true);
          expect(tryParseFieldPath(field.name).ok, `${recordType} field ${field.name} is a path`).toBe(true);
          expect(names.has(field.name), `${recordType} field ${field.name} listed once`).toBe(false);
          names.add(field.name);
          expect(field.description.trim(), `${recordType} field ${field.name} description`).not.toBe('');
        }
      }
    });

    scope.test('default mappings are valid against the WedSync and CRM catalogs', async () => {
      const { provider } = scope.fixture();
      for (const recordType of scope.readableTypes()) {
        for (const mapping of provider.defaultMappings(recordType)) {
          expect(
            CrmFieldMappingSchema.safeParse(mapping).success,
            `${recordType} ${mapping.wedsync_field}`,
          ).toBe(true);
        }
      }
      expect(validateMappingsByRecordType(providerDefaultMappings(provider), provider)).toEqual([]);
    });
  });
}

/** Credentials: missing ones are refused before anything is sent. */
export function credentialTests(scope: ContractScope): void {
  scope.group('credentials', () => {
    scope.test('validateCredentials rejects missing credentials and accepts the real ones', async () => {
      const { provider, server } = scope.fixture();
      if (!credentialedKinds.has(provider.authKind)) return;
      expect(typeof provider.validateCredentials, 'validateCredentials of a provider with credentials').toBe(
        'function',
      );
      const validate = provider.validateCredentials as NonNullable<typeof provider.validateCredentials>;
      const error = await caught(() => validate({}));
      expect(CrmError.isInstance(error), 'a CrmError').toBe(true);
      expect((error as CrmError).code).toBe('validation_failed');
      expect(() => validate(server.credentials)).not.toThrow();
    });

    scope.test('a session without credentials fails with a CrmError', async () => {
      const { provider } = scope.fixture();
      if (!credentialedKinds.has(provider.authKind)) return;
      const error = await caught(async () => {
        const { session } = await scope.open({ credentials: {} });
        await session.testConnection();
      });
      expect(CrmError.isInstance(error), 'a CrmError').toBe(true);
      expect(['validation_failed', 'credential_invalid']).toContain((error as CrmError).code);
    });
  });
}

/** Connection: testConnection and the session's capabilities. */
export function connectionTests(scope: ContractScope): void {
  scope.group('connection', () => {
    scope.test('testConnection reports the account', async () => {
      const { session } = await scope.open();
      const info = await session.testConnection();
      expect(Array.isArray(info.availableFeatures)).toBe(true);
      for (const feature of info.availableFeatures) expect(typeof feature).toBe('string');
      if (info.accountName !== undefined) expect(typeof info.accountName).toBe('string');
      if (info.settings !== undefined) expect(isPlainObject(info.settings)).toBe(true);
      if (info.rateLimitStatus !== undefined) {
        expect(Number.isFinite(info.rateLimitStatus.remainingRequests)).toBe(true);
        expect(Number.isNaN(Date.parse(info.rateLimitStatus.resetTime))).toBe(false);
      }
    });

    scope.test('optional capabilities match the declared features', async () => {
      const { provider } = scope.fixture();
      const { session } = await scope.open();
      const writes = Object.values(provider.features).some((feature) => feature?.write === true);
      expect(
        typeof session.write,
        writes ? 'write of a provider that writes' : 'no write without a write feature',
      ).toBe(writes ? 'function' : 'undefined');
      await session.close?.();
    });
  });
}

function checkPages(recordType: ProviderRecordType, pages: readonly ProviderPage[]): ExternalRecord[] {
  expect(pages.length, `${recordType}: at least one page`).toBeGreaterThan(0);
  const records: ExternalRecord[] = [];
  const ids = new Set<string>();
  pages.forEach((page, index) => {
    const last = index === pages.length - 1;
    if (last) expect(page.cursor, `${recordType}: the last page's cursor`).toBeNull();
    else {
      expect(typeof page.cursor, `${recordType}: cursor of page ${index + 1}`).toBe('string');
      expect(page.cursor, `${recordType}: cursor of page ${index + 1}`).not.toBe('');
    }
    if (page.totalRecords !== undefined) {
      expect(Number.isInteger(page.totalRecords) && page.totalRecords >= 0).toBe(true);
    }
    for (const record of page.records) {
      expect(typeof record.externalId, `${recordType}: externalId`).toBe('string');
      expect(record.externalId, `${recordType}: externalId`).not.toBe('');
      expect(ids.has(record.externalId), `${recordType}: externalId ${record.externalId} read once`).toBe(
        false,
      );
      ids.add(record.externalId);
      expect(isPlainObject(record.data), `${recordType} ${record.externalId}: data`).toBe(true);
      if (record.modifiedAt !== undefined) {
        expect(
          Number.isNaN(Date.parse(record.modifiedAt)),
          `${recordType} ${record.externalId}: modifiedAt`,
        ).toBe(false);
      }
      for (const [key, value] of Object.entries(record.links ?? {})) {
        const values = Array.isArray(value) ? value : [value];
        for (const item of values)
          expect(typeof item, `${recordType} ${record.externalId}: links.${key}`).toBe('string');
      }
      records.push(record);
    }
  });
  const total = pages.find((page) => page.totalRecords !== undefined)?.totalRecords;
  if (total !== undefined) expect(records.length, `${recordType}: records read vs totalRecords`).toBe(total);
  return records;
}

/** Reads: every readable record type walks all pages, resumes from a cursor and honours its signal. */
export function readTests(scope: ContractScope): void {
  scope.group('reads', () => {
    for (const recordType of allRecordTypes) {
      const readable = () => scope.readableTypes().includes(recordType);

      scope.test(`${recordType}: walks every page with unique external ids`, async () => {
        const { session } = await scope.open();
        if (!readable()) {
          // A record type the provider does not read is refused with a typed error, never read as empty.
          const error = await caught(() => readPages(session, recordType));
          expect(CrmError.isInstance(error), `read of unsupported ${recordType} fails with a CrmError`).toBe(
            true,
          );
          return;
        }
        checkPages(recordType, await readPages(session, recordType));
      });

      scope.test(`${recordType}: resumes from a cursor with nothing skipped or repeated`, async () => {
        if (!readable()) return;
        const { session } = await scope.open();
        const pages = await readPages(session, recordType);
        expect(
          pages.length,
          `${recordType}: the server must serve at least two pages (a smaller page size or more records)`,
        ).toBeGreaterThanOrEqual(2);
        const middle = Math.floor((pages.length - 1) / 2);
        const cursor = pages[middle]?.cursor as string;
        const expected = pages
          .slice(middle + 1)
          .flatMap((page) => page.records.map((record) => record.externalId));
        const resumed = await readPages(session, recordType, { cursor });
        expect(resumed.flatMap((page) => page.records.map((record) => record.externalId))).toEqual(expected);
        expect(resumed.at(-1)?.cursor).toBeNull();
        const lastCursor = pages.at(-2)?.cursor as string;
        const tail = await readPages(session, recordType, { cursor: lastCursor });
        expect(tail.flatMap((page) => page.records.map((record) => record.externalId))).toEqual(
          pages.at(-1)?.records.map((record) => record.externalId),
        );
      });

      scope.test(`${recordType}: honours its abort signal`, async () => {
        if (!readable()) return;
        const { session } = await scope.open();
        const before = new AbortController();
        before.abort(new Error('aborted before the read'));
        const early = await caught(() => readPages(session, recordType, { signal: before.signal }));
        expect(early, 'a read with an aborted signal fails').toBeDefined();

        const during = new AbortController();
        const iterator = session.read(recordType, { signal: during.signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        during.abort(new Error('aborted during the read'));
        if ((first.value as ProviderPage).cursor !== null) {
          const next = await caught(() => iterator.next());
          expect(next, 'the page after the abort fails').toBeDefined();
        }
        await iterator.return?.();
      });
    }
  });
}

/** Secrets: no credential value in errors or logs. */
export function secretTests(scope: ContractScope): void {
  scope.group('secrets', () => {
    scope.test('refused credentials fail without the secret in the error or the logs', async () => {
      const { server } = scope.fixture();
      expect(server.invalidCredentials, 'the server gives invalidCredentials').toBeDefined();
      const secrets = secretsOf(server.credentials, server.invalidCredentials);
      const { session, logger } = await scope.open({ credentials: server.invalidCredentials });
      const failure = await caught(() => session.testConnection());
      expect(
        CrmError.isInstance(failure),
        'testConnection with refused credentials fails with a CrmError',
      ).toBe(true);
      expectNoSecrets(errorTexts(failure), secrets, 'the testConnection error');
      const [recordType] = scope.readableTypes();
      if (recordType !== undefined) {
        const readFailure = await caught(() => readPages(session, recordType));
        expect(CrmError.isInstance(readFailure), `read ${recordType} with refused credentials fails`).toBe(
          true,
        );
        expectNoSecrets(errorTexts(readFailure), secrets, 'the read error');
      }
      expectNoSecrets(logger.lines, secrets, 'the logs');
    });

    scope.test('a full read logs no secret', async () => {
      const { server } = scope.fixture();
      const secrets = secretsOf(server.credentials);
      const { session, logger } = await scope.open();
      await session.testConnection();
      for (const recordType of scope.readableTypes()) await readPages(session, recordType);
      expectNoSecrets(logger.lines, secrets, 'the logs');
    });
  });
}
