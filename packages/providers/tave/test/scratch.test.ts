/**
 * The full reads' pre-pass lives in the session's scratch space (`ProviderContext.scratch`, `pre-pass.ts`), not in
 * the process. Against the fake VSCO Workspace: a partner the address book walk shows pages before its client
 * goes through `tave:seen-partner` and comes back without a lookup by id; the pages are the same whether the
 * provider keeps the space itself, in `createMemoryScratch()`, or in a job's space that moved to a storage; what an
 * earlier session left in the space does not leak into a new full read; and a read resumed by a new session that
 * shares the space yields what one full read yields.
 */
import { Buffer } from 'node:buffer';
import {
  createJobScratch,
  createMemoryScratch,
  type ExternalRecord,
  type ProviderPage,
  type ProviderScratch,
  type ProviderSession,
  type ScratchItem,
  type ScratchStore,
} from '@wedsync/crm-core';
import {
  type GeneratedStudio,
  generateStudio,
  type RunningFakeTave,
  startFakeTave,
} from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { prePassNamespaces } from '../src/read/pre-pass.js';
import { apiKey, createContext, readPages } from './helpers.js';

/** Pages of 10, so a studio of 60 clients has several pages and couples that straddle two of them. */
const pageSize = 10;

/** A session of the Tave provider on a fake, its context given `scratch` (none: the provider keeps its own). */
async function connectWith(
  fake: RunningFakeTave,
  scratch: ProviderScratch | undefined,
): Promise<ProviderSession> {
  const provider = createTave({ baseUrl: fake.url, pageSize });
  const context = createContext(provider);
  return provider.connect(scratch === undefined ? context : { ...context, scratch });
}

/** The lookups of a contact by id (`GET /address-book/{id}`) in the fake's request log. */
function contactLookups(fake: RunningFakeTave): string[] {
  return fake.requestLog
    .entries({ method: 'GET' })
    .map((entry) => entry.path)
    .filter((path) => path.startsWith('/address-book/'));
}

/** The id of a client record's partner, or null. */
function partnerIdOf(record: ExternalRecord): string | null {
  const partner = record.data['partner'] as { readonly id?: unknown } | null;
  return partner === null ? null : String(partner.id);
}

/** What a client read says of each client: its id and its partner's id, in the order yielded. */
function clientsAndPartners(records: readonly ExternalRecord[]): { id: string; partner: string | null }[] {
  return records.map((record) => ({ id: record.externalId, partner: partnerIdOf(record) }));
}

/** One call a {@link SpyScratch} saw. */
type ScratchCall =
  | { readonly operation: 'put'; readonly namespace: string; readonly items: readonly ScratchItem[] }
  | {
      readonly operation: 'get';
      readonly namespace: string;
      readonly keys: readonly string[];
      readonly found: ReadonlyMap<string, unknown[]>;
    }
  | { readonly operation: 'clear'; readonly namespace: string };

/** A scratch space that notes every call it passes on to the space it wraps. */
interface SpyScratch extends ProviderScratch {
  readonly calls: ScratchCall[];
}

function spyScratch(inner: ProviderScratch): SpyScratch {
  const calls: ScratchCall[] = [];
  return {
    calls,
    async put(namespace, items) {
      calls.push({ operation: 'put', namespace, items: [...items] });
      await inner.put(namespace, items);
    },
    async get(namespace, keys) {
      const found = await inner.get(namespace, keys);
      calls.push({ operation: 'get', namespace, keys: [...keys], found });
      return found;
    },
    async clear(namespace) {
      calls.push({ operation: 'clear', namespace });
      await inner.clear(namespace);
    },
  };
}

/** A {@link ScratchStore} in memory, as a storage keeps it: values as JSON text, items in code point order. */
interface MemoryScratchStore extends ScratchStore {
  /** How many values a job's space holds. */
  sizeOf(jobId: string): number;
  /** The namespaces of a job's space that hold values. */
  namespacesOf(jobId: string): string[];
}

