/**
 * What incremental reads fetch instead of walking whole collections: the records changed since the watermark
 * (walks sorted `modified desc` that stop there), and per-record lookups the vendor documents —
 * `GET /job-contact?contactId=`, `GET /job-contact?jobId=`, `GET /job/{id}` and `GET /address-book/{id}` — one
 * request each, within a budget: the number of requests the full walks would cost. A read that would spend more
 * falls back to the full walks, so an incremental read never costs much more than a full one.
 *
 * Jobs and contacts fetched by id are read as the walks read list items (`TaveApi.findReadable`): one with a
 * property of the wrong type becomes a record carrying core's `unreadableRecordKey` note, which the hub rejects
 * alone, instead of failing the whole incremental read.
 */
import type { z } from 'zod';
import type { TaveQuery } from '../api/client.js';
import {
  type TaveContactItem,
  TaveContactSchema,
  TaveJobContactSchema,
  type TaveJobItem,
  TaveJobSchema,
} from '../api/schemas.js';
import type { ReadContext } from './context.js';
import { type JobContactRow, toJobContactRow } from './links.js';

/** The requests a walk of `totalItems` items costs at `pageSize` (unknown totals cost nothing here). */
export function pagesOf(totalItems: number | undefined, pageSize: number): number {
  return totalItems === undefined ? 0 : Math.max(1, Math.ceil(totalItems / pageSize));
}

/** What a walk of the changes found. */
export interface Changes<Item, Key> {
  /** The changed items, newest first; undefined when there were more than the walk was asked to keep. */
  readonly items: readonly Item[] | undefined;
  /** What `key` remembers of every changed item, newest first. */
  readonly keys: readonly Key[];
  /** The size of the whole collection (`meta.totalItems` of the first page), when the API says. */
  readonly totalItems: number | undefined;
}

/** Options of {@link collectChanges}. */
export interface CollectChangesOptions<Item, Key> {
  readonly path: string;
  readonly schema: z.ZodType<Item>;
  readonly query?: TaveQuery;
  /** Incremental: only items modified after this instant (epoch milliseconds). */
  readonly modifiedAfter: number;
  /** How many items to keep in memory; past that only the keys are kept. */
  readonly keep: number;
  /** What to remember of every item. */
  readonly key: (item: Item) => Key;
}

