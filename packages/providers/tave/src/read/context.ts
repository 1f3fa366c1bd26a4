/**
 * What every read shares: the API, the settings, the read's signal, and the reference data several record types
 * need (the studio's currency, custom field definitions, each job's client and partner candidates).
 */
import type { ProviderLogger } from '@wedsync/crm-core';
import type { TaveApi } from '../api/client.js';
import { TaveCustomFieldSchema, TaveJobContactSchema } from '../api/schemas.js';
import type { ResolvedTaveSettings } from '../settings.js';
import { CustomFieldResolver } from './custom-fields.js';

/** The currency the OpenAPI document gives `Studio.currencyCode` by default. */
const defaultCurrency = 'USD';

/** One read's collaborators. */
export interface ReadContext {
  readonly api: TaveApi;
  readonly settings: ResolvedTaveSettings;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
}

/** Drops the vendor's `links` (HAL links to the record's own URL): transport metadata, not record data. */
export function withoutLinks<T extends Record<string, unknown>>(record: T): Omit<T, 'links'> {
  const { links: _links, ...rest } = record;
  return rest;
}

/** The studio's ISO 4217 currency (every amount of the API is in it). */
export async function studioCurrency(context: ReadContext): Promise<string> {
  const studio = await context.api.studio(context.signal);
  const code = studio.currencyCode?.trim().toUpperCase();
  return code === undefined || code === '' ? defaultCurrency : code;
}

/** The studio's custom field definitions, ready to resolve values. */
export async function customFieldResolver(context: ReadContext): Promise<CustomFieldResolver> {
  // Docs: GET /custom-field (operation listResourceCustomField) https://workspace.vsco.co/api#tag/Custom-Fields
  const fields = await context.api.all({
    path: 'custom-field',
    schema: TaveCustomFieldSchema,
    pageSize: 100,
    query: { sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  return new CustomFieldResolver(fields.values());
}

/** Who is on each job, as far as clients are concerned. */
export interface JobPeople {
  /** Contact id of each job's client: its first contact marked as a client (`client: true` or role kind `client`). */
  readonly clientOf: ReadonlyMap<string, string>;
  /**
   * Each job's possible partners, best first: its other couple-role contacts (other clients first, then those
   * whose role kinds include `customer` or `subject`). Team and vendor contacts never qualify.
   */
  readonly partnersOf: ReadonlyMap<string, readonly string[]>;
  /** Every contact on any job, in any role. */
  readonly onJobs: ReadonlySet<string>;
}

interface Entry {
  readonly contactId: string;
  readonly client: boolean;
  readonly couple: boolean;
  readonly order: string;
}

const coupleKinds: ReadonlySet<string> = new Set(['client', 'customer', 'subject']);

/**
 * Walks `/job-contact` once and keeps, per job, its client and partner candidates (ids only).
 * Docs: GET /job-contact (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function collectJobPeople(context: ReadContext): Promise<JobPeople> {
  const byJob = new Map<string, Entry[]>();
  const onJobs = new Set<string>();
  for await (const page of context.api.list({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: context.settings.pageSize,
    query: { sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    for (const jobContact of page.items) {
      onJobs.add(jobContact.contactId);
      const kinds = jobContact.roleKinds ?? [];
      const client = jobContact.client === true || kinds.includes('client');
      const entry: Entry = {
        contactId: jobContact.contactId,
        client,
        couple: client || kinds.some((kind) => coupleKinds.has(kind)),
        order: `${jobContact.created ?? ''}\u0000${jobContact.id}`,
      };
      const entries = byJob.get(jobContact.jobId);
      if (entries === undefined) byJob.set(jobContact.jobId, [entry]);
      else entries.push(entry);
    }
  }
  const clientOf = new Map<string, string>();
  const partnersOf = new Map<string, string[]>();
  for (const [jobId, entries] of byJob) {
    entries.sort((left, right) =>
      left.client === right.client
        ? left.order < right.order
          ? -1
          : left.order > right.order
            ? 1
            : 0
        : left.client
          ? -1
          : 1,
    );
    const first = entries[0];
    if (first === undefined || !first.client) continue;
    clientOf.set(jobId, first.contactId);
    const partners = entries
      .slice(1)
      .filter((entry) => entry.couple && entry.contactId !== first.contactId)
      .map((entry) => entry.contactId);
    if (partners.length > 0) partnersOf.set(jobId, [...new Set(partners)]);
  }
  return { clientOf, partnersOf, onJobs };
}