function memoryScratchStore(): MemoryScratchStore {
  /** job id → namespace → key → item → JSON text. */
  const jobs = new Map<string, Map<string, Map<string, Map<string, string>>>>();
  const spaceOf = (jobId: string, namespace: string) => {
    let job = jobs.get(jobId);
    if (job === undefined) {
      job = new Map();
      jobs.set(jobId, job);
    }
    let space = job.get(namespace);
    if (space === undefined) {
      space = new Map();
      job.set(namespace, space);
    }
    return space;
  };
  // UTF-8 byte order is code point order.
  const byCodePoint = (left: string, right: string) =>
    Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
  return {
    async put(jobId, namespace, items) {
      const space = spaceOf(jobId, namespace);
      for (const { key, item, value } of items) {
        let values = space.get(key);
        if (values === undefined) {
          values = new Map();
          space.set(key, values);
        }
        values.set(item, JSON.stringify(value));
      }
    },
    async get(jobId, namespace, keys) {
      const found = new Map<string, unknown[]>();
      const space = jobs.get(jobId)?.get(namespace);
      if (space === undefined) return found;
      for (const key of keys) {
        const values = space.get(key);
        if (values === undefined || values.size === 0) continue;
        found.set(
          key,
          [...values.keys()]
            .sort(byCodePoint)
            .map((item) => JSON.parse(values.get(item) as string) as unknown),
        );
      }
      return found;
    },
    async clear(jobId, options = {}) {
      if (options.namespace === undefined) jobs.delete(jobId);
      else jobs.get(jobId)?.delete(options.namespace);
    },
    sizeOf(jobId) {
      let size = 0;
      for (const space of jobs.get(jobId)?.values() ?? []) {
        for (const values of space.values()) size += values.size;
      }
      return size;
    },
    namespacesOf(jobId) {
      return [...(jobs.get(jobId) ?? new Map<string, Map<string, unknown>>())]
        .filter(([, space]) => space.size > 0)
        .map(([namespace]) => namespace);
    },
  };
}

/** The generator's partner of each client: the non-primary partner contact on the client's jobs. */
function expectedPartners(studio: GeneratedStudio): Map<string, string> {
  const partners = new Set(
    studio.people.filter((person) => person.role === 'partner').map((person) => person.id),
  );
  const clientOfJob = new Map(studio.jobs.map((job) => [job.id, job.clientId]));
  const result = new Map<string, string>();
  for (const jobContact of studio.jobContacts) {
    if (jobContact.primary || !partners.has(jobContact.contactId)) continue;
    const clientId = clientOfJob.get(jobContact.jobId);
    if (clientId !== undefined) result.set(clientId, jobContact.contactId);
  }
  return result;
}

