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
import { namesOneSlipApart } from '../../src/sync/dedupe.js';
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
    // A first-name typo with the same email and phone is not proof either, without the same partner on both.
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

describe('compareClients: a typo or a nickname, with email, phone and partner (rule 2)', () => {
  // The same person typed twice: every key but one slip in the name agrees.
  const emma: CanonicalClient = {
    first_name: 'Emma',
    last_name: 'Thompson',
    email: 'emma@example.com',
    phone: '+14155550101',
    wedding_date: '2026-06-20',
    partner: { first_name: 'James', last_name: 'Okafor' },
  };
  const allKeys = ['similar_name', 'email', 'phone', 'wedding_date', 'partner_name'];

  it('is certain for one typing mistake in either name: changed, added, dropped or swapped letters', () => {
    for (const slip of [
      { last_name: 'Thomspon' },
      { last_name: 'Thompsen' },
      { last_name: 'Thomppson' },
      { last_name: 'Thomson' },
      { first_name: 'Emmma' },
      { first_name: 'Emme' },
    ]) {
      expect(compareClients(keys(emma), keys({ ...emma, ...slip })), JSON.stringify(slip)).toEqual({
        certainty: 'certain',
        evidence: allKeys,
      });
    }
  });

  it('is certain for a known nickname, either way round and in any case', () => {
    const robert: CanonicalClient = { ...emma, first_name: 'Robert', last_name: 'Nkemelu' };
    expect(compareClients(keys(robert), keys({ ...robert, first_name: 'BOB' }))).toEqual({
      certainty: 'certain',
      evidence: allKeys,
    });
    expect(compareClients(keys({ ...robert, first_name: 'Bob' }), keys(robert))?.certainty).toBe('certain');
    // Two short forms of one name.
    expect(
      compareClients(keys({ ...robert, first_name: 'Rob' }), keys({ ...robert, first_name: 'Bobby' }))
        ?.certainty,
    ).toBe('certain');
  });

  it('is certain with the same partner when one side has no wedding date', () => {
    const { wedding_date: _dropped, ...undated } = emma;
    expect(compareClients(keys(emma), keys({ ...undated, first_name: 'Emmaa' }))).toEqual({
      certainty: 'certain',
      evidence: ['similar_name', 'email', 'phone', 'partner_name'],
    });
  });

  it('is uncertain when the partner is not known on both sides: a parent may book a child’s wedding', () => {
    const { partner: _dropped, ...mother } = { ...emma, first_name: 'Emmy' };
    expect(compareClients(keys(emma), keys(mother))).toEqual({
      certainty: 'uncertain',
      evidence: ['similar_name', 'email', 'phone', 'wedding_date'],
    });
    expect(compareClients(keys(mother), keys(emma))?.certainty).toBe('uncertain');
  });

  it('is uncertain for siblings: names one letter apart, the family email and phone, another partner', () => {
    const daniel: CanonicalClient = { ...emma, first_name: 'Daniel', last_name: 'Moreau' };
    const daniela: CanonicalClient = {
      ...daniel,
      first_name: 'Daniela',
      partner: { first_name: 'Lucas', last_name: 'Brandt' },
    };
    expect(compareClients(keys(daniel), keys(daniela))).toEqual({
      certainty: 'uncertain',
      evidence: ['similar_name', 'email', 'phone', 'wedding_date'],
    });
    // A father Robert and his son Bob: the same, however well the rest agrees.
    const father: CanonicalClient = { ...emma, first_name: 'Robert', last_name: 'Hale' };
    const son: CanonicalClient = {
      ...father,
      first_name: 'Bob',
      partner: { first_name: 'Maya', last_name: 'Hale' },
    };
    expect(compareClients(keys(father), keys(son))?.certainty).toBe('uncertain');
  });

  it('is uncertain when the wedding dates differ', () => {
    expect(
      compareClients(keys(emma), keys({ ...emma, first_name: 'Emme', wedding_date: '2027-06-19' })),
    ).toEqual({ certainty: 'uncertain', evidence: ['similar_name', 'email', 'phone', 'partner_name'] });
  });

  it('is uncertain with only the email or only the phone in common', () => {
    expect(compareClients(keys(emma), keys({ ...emma, first_name: 'Emme', phone: '+14155550199' }))).toEqual({
      certainty: 'uncertain',
      evidence: ['similar_name', 'email', 'wedding_date', 'partner_name'],
    });
    expect(
      compareClients(keys(emma), keys({ ...emma, first_name: 'Emme', email: 'other@example.com' })),
    ).toEqual({
      certainty: 'uncertain',
      evidence: ['similar_name', 'phone', 'wedding_date', 'partner_name'],
    });
  });

  it('never counts another initial, a too-short name, two slips, or a word more as one slip', () => {
    for (const [left, right] of [
      ['ava reed', 'eva reed'],
      ['jo reed', 'jon reed'],
      ['emma thompson', 'emme thompsen'],
      ['emma thompson', 'emma thompsonnn'],
      ['mary ann lee', 'mary lee'],
      ['alexander reed', 'alexandra reed'],
      ['emma thompson', 'emma thompson'],
    ] as const) {
      expect(namesOneSlipApart(left, right), `${left} / ${right}`).toBe(false);
      const first = left.split(' ');
      const second = right.split(' ');
      const twin = (words: string[]): CanonicalClient => ({
        ...emma,
        first_name: words.slice(0, -1).join(' '),
        last_name: words.at(-1) as string,
      });
      if (left !== right)
        expect(compareClients(keys(twin(first)), keys(twin(second)))?.certainty).toBe('uncertain');
    }
    expect(namesOneSlipApart('emma thompson', 'emma thomspon')).toBe(true);
    expect(namesOneSlipApart('bill reed', 'william reed')).toBe(true);
  });
});