/** Walks a collection by `modified desc` down to the watermark, keeping the changed items (up to `keep`). */
export async function collectChanges<Item, Key>(
  context: ReadContext,
  options: CollectChangesOptions<Item, Key>,
): Promise<Changes<Item, Key>> {
  let items: Item[] | undefined = [];
  const keys: Key[] = [];
  let totalItems: number | undefined;
  let first = true;
  for await (const page of context.api.list({
    path: options.path,
    schema: options.schema,
    pageSize: context.settings.pageSize,
    query: { ...options.query, sortBy: 'modified desc' },
    modifiedAfter: options.modifiedAfter,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    if (first) totalItems = page.totalItems;
    first = false;
    for (const item of page.items) {
      keys.push(options.key(item));
      if (items !== undefined) {
        if (items.length < options.keep) items.push(item);
        else items = undefined;
      }
    }
  }
  return { items, keys, totalItems };
}

/**
 * Per-record lookups with a request budget. Each answer is cached, so a record asked for twice costs one
 * request. Callers ask {@link TaveLookups.affords} before a batch and fall back to full walks when it says no.
 */
export class TaveLookups {
  readonly #context: ReadContext;
  readonly #budget: number;
  #spent = 0;
  readonly #rowsOfContact = new Map<string, Promise<readonly JobContactRow[]>>();
  readonly #rowsOfJob = new Map<string, Promise<readonly JobContactRow[]>>();
  readonly #jobs = new Map<string, Promise<TaveJobItem | null>>();
  readonly #contacts = new Map<string, Promise<TaveContactItem | null>>();

  /** `budget`: how many requests the lookups may send in all. */
  constructor(context: ReadContext, budget: number) {
    this.#context = context;
    this.#budget = budget;
  }

  /** Requests sent so far. */
  get spent(): number {
    return this.#spent;
  }

  /** Whether looking up `ids` (those not asked before) of a kind keeps within the budget. */
  affords(kind: 'rowsOfContact' | 'rowsOfJob' | 'job' | 'contact', ids: Iterable<string>): boolean {
    const cache =
      kind === 'rowsOfContact'
        ? this.#rowsOfContact
        : kind === 'rowsOfJob'
          ? this.#rowsOfJob
          : kind === 'job'
            ? this.#jobs
            : this.#contacts;
    let needed = 0;
    for (const id of new Set(ids)) if (!cache.has(id)) needed += 1;
    return this.#spent + needed <= this.#budget;
  }

  /**
   * The visible job contacts of each contact.
   * Docs: GET /job-contact?contactId= (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
   */
  rowsOfContacts(ids: Iterable<string>): Promise<Map<string, readonly JobContactRow[]>> {
    return this.#many(ids, this.#rowsOfContact, (id) => this.#rows({ contactId: id }));
  }

  /**
   * The job contacts of each job, hidden ones included (they date the last change of the job's contacts).
   * Docs: GET /job-contact?jobId=&includeHidden=true (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
   */
  rowsOfJobs(ids: Iterable<string>): Promise<Map<string, readonly JobContactRow[]>> {
    return this.#many(ids, this.#rowsOfJob, (id) => this.#rows({ jobId: id, includeHidden: true }));
  }

  /**
   * Jobs by id (closed ones too); a job the API no longer has is left out; one with properties of the wrong type
   * is returned with them set aside (see `TaveApi.findReadable`).
   * Docs: GET /job/{id} (operation getResourceJob) https://workspace.vsco.co/api#tag/Jobs
   */
  async jobs(ids: Iterable<string>): Promise<Map<string, TaveJobItem>> {
    const found = await this.#many(ids, this.#jobs, (id) => {
      this.#spent += 1;
      return this.#context.api.findReadable(
        `job/${encodeURIComponent(id)}`,
        TaveJobSchema,
        'job/{id}',
        this.#context.signal,
      );
    });
    return present(found);
  }

  /**
   * Contacts by id, as the list returns them: without `notes` (only a single-contact GET carries them). A
   * contact the API no longer has is left out; hidden ones are returned with `hidden: true`; one with properties
   * of the wrong type is returned with them set aside (see `TaveApi.findReadable`).
   * Docs: GET /address-book/{id} (operation getResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
   */
  async contacts(ids: Iterable<string>): Promise<Map<string, TaveContactItem>> {
    const found = await this.#many(ids, this.#contacts, async (id) => {
      this.#spent += 1;
      const contact = await this.#context.api.findReadable(
        `address-book/${encodeURIComponent(id)}`,
        TaveContactSchema,
        'address-book/{id}',
        this.#context.signal,
      );
      if (contact === null) return null;
      const { notes: _notes, ...listed } = contact;
      return listed as TaveContactItem;
    });
    return present(found);
  }

  async #rows(filter: TaveQuery): Promise<JobContactRow[]> {
    const rows: JobContactRow[] = [];
    for await (const page of this.#context.api.list({
      path: 'job-contact',
      schema: TaveJobContactSchema,
      pageSize: this.#context.settings.pageSize,
      query: { ...filter, sortBy: 'id' },
      ...(this.#context.signal === undefined ? {} : { signal: this.#context.signal }),
    })) {
      this.#spent += 1;
      for (const jobContact of page.items) rows.push(toJobContactRow(jobContact));
    }
    return rows;
  }

  async #many<Value>(
    ids: Iterable<string>,
    cache: Map<string, Promise<Value>>,
    load: (id: string) => Promise<Value>,
  ): Promise<Map<string, Value>> {
    const unique = [...new Set(ids)];
    for (const id of unique) if (!cache.has(id)) cache.set(id, load(id));
    const values = await Promise.all(unique.map((id) => cache.get(id) as Promise<Value>));
    return new Map(unique.map((id, index) => [id, values[index] as Value]));
  }
}

function present<Value>(found: Map<string, Value | null>): Map<string, Value> {
  const result = new Map<string, Value>();
  for (const [id, value] of found) if (value !== null) result.set(id, value);
  return result;
}
