/**
 * Incremental cost at scale: a studio of 5,000 clients in the fake Tave, fully imported over HTTP into real
 * SQLite, then 10 clients changed in the CRM. The `incremental_sync` walks each collection by `modified desc`
 * down to the watermark (one page each) and builds the 10 clients from per-record lookups: a few requests per
 * change, never a page of a full walk, and exactly those 10 updated. (Its own file: the full import of 5,000
 * clients takes about a minute.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changeTenClients,
  incrementalWalks,
  run,
  type Studio,
  startStudio,
  updatedIds,
} from './tave-studio.js';

describe('incremental sync of a 5,000-client studio with 10 changed clients', () => {
  let studio: Studio;

  beforeAll(async () => {
    studio = await startStudio(5000);
  }, 120_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('sends a few requests per change, not the studio’s pages, and updates exactly those 10', async () => {
    const full = await run(studio, 'full_import');
    expect(full.outcome).toMatchObject({ status: 'completed' });
    expect(full.outcome?.counts?.['client.read']).toBeGreaterThanOrEqual(5000);
    const changed = await changeTenClients(studio);

    const incremental = await run(studio, 'incremental_sync');
    expect(incremental.outcome).toMatchObject({ status: 'completed' });
    expect(incremental.outcome?.counts).toMatchObject({ created: 0, updated: 10, 'client.updated': 10 });
    expect(await updatedIds(studio, incremental.job.id)).toEqual(new Set(changed));
    expect(incremental.walks).toEqual(incrementalWalks);
    // No page of a full walk: every list request is a walk by watermark or a lookup by contact or job.
    const listRequests = incremental.gets.filter(
      (entry) => entry.query['page'] !== undefined && entry.query['sortBy'] !== 'modified desc',
    );
    const lookups = listRequests.filter(
      (entry) => entry.query['contactId'] !== undefined || entry.query['jobId'] !== undefined,
    );
    const references = listRequests.filter((entry) =>
      ['/custom-field', '/event-type', '/payment-method'].includes(entry.path),
    );
    expect(listRequests.length).toBe(lookups.length + references.length);
    // The figure (58 GET requests against 474 for the full import; it was 63 against 689 before a session read
    // each settings resource once): the connection test (2); the client read's three walks (3), and its lookups — the job contacts of each touched
    // client (10 changed and 1 inside the watermark's margin) and of each of their jobs, each such job, and each
    // partner that did not change itself (44); the project read's studio, custom fields and two walks (4) and
    // the job contacts of the one job inside the margin (1); events, invoices and payments: their reference
    // list, the studio and one walk page (7).
    const byId = incremental.gets.filter((entry) => /^\/(job|address-book)\/[0-9a-z]{26}$/.test(entry.path));
    expect(lookups.length + byId.length).toBeLessThanOrEqual(4 * 11 + 2);
    expect(incremental.requests).toBeLessThanOrEqual(65);
    expect(incremental.requests).toBeLessThan(full.requests / 8);
  }, 240_000);
});
