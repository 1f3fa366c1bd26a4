/**
 * What every reliability suite checks after an import: each record the CRM served arrived once (counted against
 * the generated studio and its manifest of planted duplicates and bad records), nobody is in WedSync twice, no
 * record link points at a missing WedSync record, every relationship holds, and no secret is stored or logged.
 */
import { nameKey, normalizeEmail, normalizePhone } from '@wedsync/crm-core';
import type { GeneratedStudio } from '@wedsync/crm-testkit/servers';
import { expect } from 'vitest';
import type { AnyDatabase } from './databases.js';

/** The record types of a Tave import, in the order it reads them, and the WedSync table of each. */
export const recordTables = {
  client: 'clients',
  project: 'projects',
  event: 'events',
  invoice: 'invoices',
  payment: 'payments',
} as const;

/** A record type of a Tave import. */
export type SoakRecordType = keyof typeof recordTables;

/** The record types in read order. */
export const recordTypes = Object.keys(recordTables) as SoakRecordType[];

/** The outcomes of one record (`read = created + updated + linked + flagged + rejected + skipped + deleted`). */
const outcomes = ['created', 'updated', 'linked', 'flagged', 'rejected', 'skipped', 'deleted'] as const;

/** Every row of a table. */
export async function rowsOf(db: AnyDatabase, table: string): Promise<Record<string, unknown>[]> {
  return (await db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
}

/** Rows of a table, counted. */
export async function countOf(db: AnyDatabase, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((builder) => builder.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** What an import of a generated studio must end with, derived from the studio and what the CRM serves. */
export interface ExpectedImport {
  /** Records the CRM serves, per record type. */
  readonly read: Readonly<Record<SoakRecordType, number>>;
  /** WedSync records the import creates, per record type. */
  readonly created: Readonly<Record<SoakRecordType, number>>;
  /** CRM clients certainly someone already imported (linked to that WedSync client, not created). */
  readonly linked: number;
  /** CRM clients that may be someone already imported: flagged for review, not written. */
  readonly flagged: number;
  /** Clients rejected for their planted bad value. */
  readonly rejectedClients: number;
  /** Every record the CRM serves. */
  readonly total: number;
  /** CRM ids of the clients created as themselves (neither rejected, linked nor flagged). */
  readonly createdClientIds: ReadonlySet<string>;
}

/** What the CRM serves of a client that dedupe compares. */
export interface ServedClient {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly emails: readonly string[];
  /** E.164 phones (a phone the CRM could not put in E.164 is skipped by the import). */
  readonly phones: readonly string[];
}

/**
 * The import's expected outcome, by the documented rules (docs/sync-semantics.md, "Dedupe"), applied to the
 * clients in the order the CRM serves them (by id): a planted bad client is rejected; a client that shares its
 * name and an email, a phone or the wedding date with exactly one client imported before it is linked to that
 * one; one that shares only its name, or an email or phone under another name, or is certain of several, is
 * flagged; any other is created. That covers the planted duplicates (the one-letter typo is flagged; a copy of
 * someone whose phone the CRM could not put in E.164 is flagged too) and the namesakes a large studio holds.
 * A job is imported when its client (or the client it was linked to) is; events, invoices and payments when
 * their job is.
 */
export function expectedImport(
  studio: GeneratedStudio,
  served: (contactId: string) => ServedClient,
): ExpectedImport {
  const { manifest } = studio;
  const bad = new Set(manifest.badRecords.map((entry) => entry.contactId));
  const weddingJobTypes = new Set(
    studio.jobTypes
      .filter((type) => type.key === 'wedding' || type.key === 'elopement')
      .map((type) => type.id),
  );
  const jobsByClient = new Map<string, (typeof studio.jobs)[number][]>();
  for (const job of studio.jobs)
    jobsByClient.set(job.clientId, [...(jobsByClient.get(job.clientId) ?? []), job]);
  const weddingDateOf = (contactId: string): string | null => {
    const jobs = [...(jobsByClient.get(contactId) ?? [])].sort((left, right) =>
      left.createdAt === right.createdAt
        ? left.id.localeCompare(right.id)
        : left.createdAt.localeCompare(right.createdAt),
    );
    return jobs.find((job) => weddingJobTypes.has(job.jobTypeId))?.eventDate ?? null;
  };

  interface Keys {
    readonly id: string;
    readonly name: string | null;
    readonly emails: readonly string[];
    readonly phones: readonly string[];
    readonly weddingDate: string | null;
  }
  const byName = new Map<string, Keys[]>();
  const byEmail = new Map<string, Keys[]>();
  const byPhone = new Map<string, Keys[]>();
  const index = (map: Map<string, Keys[]>, key: string, keys: Keys) =>
    map.set(key, [...(map.get(key) ?? []), keys]);
  const importedAs = new Map<string, string>();
  const createdClientIds = new Set<string>();
  let linked = 0;
  let flagged = 0;
  const readers = studio.people
    .filter((person) => person.role === 'client' || person.role === 'duplicate')
    .map((person) => person.id)
    .sort();
  for (const id of readers) {
    if (bad.has(id)) continue;
    const client = served(id);
    const keys: Keys = {
      id,
      name: nameKey({ first_name: client.firstName, last_name: client.lastName }),
      emails: [
        ...new Set(client.emails.map((email) => normalizeEmail(email)).filter((email) => email !== null)),
      ],
      phones: [
        ...new Set(client.phones.map((phone) => normalizePhone(phone)).filter((phone) => phone !== null)),
      ],
      weddingDate: weddingDateOf(id),
    };
    const candidates = new Set<Keys>([
      ...(keys.name === null ? [] : (byName.get(keys.name) ?? [])),
      ...keys.emails.flatMap((email) => byEmail.get(email) ?? []),
      ...keys.phones.flatMap((phone) => byPhone.get(phone) ?? []),
    ]);
    const certain: Keys[] = [];
    let uncertain = 0;
    for (const candidate of candidates) {
      const sameName = keys.name !== null && keys.name === candidate.name;
      const contact =
        keys.emails.some((email) => candidate.emails.includes(email)) ||
        keys.phones.some((phone) => candidate.phones.includes(phone));
      const sameDate = keys.weddingDate !== null && keys.weddingDate === candidate.weddingDate;
      if (sameName && (contact || sameDate)) certain.push(candidate);
      else if (sameName || contact) uncertain += 1;
    }
    if (certain.length === 1) {
      linked += 1;
      importedAs.set(id, (certain[0] as Keys).id);
    } else if (certain.length > 1 || uncertain > 0) {
      flagged += 1;
    } else {
      importedAs.set(id, id);
      createdClientIds.add(id);
      if (keys.name !== null) index(byName, keys.name, keys);
      for (const email of keys.emails) index(byEmail, email, keys);
      for (const phone of keys.phones) index(byPhone, phone, keys);
    }
  }
  const importedJobs = new Set(
    studio.jobs.filter((job) => importedAs.has(job.clientId)).map((job) => job.id),
  );
  const invoices = studio.orders.flatMap((order) => order.invoices.map((invoice) => ({ order, invoice })));
  const read = {
    client: readers.length,
    project: studio.jobs.length,
    event: studio.events.length,
    invoice: invoices.length,
    payment: studio.payments.length,
  };
  const created = {
    client: createdClientIds.size,
    project: importedJobs.size,
    event: studio.events.filter((event) => importedJobs.has(event.jobId)).length,
    invoice: invoices.filter(({ order }) => importedJobs.has(order.jobId)).length,
    payment: studio.payments.filter((payment) => importedJobs.has(payment.jobId)).length,
  };
  return {
    read,
    created,
    linked,
    flagged,
    rejectedClients: bad.size,
    total: Object.values(read).reduce((sum, count) => sum + count, 0),
    createdClientIds,
  };
}

/** What a fake VSCO Workspace serves of a contact that dedupe compares (names, emails, E.164 phones). */
export function taveServedClient(contact: { readonly [key: string]: unknown } | undefined): ServedClient {
  if (contact === undefined) return { firstName: null, lastName: null, emails: [], phones: [] };
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  const emails = [contact['email'], contact['secondaryEmail']]
    .map(text)
    .filter((value): value is string => value !== null);
  const phones = [contact['cellPhone'], contact['workPhone']]
    .map((phone) => text((phone as { e164?: unknown } | null | undefined)?.e164))
    .filter((value): value is string => value !== null);
  return { firstName: text(contact['firstName']), lastName: text(contact['lastName']), emails, phones };
}

/** A job's counts add up per record type and in all (`read` = the sum of the outcomes). */
export function expectEveryRecordAccounted(counts: Readonly<Record<string, number>>): void {
  const sum = (prefix: string) =>
    outcomes.reduce((total, kind) => total + (counts[`${prefix}${kind}`] ?? 0), 0);
  expect(sum(''), 'read = sum of outcomes').toBe(counts['read']);
  let perType = 0;
  for (const recordType of recordTypes) {
    expect(sum(`${recordType}.`), `${recordType}.read = sum of its outcomes`).toBe(
      counts[`${recordType}.read`] ?? 0,
    );
    perType += counts[`${recordType}.read`] ?? 0;
  }
  expect(perType, 'read = sum of the reads per type').toBe(counts['read']);
}

/** The job's record counts (no request counters), for comparing two imports. */
export function recordCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).filter(
      ([key]) => key === 'read' || outcomes.some((kind) => key === kind || key.endsWith(`.${kind}`)),
    ),
  );
}

