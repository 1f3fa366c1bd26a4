/**
 * What a full import costs in requests: one session (as one job has) tests the connection, then reads every
 * record type, against the fake VSCO Workspace with the rate-limited benchmark's studio (500 clients, seed 5,
 * pages of 100). The session reads each settings resource once and each collection walk once; every record
 * type yields the same records as a session of its own (which reads everything again) yields.
 */
import type { ExternalRecord, ProviderRecordType } from '@wedsync/crm-core';
import { type RunningFakeTave, startFakeTave } from '@wedsync/crm-testkit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTave } from '../src/index.js';
import { apiKey, connect, memoryLogger, readAll } from './helpers.js';

const recordTypes: readonly ProviderRecordType[] = ['client', 'project', 'event', 'invoice', 'payment'];

let fake: RunningFakeTave;

beforeAll(async () => {
  fake = await startFakeTave({ apiKey, studio: { seed: 5, clients: 500 } });
});
afterAll(async () => {
  await fake?.close();
});

/** Requests in the fake's log by resource (the first segment of the path). */
function requestsByResource(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of fake.requestLog.entries()) {
    const resource = entry.path.split('/')[1] ?? '';
    counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe('a full import through one session', () => {
  it('reads each settings resource and each collection once, and yields what separate sessions yield', async () => {
    const provider = createTave({ baseUrl: fake.url, pageSize: 100 });
    const logger = memoryLogger();
    const session = await connect(provider, { logger });
    fake.requestLog.clear();
    await session.testConnection();
    const read = new Map<ProviderRecordType, ExternalRecord[]>();
    for (const recordType of recordTypes) read.set(recordType, await readAll(session, recordType));
    const byResource = requestsByResource();
    const total = fake.requestLog.size;
    console.info(`Tave full import of 500 clients: ${total} requests`, JSON.stringify(byResource));

    const pages = (path: 'job-contact' | 'job' | 'address-book') =>
      Math.ceil(fake.state.list(path).length / 100);
    expect(byResource['studio']).toBe(1);
    expect(byResource['timezone']).toBe(1);
    expect(byResource['custom-field']).toBe(1);
    expect(byResource['event-type']).toBe(1);
    expect(byResource['payment-method']).toBe(1);
    // The job contacts of the client read's pre-pass serve the project read.
    expect(byResource['job-contact']).toBe(pages('job-contact'));
    // One walk of the address book yields the clients; a partner is looked up by id only where a couple
    // straddles two pages (partners are typed in with their client, so their ids sit next to the client's).
    const walked = fake.requestLog.entries({ path: '/address-book' });
    const lookedUp = fake.requestLog.entries().filter((entry) => entry.path.startsWith('/address-book/'));
    expect(walked.map((entry) => entry.query['page'])).toEqual(
      Array.from({ length: pages('address-book') }, (_, index) => String(index + 1)),
    );
    expect(lookedUp.length).toBeLessThan(pages('address-book'));
    expect(logger.lines.some((line) => line.includes(`"partnersLookedUp":${lookedUp.length}`))).toBe(true);
    // The client read's walk of jobs, and the project read's.
    expect(byResource['job']).toBe(2 * pages('job'));
    expect(total).toBeLessThanOrEqual(60);

    for (const recordType of recordTypes) {
      const alone = await readAll(await connect(provider), recordType);
      expect(read.get(recordType), recordType).toEqual(alone);
    }
  });

  it('reads the job contacts again for a project read after a write', async () => {
    const session = await connect(createTave({ baseUrl: fake.url, pageSize: 100 }));
    await readAll(session, 'client');
    const [jobId] = fake.state.list('job').map((job) => job.id as string);
    const [result] =
      (await session.write?.('project', [
        {
          kind: 'update',
          externalId: jobId as string,
          idempotencyKey: 'requests-test-rename',
          data: { name: 'Renamed after the client read' },
        },
      ])) ?? [];
    expect(result).toMatchObject({ status: 'updated' });
    fake.requestLog.clear();
    const projects = await readAll(session, 'project');
    expect(fake.requestLog.entries({ path: '/job-contact' }).length).toBeGreaterThan(0);
    expect(projects).toEqual(
      await readAll(await connect(createTave({ baseUrl: fake.url, pageSize: 100 })), 'project'),
    );
  });
});

describe('partners on a later page of the address book', () => {
  let small: RunningFakeTave;
  beforeAll(async () => {
    small = await startFakeTave({ apiKey, studio: { seed: 5, clients: 60 } });
  });
  afterAll(async () => {
    await small?.close();
  });

  /** The clients of a read at pages of 10 (with the debug lines it logged), and of a read at pages of 100. */
  async function readBoth(): Promise<{ paged: ExternalRecord[]; whole: ExternalRecord[]; lines: string[] }> {
    const logger = memoryLogger();
    const paged = await readAll(
      await connect(createTave({ baseUrl: small.url, pageSize: 10 }), { logger }),
      'client',
    );
    const whole = await readAll(await connect(createTave({ baseUrl: small.url, pageSize: 100 })), 'client');
    return { paged, whole, lines: logger.lines };
  }

  /** The client of the first job with a client, and a new person added last to the address book as its partner. */
  function farPartner(): { clientId: string; partnerId: string } {
    const rows = small.state.list('job-contact').filter((row) => row.client === true && row.hidden !== true);
    const first = rows[0];
    if (first === undefined) throw new Error('the studio has no job with a client');
    const partner = small.state.create('address-book', {
      kind: 'person',
      firstName: 'Far',
      lastName: 'Partner',
    } as never);
    // A second client of the job comes first among its partner candidates.
    small.state.create('job-contact', {
      jobId: first.jobId,
      contactId: partner.id,
      client: true,
      roleKinds: ['client'],
    } as never);
    return { clientId: first.contactId, partnerId: partner.id };
  }

  it('looks a partner up by id when it is on a later page, and yields the same records', async () => {
    const { clientId, partnerId } = farPartner();
    const { paged, whole, lines } = await readBoth();
    expect(paged).toEqual(whole);
    const client = paged.find((record) => record.externalId === clientId);
    expect((client?.data['partner'] as { id?: string } | null)?.id).toBe(partnerId);
    expect(lines.some((line) => /"partnersLookedUp":[1-9]/.test(line))).toBe(true);
  });

  it('keeps a partner seen on an earlier page until its client is yielded', async () => {
    const visible = small.state.list('job-contact').filter((row) => row.hidden !== true);
    const contactsOf = new Map<string, string[]>();
    for (const row of visible)
      contactsOf.set(row.jobId, [...(contactsOf.get(row.jobId) ?? []), row.contactId]);
    const jobsOf = new Map<string, number>();
    for (const row of visible)
      if (row.client === true) jobsOf.set(row.contactId, (jobsOf.get(row.contactId) ?? 0) + 1);
    const people = small.state
      .list('address-book')
      .filter((contact) => contact.hidden !== true && contact.kind === 'person')
      .map((contact) => contact.id)
      .sort();
    const early = people[0] as string;
    // The last client (in address-book order) with one job and nobody else on it: its partner will be `early`.
    const row = visible
      .filter(
        (candidate) =>
          candidate.client === true &&
          jobsOf.get(candidate.contactId) === 1 &&
          contactsOf.get(candidate.jobId)?.length === 1 &&
          candidate.contactId > (people[30] as string),
      )
      .sort((left, right) => (left.contactId < right.contactId ? 1 : -1))[0];
    if (row === undefined) throw new Error('the studio has no single-person job late in the address book');
    small.state.create('job-contact', {
      jobId: row.jobId,
      contactId: early,
      client: false,
      // The fake derives role kinds from the roles: the client's own roles make a couple role.
      jobRoles: row.jobRoles,
    } as never);
    const { paged, whole, lines } = await readBoth();
    expect(paged).toEqual(whole);
    const client = paged.find((record) => record.externalId === row.contactId);
    expect((client?.data['partner'] as { id?: string } | null)?.id).toBe(early);
    // Seen by the walk on page 1, kept, not looked up.
    expect(lines.some((line) => line.includes('"partnersScanned":false'))).toBe(true);
  });

  it('walks the rest of the address book when lookups would cost more than that walk', async () => {
    // Archived partners never appear in the walk: each would need a lookup.
    for (const row of small.state.list('job-contact')) {
      if (row.client !== true && row.roleKinds.some((kind) => kind === 'customer' || kind === 'subject')) {
        small.state.update('address-book', row.contactId, { hidden: true } as never);
      }
    }
    const { paged, whole, lines } = await readBoth();
    expect(paged).toEqual(whole);
    expect(lines.some((line) => line.includes('"partnersScanned":true'))).toBe(true);
  });
});
