/**
 * The VSCO Workspace API v2 calls this provider makes, on the session's HTTP client (provider-kit's: rate
 * limited, retrying on 429/5xx with Retry-After, secrets kept out of errors). Every response is checked against
 * its zod schema (see `schemas.ts`); a response that does not fit is a ValidationError naming the path and the
 * failing property, never the values.
 *
 * Vendor documentation: https://workspace.vsco.co/api (the OpenAPI document `VSCO Workspace API v2.0.0`).
 */
import { type ProviderHttpClient, ValidationError } from '@wedsync/crm-core';
import { type PaginatedPage, ProviderApiError, pageNumberPagination } from '@wedsync/crm-provider-kit';
import type { z } from 'zod';
import {
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
        const items = collection.items.map((item, index) =>
          parseResponse(schema, item, path, `items[${index}]`),
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
