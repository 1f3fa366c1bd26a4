/**
 * Name keys are capped at {@link maxNameKeyBytes} UTF-8 bytes, cut at a character boundary: the canonical schema
 * caps each name at 255 characters, but characters that expand under NFKD (U+FDFA ﷺ becomes 18 characters, 33
 * bytes) could still make a key too long for a btree index (`clients.name_key`, `client_match_keys`). A client
 * whose first and last names are 255 × U+FDFA each imports on every backend (SQLite in memory and on file,
 * PGlite, and PostgreSQL when CRM_TEST_PG_URL is set), with its keys within the cap.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../storage-kysely/test/backends.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { foldName, maxNameKeyBytes, nameKey } from '../../src/sync/keys.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmClient,
  emptyData,
  type FakeData,
  type TestHub,
} from './fixtures.js';

const expanding = '\uFDFA'.repeat(255);
const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');
/** Whether `text` holds no unpaired surrogate (a character cut in half). */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe('nameKey', () => {
  it('caps a key that NFKD expands past the limit, cutting at a character boundary', () => {
    const uncapped = foldName(`${expanding} ${expanding}`);
    expect(bytesOf(uncapped)).toBeGreaterThan(16_000);
    const key = nameKey({ first_name: expanding, last_name: expanding }) as string;
    expect(bytesOf(key)).toBeLessThanOrEqual(maxNameKeyBytes);
    expect(bytesOf(key)).toBeGreaterThan(maxNameKeyBytes - 4);
    expect(uncapped.startsWith(key)).toBe(true);
    expect(wellFormed(key)).toBe(true);
  });

  it('never splits a character of four bytes (a surrogate pair)', () => {
    // U+20000 is a letter that folds to itself: 4 UTF-8 bytes, 2 UTF-16 units.
    const key = nameKey({ full_name: '\u{20000}'.repeat(255) }) as string;
    expect(key).toBe('\u{20000}'.repeat(maxNameKeyBytes / 4));
    expect(wellFormed(key)).toBe(true);
    const shifted = nameKey({ full_name: `a${'\u{20000}'.repeat(255)}` }) as string;
    expect(shifted).toBe(`a${'\u{20000}'.repeat(maxNameKeyBytes / 4 - 1)}`);
    expect(wellFormed(shifted)).toBe(true);
  });

  it('stays idempotent when cut: no trailing space, and a capped key folds to itself', () => {
    // 'ab ' repeated: the cut can land right after a space, which the key must not end with.
    for (let offset = 0; offset < 3; offset += 1) {
      const name = `${'x'.repeat(offset)}${'ab '.repeat(300)}`;
      const key = nameKey({ full_name: name }) as string;
      expect(key.endsWith(' ')).toBe(false);
      expect(bytesOf(key)).toBeLessThanOrEqual(maxNameKeyBytes);
      expect(nameKey({ full_name: key })).toBe(key);
    }
    const key = nameKey({ first_name: expanding, last_name: expanding }) as string;
    expect(nameKey({ full_name: key })).toBe(key);
  });

  it('leaves keys within the cap as they were', () => {
    expect(nameKey({ first_name: 'José', last_name: 'García' })).toBe('jose garcia');
    const long = 'a'.repeat(maxNameKeyBytes);
    expect(nameKey({ full_name: long })).toBe(long);
  });
});

function data(): FakeData {
  const result = emptyData();
  result.client = [
    crmClient('c-expanding', { firstName: expanding, lastName: expanding, weddingDate: '2026-09-12' }),
    crmClient('c-good', { firstName: 'Ava', lastName: 'Reed', email: 'ava@example.com' }),
  ];
  return result;
}

for (const backend of testBackends()) {
  describe(`a name that NFKD expands past an index's limit [${backend.name}]`, () => {
    let testHub: TestHub;
    const { provider } = createFakeProvider({ data: data(), pageSize: 4 });

    beforeAll(async () => {
      testHub = await createTestHub({ providers: [provider], backend });
      if (testHub.storage.dialect === 'postgres') {
        // PostgreSQL compresses an index entry of a column of default storage, so the embedded tables would hold
        // even an uncapped key of this (repetitive) name. A host column that is never compressed (STORAGE
        // EXTERNAL) holds entries of at most 2,704 bytes, as every column would with less repetitive text.
        await sql`ALTER TABLE clients ALTER COLUMN name_key SET STORAGE EXTERNAL`.execute(testHub.db);
        await sql`ALTER TABLE client_match_keys ALTER COLUMN value SET STORAGE EXTERNAL`.execute(testHub.db);
      }
      const integrationId = await createIntegration(testHub);
      await testHub.hub.triggerSync({
        supplierId: testHub.supplierId,
        integrationId,
        body: { job_type: 'full_import' },
      });
    });
    afterAll(async () => {
      await testHub?.destroy();
    });

    it('imports, its name key and match keys within the cap', async () => {
      const [outcome] = await createInProcessRunner({ hub: testHub.hub }).drain();
      expect(outcome, JSON.stringify(outcome?.error)).toMatchObject({ status: 'completed' });
      expect(outcome?.counts).toMatchObject({ read: 2, created: 2, rejected: 0 });
      const key = nameKey({ first_name: expanding, last_name: expanding }) as string;
      const stored = await testHub.db
        .selectFrom('clients')
        .select(['first_name', 'name_key'])
        .where('name_key', '=', key)
        .execute();
      expect(stored).toEqual([{ first_name: expanding, name_key: key }]);
      const matchKeys = await testHub.db
        .selectFrom('client_match_keys')
        .select(['kind', 'value'])
        .where('kind', 'in', ['name', 'name_date'])
        .execute();
      expect(matchKeys).toEqual(
        expect.arrayContaining([
          { kind: 'name', value: key },
          { kind: 'name_date', value: `${key}|2026-09-12` },
        ]),
      );
      for (const { value } of matchKeys) expect(bytesOf(value)).toBeLessThanOrEqual(maxNameKeyBytes + 11);
    });
  });
}
