/**
 * The shared ClientStore contract suite. Any ClientStore implementation calls `runClientStoreContract` from a
 * vitest file, once per database it supports; test names say which (`client store contract [pglite] > ...`).
 * One fixture (one database) serves the whole suite; each test works in suppliers of its own.
 */
import {
  type CanonicalClient,
  type ChangeStamp,
  type ChangeStampsPage,
  type ChangesPage,
  type ChangesQuery,
  type ClientStore,
  type ClientStoreRecordType,
  CrmError,
  CrmSyncConfigSchema,
  type HubStorage,
  type StoredRecord,
} from '@wedsync/crm-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bulkClient,
  longNotes,
  sampleClient,
  sampleEvent,
  sampleInvoice,
  samplePayment,
  sampleProject,
} from './records.js';

export { bulkClient, longNotes, sampleClient, sampleEvent, sampleInvoice, samplePayment, sampleProject };

/** The key normalisation the engine uses to build dedupe lookups (the store's own helpers). */
export interface DedupeKeyNormalizer {
  normalizeEmail(email: string): string | null;
  normalizePhone(phone: string): string | null;
  nameKey(person: { first_name?: string; last_name?: string; full_name?: string }): string | null;
}

/** One fresh, isolated store plus what the suite needs around it. */
export interface ClientStoreFixture {
  readonly store: ClientStore;
  /** Creates a supplier the store's records may belong to and returns its id. */
  createSupplier(): Promise<string>;
  /**
   * The HubStorage of the same database, for the shared-transaction tests and `crm_integration_id`.
   * @default undefined (those tests are skipped)
   */
  readonly hubStorage?: HubStorage;
  /** Frees the database. */
  destroy(): Promise<void>;
}

