/**
 * export_to_crm end to end: the Tave provider against the fake VSCO Workspace over HTTP, into real SQLite. New
 * WedSync clients (and a project) reach the CRM with their names and E.164 phones intact, edits of imported
 * clients are applied, a second export moves nothing, and a create whose answer was lost is looked up instead of
 * being made twice.
 */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createTave } from '@wedsync/crm-tave';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedCapabilityError } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  emptyData,
  type TestHub,
} from '../sync/fixtures.js';

const apiKey = 'tave-export-key-0123456789';

interface Contact {
  readonly id: string;
  readonly kind: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  readonly cellPhone: { readonly e164?: string | null } | null;
}

describe('export_to_crm to the fake Tave over HTTP', () => {
  let fake: RunningFakeTave;
  let testHub: TestHub;
  let integrationId: string;

  const contacts = () => fake.state.list('address-book') as unknown as Contact[];
  const byEmail = (email: string) => contacts().filter((contact) => contact.email === email);
  const exportOnce = async () => {
    const { hub, supplierId } = testHub;
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'export_to_crm' } });
    const [outcome] = await createInProcessRunner({ hub }).drain();
    return outcome;
  };

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio: { seed: 11, clients: 6 } });
    testHub = await createTestHub({
      providers: [createTave({ baseUrl: fake.url, pageSize: 100 })],
      hubOptions: { httpClientFactory: createProviderHttpFactory() },
    });
    const { hub, supplierId } = testHub;
    const { integration } = await hub.createIntegration({
      supplierId,
      body: {
        crm_provider: 'tave',
        connection_name: 'Tave',
        auth_config: { api_key: apiKey },
        sync_config: { sync_direction: 'bidirectional' },
      } as never,
    });
    integrationId = integration.id;
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [imported] = await createInProcessRunner({ hub }).drain();
    expect(imported?.status).toBe('completed');
  }, 60_000);
  afterAll(async () => {
    await testHub?.destroy();
    await fake?.close();
  });

  it('writes new clients and projects, applies edits, links them, and moves nothing the second time', async () => {
    const { clientStore, storage, supplierId } = testHub;
    const contactsBefore = contacts().length;
    const [jose, obrien, third] = await clientStore.upsert('client', [
      {
        supplier_id: supplierId,
        record: {
          first_name: 'José',
          last_name: 'Núñez',
          email: 'jose.nunez@example.com',
          phone: '+14155550123',
        },
      },
      {
        supplier_id: supplierId,
        record: {
          first_name: 'Siobhán',
          last_name: "O'Brien",
          email: 'siobhan@example.ie',
          phone: '+353871234567',
        },
      },
      {
        supplier_id: supplierId,
        record: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.org' },
      },
    ]);
    expect(third).toBeDefined();
    await clientStore.upsert('project', [
      {
        supplier_id: supplierId,
        record: { client_id: jose?.id as string, name: 'José & Ana wedding', event_date: '2027-06-12' },
      },
    ]);
    // Edit two imported clients.
    const links = (await storage.links.list(integrationId, 'client', { limit: 500 })).links.slice(0, 2);
    const imported = await clientStore.findByIds('client', {
      supplierId,
      ids: links.map((link) => link.wedsync_record_id),
    });
    const edited = links.map((link) => {
      const stored = imported.get(link.wedsync_record_id);
      return { id: link.wedsync_record_id, externalId: link.external_id, record: stored?.record };
    });
    await clientStore.upsert(
      'client',
      edited.map((entry, index) => ({
        id: entry.id,
        supplier_id: supplierId,
        record: { ...entry.record, last_name: `Edited${index}`, phone: `+1415555020${index}` } as never,
      })),
    );

    const outcome = await exportOnce();
    expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'success' });
    expect(outcome?.counts).toMatchObject({
      'client.created': 3,
      'client.updated': 2,
      'project.created': 1,
      rejected: 0,
      'type_skipped.event.unsupported': 1,
    });
    expect(outcome?.counts['requests']).toBeGreaterThan(0);

    expect(contacts().length).toBe(contactsBefore + 3);
    const [joseContact] = byEmail('jose.nunez@example.com');
    expect(joseContact).toMatchObject({ kind: 'person', firstName: 'José', lastName: 'Núñez' });
    expect(joseContact?.cellPhone?.e164).toBe('+14155550123');
    const [obrienContact] = byEmail('siobhan@example.ie');
    expect(obrienContact).toMatchObject({ firstName: 'Siobhán', lastName: "O'Brien" });
    expect(obrienContact?.cellPhone?.e164).toBe('+353871234567');
    edited.forEach((entry, index) => {
      const contact = fake.state.get('address-book', entry.externalId) as unknown as Contact;
      expect(contact.lastName).toBe(`Edited${index}`);
      expect(contact.cellPhone?.e164).toBe(`+1415555020${index}`);
    });

    const clientLinks = await storage.links.findByWedsyncIds(integrationId, 'client', [
      jose?.id as string,
      obrien?.id as string,
      third?.id as string,
    ]);
    expect(clientLinks).toHaveLength(3);
    const joseLink = clientLinks.find((link) => link.wedsync_record_id === jose?.id);
    expect(joseLink).toMatchObject({ external_id: joseContact?.id, last_written_side: 'crm' });
    expect(joseLink?.base_snapshot).toMatchObject({ first_name: 'José', phone: '+14155550123' });

    // The project went to its client's contact.
    const jobs = fake.state.list('job') as unknown as { id: string; name?: string | null }[];
    const job = jobs.find((item) => item.name === 'José & Ana wedding');
    expect(job).toBeDefined();
    const jobContacts = fake.state.list('job-contact') as unknown as {
      jobId: string;
      contactId: string;
      client?: boolean;
    }[];
    expect(jobContacts.filter((entry) => entry.jobId === job?.id)).toEqual([
      expect.objectContaining({ contactId: joseContact?.id, client: true }),
    ]);

    // Again: nothing moves.
    const again = await exportOnce();
    expect(again?.counts).toMatchObject({ created: 0, updated: 0, rejected: 0 });
    expect(contacts().length).toBe(contactsBefore + 3);

    // The logs say what was exported, with no personal values.
    const logs = (await testHub.hub.listSyncLogs({ supplierId, integrationId, per_page: 500 })).logs;
    const exported = logs.filter((log) => log.action_details['direction'] === 'export');
    expect(exported.filter((log) => log.action_type === 'created')).toHaveLength(4);
    expect(JSON.stringify(exported)).not.toContain('jose.nunez@example.com');
  }, 60_000);

  it('links a create whose answer was lost instead of making it twice', async () => {
    const { clientStore, storage, supplierId } = testHub;
    const [lost] = await clientStore.upsert('client', [
      {
        supplier_id: supplierId,
        record: { first_name: 'Lost', last_name: 'Answer', email: 'lost.answer@example.com' },
      },
    ]);
    // The fault path matches every method: truncate the answer of the create only, not of the lookup after it.
    fake.faults.setPath('/address-book', { malformedJsonRate: 1 });
    const stop = fake.state.onCreated(() => fake.faults.setPath('/address-book', undefined));
    let outcome: Awaited<ReturnType<typeof exportOnce>>;
    try {
      outcome = await exportOnce();
    } finally {
      stop();
      fake.faults.clear();
    }
    expect(outcome?.error).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'completed' });
    expect(outcome?.counts).toMatchObject({ 'client.created': 1, rejected: 0 });
    const matches = byEmail('lost.answer@example.com');
    expect(matches).toHaveLength(1);
    const [link] = await storage.links.findByWedsyncIds(integrationId, 'client', [lost?.id as string]);
    expect(link?.external_id).toBe(matches[0]?.id);
    const logs = (await testHub.hub.listSyncLogs({ supplierId, integrationId, per_page: 500 })).logs;
    expect(logs.find((log) => log.wedsync_record_id === lost?.id)?.action_details).toMatchObject({
      found_after_uncertain_create: true,
    });
  }, 60_000);

  it('never overwrites a CRM change it has not read: the record waits, the next sync merges both sides', async () => {
    const { clientStore, storage, supplierId, hub } = testHub;
    // An imported client no export has written (the CRM's clock has whole seconds: an edit in the same second as
    // the hub's own write could not be told apart).
    const links = (await storage.links.list(integrationId, 'client', { limit: 500 })).links;
    const link = links.filter((candidate) => candidate.last_written_side !== 'crm').at(-1);
    if (link === undefined) throw new Error('no imported client');
    // The CRM changes the contact's second email; WedSync changes its phone. Neither side has seen the other.
    fake.state.update('address-book', link.external_id, { secondaryEmail: 'crm.side@example.com' } as never);
    const stored = (await clientStore.findByIds('client', { supplierId, ids: [link.wedsync_record_id] })).get(
      link.wedsync_record_id,
    );
    await clientStore.upsert('client', [
      {
        id: link.wedsync_record_id,
        supplier_id: supplierId,
        record: { ...(stored?.record as Record<string, unknown>), phone: '+14155550999' } as never,
      },
    ]);

    const outcome = await exportOnce();
    expect(outcome).toMatchObject({ status: 'completed' });
    const contact = () =>
      contacts().find((entry) => entry.id === link.external_id) as Contact & {
        secondaryEmail?: string | null;
      };
    expect(contact().cellPhone?.e164).not.toBe('+14155550999');
    expect(contact().secondaryEmail).toBe('crm.side@example.com');
    const logs = (
      await hub.listSyncLogs({ supplierId, integrationId, job_id: outcome?.jobId, per_page: 100 })
    ).logs;
    expect(logs.find((log) => log.wedsync_record_id === link.wedsync_record_id)).toMatchObject({
      action_type: 'skipped',
      action_details: { direction: 'export', reason: 'crm_changed_since_read' },
    });
    expect((await storage.jobs.get(outcome?.jobId as string)).checkpoint?.['waiting']).toEqual({
      client: [link.wedsync_record_id],
    });

    // The next two-way sync reads the CRM's change into WedSync, then sends WedSync's: both survive.
    await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'incremental_sync' } });
    const [synced] = await createInProcessRunner({ hub }).drain();
    expect(synced).toMatchObject({ status: 'completed' });
    expect(contact().cellPhone?.e164).toBe('+14155550999');
    expect(contact().secondaryEmail).toBe('crm.side@example.com');
    const after = (await clientStore.findByIds('client', { supplierId, ids: [link.wedsync_record_id] })).get(
      link.wedsync_record_id,
    );
    expect(after?.record).toMatchObject({ phone: '+14155550999', secondary_email: 'crm.side@example.com' });
  }, 60_000);

  it('refuses an export of an integration that only imports, before any job exists', async () => {
    const { hub, supplierId, storage } = testHub;
    const { integration } = await hub.createIntegration({
      supplierId,
      body: {
        crm_provider: 'tave',
        connection_name: 'Import only',
        auth_config: { api_key: apiKey },
        sync_config: { sync_direction: 'import_only' },
      } as never,
    });
    await expect(
      hub.triggerSync({ supplierId, integrationId: integration.id, body: { job_type: 'export_to_crm' } }),
    ).rejects.toBeInstanceOf(UnsupportedCapabilityError);
    expect((await storage.jobs.list(integration.id)).total).toBe(0);
  });
});

describe('export_to_crm on a provider that cannot write', () => {
  it('is refused with UnsupportedCapabilityError before any job exists', async () => {
    const { provider } = createFakeProvider({ data: emptyData() });
    const testHub = await createTestHub({ providers: [provider] });
    try {
      const integrationId = await createIntegration(testHub);
      await expect(
        testHub.hub.triggerSync({
          supplierId: testHub.supplierId,
          integrationId,
          body: { job_type: 'export_to_crm' },
        }),
      ).rejects.toBeInstanceOf(UnsupportedCapabilityError);
      expect((await testHub.storage.jobs.list(integrationId)).total).toBe(0);
    } finally {
      await testHub.destroy();
    }
  });
});