describe('a partner the address book walk shows pages before its client', () => {
  let fake: RunningFakeTave;
  let partnerId: string;
  let clientId: string;

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio: { seed: 11, clients: 5 } });
    const state = fake.state;
    // Ids are ULIDs that grow: the partner, typed in first, sorts before the others and the client.
    const partner = state.create('address-book', { firstName: 'Priya', lastName: 'Early' });
    for (let index = 0; index < 3 * pageSize; index += 1) {
      state.create('address-book', { firstName: `Lead${index}`, lastName: 'Between' });
    }
    const client = state.create('address-book', { firstName: 'Clara', lastName: 'Late' });
    const job = state.create('job', { name: 'Clara and Priya' });
    // As the generator marks a couple: the client primary in a couple role, the partner in another, not primary.
    const roleOf = (key: string) => {
      const role = state.list('job-role').find((candidate) => candidate.tokenPrefix === key);
      if (role === undefined) throw new Error(`The fake has no job role \`${key}\``);
      return role.id;
    };
    state.create('job-contact', {
      jobId: job.id,
      contactId: client.id,
      client: true,
      jobRoles: [roleOf('bride')],
    });
    state.create('job-contact', {
      jobId: job.id,
      contactId: partner.id,
      client: false,
      jobRoles: [roleOf('groom')],
    });
    partnerId = partner.id;
    clientId = client.id;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('sits more than two pages before its client in the walk', () => {
    const ids = fake.state
      .list('address-book')
      .map((contact) => contact.id)
      .sort();
    const pageOf = (id: string) => Math.floor(ids.indexOf(id) / pageSize);
    expect(pageOf(clientId) - pageOf(partnerId)).toBeGreaterThan(2);
  });

  it('is attached to its client without a lookup by id (the provider keeping the space itself)', async () => {
    const session = await connectWith(fake, undefined);
    fake.requestLog.clear();
    const records = (await readPages(session, 'client')).flatMap((page) => [...page.records]);
    const client = records.find((record) => record.externalId === clientId);
    expect(client === undefined ? undefined : partnerIdOf(client)).toBe(partnerId);
    expect(records.some((record) => record.externalId === partnerId)).toBe(false);
    expect(contactLookups(fake)).toEqual([]);
  });

  it('goes through `tave:seen-partner` and comes back when its client is admitted', async () => {
    const scratch = spyScratch(createMemoryScratch());
    const session = await connectWith(fake, scratch);
    fake.requestLog.clear();
    const records = (await readPages(session, 'client')).flatMap((page) => [...page.records]);
    const client = records.find((record) => record.externalId === clientId);
    expect(client === undefined ? undefined : partnerIdOf(client)).toBe(partnerId);
    expect(contactLookups(fake)).toEqual([]);

    const seen = prePassNamespaces.seenPartner;
    const puts = scratch.calls.filter((call) => call.operation === 'put' && call.namespace === seen);
    const kept = puts.flatMap((call) => (call.operation === 'put' ? call.items : []));
    expect(kept.map((item) => item.key)).toContain(partnerId);
    expect((kept.find((item) => item.key === partnerId)?.value as { id?: string } | null)?.id).toBe(
      partnerId,
    );
    const gets = scratch.calls.filter((call) => call.operation === 'get' && call.namespace === seen);
    const cameBack = gets.some(
      (call) =>
        call.operation === 'get' &&
        call.keys.includes(partnerId) &&
        (call.found.get(partnerId)?.[0] as { id?: string } | undefined)?.id === partnerId,
    );
    expect(cameBack).toBe(true);
    // The namespace was cleared before the walk filled it.
    const clearAt = scratch.calls.findIndex((call) => call.operation === 'clear' && call.namespace === seen);
    const firstPutAt = scratch.calls.findIndex((call) => call.operation === 'put' && call.namespace === seen);
    expect(clearAt).toBeGreaterThanOrEqual(0);
    expect(clearAt).toBeLessThan(firstPutAt);
  });
});

describe('the full reads in each kind of scratch space', () => {
  const studio = generateStudio({ seed: 5, clients: 60 });
  let fake: RunningFakeTave;

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio });
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** A full client read and a full project read, one session each, each session given `scratchOf()`. */
  async function readBoth(
    scratchOf: () => ProviderScratch | undefined,
  ): Promise<{ clients: ProviderPage[]; projects: ProviderPage[] }> {
    const clients = await readPages(await connectWith(fake, scratchOf()), 'client');
    const projects = await readPages(await connectWith(fake, scratchOf()), 'project');
    return { clients, projects };
  }

  it('yields the same pages with no scratch, a memory scratch and a job scratch moved to a storage', async () => {
    const own = await readBoth(() => undefined);
    expect(own.clients.length).toBeGreaterThan(3);
    expect(own.projects.length).toBeGreaterThan(3);
    // Couples straddle pages: some clients wait for the next page, their ids in the cursor.
    expect(own.clients.some((page) => page.cursor?.includes(':waiting:'))).toBe(true);
    // Partners are attached (so the pages compared below say something of them).
    const partners = expectedPartners(studio);
    const ownRecords = own.clients.flatMap((page) => [...page.records]);
    expect(partners.size).toBeGreaterThan(20);
    for (const [clientId, partnerId] of partners) {
      const record = ownRecords.find((candidate) => candidate.externalId === clientId);
      expect(record === undefined ? undefined : partnerIdOf(record), clientId).toBe(partnerId);
    }

    const memory = await readBoth(() => createMemoryScratch());
    expect(memory).toEqual(own);

    const stores: MemoryScratchStore[] = [];
    const stored = await readBoth(() => {
      const store = memoryScratchStore();
      stores.push(store);
      return createJobScratch({
        storage: () => ({ scratch: store }) as never,
        jobId: 'job-1',
        memoryValues: 5,
      });
    });
    expect(stored).toEqual(own);
    // Both spaces moved to their storage, which holds the pre-pass after the read.
    expect(stores).toHaveLength(2);
    const [clientStore, projectStore] = stores as [MemoryScratchStore, MemoryScratchStore];
    expect(clientStore.sizeOf('job-1')).toBeGreaterThan(5);
    expect(clientStore.namespacesOf('job-1')).toEqual(
      expect.arrayContaining([
        prePassNamespaces.jobContacts,
        prePassNamespaces.onJob,
        prePassNamespaces.clientJobs,
        prePassNamespaces.wantedPartner,
      ]),
    );
    expect(projectStore.sizeOf('job-1')).toBeGreaterThan(5);
    expect(projectStore.namespacesOf('job-1')).toEqual(
      expect.arrayContaining([prePassNamespaces.jobContacts, prePassNamespaces.onJob]),
    );
  });

  it('resumed by a new session sharing the space, yields what one full read yields', async () => {
    const fullPages = await readPages(await connectWith(fake, undefined), 'client');
    const full = fullPages.flatMap((page) => [...page.records]);
    // Resume after the first page, and after the first page whose clients wait for the next one.
    const waitingAt = fullPages.findIndex((page) => page.cursor?.includes(':waiting:'));
    expect(waitingAt).toBeGreaterThanOrEqual(0);
    for (const pagesBefore of new Set([1, waitingAt + 1])) {
      const scratch = createMemoryScratch();
      const first: ExternalRecord[] = [];
      let cursor: string | null = null;
      let read = 0;
      for await (const page of (await connectWith(fake, scratch)).read('client')) {
        first.push(...page.records);
        cursor = page.cursor;
        read += 1;
        if (read === pagesBefore) break;
      }
      expect(cursor, `after ${pagesBefore} pages`).not.toBeNull();
      if (pagesBefore > 1) expect(cursor).toContain(':waiting:');
      const rest = (await readPages(await connectWith(fake, scratch), 'client', { cursor })).flatMap(
        (page) => [...page.records],
      );
      expect(clientsAndPartners([...first, ...rest]), `after ${pagesBefore} pages`).toEqual(
        clientsAndPartners(full),
      );
    }
  });
});