/** Options of {@link runClientStoreContract}. */
export interface ClientStoreContractOptions {
  /** Shown in test names, e.g. `sqlite-memory`. */
  readonly name: string;
  /** Creates a fresh store (once per suite). */
  createStore(): Promise<ClientStoreFixture>;
  /** How lookup keys are normalised (the same helpers the store applies on write). */
  readonly normalizer: DedupeKeyNormalizer;
  /** Tests to skip, by their title, each with the reason (shown in the skipped test's name). @default {} */
  readonly skip?: Readonly<Record<string, string>>;
  /** Timeout of the bulk tests (1,200 and 5,000 rows), in milliseconds. @default 120000 */
  readonly bulkTimeout?: number;
  /**
   * Whether the store offers the optional `changeStampsSince`. When true, the suite checks that it walks exactly
   * the rows and cursors of `changesSince`; when false, that the store has no such method (a capability a store
   * lacks is declared absent, never faked). Required, so that every store says which.
   */
  readonly changeStamps: boolean;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Rejects with the CrmError code expected. */
async function expectCrmError(promise: Promise<unknown>, code: CrmError['code']): Promise<CrmError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a CrmError with code ${code}`).toBeDefined();
  expect(CrmError.isInstance(caught)).toBe(true);
  expect((caught as CrmError).code).toBe(code);
  return caught as CrmError;
}

/** Registers the ClientStore contract suite with vitest. */
export function runClientStoreContract(options: ClientStoreContractOptions): void {
  if (typeof options?.name !== 'string' || options.name === '') {
    throw new TypeError('Expected `name` to be a non-empty string');
  }
  if (typeof options.createStore !== 'function')
    throw new TypeError('Expected `createStore` to be a function');
  if (typeof options.changeStamps !== 'boolean') {
    throw new TypeError(
      'Expected `changeStamps` to be a boolean (whether the store has `changeStampsSince`)',
    );
  }
  const skip = options.skip ?? {};
  const bulkTimeout = options.bulkTimeout ?? 120_000;
  const { normalizer } = options;

  describe(`client store contract [${options.name}]`, () => {
    let fixture: ClientStoreFixture | undefined;
    const current = (): ClientStoreFixture => {
      if (fixture === undefined) throw new Error('The fixture was not created');
      return fixture;
    };
    const store = (): ClientStore => current().store;
    const newSupplier = (): Promise<string> => current().createSupplier();

    beforeAll(async () => {
      fixture = await options.createStore();
    });
    afterAll(async () => {
      await fixture?.destroy();
    });

    const test = (title: string, body: () => Promise<void>, timeout?: number): void => {
      const reason = skip[title];
      if (reason !== undefined) it.skip(`${title} (skipped: ${reason})`, body);
      else it(title, body, timeout);
    };
    /** A test that needs the HubStorage beside the store; skipped (and reported so) when the fixture has none. */
    const hubTest = (title: string, body: (hub: HubStorage) => Promise<void>): void => {
      const reason = skip[title];
      if (reason !== undefined) {
        it.skip(`${title} (skipped: ${reason})`, () => undefined);
        return;
      }
      it(title, async (context) => {
        const hub = current().hubStorage;
        if (hub === undefined) {
          context.skip('the fixture has no hubStorage');
          return;
        }
        await body(hub);
      });
    };

    async function createClient(
      supplierId: string,
      record: CanonicalClient = sampleClient(),
    ): Promise<string> {
      const [result] = await store().upsert('client', [{ supplier_id: supplierId, record }]);
      if (result === undefined) throw new Error('upsert returned no result');
      return result.id;
    }

    async function createProjectTree(supplierId: string, existingClientId?: string) {
      const clientId = existingClientId ?? (await createClient(supplierId));
      const [project] = await store().upsert('project', [
        { supplier_id: supplierId, record: sampleProject(clientId) },
      ]);
      const projectId = project!.id;
      const [event] = await store().upsert('event', [
        { supplier_id: supplierId, record: sampleEvent(projectId) },
      ]);
      const [invoice] = await store().upsert('invoice', [
        { supplier_id: supplierId, record: sampleInvoice(projectId) },
      ]);
      const [payment] = await store().upsert('payment', [
        { supplier_id: supplierId, record: samplePayment(projectId, invoice!.id) },
      ]);
      return { clientId, projectId, eventId: event!.id, invoiceId: invoice!.id, paymentId: payment!.id };
    }

    it('declares specificationVersion v1', () => {
      expect(store().specificationVersion).toBe('v1');
    });

    test('round-trips a client with unicode, apostrophes, emoji, 10 KB notes and money', async () => {
      const supplierId = await newSupplier();
      const record = sampleClient({ notes: longNotes() });
      const [result] = await store().upsert('client', [{ supplier_id: supplierId, record }]);
      expect(result?.operation).toBe('created');
      expect(result?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const found = await store().findByIds('client', { supplierId, ids: [result!.id] });
      const stored = found.get(result!.id);
      expect(stored).toBeDefined();
      expect(stored?.record).toEqual(record);
      expect(stored?.record.notes).toHaveLength(10_240);
      expect(stored?.record.wedding_date).toBe('2025-06-14');
      expect(stored?.supplier_id).toBe(supplierId);
      expect(stored?.deleted_at).toBeNull();
      expect(stored?.created_at).toBe(result?.updated_at);
      expect(stored?.updated_at).toBe(result?.updated_at);
      expect(Number.isNaN(Date.parse(stored!.updated_at))).toBe(false);
    });

    test('round-trips names in many scripts', async () => {
      const supplierId = await newSupplier();
      const names: CanonicalClient[] = [
        { first_name: 'Zoë', last_name: 'Ørsted' },
        { first_name: 'Siobhán', last_name: "O'Brien" },
        { full_name: '김민준' },
        { first_name: 'محمد', last_name: 'الفارسي' },
        { first_name: 'Ngọc', last_name: 'Nguyễn', notes: '👰🏽‍♀️🤵🏻‍♂️ 💒' },
      ];
      const results = await store().upsert(
        'client',
        names.map((record) => ({ supplier_id: supplierId, record })),
      );
      const found = await store().findByIds('client', {
        supplierId,
        ids: results.map((result) => result.id),
      });
      results.forEach((result, index) => {
        expect(found.get(result.id)?.record).toEqual(names[index]);
      });
    });

    test('round-trips projects, events, invoices and payments linked by WedSync ids', async () => {
      const supplierId = await newSupplier();
      const tree = await createProjectTree(supplierId);
      const project = (await store().findByIds('project', { supplierId, ids: [tree.projectId] })).get(
        tree.projectId,
      );
      expect(project?.record).toEqual(sampleProject(tree.clientId));
      expect(project?.record.total_revenue?.amount_minor).toBe(9_007_199_254);
      expect(project?.record.account_balance?.amount_minor).toBe(-12_345);
      const event = (await store().findByIds('event', { supplierId, ids: [tree.eventId] })).get(tree.eventId);
      expect(event?.record).toEqual(sampleEvent(tree.projectId));
      const invoice = (await store().findByIds('invoice', { supplierId, ids: [tree.invoiceId] })).get(
        tree.invoiceId,
      );
      expect(invoice?.record).toEqual(sampleInvoice(tree.projectId));
      const payment = (await store().findByIds('payment', { supplierId, ids: [tree.paymentId] })).get(
        tree.paymentId,
      );
      expect(payment?.record).toEqual(samplePayment(tree.projectId, tree.invoiceId));
      expect(payment?.crm_integration_id).toBeNull();
    });

    test('findByIds skips missing ids and other suppliers', async () => {
      const supplierId = await newSupplier();
      const otherSupplierId = await newSupplier();
      const id = await createClient(supplierId);
      const missing = '00000000-0000-4000-8000-000000000000';
      const found = await store().findByIds('client', { supplierId, ids: [id, missing, id] });
      expect([...found.keys()]).toEqual([id]);
      expect((await store().findByIds('client', { supplierId: otherSupplierId, ids: [id] })).size).toBe(0);
      expect((await store().findByIds('client', { supplierId, ids: [] })).size).toBe(0);
    });

    test('upsert with an id replaces the record, keeps created_at and bumps updated_at', async () => {
      const supplierId = await newSupplier();
      const id = await createClient(supplierId);
      const before = (await store().findByIds('client', { supplierId, ids: [id] })).get(id)!;
      await sleep(5);
      const changed = sampleClient({ email: 'new.address@example.com', notes: undefined, tags: ['changed'] });
      delete changed.notes;
      const [result] = await store().upsert('client', [{ id, supplier_id: supplierId, record: changed }]);
      expect(result).toMatchObject({ id, operation: 'updated' });
      const after = (await store().findByIds('client', { supplierId, ids: [id] })).get(id)!;
      expect(after.record).toEqual(changed);
      expect(after.record.notes).toBeUndefined();
      expect(after.created_at).toBe(before.created_at);
      expect(after.updated_at > before.updated_at).toBe(true);
    });

    test('upsert returns results in input order, creating and updating in one call', async () => {
      const supplierId = await newSupplier();
      const existingId = await createClient(supplierId);
      const results = await store().upsert('client', [
        { supplier_id: supplierId, record: bulkClient(1) },
        { id: existingId, supplier_id: supplierId, record: bulkClient(2) },
        { supplier_id: supplierId, record: bulkClient(3) },
      ]);
      expect(results.map((result) => result.operation)).toEqual(['created', 'updated', 'created']);
      expect(results[1]?.id).toBe(existingId);
      const found = await store().findByIds('client', {
        supplierId,
        ids: results.map((result) => result.id),
      });
      expect(found.get(results[0]!.id)?.record).toEqual(bulkClient(1));
      expect(found.get(existingId)?.record).toEqual(bulkClient(2));
      expect(found.get(results[2]!.id)?.record).toEqual(bulkClient(3));
    });

    test('upsert rejects an invalid record with a ValidationError and writes nothing', async () => {
      const supplierId = await newSupplier();
      const invalid = { email: 'not-an-email', wedding_date: '14/06/2025' } as unknown as CanonicalClient;
      const error = await expectCrmError(
        store().upsert('client', [
          { supplier_id: supplierId, record: bulkClient(1) },
          { supplier_id: supplierId, record: invalid },
        ]),
        'validation_failed',
      );
      expect((error as CrmError & { issues: { path: string }[] }).issues.length).toBeGreaterThan(0);
      const page = await store().changesSince('client', { supplierId, cursor: null, limit: 10 });
      expect(page.rows).toHaveLength(0);
    });

    test('upsert refuses an id that belongs to another supplier', async () => {
      const supplierId = await newSupplier();
      const otherSupplierId = await newSupplier();
      const id = await createClient(supplierId);
      await expectCrmError(
        store().upsert('client', [{ id, supplier_id: otherSupplierId, record: bulkClient(9) }]),
        'conflict',
      );
      const stored = (await store().findByIds('client', { supplierId, ids: [id] })).get(id);
      expect(stored?.record).toEqual(sampleClient());
    });

    test('upsert refuses a record whose parent does not exist', async () => {
      const supplierId = await newSupplier();
      await expectCrmError(
        store().upsert('project', [
          { supplier_id: supplierId, record: sampleProject('00000000-0000-4000-8000-000000000001') },
        ]),
        'conflict',
      );
    });

    test('upsert keeps the CRM columns of a client', async () => {
      const supplierId = await newSupplier();
      const [created] = await store().upsert('client', [
        { supplier_id: supplierId, record: sampleClient(), external_crm_id: 'tave-1234' },
      ]);
      const stored = (await store().findByIds('client', { supplierId, ids: [created!.id] })).get(created!.id);
      expect(stored?.external_crm_id).toBe('tave-1234');
      expect(stored?.crm_integration_id).toBeNull();
      await store().upsert('client', [
        { id: created!.id, supplier_id: supplierId, record: sampleClient({ venue_name: 'Barn' }) },
      ]);
      const updated = (await store().findByIds('client', { supplierId, ids: [created!.id] })).get(
        created!.id,
      );
      expect(updated?.external_crm_id).toBe('tave-1234');
      expect(updated?.record.venue_name).toBe('Barn');
    });

    test('changesSince with `since` and no cursor starts after that instant', async () => {
      const supplierId = await newSupplier();
      const first = await createClient(supplierId);
      const [firstRow] = (await store().changesSince('client', { supplierId, cursor: null, limit: 10 })).rows;
      expect(firstRow?.id).toBe(first);
      const firstAt = Date.parse(firstRow?.updated_at ?? '');
      // The next write must be stamped in a later millisecond.
      while (Date.now() <= firstAt + 1) await new Promise((resolve) => setTimeout(resolve, 1));
      const second = await createClient(supplierId);
      const since = new Date(firstAt).toISOString();
      const after = await store().changesSince('client', { supplierId, cursor: null, since, limit: 10 });
      expect(after.rows.map((row) => row.id)).toEqual([second]);
      expect(after.hasMore).toBe(false);
      const everything = await store().changesSince('client', {
        supplierId,
        cursor: null,
        since: '2000-01-01T00:00:00Z',
        limit: 10,
      });
      expect(everything.rows.map((row) => row.id)).toEqual([first, second]);
      const none = await store().changesSince('client', {
        supplierId,
        cursor: null,
        since: new Date(Date.now() + 3_600_000).toISOString(),
        limit: 10,
      });
      expect(none).toEqual({ rows: [], nextCursor: null, hasMore: false });
      // A cursor wins over `since`.
      const fromCursor = await store().changesSince('client', {
        supplierId,
        cursor: after.nextCursor,
        since: '2000-01-01T00:00:00Z',
        limit: 10,
      });
      expect(fromCursor.rows).toEqual([]);
      await expectCrmError(
        store().changesSince('client', { supplierId, cursor: null, since: 'yesterday', limit: 10 }),
        'invalid_argument',
      );
    });

    if (options.changeStamps) {
      /** The store's `changeStampsSince`, which the options say it has. */
      const changeStampsSince = (
        recordType: ClientStoreRecordType,
        query: ChangesQuery,
      ): Promise<ChangeStampsPage> => {
        const current = store();
        if (typeof current.changeStampsSince !== 'function') {
          throw new Error('The options say the store has `changeStampsSince`, but it has no such method');
        }
        return current.changeStampsSince(recordType, query);
      };
      const stampsOf = (
        page: ChangesPage,
      ): { rows: ChangeStamp[]; nextCursor: string | null; hasMore: boolean } => ({
        rows: page.rows.map((row) => ({
          id: row.id,
          updated_at: row.updated_at,
          deleted_at: row.deleted_at,
        })),
        nextCursor: page.nextCursor,
        hasMore: page.hasMore,
      });
      /** Walks both feeds side by side from `query` and expects the same pages; returns the ids seen. */
      const expectSameWalk = async (
        recordType: ClientStoreRecordType,
        query: Omit<ChangesQuery, 'cursor'>,
      ): Promise<string[]> => {
        const ids: string[] = [];
        let cursor: string | null = null;
        for (let pages = 0; ; pages += 1) {
          expect(pages).toBeLessThan(50);
          const changes = await store().changesSince(recordType, { ...query, cursor });
          const stamps = await changeStampsSince(recordType, { ...query, cursor });
          expect(stamps).toEqual(stampsOf(changes));
          ids.push(...stamps.rows.map((row) => row.id));
          cursor = stamps.nextCursor;
          if (!stamps.hasMore) break;
        }
        // The page after the last: empty, keeping the cursor, on both.
        const empty = await changeStampsSince(recordType, { ...query, cursor });
        expect(empty).toEqual(stampsOf(await store().changesSince(recordType, { ...query, cursor })));
        expect(empty.rows).toEqual([]);
        return ids;
      };

      test('changeStampsSince walks the rows and cursors of changesSince, stamps only', async () => {
        const supplierId = await newSupplier();
        const otherSupplierId = await newSupplier();
        const ids: string[] = [];
        for (let index = 0; index < 8; index += 1) {
          ids.push(await createClient(supplierId, bulkClient(index)));
          await sleep(2);
        }
        const tree = await createProjectTree(supplierId, ids[0]);
        await createClient(otherSupplierId);
        // Moved to the end of the feed: an update, and deletion marks.
        await store().upsert('client', [{ id: ids[1]!, supplier_id: supplierId, record: bulkClient(100) }]);
        await sleep(2);
        await store().markDeleted('client', {
          supplierId,
          ids: [ids[2]!, ids[5]!],
          reason: 'deleted in tave',
        });

        const walked = await expectSameWalk('client', { supplierId, limit: 3 });
        expect([...walked].sort()).toEqual([...ids].sort());
        expect(walked.slice(-3)).toEqual([ids[1], ...[ids[2]!, ids[5]!].sort()]);
        const all = await changeStampsSince('client', { supplierId, cursor: null, limit: 100 });
        const deleted = all.rows.filter((row) => row.deleted_at !== null).map((row) => row.id);
        expect(deleted.sort()).toEqual([ids[2]!, ids[5]!].sort());
        for (const row of all.rows) {
          expect(Object.keys(row).sort()).toEqual(['deleted_at', 'id', 'updated_at']);
          expect(Number.isNaN(Date.parse(row.updated_at))).toBe(false);
        }
        expect(await expectSameWalk('project', { supplierId, limit: 1 })).toEqual([tree.projectId]);
        expect(await expectSameWalk('payment', { supplierId, limit: 2 })).toEqual([tree.paymentId]);

        // `since`: both start after the same instant.
        const since = new Date(Date.parse(all.rows[3]!.updated_at)).toISOString();
        const sinceIds = await expectSameWalk('client', { supplierId, since, limit: 2 });
        expect(sinceIds.length).toBeGreaterThan(0);
        expect(sinceIds.length).toBeLessThan(ids.length);
        expect(sinceIds).toEqual(
          all.rows.filter((row) => Date.parse(row.updated_at) > Date.parse(since)).map((row) => row.id),
        );

        // The cursors are interchangeable: alternating the two methods walks the same feed.
        const alternating: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; ; page += 1) {
          expect(page).toBeLessThan(50);
          const next: { rows: readonly { id: string }[]; nextCursor: string | null; hasMore: boolean } =
            page % 2 === 0
              ? await store().changesSince('client', { supplierId, cursor, limit: 2 })
              : await changeStampsSince('client', { supplierId, cursor, limit: 2 });
          alternating.push(...next.rows.map((row) => row.id));
          cursor = next.nextCursor;
          if (!next.hasMore) break;
        }
        expect(alternating).toEqual(walked);
      });

      test('changeStampsSince rejects the bad input changesSince rejects, alike', async () => {
        const supplierId = await newSupplier();
        await createClient(supplierId);
        const bad: ReadonlyArray<readonly [ClientStoreRecordType, ChangesQuery]> = [
          ['contact' as ClientStoreRecordType, { supplierId, cursor: null, limit: 10 }],
          ['client', { supplierId: '', cursor: null, limit: 10 }],
          ['client', { supplierId, cursor: null, limit: 0 }],
          ['client', { supplierId, cursor: null, limit: 10_001 }],
          ['client', { supplierId, cursor: null, limit: 1.5 }],
          ['client', { supplierId, cursor: 'not a cursor', limit: 10 }],
          ['client', { supplierId, cursor: 42 as unknown as string, limit: 10 }],
          ['client', { supplierId, cursor: null, since: 'yesterday', limit: 10 }],
        ];
        for (const [recordType, query] of bad) {
          const expected = await expectCrmError(store().changesSince(recordType, query), 'invalid_argument');
          const error = await expectCrmError(changeStampsSince(recordType, query), 'invalid_argument');
          expect(error.context).toEqual(expected.context);
        }
        const aborted = new AbortController();
        aborted.abort(new Error('stopped by the runner'));
        const stopped: ChangesQuery = { supplierId, cursor: null, limit: 10, signal: aborted.signal };
        await expect(store().changesSince('client', stopped)).rejects.toThrow('stopped by the runner');
        await expect(changeStampsSince('client', stopped)).rejects.toThrow('stopped by the runner');
      });
    } else {
      test('does not offer changeStampsSince (declared unsupported)', async () => {
        expect(store().changeStampsSince).toBeUndefined();
      });
    }

    test('rejects an unknown record type and bad arguments with InvalidArgumentError', async () => {
      const supplierId = await newSupplier();
      await expectCrmError(
        store().findByIds('contact' as 'client', { supplierId, ids: [] }),
        'invalid_argument',
      );
      await expectCrmError(
        store().changesSince('client', { supplierId, cursor: null, limit: 0 }),
        'invalid_argument',
      );
      await expectCrmError(
        store().changesSince('client', { supplierId, cursor: 'not a cursor', limit: 10 }),
        'invalid_argument',
      );
      await expectCrmError(
        store().upsert('client', [{ supplier_id: '', record: bulkClient(1) }]),
        'invalid_argument',
      );
    });

    describe('findDedupeCandidates', () => {
      test('finds a client by email, ignoring case and spacing', async () => {
        const supplierId = await newSupplier();
        const id = await createClient(supplierId);
        const candidates = await store().findDedupeCandidates({
          supplierId,
          emails: [normalizer.normalizeEmail('  JOSE.OBrien@Example.COM ')!],
        });
        expect(candidates.map((candidate) => candidate.client.id)).toEqual([id]);
        expect(candidates[0]?.matches).toEqual([{ kind: 'email', value: 'jose.obrien@example.com' }]);
        expect(candidates[0]?.client.record).toEqual(sampleClient());
      });

      test("finds a client by the partner's email and phone", async () => {
        const supplierId = await newSupplier();
        const id = await createClient(supplierId);
        const byEmail = await store().findDedupeCandidates({ supplierId, emails: ['Zoe.Kim@example.org'] });
        expect(byEmail.map((candidate) => candidate.client.id)).toEqual([id]);
        const byPhone = await store().findDedupeCandidates({
          supplierId,
          phones: [normalizer.normalizePhone('+44 7700 900123')!],
        });
        expect(byPhone.map((candidate) => candidate.client.id)).toEqual([id]);
      });

      test('finds a client by phone in another format', async () => {
        const supplierId = await newSupplier();
        const id = await createClient(supplierId);
        const candidates = await store().findDedupeCandidates({
          supplierId,
          phones: [normalizer.normalizePhone('+1 (415) 555-0123')!],
        });
        expect(candidates.map((candidate) => candidate.client.id)).toEqual([id]);
        expect(candidates[0]?.matches).toEqual([{ kind: 'phone', value: '+14155550123' }]);
      });

      test('finds a client by name key with or without the wedding date', async () => {
        const supplierId = await newSupplier();
        const id = await createClient(supplierId);
        const key = normalizer.nameKey({ first_name: '  JOSE ', last_name: "o'brien   garcia" })!;
        expect(key).toBe(normalizer.nameKey({ first_name: 'José', last_name: "O'Brien-García" }));
        const byName = await store().findDedupeCandidates({ supplierId, names: [{ nameKey: key }] });
        expect(byName.map((candidate) => candidate.client.id)).toEqual([id]);
        const byNameDate = await store().findDedupeCandidates({
          supplierId,
          names: [{ nameKey: key, weddingDate: '2025-06-14' }],
        });
        expect(byNameDate.map((candidate) => candidate.client.id)).toEqual([id]);
        expect(byNameDate[0]?.matches[0]?.kind).toBe('name_date');
        const otherDate = await store().findDedupeCandidates({
          supplierId,
          names: [{ nameKey: key, weddingDate: '2025-06-15' }],
        });
        expect(otherDate).toEqual([]);
        const partner = normalizer.nameKey({ full_name: 'zoe KIM' })!;
        const byPartner = await store().findDedupeCandidates({ supplierId, names: [{ nameKey: partner }] });
        expect(byPartner.map((candidate) => candidate.client.id)).toEqual([id]);
      });

      test('finds a Korean name and matches many keys at once', async () => {
        const supplierId = await newSupplier();
        const korean = await createClient(supplierId, { full_name: '김민준', email: 'minjun@example.kr' });
        const other = await createClient(supplierId, bulkClient(77));
        const unrelated = await createClient(supplierId, bulkClient(78));
        const candidates = await store().findDedupeCandidates({
          supplierId,
          emails: ['guest77@bulk.example.com', 'nobody@example.com', 'MINJUN@example.kr'],
          names: [{ nameKey: normalizer.nameKey({ full_name: '김민준' })! }],
        });
        const ids = candidates.map((candidate) => candidate.client.id);
        expect(new Set(ids)).toEqual(new Set([korean, other]));
        expect(ids).not.toContain(unrelated);
        // The client matching on two keys comes first.
        expect(candidates[0]?.client.id).toBe(korean);
        expect(candidates[0]?.matches).toHaveLength(2);
      });

      test('never returns another supplier’s clients and returns nothing for no keys', async () => {
        const supplierId = await newSupplier();
        const otherSupplierId = await newSupplier();
        await createClient(otherSupplierId);
        expect(
          await store().findDedupeCandidates({ supplierId, emails: ['jose.obrien@example.com'] }),
        ).toEqual([]);
        expect(await store().findDedupeCandidates({ supplierId })).toEqual([]);
      });

      test('follows a changed email and forgets the old one', async () => {
        const supplierId = await newSupplier();
        const id = await createClient(supplierId);
        await store().upsert('client', [
          { id, supplier_id: supplierId, record: sampleClient({ email: 'changed@example.com' }) },
        ]);
        expect(
          await store().findDedupeCandidates({ supplierId, emails: ['jose.obrien@example.com'] }),
        ).toEqual([]);
        const found = await store().findDedupeCandidates({ supplierId, emails: ['changed@example.com'] });
        expect(found.map((candidate) => candidate.client.id)).toEqual([id]);
      });
    });

    test(
      'changesSince pages through 1,200 rows with no gaps or repeats',
      async () => {
        const supplierId = await newSupplier();
        const written: string[] = [];
        for (let batch = 0; batch < 3; batch += 1) {
          const results = await store().upsert(
            'client',
            Array.from({ length: 400 }, (_, index) => ({
              supplier_id: supplierId,
              record: bulkClient(batch * 400 + index),
            })),
          );
          written.push(...results.map((result) => result.id));
          await sleep(2);
        }
        const seen: StoredRecord<'client'>[] = [];
        let cursor: string | null = null;
        let pages = 0;
        for (;;) {
          const page: ChangesPage<'client'> = await store().changesSince('client', {
            supplierId,
            cursor,
            limit: 97,
          });
          seen.push(...page.rows);
          pages += 1;
          expect(page.rows.length).toBeLessThanOrEqual(97);
          cursor = page.nextCursor;
          if (!page.hasMore) break;
          expect(pages).toBeLessThan(100);
        }
        expect(pages).toBe(Math.ceil(1_200 / 97));
        const ids = seen.map((row) => row.id);
        expect(new Set(ids).size).toBe(1_200);
        expect(new Set(ids)).toEqual(new Set(written));
        for (let index = 1; index < seen.length; index += 1) {
          expect(seen[index]!.updated_at >= seen[index - 1]!.updated_at).toBe(true);
        }

        // Nothing new: an empty page that keeps the cursor.
        const empty = await store().changesSince('client', { supplierId, cursor, limit: 50 });
        expect(empty).toEqual({ rows: [], nextCursor: cursor, hasMore: false });

        // Later changes come after the saved cursor, including deletion marks.
        await sleep(5);
        await store().upsert('client', [
          { id: written[10]!, supplier_id: supplierId, record: bulkClient(5_000) },
        ]);
        await store().markDeleted('client', { supplierId, ids: [written[20]!], reason: 'deleted in tave' });
        const later = await store().changesSince('client', { supplierId, cursor, limit: 50 });
        expect(later.rows.map((row) => row.id)).toEqual([written[10], written[20]]);
        expect(later.rows[1]?.deleted_reason).toBe('deleted in tave');
        expect(later.hasMore).toBe(false);
      },
      bulkTimeout,
    );

    test('changesSince only returns the supplier’s rows of the record type asked for', async () => {
      const supplierId = await newSupplier();
      const otherSupplierId = await newSupplier();
      const tree = await createProjectTree(supplierId);
      await createClient(otherSupplierId);
      const clients = await store().changesSince('client', { supplierId, cursor: null, limit: 10 });
      expect(clients.rows.map((row) => row.id)).toEqual([tree.clientId]);
      const projects = await store().changesSince('project', { supplierId, cursor: null, limit: 10 });
      expect(projects.rows.map((row) => row.id)).toEqual([tree.projectId]);
      expect(projects.nextCursor).not.toBeNull();
    });

    test('snapshot -> change -> restore gives identical rows', async () => {
      const supplierId = await newSupplier();
      const [created] = await store().upsert('client', [
        { supplier_id: supplierId, record: sampleClient({ notes: longNotes() }), external_crm_id: 'hb-77' },
      ]);
      const id = created!.id;
      const tree = await createProjectTree(supplierId, id);
      const [before] = await store().snapshot('client', { supplierId, ids: [id] });
      const invoicesBefore = await store().snapshot('invoice', { supplierId, ids: [tree.invoiceId] });
      expect(before?.record).toEqual(sampleClient({ notes: longNotes() }));
      // The before-image is JSON: it survives a trip through a JSON column.
      expect(JSON.parse(JSON.stringify(before))).toEqual(before);

      await sleep(5);
      await store().upsert('client', [
        {
          id,
          supplier_id: supplierId,
          record: sampleClient({ email: 'changed@example.com', first_name: 'Joseph' }),
          external_crm_id: 'hb-78',
        },
      ]);
      await store().markDeleted('client', { supplierId, ids: [id], reason: 'deleted in honeybook' });
      await store().upsert('invoice', [
        {
          id: tree.invoiceId,
          supplier_id: supplierId,
          record: sampleInvoice(tree.projectId, { status: 'paid' }),
        },
      ]);
      const [changed] = await store().snapshot('client', { supplierId, ids: [id] });
      expect(changed).not.toEqual(before);

      await store().restore('client', [before!]);
      await store().restore('invoice', invoicesBefore);
      const [after] = await store().snapshot('client', { supplierId, ids: [id] });
      expect(after).toEqual(before);
      expect(await store().snapshot('invoice', { supplierId, ids: [tree.invoiceId] })).toEqual(
        invoicesBefore,
      );
      // The dedupe keys follow the restored record.
      const byOld = await store().findDedupeCandidates({ supplierId, emails: ['jose.obrien@example.com'] });
      expect(byOld.map((candidate) => candidate.client.id)).toEqual([id]);
      expect(await store().findDedupeCandidates({ supplierId, emails: ['changed@example.com'] })).toEqual([]);
    });

    test('restore re-creates removed records', async () => {
      const supplierId = await newSupplier();
      const tree = await createProjectTree(supplierId);
      const clients = await store().snapshot('client', { supplierId, ids: [tree.clientId] });
      const projects = await store().snapshot('project', { supplierId, ids: [tree.projectId] });
      expect(await store().remove('client', { supplierId, ids: [tree.clientId] })).toBe(1);
      expect((await store().findByIds('project', { supplierId, ids: [tree.projectId] })).size).toBe(0);
      await store().restore('client', clients);
      await store().restore('project', projects);
      expect(await store().snapshot('client', { supplierId, ids: [tree.clientId] })).toEqual(clients);
      expect(await store().snapshot('project', { supplierId, ids: [tree.projectId] })).toEqual(projects);
    });

    test('restore refuses a snapshot of another supplier’s record', async () => {
      const supplierId = await newSupplier();
      const otherSupplierId = await newSupplier();
      const id = await createClient(supplierId);
      const [snapshot] = await store().snapshot('client', { supplierId, ids: [id] });
      await expectCrmError(
        store().restore('client', [{ ...snapshot!, supplier_id: otherSupplierId }]),
        'conflict',
      );
    });

    test('snapshot skips missing ids and keeps the order asked for', async () => {
      const supplierId = await newSupplier();
      const first = await createClient(supplierId, bulkClient(1));
      const second = await createClient(supplierId, bulkClient(2));
      const snapshots = await store().snapshot('client', {
        supplierId,
        ids: [second, '00000000-0000-4000-8000-000000000002', first],
      });
      expect(snapshots.map((snapshot) => snapshot.id)).toEqual([second, first]);
    });

    test('remove erases records with their dependants and counts them', async () => {
      const supplierId = await newSupplier();
      const otherSupplierId = await newSupplier();
      const tree = await createProjectTree(supplierId);
      expect(await store().remove('client', { supplierId: otherSupplierId, ids: [tree.clientId] })).toBe(0);
      expect(await store().remove('payment', { supplierId, ids: [tree.paymentId] })).toBe(1);
      expect(await store().remove('project', { supplierId, ids: [tree.projectId, tree.projectId] })).toBe(1);
      expect((await store().findByIds('project', { supplierId, ids: [tree.projectId] })).size).toBe(0);
      expect((await store().findByIds('event', { supplierId, ids: [tree.eventId] })).size).toBe(0);
      expect((await store().findByIds('invoice', { supplierId, ids: [tree.invoiceId] })).size).toBe(0);
      expect((await store().findByIds('client', { supplierId, ids: [tree.clientId] })).size).toBe(1);
      expect(await store().remove('client', { supplierId, ids: [tree.clientId] })).toBe(1);
      expect(await store().findDedupeCandidates({ supplierId, emails: ['jose.obrien@example.com'] })).toEqual(
        [],
      );
    });

    test('markDeleted marks live records once and keeps them; upsert clears the mark', async () => {
      const supplierId = await newSupplier();
      const id = await createClient(supplierId);
      const missing = '00000000-0000-4000-8000-000000000003';
      expect(
        await store().markDeleted('client', { supplierId, ids: [id, missing], reason: 'deleted in tave' }),
      ).toEqual([id]);
      const marked = (await store().findByIds('client', { supplierId, ids: [id] })).get(id);
      expect(marked?.deleted_reason).toBe('deleted in tave');
      expect(marked?.deleted_at).not.toBeNull();
      expect(marked?.record).toEqual(sampleClient());
      expect(await store().markDeleted('client', { supplierId, ids: [id], reason: 'again' })).toEqual([]);
      const still = (await store().findByIds('client', { supplierId, ids: [id] })).get(id);
      expect(still?.deleted_at).toBe(marked?.deleted_at);
      expect(still?.deleted_reason).toBe('deleted in tave');
      // Deleted-marked clients still match (the engine decides what to do with them).
      const candidates = await store().findDedupeCandidates({
        supplierId,
        emails: ['jose.obrien@example.com'],
      });
      expect(candidates[0]?.client.deleted_at).toBe(marked?.deleted_at);
      await store().upsert('client', [{ id, supplier_id: supplierId, record: sampleClient() }]);
      const revived = (await store().findByIds('client', { supplierId, ids: [id] })).get(id);
      expect(revived?.deleted_at).toBeNull();
      expect(revived?.deleted_reason).toBeNull();
    });

    test(
      'upserts 5,000 rows in one call',
      async () => {
        const supplierId = await newSupplier();
        const rows = Array.from({ length: 5_000 }, (_, index) => ({
          supplier_id: supplierId,
          record: bulkClient(index),
        }));
        const results = await store().upsert('client', rows);
        expect(results).toHaveLength(5_000);
        expect(new Set(results.map((result) => result.id)).size).toBe(5_000);
        expect(results.every((result) => result.operation === 'created')).toBe(true);
        const found = await store().findByIds('client', {
          supplierId,
          ids: results.map((result) => result.id),
        });
        expect(found.size).toBe(5_000);
        expect(found.get(results[4_321]!.id)?.record).toEqual(bulkClient(4_321));
        const again = await store().upsert(
          'client',
          results.map((result, index) => ({
            id: result.id,
            supplier_id: supplierId,
            record: bulkClient(index + 1),
          })),
        );
        expect(again.every((result) => result.operation === 'updated')).toBe(true);
        const candidates = await store().findDedupeCandidates({
          supplierId,
          emails: ['guest4999@bulk.example.com'],
        });
        expect(candidates.map((candidate) => candidate.client.id)).toEqual([results[4_998]!.id]);
      },
      bulkTimeout,
    );

    describe('transactions', () => {
      test('transaction commits when fn resolves and rolls back when it throws', async () => {
        const supplierId = await newSupplier();
        const committed = await store().transaction(async (transaction) => {
          const [result] = await transaction.upsert('client', [
            { supplier_id: supplierId, record: bulkClient(1) },
          ]);
          return result!.id;
        });
        expect((await store().findByIds('client', { supplierId, ids: [committed] })).size).toBe(1);
        let rolledBackId: string | undefined;
        const failure = new Error('page failed');
        await expect(
          store().transaction(async (transaction) => {
            const [result] = await transaction.upsert('client', [
              { supplier_id: supplierId, record: bulkClient(2) },
            ]);
            rolledBackId = result!.id;
            await transaction.markDeleted('client', { supplierId, ids: [committed], reason: 'gone' });
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect((await store().findByIds('client', { supplierId, ids: [rolledBackId!] })).size).toBe(0);
        expect(
          (await store().findByIds('client', { supplierId, ids: [committed] })).get(committed)?.deleted_at,
        ).toBeNull();
      });

      test('a nested transaction reuses the open one', async () => {
        const supplierId = await newSupplier();
        let innerId: string | undefined;
        await expect(
          store().transaction(async (outer) =>
            outer.transaction(async (inner) => {
              const [result] = await inner.upsert('client', [
                { supplier_id: supplierId, record: bulkClient(3) },
              ]);
              innerId = result!.id;
              throw new Error('inner failed');
            }),
          ),
        ).rejects.toThrow('inner failed');
        expect((await store().findByIds('client', { supplierId, ids: [innerId!] })).size).toBe(0);
      });

      hubTest('shares the HubStorage transaction: a rollback undoes both', async (hub) => {
        const supplierId = await newSupplier();
        let clientId: string | undefined;
        await expect(
          hub.transaction(async (storage, handle) => {
            const bound = store().withTransaction(handle);
            const [result] = await bound.upsert('client', [
              { supplier_id: supplierId, record: sampleClient() },
            ]);
            clientId = result!.id;
            await storage.integrations.create({
              supplier_id: supplierId,
              crm_provider: 'tave',
              connection_name: 'Rolled back',
              auth_config: {},
              sync_config: CrmSyncConfigSchema.parse({}),
            });
            throw new Error('page failed');
          }),
        ).rejects.toThrow('page failed');
        expect((await store().findByIds('client', { supplierId, ids: [clientId!] })).size).toBe(0);
        expect(await hub.integrations.list({ supplierId })).toEqual([]);
      });

      hubTest(
        'shares the HubStorage transaction: a commit keeps both, with crm_integration_id',
        async (hub) => {
          const supplierId = await newSupplier();
          const { clientId, integrationId } = await hub.transaction(async (storage, handle) => {
            const integration = await storage.integrations.create({
              supplier_id: supplierId,
              crm_provider: 'honeybook',
              connection_name: 'Main account',
              auth_config: {},
              sync_config: CrmSyncConfigSchema.parse({}),
            });
            const [result] = await store()
              .withTransaction(handle)
              .upsert('client', [
                {
                  supplier_id: supplierId,
                  record: sampleClient(),
                  crm_integration_id: integration.id,
                  external_crm_id: 'hb-1',
                },
              ]);
            return { clientId: result!.id, integrationId: integration.id };
          });
          const stored = (await store().findByIds('client', { supplierId, ids: [clientId] })).get(clientId);
          expect(stored?.crm_integration_id).toBe(integrationId);
          expect(stored?.external_crm_id).toBe('hb-1');
          expect(stored?.last_crm_sync_at).toBe(stored?.updated_at);
          expect((await hub.integrations.list({ supplierId })).map((integration) => integration.id)).toEqual([
            integrationId,
          ]);
        },
      );

      hubTest('the HubStorage joins a ClientStore transaction', async (hub) => {
        const supplierId = await newSupplier();
        let clientId: string | undefined;
        await expect(
          store().transaction(async (transaction, handle) => {
            const [result] = await transaction.upsert('client', [
              { supplier_id: supplierId, record: bulkClient(4) },
            ]);
            clientId = result!.id;
            await hub.withTransaction(handle).integrations.create({
              supplier_id: supplierId,
              crm_provider: 'dubsado',
              connection_name: 'Joined',
              auth_config: {},
              sync_config: CrmSyncConfigSchema.parse({}),
            });
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        expect((await store().findByIds('client', { supplierId, ids: [clientId!] })).size).toBe(0);
        expect(await hub.integrations.list({ supplierId })).toEqual([]);
      });
    });
  });
}