/**
 * Nobody is in WedSync twice: no two clients (of one supplier, or of the whole table) share a normalized email,
 * and no two share a normalized name unless their emails tell them apart. Returns the clients.
 */
export async function expectNoDoubledPeople(
  db: AnyDatabase,
  supplierId?: string,
): Promise<Record<string, unknown>[]> {
  const clients = (await rowsOf(db, 'clients')).filter(
    (row) => supplierId === undefined || row['supplier_id'] === supplierId,
  );
  const byEmail = new Map<string, number>();
  for (const client of clients) {
    const email = client['email_normalized'];
    if (typeof email === 'string' && email !== '') byEmail.set(email, (byEmail.get(email) ?? 0) + 1);
  }
  expect(
    [...byEmail].filter(([, count]) => count > 1),
    'emails held by two clients',
  ).toEqual([]);
  const byName = new Map<string, (string | null)[]>();
  for (const client of clients) {
    const name = client['name_key'];
    if (typeof name !== 'string' || name === '') continue;
    const email = typeof client['email_normalized'] === 'string' ? client['email_normalized'] : null;
    byName.set(name, [...(byName.get(name) ?? []), email]);
  }
  expect(
    [...byName].filter(([, emails]) => emails.length > 1 && new Set(emails).size < emails.length),
    'names held by two clients without emails telling them apart',
  ).toEqual([]);
  return clients;
}

