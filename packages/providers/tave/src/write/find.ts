/**
 * `findExisting`: finds the record an uncertain create may have made, before the hub sends the create again.
 *
 * - `client`: `GET /address-book?email=` (the vendor's email filter), then an exact match of the normalised
 *   (trimmed, lower-cased) primary email among person contacts. One match is the record. Couples often share an
 *   address, so several matches are settled by the first and last name (compared trimmed, NFC, case-insensitive);
 *   when that leaves anything but one, the answer is null and the log says why (counts only, no personal values).
 * - `project`: `GET /job?externalMappingId=` with the mapping id a create sets from the change's idempotency key,
 *   read from `options.idempotencyKey` (preferred), else `data.externalMappingId`.
 */
import type { ExternalRecord, ProviderLogger, ProviderRecordType } from '@wedsync/crm-core';
import { InvalidArgumentError } from '@wedsync/crm-core';
import type { TaveApi } from '../api/client.js';
import {
  type TaveContactItem,
  TaveContactSchema,
  TaveJobContactSchema,
  TaveJobSchema,
} from '../api/schemas.js';
import { withoutLinks } from '../read/context.js';
import { externalMappingIdOf, isPlainObject } from './bodies.js';
import { taveWritableRecordTypes } from './write.js';

/** Options of `findExisting` on a Tave session. */
export interface TaveFindOptions {
  readonly signal?: AbortSignal;
  /**
   * The idempotency key of the create being checked: a project is found by the external mapping its create
   * set from this key. @default undefined (then `data.externalMappingId` is used)
   */
  readonly idempotencyKey?: string;
}

/** What a lookup shares. */
export interface FindContext {
  readonly api: TaveApi;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
  readonly pageSize: number;
}

function normalizedEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return email === '' ? undefined : email;
}

function normalizedName(value: unknown): string {
  return typeof value === 'string' ? value.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase() : '';
}

function sameName(contact: TaveContactItem, data: Readonly<Record<string, unknown>>): boolean {
  return (
    normalizedName(contact['firstName']) === normalizedName(data['firstName']) &&
    normalizedName(contact['lastName']) === normalizedName(data['lastName'])
  );
}

function record(
  item: { readonly id: string; readonly modified?: string | undefined },
  data: Record<string, unknown>,
) {
  return {
    externalId: item.id,
    ...(item.modified === undefined ? {} : { modifiedAt: item.modified }),
    data,
  };
}

async function findClient(
  context: FindContext,
  data: Readonly<Record<string, unknown>>,
): Promise<ExternalRecord | null> {
  const email = normalizedEmail(data['email']);
  if (email === undefined) {
    context.logger.info('Tave findExisting(client): no email to look the contact up by', {});
    return null;
  }
  const matches: TaveContactItem[] = [];
  // Docs: GET /address-book?email= (operation listResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  for await (const page of context.api.list({
    path: 'address-book',
    schema: TaveContactSchema,
    pageSize: context.pageSize,
    query: { email },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    for (const contact of page.items) {
      if (contact.kind === 'person' && normalizedEmail(contact['email']) === email) matches.push(contact);
    }
  }
  if (matches.length === 0) return null;
  let chosen = matches.length === 1 ? matches[0] : undefined;
  if (chosen === undefined) {
    const named = matches.filter((contact) => sameName(contact, data));
    if (named.length === 1) chosen = named[0];
    else {
      context.logger.warn('Tave findExisting(client): several contacts share the email; none chosen', {
        matches: matches.length,
        sameName: named.length,
        reason:
          named.length === 0
            ? 'none of them has the same first and last name'
            : 'more than one has the same first and last name',
      });
      return null;
    }
  }
  if (chosen === undefined) return null;
  return record(chosen, withoutLinks(chosen));
}

function mappingIdOf(data: Readonly<Record<string, unknown>>, options: TaveFindOptions): string | undefined {
  if (typeof options.idempotencyKey === 'string' && options.idempotencyKey !== '') {
    return externalMappingIdOf(options.idempotencyKey);
  }
  const given = data['externalMappingId'];
  return typeof given === 'string' && given !== '' ? given : undefined;
}

async function findProject(
  context: FindContext,
  data: Readonly<Record<string, unknown>>,
  options: TaveFindOptions,
): Promise<ExternalRecord | null> {
  const mappingId = mappingIdOf(data, options);
  if (mappingId === undefined) {
    context.logger.info(
      'Tave findExisting(project): no idempotency key or externalMappingId to look the job up by',
      {},
    );
    return null;
  }
  const withSignal = context.signal === undefined ? {} : { signal: context.signal };
  // Docs: GET /job?externalMappingId= (operation listResourceJob) https://workspace.vsco.co/api#tag/Jobs
  const jobs = await context.api.all({
    path: 'job',
    schema: TaveJobSchema,
    pageSize: context.pageSize,
    query: { externalMappingId: mappingId, includeClosed: true },
    ...withSignal,
  });
  const found = [...jobs.values()].filter((job) => {
    const mappings = job['externalMappings'];
    return (
      Array.isArray(mappings) &&
      mappings.some((mapping) => isPlainObject(mapping) && mapping['id'] === mappingId)
    );
  });
  if (found.length === 0) return null;
  if (found.length > 1) {
    context.logger.warn(
      'Tave findExisting(project): several jobs carry the same external mapping; none chosen',
      {
        matches: found.length,
      },
    );
    return null;
  }
  const job = found[0] as (typeof found)[number];
  // Docs: GET /job-contact?jobId= (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
  const contacts = await context.api.all({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: 100,
    query: { jobId: job.id },
    ...withSignal,
  });
  const client = [...contacts.values()]
    .filter(
      (entry) =>
        entry.jobId === job.id && (entry.client === true || (entry.roleKinds ?? []).includes('client')),
    )
    .sort(
      (left, right) =>
        (left.created ?? '').localeCompare(right.created ?? '') || left.id.localeCompare(right.id),
    )[0];
  const clientContactId = client?.contactId ?? null;
  return {
    ...record(job, {
      ...withoutLinks(job),
      displayName: job.name ?? job.title ?? null,
      clientContactId,
    }),
    ...(clientContactId === null ? {} : { links: { client: clientContactId } }),
  };
}

/**
 * Looks up the record an uncertain create may have made; null when there is none (or no certain one).
 * @throws InvalidArgumentError for a record type this provider does not create, or data that is not an object.
 */
export async function findExistingRecord(
  context: FindContext,
  recordType: ProviderRecordType,
  data: Readonly<Record<string, unknown>>,
  options: TaveFindOptions = {},
): Promise<ExternalRecord | null> {
  if (!taveWritableRecordTypes.includes(recordType)) {
    throw new InvalidArgumentError(
      `Expected \`recordType\` to be one of ${taveWritableRecordTypes.join(', ')} (the record types this provider creates), got \`${String(recordType).slice(0, 40)}\``,
      { context: { option: 'recordType' } },
    );
  }
  if (!isPlainObject(data)) {
    throw new InvalidArgumentError(`Expected \`data\` to be an object, got ${typeof data}`, {
      context: { option: 'data' },
    });
  }
  return recordType === 'client' ? findClient(context, data) : findProject(context, data, options);
}