describe('compareClients: the couple the other way round (rule 3)', () => {
  const emma: CanonicalClient = {
    first_name: 'Emma',
    last_name: 'Thompson',
    email: 'emma@example.com',
    phone: '+14155550101',
    wedding_date: '2026-06-20',
    partner: { first_name: 'James', last_name: 'Okafor' },
  };
  const james: CanonicalClient = {
    first_name: 'James',
    last_name: 'Okafor',
    email: 'EMMA@example.com',
    wedding_date: '2026-06-20',
    partner: { first_name: 'Emma', last_name: 'Thompson' },
  };

  it('is certain when each is the other’s partner and they share an email or a phone', () => {
    expect(compareClients(keys(james), keys(emma))).toEqual({
      certainty: 'certain',
      evidence: ['swapped_names', 'email', 'wedding_date'],
    });
    const { email: _email, wedding_date: _date, ...byPhone } = { ...james, phone: '+1 415 555 0101' };
    expect(compareClients(keys(emma), keys(byPhone))).toEqual({
      certainty: 'certain',
      evidence: ['swapped_names', 'phone'],
    });
  });

  it('is uncertain when the wedding dates differ (another booking of the couple)', () => {
    expect(compareClients(keys({ ...james, wedding_date: '2028-05-01' }), keys(emma))).toEqual({
      certainty: 'uncertain',
      evidence: ['swapped_names', 'email'],
    });
  });

  it('is uncertain when only one of the names crosses, and no match without a shared email or phone', () => {
    // James with another partner on Emma's email: a relative or a new partner, not the same couple.
    const otherCouple: CanonicalClient = { ...james, partner: { first_name: 'Zoe', last_name: 'Kim' } };
    expect(compareClients(keys(otherCouple), keys(emma))).toEqual({
      certainty: 'uncertain',
      evidence: ['email', 'wedding_date'],
    });
    const { email: _email, ...unreachable } = james;
    expect(compareClients(keys(unreachable), keys(emma))).toBeNull();
  });
});

describe('compareClients: lookalikes that are other people are never certain', () => {
  // Each kind of near-miss the dedupe benchmark plants, with everything a real record would carry.
  const ruby: CanonicalClient = {
    first_name: 'Ruby',
    last_name: 'Calder',
    email: 'ruby.calder@example.com',
    phone: '+13125550142',
    wedding_date: '2026-09-12',
    partner: { first_name: 'Noah', last_name: 'Vance' },
  };
  const stranger = (changes: CanonicalClient): CanonicalClient => ({
    first_name: 'Clara',
    last_name: 'Ashford',
    email: 'clara.ashford@example.com',
    phone: '+12025550177',
    wedding_date: '2027-04-03',
    partner: { first_name: 'Leo', last_name: 'Marsh' },
    ...changes,
  });

  it.each([
    ['a namesake', stranger({ first_name: 'Ruby', last_name: 'Calder' }), 'uncertain'],
    ['a relative on the family email', stranger({ last_name: 'Calder', email: ruby.email }), 'uncertain'],
    ['a relative on the family phone', stranger({ last_name: 'Calder', phone: ruby.phone }), 'uncertain'],
    [
      'a relative on the family email and phone',
      stranger({ last_name: 'Calder', email: ruby.email, phone: ruby.phone }),
      'uncertain',
    ],
    ['a one-letter-different name', stranger({ first_name: 'Rubi', last_name: 'Calder' }), null],
    ['another couple on the same day', stranger({ wedding_date: ruby.wedding_date }), null],
    [
      'a namesake on the family email, at another wedding with another partner',
      stranger({ first_name: 'Ruby', last_name: 'Calder', email: ruby.email }),
      'uncertain',
    ],
  ] as const)('%s', (_kind, lookalike, certainty) => {
    expect(compareClients(keys(lookalike), keys(ruby))?.certainty ?? null).toBe(certainty);
    expect(compareClients(keys(ruby), keys(lookalike))?.certainty ?? null).toBe(certainty);
  });

  it('still links the same name on one email when only the date, or only the partner, differs', () => {
    expect(compareClients(keys({ ...ruby, wedding_date: '2026-10-03' }), keys(ruby))?.certainty).toBe(
      'certain',
    );
    expect(
      compareClients(
        keys({ ...ruby, partner: { first_name: 'Noah', last_name: 'Vance-Calder' } }),
        keys(ruby),
      )?.certainty,
    ).toBe('certain');
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