/**
 * The record links of an integration: none linked twice (one CRM record, one link), and none whose WedSync
 * record is missing (an orphan). Returns the links by `recordType:externalId`.
 */
export async function expectLinksWhole(
  db: AnyDatabase,
  integrationId: string,
): Promise<Map<string, Record<string, unknown>>> {
  const links = (await rowsOf(db, 'crm_record_links')).filter(
    (row) => String(row['integration_id']) === integrationId,
  );
  const byKey = new Map<string, Record<string, unknown>>();
  const twice: string[] = [];
  for (const link of links) {
    const key = `${String(link['record_type'])}:${String(link['external_id'])}`;
    if (byKey.has(key)) twice.push(key);
    byKey.set(key, link);
  }
  expect(twice, 'CRM records linked twice').toEqual([]);
  const orphans: string[] = [];
  for (const [recordType, table] of Object.entries(recordTables)) {
    const ids = new Set((await rowsOf(db, table)).map((row) => String(row['id'])));
    for (const link of links) {
      if (link['record_type'] === recordType && !ids.has(String(link['wedsync_record_id']))) {
        orphans.push(`${recordType}:${String(link['external_id'])} -> ${String(link['wedsync_record_id'])}`);
      }
    }
  }
  expect(orphans, 'links whose WedSync record is missing').toEqual([]);
  const wedsyncTwice = new Map<string, number>();
  for (const link of links) {
    const key = `${String(link['record_type'])}:${String(link['wedsync_record_id'])}`;
    wedsyncTwice.set(key, (wedsyncTwice.get(key) ?? 0) + 1);
  }
  expect(
    [...wedsyncTwice].filter(([, count]) => count > 1).map(([key]) => key),
    'WedSync records linked to two CRM records of one integration',
  ).toEqual([]);
  return byKey;
}

/** Every imported record points at records that exist: projects at clients, the rest at projects. */
export async function expectRelationships(db: AnyDatabase): Promise<void> {
  const ids = async (table: string) => new Set((await rowsOf(db, table)).map((row) => String(row['id'])));
  const clientIds = await ids('clients');
  const projects = await rowsOf(db, 'projects');
  const projectIds = new Set(projects.map((row) => String(row['id'])));
  expect(
    projects.filter((project) => !clientIds.has(String(project['client_id']))).map((row) => row['id']),
    'projects without their client',
  ).toEqual([]);
  for (const table of ['events', 'invoices', 'payments']) {
    const rows = await rowsOf(db, table);
    expect(
      rows.filter((row) => !projectIds.has(String(row['project_id']))).map((row) => row['id']),
      `${table} without their project`,
    ).toEqual([]);
  }
}

/** The forms a leaked secret takes in text: as typed, and base64, base64url or hex encoded. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret,
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
  ];
}

/** The texts (named) that hold any form of `secret`. */
export function leaks(texts: Iterable<readonly [string, string]>, secret: string): string[] {
  const forms = secretForms(secret);
  const found: string[] = [];
  for (const [name, text] of texts) {
    if (forms.some((form) => text.includes(form))) found.push(name);
  }
  return found;
}

/** An error (its name, code, message, context, issues and causes) as one text, for secret searches. */
export function errorText(error: unknown, depth = 0): string {
  if (depth > 6 || error === null || error === undefined) return '';
  if (typeof error !== 'object') return String(error);
  const record = error as Record<string, unknown>;
  const own = JSON.stringify(
    {
      name: record['name'],
      code: record['code'],
      message: record['message'],
      context: record['context'],
      issues: record['issues'],
      stack: record['stack'],
    },
    (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value),
  );
  return `${own}\n${errorText(record['cause'], depth + 1)}`;
}
