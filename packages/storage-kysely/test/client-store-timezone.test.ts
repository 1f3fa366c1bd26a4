/**
 * Date-only values never shift, whatever the process time zone. This file runs in its own worker with the
 * process time zone set to Pacific/Auckland (UTC+12/+13, where local midnight is the previous UTC day), so a
 * date parsed or formatted through local time would come back a day off.
 */
process.env['TZ'] = 'Pacific/Auckland';

import { randomUUID } from 'node:crypto';
import type { CanonicalClient } from '@wedsync/crm-core';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKyselyClientStore,
  createKyselyStorage,
  detectDialect,
  type KyselyClientStore,
} from '../src/index.js';
import { testBackends } from './backends.js';

// Day boundaries, a leap day, and the days New Zealand's clocks change.
const weddingDates = ['2024-12-31', '2025-01-01', '2024-02-29', '2025-04-06', '2025-09-28', '2025-06-14'];

it('runs with the process time zone set to Pacific/Auckland', () => {
  expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Pacific/Auckland');
  // Midnight UTC on 14 June is noon in Auckland (NZST, UTC+12).
  expect(new Date('2025-06-14T00:00:00Z').getTimezoneOffset()).toBe(-720);
  expect(new Date('2025-01-01T00:00:00Z').getTimezoneOffset()).toBe(-780);
});

for (const backend of testBackends().filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`client store dates in Pacific/Auckland [${backend.name}]`, () => {
    // biome-ignore lint/suspicious/noExplicitAny: the tests read the embedded tables directly.
    let db: Kysely<any>;
    let destroy: () => Promise<void>;
    let store: KyselyClientStore;
    let supplierId: string;
    // 12:30 UTC on 13 June is already 00:30 on 14 June in Auckland.
    const writtenAt = new Date('2025-06-13T12:30:00.000Z');

    beforeAll(async () => {
      ({ db, destroy } = await backend.create());
      await createKyselyStorage({ db }).migrate();
      store = createKyselyClientStore({ db, clock: () => writtenAt });
      supplierId = randomUUID();
      await db.insertInto('suppliers').values({ id: supplierId, name: 'Auckland Studio' }).execute();
    });
    afterAll(async () => {
      await destroy();
    });

    /** A date column as the database holds it, as text. */
    async function storedDate(table: string, column: string, id: string): Promise<string> {
      const expression =
        detectDialect(db) === 'postgres' ? sql`to_char(${sql.ref(column)}, 'YYYY-MM-DD')` : sql.ref(column);
      const { rows } = await sql<{
        day: string;
      }>`select ${expression} as day from ${sql.table(table)} where id = ${id}`.execute(db);
      return String(rows[0]?.day);
    }

    it('keeps wedding dates and date columns exactly', async () => {
      const records: CanonicalClient[] = weddingDates.map((date, index) => ({
        first_name: `Couple${index}`,
        wedding_date: date,
        birthdate: date,
        booked_date: date,
      }));
      const results = await store.upsert(
        'client',
        records.map((record) => ({ supplier_id: supplierId, record })),
      );
      const found = await store.findByIds('client', { supplierId, ids: results.map((result) => result.id) });
      for (const [index, result] of results.entries()) {
        const date = weddingDates[index]!;
        expect(found.get(result.id)?.record).toEqual(records[index]);
        expect(await storedDate('clients', 'wedding_date', result.id)).toBe(date);
        const candidates = await store.findDedupeCandidates({
          supplierId,
          names: [{ nameKey: `couple${index}`, weddingDate: date }],
        });
        expect(candidates.map((candidate) => candidate.client.id)).toEqual([result.id]);
      }
    });

    it('keeps project, event and invoice dates exactly', async () => {
      const [client] = await store.upsert('client', [
        { supplier_id: supplierId, record: { full_name: 'Tama Ngata' } },
      ]);
      const [project] = await store.upsert('project', [
        { supplier_id: supplierId, record: { client_id: client!.id, event_date: '2025-01-01' } },
      ]);
      const [event] = await store.upsert('event', [
        {
          supplier_id: supplierId,
          record: {
            project_id: project!.id,
            start_date: '2025-04-06',
            start_time: '00:30',
            timezone: 'Pacific/Auckland',
          },
        },
      ]);
      const [invoice] = await store.upsert('invoice', [
        {
          supplier_id: supplierId,
          record: {
            project_id: project!.id,
            status: 'open',
            due_date: '2024-12-31',
            total: { amount_minor: 100, currency: 'NZD' },
          },
        },
      ]);
      expect(await storedDate('projects', 'event_date', project!.id)).toBe('2025-01-01');
      expect(await storedDate('events', 'start_date', event!.id)).toBe('2025-04-06');
      expect(await storedDate('invoices', 'due_date', invoice!.id)).toBe('2024-12-31');
      const stored = (await store.findByIds('event', { supplierId, ids: [event!.id] })).get(event!.id);
      expect(stored?.record.start_date).toBe('2025-04-06');
      expect(stored?.record.start_time).toBe('00:30');
    });

    it('stamps timestamps in UTC whatever the local day', async () => {
      // A store of its own: this one has written nothing yet, so its first write takes the clock's instant as is.
      const fresh = createKyselyClientStore({ db, clock: () => writtenAt });
      const [result] = await fresh.upsert('client', [
        { supplier_id: supplierId, record: { first_name: 'Aroha' } },
      ]);
      const stored = (await store.findByIds('client', { supplierId, ids: [result!.id] })).get(result!.id);
      expect(stored?.created_at).toBe('2025-06-13T12:30:00.000Z');
      expect(stored?.updated_at).toBe('2025-06-13T12:30:00.000Z');
    });

    it('stamps each write after the previous one, even while the clock stands still', async () => {
      const fresh = createKyselyClientStore({ db, clock: () => writtenAt });
      const [first] = await fresh.upsert('client', [
        { supplier_id: supplierId, record: { first_name: 'Hemi' } },
      ]);
      const [second] = await fresh.upsert('client', [
        { id: first!.id, supplier_id: supplierId, record: { first_name: 'Hemi', last_name: 'Walker' } },
      ]);
      // A store bound to a transaction shares the stamps of the store it came from.
      const [third] = await fresh.transaction((bound) =>
        bound.upsert('client', [{ supplier_id: supplierId, record: { first_name: 'Mere' } }]),
      );
      const [marked] = await fresh.markDeleted('client', { supplierId, ids: [third!.id], reason: 'test' });
      const found = await fresh.findByIds('client', { supplierId, ids: [first!.id, third!.id] });
      expect([first, second, third].map((result) => result?.updated_at)).toEqual([
        '2025-06-13T12:30:00.000Z',
        '2025-06-13T12:30:00.001Z',
        '2025-06-13T12:30:00.002Z',
      ]);
      expect(marked).toBe(third!.id);
      expect(found.get(first!.id)?.updated_at).toBe('2025-06-13T12:30:00.001Z');
      expect(found.get(third!.id)?.deleted_at).toBe('2025-06-13T12:30:00.003Z');
    });
  });
}
