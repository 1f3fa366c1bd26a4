/** Cursor pagination: the CRM returns an opaque token for the next page (`next_cursor`, `starting_after`...). */
import { checkFunction, checkObject, invalid } from '../internal/validate.js';
import { checkPaginationOptions, type PaginatedPage, type PaginationOptions, paginate } from './paginate.js';

/** What the fetchPage callback of {@link cursorPagination} returns. */
export interface CursorPage<Item> {
  readonly items: readonly Item[];
  /** The CRM's token for the next page; null, undefined or '' when there is none (map `has_more: false` to null). */
  readonly nextCursor: string | null | undefined;
  /** Items in the whole result, when the CRM says. */
  readonly totalItems?: number;
}

/** Options of {@link cursorPagination}. */
export interface CursorPaginationOptions<Item> extends PaginationOptions {
  /** Fetches one page: `cursor` is null for the first page, else the CRM's token. */
  readonly fetchPage: (request: {
    readonly cursor: string | null;
    readonly signal: AbortSignal | undefined;
  }) => Promise<CursorPage<Item>>;
}

/**
 * Walks pages by the CRM's next-page token until it returns none. The walk's cursor is the CRM's token itself,
 * so resuming hands the saved token back to the CRM.
 */
export function cursorPagination<Item>(
  options: CursorPaginationOptions<Item>,
): AsyncIterable<PaginatedPage<Item>> {
  checkObject('options', options, false);
  if (options.fetchPage === undefined) invalid('fetchPage', 'a function', undefined);
  checkFunction('fetchPage', options.fetchPage);
  checkPaginationOptions(options);
  const { fetchPage } = options;
  // The state is wrapped: a bare null would read as "no next page" to paginate().
  return paginate<{ readonly token: string | null }, Item>({
    start: { token: null },
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    formatCursor: ({ token }) => token ?? '',
    parseCursor: (cursor) =>
      cursor === '' ? invalid('cursor', 'a non-empty string or null', cursor) : { token: cursor },
    fetchPage: async ({ token }, { signal }) => {
      const result = await fetchPage({ cursor: token, signal });
      const next = result.nextCursor;
      return {
        items: result.items,
        next: next === undefined || next === null || next === '' ? null : { token: next },
        ...(result.totalItems === undefined ? {} : { totalItems: result.totalItems }),
      };
    },
  });
}
