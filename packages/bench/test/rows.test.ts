/**
 * The raw baseline's walk of a job's log on PostgreSQL: pages in (processed_at, id) order, each row once, and an
 * ORDER BY on the table's columns (a bare `processed_at` names the select list's `processed_at::text`, which no
 * index serves: at 100k every page was a sequential scan of the whole log).
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { describe, expect, it } from 'vitest';
import { positionColumn, RowReader } from '../src/rows.js';

describe('RowReader.page on PostgreSQL', () => {
  it('walks by the timestamp column, not by its text, one page after the other', async () => {
    const statements: string[] = [];
    const db = new Kysely<unknown>({
      dialect: new PGliteDialect(await PGlite.create()),
      log: (event) => {
        statements.push(event.query.sql);
      },
    });
    try {
      await sql`create table log (id uuid primary key, job text not null, processed_at timestamptz not null)`.execute(
        db,
      );
      // Fractions of a second that PostgreSQL prints with 1, 2 or 3 digits, and ties broken by id.
      await sql`insert into log (id, job, processed_at) values
        ('00000000-0000-4000-8000-000000000003', 'a', '2026-01-01 10:00:00.5+00'),
        ('00000000-0000-4000-8000-000000000001', 'a', '2026-01-01 10:00:00.25+00'),
        ('00000000-0000-4000-8000-000000000002', 'a', '2026-01-01 10:00:00.125+00'),
        ('00000000-0000-4000-8000-000000000005', 'a', '2026-01-01 10:00:01+00'),
        ('00000000-0000-4000-8000-000000000004', 'a', '2026-01-01 10:00:01+00'),
        ('00000000-0000-4000-8000-000000000006', 'b', '2026-01-01 09:00:00+00')`.execute(db);
      const reader = new RowReader(db, 'pglite');
      const walked: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await reader.page('log', { job: 'a' }, after, 2, 'processed_at');
        if (page.length === 0) break;
        walked.push(...page.map((row) => String(row['id']).slice(-1)));
        after = String(page[page.length - 1]?.[positionColumn]);
      }
      expect(walked).toEqual(['2', '1', '3', '4', '5']);
      const walks = statements.filter((text) => text.includes('from "log"'));
      expect(walks.length).toBeGreaterThan(1);
      for (const text of walks) expect(text).toMatch(/order by "log"\."processed_at", "log"\."id" limit/);
    } finally {
      await db.destroy();
    }
  });
});
