/**
 * The VSCO Workspace API v2 calls this provider makes, on the session's HTTP client (provider-kit's: rate
 * limited, retrying on 429/5xx with Retry-After, secrets kept out of errors). Every response is checked against
 * its zod schema (see `schemas.ts`); a response that does not fit is a ValidationError naming the path and the
 * failing property, never the values.
 *
 * Items of a collection are checked one by one. An item with a property of the wrong type does not fail its page
 * (and with it the whole import): {@link readableItem} sets the property aside under core's
 * `unreadableRecordKey` note — its value kept there, the reason and the property named — so the record built
 * from the item reaches the hub, whose mapping rejects it with that reason (it appears in the job's logs as
 * rejected). Only an item that cannot be made readable (not an object, no usable id, a required link id of the
 * wrong type) still fails the page.
 *
 * Vendor documentation: https://workspace.vsco.co/api (the OpenAPI document `VSCO Workspace API v2.0.0`).
 */
import {
  type ProviderHttpClient,
  type UnreadableRecordNote,
  unreadableRecordKey,
  ValidationError,
} from '@wedsync/crm-core';
import { type PaginatedPage, ProviderApiError, pageNumberPagination } from '@wedsync/crm-provider-kit';
import type { z } from 'zod';
import {
  readableFallbacks,
  TaveCollectionSchema,
  type TaveStudio,
  TaveStudioSchema,
  type TaveTimezone,
  TaveTimezoneSchema,
} from './schemas.js';

/** Where the vendor documents its API. */
export const taveDocumentationUrl = 'https://workspace.vsco.co/api';

/** Query parameters of a list request. */
export type TaveQuery = Readonly<Record<string, string | number | boolean | undefined>>;

/** One walk over a collection. */
export interface TaveListOptions<Item> {
  /** Path relative to the base URL, without a leading slash: `address-book`, `job-contact`. */
  readonly path: string;
  /** Schema of one item. */
  readonly schema: z.ZodType<Item>;
  readonly pageSize: number;
  /** Filters and sorting (`sortBy`, `includeClosed`). */
  readonly query?: TaveQuery;
  /** A page number (as text) to start at instead of page 1. */
  readonly cursor?: string | null;
  /**
   * Incremental walk: only items modified after this instant (milliseconds since the epoch). The query must sort
   * by `modified desc`; the walk stops at the first page that reaches an older item.
   */
  readonly modifiedAfter?: number;
  readonly signal?: AbortSignal;
}

function issuesOf(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: [prefix, ...issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))]
      .filter((part) => part !== '')
      .join('.')
      .replace(/\.\[/g, '['),
    message: issue.message,
  }));
}

/** Parses a response body, or throws a ValidationError naming the endpoint and the failing properties. */
export function parseResponse<Output>(
  schema: z.ZodType<Output>,
  body: unknown,
  path: string,
  where = '',
  method = 'GET',
): Output {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `VSCO Workspace answered ${method} /${path} with a body that does not match its documented schema`,
    { issues: issuesOf(parsed.error, where), context: { method, path: `/${path}` }, cause: parsed.error },
  );
}

/** The most properties {@link readableItem} sets aside in one item before giving up on it. */
const maxRepairs = 50;

