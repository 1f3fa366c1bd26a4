/** Page-number pagination (`page` and `pageSize`), as used by Tave (`meta.totalPages`) and Laravel-style APIs. */
import { checkFunction, checkInteger, checkObject, invalid } from '../internal/validate.js';
import { checkPaginationOptions, type PaginatedPage, type PaginationOptions, paginate } from './paginate.js';

/** What the fetchPage callback of {@link pageNumberPagination} returns. */
export interface NumberedPage<Item> {
  readonly items: readonly Item[];
  /** Pages in the whole result, when the CRM says (e.g. Tave `meta.totalPages`, Laravel `meta.last_page`). */
  readonly totalPages?: number;
  /** Items in the whole result, when the CRM says; used to find the last page when totalPages is absent. */
  readonly totalItems?: number;
}

/** Options of {@link pageNumberPagination}. */
export interface PageNumberPaginationOptions<Item> extends PaginationOptions {
  /** Items per page; also how a short page is recognized as the last one. */
  readonly pageSize: number;
  /** Number of the first page. @default 1 */
  readonly firstPage?: number;
  /** Fetches one page. */
  readonly fetchPage: (request: {
    readonly page: number;
    readonly pageSize: number;
    readonly signal: AbortSignal | undefined;
  }) => Promise<NumberedPage<Item>>;
}

/**
 * Walks pages `firstPage`, `firstPage + 1`, ... The walk ends after the page numbered
 * `firstPage + totalPages - 1` when totalPages is known, else when `totalItems` says every item was seen, else
 * at the first page shorter than `pageSize`; an empty page always ends it. The cursor is the next page number as
 * a decimal string (e.g. "3").
 */
export function pageNumberPagination<Item>(
  options: PageNumberPaginationOptions<Item>,
): AsyncIterable<PaginatedPage<Item>> {
  checkObject('options', options, false);
  checkInteger('pageSize', options.pageSize, 1, true);
  checkInteger('firstPage', options.firstPage, 0);
  if (options.fetchPage === undefined) invalid('fetchPage', 'a function', undefined);
  checkFunction('fetchPage', options.fetchPage);
  checkPaginationOptions(options);
  const { pageSize, fetchPage } = options;
  const firstPage = options.firstPage ?? 1;

  return paginate<number, Item>({
    start: firstPage,
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    formatCursor: (page) => String(page),
    parseCursor: (cursor) => {
      const page = /^\d+$/.test(cursor) ? Number(cursor) : Number.NaN;
      if (!Number.isSafeInteger(page) || page < firstPage) {
        invalid('cursor', `a page number >= ${firstPage}`, cursor);
      }
      return page;
    },
    fetchPage: async (page, { signal }) => {
      const result = await fetchPage({ page, pageSize, signal });
      const seen = page - firstPage + 1;
      let last: boolean;
      if (result.items.length === 0) last = true;
      else if (result.totalPages !== undefined) last = seen >= result.totalPages;
      else if (result.totalItems !== undefined) last = seen * pageSize >= result.totalItems;
      else last = result.items.length < pageSize;
      return {
        items: result.items,
        next: last ? null : page + 1,
        ...(result.totalItems === undefined ? {} : { totalItems: result.totalItems }),
      };
    },
  });
}
