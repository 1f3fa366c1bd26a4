/**
 * An export passes over, by their stamps alone, the records whose `updated_at` is still the one their link says
 * equalled the base (`base_updated_at`, left by the import that wrote them): it reads whole only what changed since,
 * at most a page of it at a time, and counts the same as an export that reads every record. A merge that kept
 * WedSync's values leaves no stamp, so that record is read and sent.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessRunner } from '../../src/runner/index.js';
import type { ClientStore, StoredRecord } from '../../src/spec/client-store.js';
import { allLinks, run, type Studio, startStudio } from '../incremental/tave-studio.js';

describe('export by stamps', () => {
  let studio: Studio;
  /** The outcome of the first export (everything the import wrote, passed over by stamps). */
  let firstExport: Awaited<ReturnType<typeof exportOnce>>['outcome'];

  /** Runs an export_to_crm job (it reads every type from the start); returns its outcome and the store's reads. */
  const exportOnce = async () => {
    const { hub, supplierId, clientStore, clock } = studio.testHub;
    // Each job later than the last: the latest completed export's watermark is where the next one starts.
    clock.advance(60_000);
    const findByIds = vi.spyOn(clientStore, 'findByIds');
    const changesSince = vi.spyOn(clientStore, 'changesSince');
    try {
      await hub.triggerSync({
        supplierId,
        integrationId: studio.integrationId,
        body: { job_type: 'export_to_crm' },
      });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      return {
        outcome,
        idsRead: findByIds.mock.calls.map(([, query]) => [...query.ids]),
        changesSinceCalls: changesSince.mock.calls.length,
      };
    } finally {
      findByIds.mockRestore();
      changesSince.mockRestore();
    }
  };

  /** Every client of the supplier, in change order. */
  const allClients = async (): Promise<StoredRecord<'client'>[]> => {
    const { clientStore, supplierId } = studio.testHub;
    const page = await clientStore.changesSince('client', { supplierId, cursor: null, limit: 10_000 });
    return [...page.rows];
  };

  /** Gives each of the clients a new secondary email in WedSync. */
  const editInWedsync = async (clients: readonly StoredRecord<'client'>[], label: string) => {
    const { clientStore, supplierId } = studio.testHub;
    await clientStore.upsert(
      'client',
      clients.map((client, index) => ({
        id: client.id,
        supplier_id: supplierId,
        record: { ...client.record, secondary_email: `${label}.${index}@example.com` },
      })),
    );
  };

  beforeAll(async () => {
    studio = await startStudio(150, { seed: 23, syncConfig: { sync_direction: 'bidirectional' } });
    const imported = await run(studio, 'full_import');
    expect(imported.outcome?.status).toBe('completed');
  }, 120_000);
  afterAll(async () => {
    await studio?.testHub.destroy();
    await studio?.fake.close();
  });

  it('the import stamps each link it created with the record’s updated_at', async () => {
    const clients = new Map((await allClients()).map((client) => [client.id, client]));
    const links = await allLinks(studio, 'client');
    expect(links.length).toBeGreaterThan(140);
    const stamped = links.filter((link) => link.base_updated_at !== undefined);
    // Every client the import created has its stamp; CRM duplicates linked to one client share its record.
    expect(stamped.length).toBeGreaterThan(140);
    for (const link of stamped) {
      const client = clients.get(link.wedsync_record_id);
      expect(Date.parse(link.base_updated_at as string)).toBe(Date.parse(client?.updated_at ?? ''));
    }
  });

  it('passes over the import’s own records unread, and counts them read and skipped', async () => {
    const { outcome, idsRead, changesSinceCalls } = await exportOnce();
    firstExport = outcome;
    expect(outcome?.status).toBe('completed');
    const clients = outcome?.counts['client.read'] ?? 0;
    expect(clients).toBe((await allClients()).length);
    expect(outcome?.counts['client.skipped']).toBe(clients);
    expect(outcome?.counts['project.skipped']).toBe(outcome?.counts['project.read']);
    expect(outcome?.counts['project.read']).toBeGreaterThan(100);
    // Not one record read whole: no changesSince, and only the records not stamped by the import (the clients a
    // project's partner rewrote after their own page) by id.
    expect(changesSinceCalls).toBe(0);
    const stamped = new Set(
      (await allLinks(studio, 'client'))
        .filter((link) => link.base_updated_at !== undefined)
        .map((link) => link.wedsync_record_id),
    );
    const read = idsRead.flat();
    expect(read.length).toBeLessThan(clients);
    expect(read.filter((id) => stamped.has(id))).toEqual([]);
  }, 60_000);

  it('reads and sends a record edited after the import, and only that one', async () => {
    const [edited] = (await allClients()).slice(70, 71);
    if (edited === undefined) throw new Error('fewer than 71 clients');
    await editInWedsync([edited], 'edited.once');
    const { outcome, idsRead } = await exportOnce();
    expect(outcome?.counts['client.updated']).toBe(1);
    expect(idsRead.flat()).toEqual([edited.id]);
    const crm = studio.fake.state
      .list('address-book')
      .filter((contact) => JSON.stringify(contact).includes('edited.once.0@example.com'));
    expect(crm).toHaveLength(1);
  }, 60_000);

  it('reads a stretch with more changes than a page one page at a time', async () => {
    const clients = (await allClients()).slice(0, 120);
    await editInWedsync(clients, 'edited.many');
    const { outcome, idsRead } = await exportOnce();
    expect(outcome?.status).toBe('completed');
    expect(outcome?.counts['client.updated']).toBe(120);
    expect(Math.max(...idsRead.map((ids) => ids.length))).toBeLessThanOrEqual(100);
    expect(new Set(idsRead.flat())).toEqual(new Set(clients.map((client) => client.id)));
  }, 60_000);

  it('a store without stamps reads every record, and counts as the export by stamps did', async () => {
    // The same studio again, on a hub whose store offers no stamps.
    const plain = await startStudio(150, { seed: 23, syncConfig: { sync_direction: 'bidirectional' } });
    try {
      expect((await run(plain, 'full_import')).outcome?.status).toBe('completed');
      const store = plain.testHub.clientStore as ClientStore;
      Object.defineProperty(store, 'changeStampsSince', { value: undefined, configurable: true });
      const changesSince = vi.spyOn(store, 'changesSince');
      const { hub, supplierId } = plain.testHub;
      await hub.triggerSync({
        supplierId,
        integrationId: plain.integrationId,
        body: { job_type: 'export_to_crm' },
      });
      const [without] = await createInProcessRunner({ hub }).drain();
      expect(without?.status).toBe('completed');
      expect(changesSince.mock.calls.length).toBeGreaterThan(2);
      for (const key of [
        'read',
        'skipped',
        'client.read',
        'client.skipped',
        'project.read',
        'project.skipped',
      ]) {
        expect([key, without?.counts[key]]).toEqual([key, firstExport?.counts[key]]);
      }
    } finally {
      await plain.testHub.destroy();
      await plain.fake.close();
    }
  }, 120_000);
});
