/**
 * Dedupe: the matcher's certainty rules, and planted duplicates through the whole pipeline — linked when
 * certain, flagged when not, never doubled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CanonicalClient,
  clientKeys,
  compareClients,
  decideMatch,
  dedupeLookup,
} from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import {
  createFakeProvider,
  createIntegration,
  createTestHub,
  crmChild,
  crmClient,
  emptyData,
  rowsOf,
  type TestHub,
} from './fixtures.js';

const keys = (client: CanonicalClient) => clientKeys(client);

describe('compareClients', () => {
  const emma: CanonicalClient = {
    first_name: 'Emma',
    last_name: 'Thompson',
    email: 'Emma@Example.com',
    phone: '+14155550101',
    wedding_date: '2026-06-20',
  };

  it('is certain for the same name with the same email, phone or wedding date', () => {
    expect(
      compareClients(keys(emma), keys({ full_name: ' EMMA   thompson ', email: ' emma@example.com' })),
    ).toEqual({
      certainty: 'certain',
      evidence: ['name', 'email'],
    });
    expect(
      compareClients(
        keys(emma),
        keys({ first_name: 'Émma', last_name: 'Thompson', phone: '+1 (415) 555-0101' }),
      ),
    ).toEqual({
      certainty: 'certain',
      evidence: ['name', 'phone'],
    });
    expect(
      compareClients(
        keys(emma),
        keys({ first_name: 'emma', last_name: 'thompson', wedding_date: '2026-06-20' }),
      ),
    ).toEqual({
      certainty: 'certain',
      evidence: ['name', 'wedding_date'],
    });
  });

  it('is uncertain when a shared email or phone comes with another name (couples share them)', () => {
    expect(
      compareClients(
        keys(emma),
        keys({
          first_name: 'James',
          last_name: 'Thompson',
          email: 'emma@example.com',
          phone: '+14155550101',
        }),
      ),
    ).toEqual({
      certainty: 'uncertain',
      evidence: ['email', 'phone'],
    });
    // A first-name typo with the same email and phone is not proof either.
    expect(
      compareClients(
        keys(emma),
        keys({ first_name: 'Emme', last_name: 'Thompson', email: 'emma@example.com', phone: '+14155550101' }),
      )?.certainty,
    ).toBe('uncertain');
  });

  it('is uncertain for the same name alone, and no match for a shared wedding date alone', () => {
    expect(
      compareClients(
        keys(emma),
        keys({ first_name: 'Emma', last_name: 'Thompson', email: 'other@example.com' }),
      ),
    ).toEqual({
      certainty: 'uncertain',
      evidence: ['name'],
    });
    expect(
      compareClients(keys(emma), keys({ first_name: 'Zoe', last_name: 'Kim', wedding_date: '2026-06-20' })),
    ).toBeNull();
  });

  it("ignores the candidate's partner: the incoming person is then the partner, not a duplicate", () => {
    const couple: CanonicalClient = {
      first_name: 'James',
      last_name: 'Okafor',
      email: 'james@example.com',
      partner: { first_name: 'Emma', last_name: 'Thompson', email: 'emma@example.com' },
    };
    expect(compareClients(keys(emma), keys(couple))).toBeNull();
  });
});

describe('decideMatch', () => {
  const incoming = keys({ first_name: 'Ava', last_name: 'Reed', email: 'ava@example.com' });
  const certain = { id: 'a', keys: keys({ first_name: 'Ava', last_name: 'Reed', email: 'ava@example.com' }) };
  const alsoCertain = { id: 'b', keys: keys({ full_name: 'ava reed', email: 'AVA@example.com' }) };
  const uncertain = {
    id: 'c',
    keys: keys({ first_name: 'Max', last_name: 'Reed', email: 'ava@example.com' }),
  };

  it('links to the one certain candidate even beside uncertain ones', () => {
    expect(decideMatch(incoming, [uncertain, certain, certain])).toEqual({
      kind: 'certain',
      id: 'a',
      evidence: ['name', 'email'],
    });
  });

  it('flags several certain candidates, or uncertain ones only', () => {
    expect(decideMatch(incoming, [certain, alsoCertain])).toMatchObject({
      kind: 'uncertain',
      candidates: [{ id: 'a' }, { id: 'b' }],
    });
    expect(decideMatch(incoming, [uncertain])).toMatchObject({
      kind: 'uncertain',
      candidates: [{ id: 'c', certainty: 'uncertain' }],
    });
    expect(decideMatch(incoming, [])).toEqual({ kind: 'none' });
  });

  it('builds one lookup of every key of a batch', () => {
    expect(
      dedupeLookup([
        incoming,
        keys({ full_name: 'Zoë Kim', phone: '+447700900123', secondary_email: 'Z@x.org' }),
      ]),
    ).toEqual({
      emails: ['ava@example.com', 'z@x.org'],
      phones: ['+447700900123'],
      names: [{ nameKey: 'ava reed' }, { nameKey: 'zoe kim' }],
    });
  });
});

describe('dedupe in the pipeline', () => {
  let current: TestHub | undefined;
  afterEach(async () => {
    await current?.destroy();
    current = undefined;
  });

  it('links certain duplicates, flags uncertain ones, and never doubles a client', async () => {
    const data = emptyData();
    data.client = [
      // Against WedSync: certainly the existing Olivia (same name, same email in other case/spacing).
      crmClient('c-olivia', { firstName: 'OLIVIA', lastName: 'Brown ', email: ' Olivia.Brown@Example.com' }),
      crmClient('c-ava', {
        firstName: 'Ava',
        lastName: 'Reed',
        email: 'ava@example.com',
        phone: '+14155550111',
      }),
      // Same person typed again, phone formatted differently: certainly Ava (within the import).
      crmClient('c-ava-again', { firstName: 'ava', lastName: 'REED', phone: '+1 415 555 0111' }),
      // The couple share one email: not proof, flagged for review.
      crmClient('c-jack', { firstName: 'Jack', lastName: 'Stone', email: 'stones@example.com' }),
      crmClient('c-jill', { firstName: 'Jill', lastName: 'Stone', email: 'stones@example.com' }),
      // A first-name typo with the same email and phone: flagged.
      crmClient('c-jon', {
        firstName: 'Jon',
        lastName: 'Doe',
        email: 'jd@example.com',
        phone: '+14155550199',
      }),
      crmClient('c-john', {
        firstName: 'John',
        lastName: 'Doe',
        email: 'jd@example.com',
        phone: '+14155550199',
      }),
      // Same name and wedding date, different emails: certain.
      crmClient('c-mia', {
        firstName: 'Mia',
        lastName: 'Lopez',
        email: 'mia@work.example.com',
        weddingDate: '2026-10-10',
      }),
      crmClient('c-mia-2', {
        firstName: 'Mia',
        lastName: 'Lopez',
        email: 'mia@home.example.com',
        weddingDate: '2026-10-10',
      }),
    ];
    data.project = [
      crmChild('p-ava-2', { client: 'c-ava-again' }, { name: 'Anniversary shoot' }),
      crmChild('p-jill', { client: 'c-jill' }, { name: 'Stone wedding' }),
    ];
    const { provider } = createFakeProvider({ data, pageSize: 4 });
    current = await createTestHub({ providers: [provider] });
    const supplierId = current.supplierId;
    const [olivia] = await current.clientStore.upsert('client', [
      {
        supplier_id: supplierId,
        record: {
          first_name: 'Olivia',
          last_name: 'Brown',
          email: 'olivia.brown@example.com',
          venue_name: 'Old Mill',
        },
      },
    ]);
    const integrationId = await createIntegration(current);
    await current.hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [outcome] = await createInProcessRunner({ hub: current.hub }).drain();

    expect(outcome?.status).toBe('completed');
    expect(outcome?.counts).toMatchObject({ read: 11, created: 5, linked: 3, flagged: 2, rejected: 1 });
    // Olivia (existing) + Ava + Jack + Jon + Mia created once each = 5 clients; nothing doubled.
    const clients = await rowsOf(current.db, 'clients');
    expect(clients).toHaveLength(5);

    const logs = (await current.hub.listSyncLogs({ supplierId, integrationId, per_page: 100 })).logs;
    const log = (id: string) => logs.find((entry) => entry.record_id === id);
    expect(log('c-olivia')).toMatchObject({
      action_type: 'updated',
      wedsync_record_id: olivia?.id,
      action_details: {
        linked_to: olivia?.id,
        match: { matched: ['name', 'email'], existing_wedsync_id: olivia?.id },
      },
    });
    const avaLink = (await current.storage.links.findByExternalIds(integrationId, 'client', ['c-ava']))[0];
    expect(log('c-ava-again')).toMatchObject({
      action_type: 'skipped',
      action_details: {
        reason: 'duplicate_in_crm',
        linked_to: avaLink?.wedsync_record_id,
        duplicate_of_external_id: 'c-ava',
      },
    });
    expect(log('c-jill')?.action_details).toMatchObject({
      reason: 'possible_duplicate',
      candidates: [{ certainty: 'uncertain', matched: ['email'], external_id: 'c-jack' }],
    });
    expect(log('c-john')?.action_details['reason']).toBe('possible_duplicate');
    expect(log('c-mia-2')?.action_details).toMatchObject({
      reason: 'duplicate_in_crm',
      match: { matched: ['name', 'wedding_date'] },
    });
    // The existing client kept its own data and gained nothing it did not lack.
    const stored = await current.clientStore.findByIds('client', { supplierId, ids: [olivia!.id] });
    expect(stored.get(olivia!.id)?.record).toMatchObject({ first_name: 'Olivia', venue_name: 'Old Mill' });
    expect(stored.get(olivia!.id)?.external_crm_id).toBe('c-olivia');
    // The alias resolves the duplicate's project to the first record's client.
    const project = (await current.storage.links.findByExternalIds(integrationId, 'project', ['p-ava-2']))[0];
    const projects = await current.clientStore.findByIds('project', {
      supplierId,
      ids: [project!.wedsync_record_id],
    });
    expect(projects.get(project!.wedsync_record_id)?.record.client_id).toBe(avaLink?.wedsync_record_id);
    // A flagged client's project waits for review (parent missing), never attached to a guess.
    expect(log('p-jill')).toMatchObject({
      action_type: 'error',
      action_details: { reason: 'parent_missing' },
    });
    const duplicates = await current.storage.staging.list({ integrationId, status: 'duplicate' });
    expect(duplicates.staging_rows.map((row) => row.external_id).sort()).toEqual(['c-jill', 'c-john']);

    // A second import links the same way and still doubles nothing.
    await current.hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
    const [second] = await createInProcessRunner({ hub: current.hub }).drain();
    expect(second?.counts).toMatchObject({ read: 11, created: 0, flagged: 2, rejected: 1 });
    expect(await rowsOf(current.db, 'clients')).toHaveLength(5);
  });
});