/** What an item of a collection does not fit, from a failed parse. */
type Issues = readonly z.core.$ZodIssue[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` inside `root`, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || typeof key === 'symbol') return undefined;
    current = (current as Record<string, unknown>)[key as string];
  }
  return current;
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.every((key, index) => path[index] === key);
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/**
 * Adds one set-aside property to the note of `holder` (the object the property was taken from, `depth` levels
 * into the item); the issues' paths are given from `holder`.
 */
function noteSetAside(
  holder: Record<string, unknown>,
  key: string,
  value: unknown,
  issues: Issues,
  depth: number,
): void {
  const existing = holder[unreadableRecordKey] as UnreadableRecordNote | undefined;
  const properties = { ...(existing?.properties ?? {}) };
  // defineProperty keeps a key such as `__proto__` an own key.
  Object.defineProperty(properties, key, { value, enumerable: true, writable: true, configurable: true });
  const note: UnreadableRecordNote = {
    reason: 'VSCO Workspace sent this record with properties that do not match its documented schema',
    issues: [
      ...(existing?.issues ?? []),
      ...issues.map((issue) => ({
        path: pathText(issue.path.slice(depth - 1)),
        message: issue.message,
      })),
    ],
    properties,
  };
  holder[unreadableRecordKey] = note;
}

/**
 * Makes an item that does not fit `schema` readable, or returns undefined when it cannot. For each property that
 * does not fit, the nearest enclosing object property whose removal makes the rest fit is taken out (kept in that
 * object's `unreadableRecordKey` note with the reason); a required property (`kind` of a contact) takes the
 * schema's fallback from `readableFallbacks` instead. `id`s and other required properties without a fallback
 * cannot be repaired. Works on `item` itself (a freshly parsed response body).
 */
export function readableItem<Item>(schema: z.ZodType<Item>, item: unknown): Item | undefined {
  if (!isObject(item)) return undefined;
  const fallbacks = readableFallbacks.get(schema) ?? {};
  let parsed = schema.safeParse(item);
  let repairs = 0;
  for (; !parsed.success; repairs += 1) {
    if (repairs >= maxRepairs) return undefined;
    const issues = parsed.error.issues;
    const first = issues[0] as z.core.$ZodIssue;
    let repaired = false;
    for (let length = first.path.length; length >= 1 && !repaired; length -= 1) {
      const prefix = first.path.slice(0, length);
      const holder = valueAt(item, prefix.slice(0, -1));
      const key = prefix.at(-1);
      if (!isObject(holder) || typeof key !== 'string') continue;
      const fallback = length === 1 && Object.hasOwn(fallbacks, key) ? fallbacks[key] : undefined;
      // A missing property can only take a fallback; a present one is taken out (or takes the fallback).
      const present = Object.hasOwn(holder, key);
      if (!present && fallback === undefined) continue;
      const original = holder[key];
      const covered = issues.filter((issue) => startsWith(issue.path, prefix));
      if (fallback === undefined) delete holder[key];
      else holder[key] = fallback;
      const next = schema.safeParse(item);
      if (next.success || !next.error.issues.some((issue) => startsWith(issue.path, prefix))) {
        noteSetAside(holder, key, original, covered, length);
        parsed = next;
        repaired = true;
      } else if (present) {
        holder[key] = original;
      } else {
        delete holder[key];
      }
    }
    if (!repaired) return undefined;
  }
  // The notes were written into `item` after its last parse: parse it once more so the output holds them.
  return repairs > 0 ? schema.parse(item) : parsed.data;
}

function modifiedTime(item: unknown): number {
  const modified = (item as { modified?: unknown }).modified;
  return typeof modified === 'string' ? Date.parse(modified) : Number.NaN;
}

/** The calls a session makes, on its HTTP client. */
export class TaveApi {
  readonly #http: ProviderHttpClient;

  constructor(http: ProviderHttpClient) {
    this.#http = http;
  }

  /**
   * Walks a collection page by page (`page` from 1, `pageSize` 10–100, envelope `{ meta, type, items }`; the walk
   * ends after `meta.totalPages`). Each page's cursor is the next page number as text.
   * Docs: every `GET /{collection}` of https://workspace.vsco.co/api takes `page` and `pageSize`.
   */
  list<Item>(options: TaveListOptions<Item>): AsyncIterable<PaginatedPage<Item>> {
    const { path, schema, query, modifiedAfter } = options;
    return pageNumberPagination<Item>({
      pageSize: options.pageSize,
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      fetchPage: async ({ page, pageSize, signal }) => {
        const response = await this.#http.request({
          method: 'GET',
          path,
          searchParams: { ...query, page, pageSize },
          ...(signal === undefined ? {} : { signal }),
        });
        const collection = parseResponse(TaveCollectionSchema, response.body, path);
        const items = collection.items.map(
          (item, index) => readableItem(schema, item) ?? parseResponse(schema, item, path, `items[${index}]`),
        );
        const totalPages = collection.meta?.totalPages;
        if (modifiedAfter === undefined) {
          return {
            items,
            ...(totalPages === undefined ? {} : { totalPages }),
            ...(collection.meta?.totalItems === undefined ? {} : { totalItems: collection.meta.totalItems }),
          };
        }
        // Sorted newest first: keep what changed after the watermark; an older item ends the walk here.
        // `totalItems` stays the whole collection's size (what a full walk would cost), not the changes'.
        const fresh = items.filter((item) => !(modifiedTime(item) <= modifiedAfter));
        const reached = fresh.length < items.length;
        return {
          items: fresh,
          ...(reached ? { totalPages: page } : totalPages === undefined ? {} : { totalPages }),
          ...(collection.meta?.totalItems === undefined ? {} : { totalItems: collection.meta.totalItems }),
        };
      },
    });
  }

  /** Every item of a (small, reference) collection, deduplicated by id. */
  async all<Item extends { readonly id: string }>(
    options: Omit<TaveListOptions<Item>, 'cursor' | 'modifiedAfter'>,
  ): Promise<Map<string, Item>> {
    const items = new Map<string, Item>();
    for await (const page of this.list(options)) {
      for (const item of page.items) items.set(item.id, item);
    }
    return items;
  }

  /**
   * Sends a create (`POST`) or an update (`PUT`) and returns the record the API answers with. A POST is not
   * idempotent: the HTTP client never re-sends it when the CRM may have applied it (ProviderApiError with
   * `outcome: 'unknown'`). `template` names the path in errors without ids (`address-book/{id}`).
   */
  async send<Output>(
    method: 'POST' | 'PUT',
    path: string,
    json: unknown,
    schema: z.ZodType<Output>,
    template: string,
    signal: AbortSignal | undefined,
  ): Promise<Output> {
    const response = await this.#http.request({ method, path, json, ...(signal ? { signal } : {}) });
    return parseResponse(schema, response.body, template, '', method);
  }

  /** One record by path (`address-book/{id}`), checked against its schema. */
  async get<Output>(
    path: string,
    schema: z.ZodType<Output>,
    template: string,
    signal: AbortSignal | undefined,
  ): Promise<Output> {
    const response = await this.#http.request({ method: 'GET', path, ...(signal ? { signal } : {}) });
    return parseResponse(schema, response.body, template);
  }

  /**
   * One record by path (`job/{id}`), or null when the API answers 404 (the record is gone). Every other failure
   * is thrown as the HTTP client reports it.
   */
  async find<Output>(
    path: string,
    schema: z.ZodType<Output>,
    template: string,
    signal: AbortSignal | undefined,
  ): Promise<Output | null> {
    try {
      return await this.get(path, schema, template, signal);
    } catch (error) {
      if (ProviderApiError.isInstance(error) && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * One record by path (`address-book/{id}`), or null when the API answers 404 (the record is gone), read the
   * way {@link list} reads items: a record with properties of the wrong type is made readable by
   * {@link readableItem} (those properties set aside under core's `unreadableRecordKey` note, so the hub rejects
   * that one record with the reason) instead of failing the call. A body that cannot be made readable (not an
   * object, no usable id) is a ValidationError, as with {@link get}. For reads only: writes keep the strict
   * {@link get}, since they send back what they read.
   */
  async findReadable<Output>(
    path: string,
    schema: z.ZodType<Output>,
    template: string,
    signal: AbortSignal | undefined,
  ): Promise<Output | null> {
    let body: unknown;
    try {
      body = (await this.#http.request({ method: 'GET', path, ...(signal ? { signal } : {}) })).body;
    } catch (error) {
      if (ProviderApiError.isInstance(error) && error.status === 404) return null;
      throw error;
    }
    return readableItem(schema, body) ?? parseResponse(schema, body, template);
  }

  /** The studio: name, currency, date format, time zone. */
  async studio(signal: AbortSignal | undefined): Promise<TaveStudio> {
    // Docs: GET /studio/me (operation getResourceMyStudio) https://workspace.vsco.co/api#tag/Studio
    const response = await this.#http.request({
      method: 'GET',
      path: 'studio/me',
      ...(signal ? { signal } : {}),
    });
    return parseResponse(TaveStudioSchema, response.body, 'studio/me');
  }

  /** One time zone: its IANA name and country. */
  async timezone(id: string, signal: AbortSignal | undefined): Promise<TaveTimezone> {
    // Docs: GET /timezone/{id} (operation getResourceTimezone) https://workspace.vsco.co/api#tag/Timezones
    const path = `timezone/${encodeURIComponent(id)}`;
    const response = await this.#http.request({ method: 'GET', path, ...(signal ? { signal } : {}) });
    return parseResponse(TaveTimezoneSchema, response.body, 'timezone/{id}');
  }
}
