/**
 * An import resolves each page's parents (a project's client, an event's project, a payment's invoice) by CRM id.
 * A storage with the optional `links.findWedsyncIds` answers with two columns; one without it is read through
 * `findByExternalIds` (whole links). Both must import the same studio alike.
 */
import type { HubStorage, RecordLink } from '@wedsync/crm-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLinks, run, type Studio, startStudio } from '../incremental/tave-studio.js';

/** Each project's WedSync client, by the project's CRM id and the client's CRM id (ids differ between hubs). */
async function projectClients(studio: Studio): Promise<Map<string, string | undefined>> {
  const { clientStore, supplierId } = studio.testHub;
  const clients = new Map(
    (await allLinks(studio, 'client')).map((link) => [link.wedsync_record_id, link.external_id]),
  );
  const projectLinks: RecordLink[] = await allLinks(studio, 'project');
  const projects = await clientStore.findByIds('project', {
    supplierId,
    ids: projectLinks.map((link) => link.wedsync_record_id),
  });
  return new Map(
    projectLinks.map((link) => {
      const clientId = projects.get(link.wedsync_record_id)?.record.client_id;
      return [link.external_id, clientId === undefined ? undefined : clients.get(clientId)];
    }),
  );
}

describe('parent lookups during an import', () => {
  const studios: { narrow?: Studio; whole?: Studio } = {};
  const calls = { narrow: 0, whole: 0 };

  beforeAll(async () => {
    studios.narrow = await startStudio(120, { seed: 31 });
    studios.whole = await startStudio(120, { seed: 31 });
    // Pages are written in transactions, whose storages (and link stores) are made per transaction.
    const patchTransactions = (storage: HubStorage, patch: (links: HubStorage['links']) => void) => {
      const transaction = storage.transaction.bind(storage);
      storage.transaction = (fn) =>
        transaction((bound, handle) => {
          patch(bound.links);
          return fn(bound, handle);
        });
    };
    patchTransactions(studios.narrow.testHub.storage, (links) => {
      const find = links.findWedsyncIds?.bind(links);
      if (find === undefined) throw new Error('The kysely storage is expected to offer findWedsyncIds');
      links.findWedsyncIds = async (...args) => {
        calls.narrow += 1;
        return find(...args);
      };
    });
    patchTransactions(studios.whole.testHub.storage, (links) => {
      const findWhole = links.findByExternalIds.bind(links);
      links.findWedsyncIds = undefined;
      links.findByExternalIds = async (...args) => {
        calls.whole += 1;
        return findWhole(...args);
      };
    });
  }, 60_000);
  afterAll(async () => {
    for (const studio of [studios.narrow, studios.whole]) {
      await studio?.testHub.destroy();
      await studio?.fake.close();
    }
  });

  it('imports alike with the two-column lookup and with whole links', async () => {
    const narrow = await run(studios.narrow as Studio, 'full_import');
    const whole = await run(studios.whole as Studio, 'full_import');
    expect(narrow.outcome?.status).toBe('completed');
    expect(whole.outcome?.counts).toEqual(narrow.outcome?.counts);
    // Both looked parents up, each its own way.
    expect(calls.narrow).toBeGreaterThan(0);
    expect(calls.whole).toBeGreaterThan(0);
    const clientsOfProjects = await projectClients(studios.narrow as Studio);
    expect(clientsOfProjects.size).toBeGreaterThan(100);
    expect([...clientsOfProjects.values()].every((clientId) => clientId !== undefined)).toBe(true);
    expect(await projectClients(studios.whole as Studio)).toEqual(clientsOfProjects);
  }, 120_000);
});
