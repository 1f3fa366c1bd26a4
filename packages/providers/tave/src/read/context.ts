/**
 * What every read shares: the API, the settings, the read's signal, and the reference data several record types
 * need (the studio's currency, custom field definitions, each job's client and partner candidates).
 */
import type { ProviderLogger, ProviderScratch } from '@wedsync/crm-core';
import type { TaveApi } from '../api/client.js';
import { TaveJobContactSchema } from '../api/schemas.js';
import type { ResolvedTaveSettings } from '../settings.js';
import type { CustomFieldResolver } from './custom-fields.js';
import { type JobContactRow, toJobContactRow } from './links.js';
import type { TaveSessionCache } from './session-cache.js';

/** The currency the OpenAPI document gives `Studio.currencyCode` by default. */
const defaultCurrency = 'USD';

/** One read's collaborators. */
export interface ReadContext {
  readonly api: TaveApi;
  readonly settings: ResolvedTaveSettings;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
  /** What the session already read (settings; whether the client read stored the job contacts). */
  readonly cache: TaveSessionCache;
  /** The session's working space: the full reads' pre-pass lives there (see `pre-pass.ts`). */
  readonly scratch: ProviderScratch;
}

/** Drops the vendor's `links` (HAL links to the record's own URL): transport metadata, not record data. */
export function withoutLinks<T extends Record<string, unknown>>(record: T): Omit<T, 'links'> {
  const { links: _links, ...rest } = record;
  return rest;
}

/** The studio's ISO 4217 currency (every amount of the API is in it). */
export async function studioCurrency(context: ReadContext): Promise<string> {
  const studio = await context.cache.studio(context.signal);
  const code = studio.currencyCode?.trim().toUpperCase();
  return code === undefined || code === '' ? defaultCurrency : code;
}

/** The studio's custom field definitions, ready to resolve values (read once per session). */
export function customFieldResolver(context: ReadContext): Promise<CustomFieldResolver> {
  return context.cache.customFields(context.signal);
}

/**
 * Every job contact, hidden ones included (they date the last change of a job's contacts), as rows, a page at a
 * time: one walk of `/job-contact`.
 * Docs: GET /job-contact?includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
 */
export async function* jobContactPages(context: ReadContext): AsyncGenerator<JobContactRow[]> {
  for await (const page of context.api.list({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: context.settings.pageSize,
    query: { includeHidden: true, sortBy: 'id' },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    yield page.items.map(toJobContactRow);
  }
}
