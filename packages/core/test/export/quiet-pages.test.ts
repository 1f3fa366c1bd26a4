/**
 * An export that reads what the import before it wrote (everything equal to its base) skips it page after page
 * without committing a checkpoint for each page: a commit lands at least every `quietCommitMs` and on each
 * type's last page, and a page that writes anything commits as before. Counted with a trigger on the real SQLite
 * table.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import { run, type Studio, startStudio } from '../incremental/tave-studio.js';
import type { TestHub } from '../sync/fixtures.js';

describe('quiet export pages', () => {
  let studio: Studio;
  let testHub: TestHub;
  let integrationId: string;

  /** Runs an export_to_crm job; returns its outcome and how many times its checkpoint was written. */
  const exportOnce = async () => {
    const { hub, supplierId, db } = testHub;
    await sql`DELETE FROM checkpoint_writes`.execute(db);
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'export_to_crm' } });
    const [outcome] = await createInProcessRunner({ hub }).drain();
    const writes = await sql<{ count: number }>`SELECT count(*) AS count FROM checkpoint_writes`.execute(db);
    return { outcome, checkpointWrites: Number(writes.rows[0]?.count) };
  };

  beforeAll(async () => {
    studio = await startStudio(260, { seed: 17, syncConfig: { sync_direction: 'bidirectional' } });
    ({ testHub, integrationId } = studio);
    const imported = await run(studio, 'full_import');
    expect(imported.outcome?.status).toBe('completed');
    const { db } = testHub;
    await sql`CREATE TABLE checkpoint_writes (job_id TEXT)`.execute(db);
    await sql`CREATE TRIGGER count_checkpoint_writes AFTER UPDATE OF checkpoint ON crm_sync_jobs
      WHEN NEW.checkpoint IS NOT OLD.checkpoint
      BEGIN INSERT INTO checkpoint_writes VALUES (NEW.id); END`.execute(db);
  }, 120_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('skips the import’s own records without a commit per page, and commits a page that writes', async () => {
    const quiet = await exportOnce();
    expect(quiet.outcome?.status).toBe('completed');
    const clients = quiet.outcome?.counts['client.read'] ?? 0;
    const projects = quiet.outcome?.counts['project.read'] ?? 0;
    expect(clients).toBeGreaterThan(200);
    expect(quiet.outcome?.counts['client.skipped']).toBe(clients);
    expect(quiet.outcome?.counts['project.skipped']).toBe(projects);
    // Pages of 100: at least three of clients and three of projects. The clock of the test hub stands still, so
    // only each type's last page commits (and nothing else writes the checkpoint).
    const pages = Math.ceil(clients / 100) + Math.ceil(projects / 100);
    expect(pages).toBeGreaterThanOrEqual(6);
    expect(quiet.checkpointWrites).toBe(2);

    // The next export reads only what changed since: one edited client, on a page that writes and commits.
    const { clientStore, supplierId } = testHub;
    const page = await clientStore.changesSince('client', { supplierId, cursor: null, limit: 150 });
    const middle = page.rows[140];
    if (middle === undefined) throw new Error('fewer than 141 clients');
    await clientStore.upsert('client', [
      {
        id: middle.id,
        supplier_id: supplierId,
        record: {
          ...(middle.record as Record<string, unknown>),
          secondary_email: 'edited.between.exports@example.com',
        },
      },
    ]);
    const edited = await exportOnce();
    expect(edited.outcome?.counts['client.read']).toBe(1);
    expect(edited.outcome?.counts['client.updated']).toBe(1);
    // The client page that wrote, and the end of the (empty) project read.
    expect(edited.checkpointWrites).toBe(2);
  }, 120_000);
});
