/**
 * Incremental sync by watermark, over HTTP against the fake Tave into real SQLite: after a full import, an
 * `incremental_sync` reads only what the CRM changed since the import's watermark and updates exactly those
 * records; a second one with no changes updates nothing. Tave has no modified-since filter: its reads walk each
 * collection by `modified desc` down to the watermark, then build the touched clients and projects from
 * per-record lookups (`/job-contact?contactId=`, `/job-contact?jobId=`, `/job/{id}`, `/address-book/{id}`), so
 * the cost follows the number of changes, not the size of the studio (the 5,000-client case is in
 * `incremental-tave-5000.test.ts`: its full import alone takes about a minute). The scheduler queues an
 * incremental sync once an import completed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreviousImport } from '../../src/sync/incremental.js';
import {
  changeTenClients,
  incrementalWalks,
  newestCommitted,
  run,
  type Studio,
  startStudio,
  updatedIds,
} from './tave-studio.js';

describe('incremental sync by watermark from the fake Tave over HTTP', () => {
  let studio: Studio;

  beforeAll(async () => {
    studio = await startStudio(1000);
  }, 120_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('an incremental sync without a previous import reads everything, as a full import', async () => {
    expect(await findPreviousImport(studio.testHub.storage, studio.integrationId)).toBeUndefined();
  });

  it('reads only what changed since the full import and updates exactly those clients', async () => {
    const { fake, testHub, integrationId } = studio;
    const full = await run(studio, 'full_import');
    expect(full.outcome).toMatchObject({ status: 'completed' });
    const fullCounts = full.outcome?.counts ?? {};
    expect(fullCounts['client.read']).toBeGreaterThanOrEqual(1000);
    const previous = await findPreviousImport(testHub.storage, integrationId);
    expect(previous?.jobId).toBe(full.job.id);
    // The watermark is the newest modification time among the clients the import read: a client's time is the
    // newest of its contact, its jobs, their job contacts and its partner, so it is at least the newest contact's.
    expect(previous?.watermarks['client']).toBe(await newestCommitted(studio, 'client'));
    const contacts = fake.state.list('address-book');
    const newestContact = Math.max(...contacts.map((contact) => Date.parse(String(contact.modified))));
    expect(Date.parse(previous?.watermarks['client'] ?? '')).toBeGreaterThanOrEqual(newestContact);
    expect(previous?.watermarks['project']).toBe(await newestCommitted(studio, 'project'));

    const changed = await changeTenClients(studio);
    const incremental = await run(studio, 'incremental_sync');
    expect(incremental.outcome).toMatchObject({ status: 'completed' });
    const counts = incremental.outcome?.counts ?? {};
    // Read: the 10 changes, plus the few clients touched inside the safety margin below the watermark (no-ops).
    expect(counts['client.read']).toBeGreaterThanOrEqual(10);
    expect(counts['client.read']).toBeLessThanOrEqual(15);
    expect(counts['client.updated']).toBe(10);
    expect(counts['created']).toBe(0);
    expect(counts['updated']).toBe(10);
    // Other types: nothing changed; only their records inside the margin are read again, as no-ops.
    for (const type of ['project', 'event', 'invoice', 'payment']) {
      expect(counts[`${type}.read`] ?? 0).toBeLessThanOrEqual(5);
      expect(counts[`${type}.skipped`] ?? 0).toBe(counts[`${type}.read`] ?? 0);
    }
    // One page of each walk by watermark, no full walk: a handful of requests per changed client on top.
    expect(incremental.walks).toEqual(incrementalWalks);
    // 55 against 102 for the full import of 1,000 clients (a session reads each settings resource and each full
    // walk once).
    expect(incremental.requests).toBeLessThan(full.requests * 0.6);
    // The changed records are the ones updated.
    expect(await updatedIds(studio, incremental.job.id)).toEqual(new Set(changed));

    // The new watermark is the newest change.
    const after = await findPreviousImport(testHub.storage, integrationId);
    expect(after?.jobId).toBe(incremental.job.id);
    const newestChange = Math.max(
      ...changed.map((id) => Date.parse(String(fake.state.get('address-book', id)?.modified))),
    );
    expect(after?.watermarks['client']).toBe(new Date(newestChange).toISOString());
    // Types with nothing changed keep the full import's watermark.
    expect(after?.watermarks['project']).toBe(previous?.watermarks['project']);

    // Again with nothing changed: one page per walk, nothing written.
    const again = await run(studio, 'incremental_sync');
    expect(again.outcome).toMatchObject({ status: 'completed' });
    expect(again.outcome?.counts).toMatchObject({ created: 0, updated: 0 });
    expect(again.walks).toEqual(incrementalWalks);
    expect(again.requests).toBeLessThanOrEqual(incremental.requests);

    // The incremental reads built the same canonical records a full read builds: a full import now changes nothing.
    const check = await run(studio, 'full_import');
    expect(check.outcome).toMatchObject({ status: 'completed' });
    expect(check.outcome?.counts).toMatchObject({ created: 0, updated: 0 });
  }, 120_000);

  it('the scheduler queues an incremental sync for an integration with a completed import', async () => {
    const { hub, storage, clock } = studio.testHub;
    clock.advance(61 * 60_000);
    const jobs = await hub.scheduleDueSyncs();
    expect(jobs.map((job) => [job.integration_id, job.job_type])).toEqual([
      [studio.integrationId, 'incremental_sync'],
    ]);
    expect((await storage.jobs.get(jobs[0]?.id ?? '')).job_config).toEqual({ trigger: 'schedule' });
  });
});
