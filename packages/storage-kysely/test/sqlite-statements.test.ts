/**
 * The prepared-statement cache for kysely's SqliteDialect: the same statement for the same SQL, least recently
 * used let go first, never a busy statement twice, no EXPLAIN, and a storage that works through it. The whole
 * storage contract also runs through a cache of 8 (the sqlite-file backend of backends.ts).
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheSqliteStatements, createKyselyClientStore, createKyselyStorage } from '../src/index.js';

const opened: Database.Database[] = [];

function database(): Database.Database {
  const raw = new Database(':memory:');
  raw.exec('create table notes (id integer primary key, body text)');
  opened.push(raw);
  return raw;
}

afterEach(() => {
  for (const raw of opened.splice(0)) if (raw.open) raw.close();
});

describe('cacheSqliteStatements', () => {
  it('hands out the statement prepared at the second use of the same SQL text from then on', () => {
    const cached = cacheSqliteStatements(database());
    const text = 'select * from notes where id = ?';
    const once = cached.prepare(text);
    expect(cached.cachedStatements).toBe(0);
    const twice = cached.prepare(text);
    expect(twice).not.toBe(once);
    expect(cached.cachedStatements).toBe(1);
    expect(cached.prepare(text)).toBe(twice);
    expect(cached.prepare('select * from notes where id > ?')).not.toBe(twice);
  });

  it('keeps `size` statements and lets the least recently used go first', () => {
    const cached = cacheSqliteStatements(database(), { size: 2 });
    const admit = (text: string) => {
      cached.prepare(text);
      return cached.prepare(text);
    };
    const one = admit('select 1');
    const two = admit('select 2');
    expect(cached.prepare('select 1')).toBe(one); // now the most recent
    admit('select 3'); // lets `select 2` go
    expect(cached.cachedStatements).toBe(2);
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
  });

  it('remembers only the last `size` texts used once: a text seen longer ago starts again', () => {
    const cached = cacheSqliteStatements(database(), { size: 2 });
    cached.prepare('select 1');
    cached.prepare('select 2');
    cached.prepare('select 3'); // `select 1` is forgotten
    cached.prepare('select 1'); // a first use again
    expect(cached.cachedStatements).toBe(0);
    cached.prepare('select 3'); // a second use: cached
    expect(cached.cachedStatements).toBe(1);
  });

  it('holds no values between runs: each run binds its own', () => {
    const cached = cacheSqliteStatements(database());
    const insert = cached.prepare('insert into notes (id, body) values (?, ?)');
    insert.run([1, 'first']);
    cached.prepare('insert into notes (id, body) values (?, ?)').run([2, 'second']);
    const select = cached.prepare('select body from notes where id = ?');
    expect(select.all([1])).toEqual([{ body: 'first' }]);
    expect(cached.prepare('select body from notes where id = ?').all([2])).toEqual([{ body: 'second' }]);
    // A run without its parameters fails as better-sqlite3's does, not with the last run's values.
    expect(() => cached.prepare('select body from notes where id = ?').all([])).toThrow(RangeError);
  });

  it('gives a busy statement (an open iterator) to no second caller', () => {
    const raw = database();
    raw.exec("insert into notes (id, body) values (1, 'a'), (2, 'b')");
    const cached = cacheSqliteStatements(raw);
    const text = 'select id from notes order by id';
    cached.prepare(text);
    const rows = cached.prepare(text).iterate([]);
    expect(rows.next().value).toEqual({ id: 1 });
    const other = cached.prepare(text);
    expect(other.all([])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(rows.next().value).toEqual({ id: 2 });
    rows.return?.();
    // Once the iterator is closed the cached statement is handed out again.
    expect(cached.prepare(text)).not.toBe(other);
    expect(cached.prepare(text).all([])).toHaveLength(2);
  });

  it('never caches EXPLAIN, whose answer a schema change does not renew', () => {
    const cached = cacheSqliteStatements(database());
    const explain = cached.prepare('explain query plan select * from notes');
    const again = cached.prepare('explain query plan select * from notes');
    expect(again).not.toBe(explain);
    expect(cached.prepare('explain query plan select * from notes')).not.toBe(again);
    expect(cached.cachedStatements).toBe(0);
  });

  it('sees a schema change through a cached statement (SQLite prepares it again)', () => {
    const cached = cacheSqliteStatements(database());
    cached.prepare('select * from notes');
    expect(cached.prepare('select * from notes').all([])).toEqual([]);
    expect(cached.cachedStatements).toBe(1);
    cached.prepare('alter table notes add column tag text').run([]);
    cached.prepare("insert into notes (id, body, tag) values (1, 'a', 'x')").run([]);
    expect(cached.prepare('select * from notes').all([])).toEqual([{ id: 1, body: 'a', tag: 'x' }]);
  });

  it('empties the cache and closes the database on close', () => {
    const raw = database();
    const cached = cacheSqliteStatements(raw);
    cached.prepare('select 1');
    cached.prepare('select 1');
    expect(cached.cachedStatements).toBe(1);
    cached.close();
    expect(cached.cachedStatements).toBe(0);
    expect(raw.open).toBe(false);
  });

  it('refuses what is not a database, and a size that is not a positive integer', () => {
    expect(() => cacheSqliteStatements({} as never)).toThrow(InvalidArgumentError);
    expect(() => cacheSqliteStatements(null as never)).toThrow(/better-sqlite3 database/);
    for (const size of [0, -1, 1.5, Number.NaN]) {
      expect(() => cacheSqliteStatements(database(), { size })).toThrow(InvalidArgumentError);
    }
  });

  it('serves a storage and a client store through kysely: a transaction rolled back leaves nothing', async () => {
    const raw = new Database(':memory:');
    const cached = cacheSqliteStatements(raw, { size: 4 });
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: cached }) });
    try {
      const storage = createKyselyStorage({ db });
      await storage.migrate();
      await sql`insert into suppliers (id, name) values ('supplier-1', 'Studio')`.execute(db);
      const clients = createKyselyClientStore({ db });
      const record = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
      const [written] = await clients.upsert('client', [{ supplier_id: 'supplier-1', record }]);
      await expect(
        db.transaction().execute(async (transaction) => {
          await createKyselyClientStore({ db: transaction }).upsert('client', [
            { supplier_id: 'supplier-1', record: { ...record, first_name: 'Augusta' } },
          ]);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const rows = await clients.findByIds('client', { supplierId: 'supplier-1', ids: [written?.id ?? ''] });
      expect([...rows.values()].map((row) => row.record.first_name)).toEqual(['Ada']);
      const count = await sql<{ count: number }>`select count(*) as count from clients`.execute(db);
      expect(count.rows[0]?.count).toBe(1);
      expect(cached.cachedStatements).toBeLessThanOrEqual(4);
    } finally {
      await db.destroy();
    }
    expect(raw.open).toBe(false);
  });
});