describe('what an earlier session left in the space', () => {
  const studio = generateStudio({ seed: 7, clients: 20 });
  let fake: RunningFakeTave;

  beforeAll(async () => {
    fake = await startFakeTave({ apiKey, studio });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('does not leak into a new session’s full read', async () => {
    // A lead: a person on no job, a client all the same.
    const lead = fake.state.create('address-book', { firstName: 'Lena', lastName: 'Lead' });
    const [clientId, partnerId] = [...expectedPartners(studio)][0] as [string, string];
    const before = (await readPages(await connectWith(fake, undefined), 'client')).flatMap((page) => [
      ...page.records,
    ]);
    const baseline = before.find((record) => record.externalId === clientId);
    expect(baseline === undefined ? undefined : partnerIdOf(baseline)).toBe(partnerId);
    expect(before.some((record) => record.externalId === lead.id)).toBe(true);

    const scratch = createMemoryScratch();
    const ghostJobId = '01zzzzzzzzzzzzzzzzzzzzzzzz';
    await scratch.put(prePassNamespaces.clientJobs, [
      {
        key: clientId,
        item: ghostJobId,
        value: {
          summary: {
            id: ghostJobId,
            name: 'A job that does not exist',
            jobTypeName: null,
            isWedding: false,
            eventDate: null,
            inquiryDate: null,
            bookingDate: null,
            stage: 'lead',
            closed: false,
            leadSourceName: null,
            guestCount: null,
            budget: null,
          },
          order: '9999-12-31T00:00:00.000Z',
          partners: [],
        },
      },
    ]);
    await scratch.put(prePassNamespaces.onJob, [{ key: lead.id, item: '', value: true }]);
    // A partner "seen" earlier as nobody would take the client's partner away.
    await scratch.put(prePassNamespaces.seenPartner, [{ key: partnerId, item: '', value: null }]);

    const records = (await readPages(await connectWith(fake, scratch), 'client')).flatMap((page) => [
      ...page.records,
    ]);
    const client = records.find((record) => record.externalId === clientId);
    const jobIds = ((client?.data['jobs'] ?? []) as { id: string }[]).map((job) => job.id);
    expect(jobIds).not.toContain(ghostJobId);
    expect(client).toEqual(baseline);
    expect(records.some((record) => record.externalId === lead.id)).toBe(true);
    expect(records).toEqual(before);
  });
});
