/**
 * Pagination as async iterables of pages. Every page carries the cursor that resumes the walk right after it
 * (a string, so a job can checkpoint it), which is what `ProviderPage.cursor` needs. The walk checks its
 * AbortSignal before each page and stops with an error if the CRM hands back the cursor it was just given.
 */
import { CrmError } from '@wedsync/crm-core';
import { checkFunction, checkInteger, checkObject, checkSignal, invalid } from '../internal/validate.js';

/** One page of a walk. */
export interface PaginatedPage<Item> {
  readonly items: readonly Item[];
  /** Resumes the walk right after this page; null when this was the last page. */
  readonly cursor: string | null;
  /** Total items the CRM reports for the whole walk, when it says. */
  readonly totalItems?: number;
}

/** What a fetchPage callback returns: the items, the state of the next page (null at the end), the total. */
export interface FetchedPage<State, Item> {
  readonly items: readonly Item[];
  readonly next: State | null;
  readonly totalItems?: number;
}

/** Shared options of every paginator. */
export interface PaginationOptions {
  /** A cursor from an earlier page: the walk starts at the page after it. null or absent: from the first page. */
  readonly cursor?: string | null;
  /** Checked before each page, and handed to fetchPage. */
  readonly signal?: AbortSignal;
  /** Stop with an error after this many pages (a guard against a CRM that never ends). @default Infinity */
  readonly maxPages?: number;
}

/** Options of {@link paginate}. */
export interface PaginateOptions<State, Item> extends PaginationOptions {
  /** State of the first page, used when no `cursor` is given. */
  readonly start: State;
  /** Fetches the page that `state` designates. */
  readonly fetchPage: (
    state: State,
    context: { readonly signal: AbortSignal | undefined },
  ) => Promise<FetchedPage<State, Item>>;
  /** Serializes a page's state into a cursor. */
  readonly formatCursor: (state: State) => string;
  /** Reads a cursor back into a page's state; throws InvalidArgumentError when it cannot. */
  readonly parseCursor: (cursor: string) => State;
}

/**
 * The generic paginator: walks from `start` (or the state in `cursor`) through `fetchPage` until it returns
 * `next: null`. Each iteration of the returned iterable starts a new walk.
 */
export function paginate<State, Item>(
  options: PaginateOptions<State, Item>,
): AsyncIterable<PaginatedPage<Item>> {
  checkObject('options', options, false);
  checkFunction('fetchPage', options.fetchPage);
  if (options.fetchPage === undefined) invalid('fetchPage', 'a function', undefined);
  checkFunction('formatCursor', options.formatCursor);
  if (options.formatCursor === undefined) invalid('formatCursor', 'a function', undefined);
  checkFunction('parseCursor', options.parseCursor);
  if (options.parseCursor === undefined) invalid('parseCursor', 'a function', undefined);
  checkPaginationOptions(options);
  const { fetchPage, formatCursor, parseCursor, signal } = options;
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  // Parsed now, so that a bad cursor fails when the walk is set up rather than at its first page.
  const first: State =
    options.cursor === undefined || options.cursor === null ? options.start : parseCursor(options.cursor);

  return {
    async *[Symbol.asyncIterator]() {
      let state: State | null = first;
      let cursor = options.cursor ?? null;
      let pages = 0;
      while (state !== null) {
        signal?.throwIfAborted();
        if (pages >= maxPages) {
          throw new CrmError('provider_api_failed', `Pagination stopped after ${maxPages} pages (maxPages)`, {
            context: { pages },
          });
        }
        const page = await fetchPage(state, { signal });
        pages += 1;
        const nextCursor = page.next === null ? null : formatCursor(page.next);
        if (nextCursor !== null && nextCursor === cursor) {
          throw new CrmError(
            'provider_api_failed',
            `Pagination stopped: the CRM returned the same next page twice in a row (after page ${pages} of this walk)`,
            { context: { pages } },
          );
        }
        yield {
          items: page.items,
          cursor: nextCursor,
          ...(page.totalItems === undefined ? {} : { totalItems: page.totalItems }),
        };
        state = page.next;
        cursor = nextCursor;
      }
    },
  };
}

/** Checks the options every paginator shares. */
export function checkPaginationOptions(options: PaginationOptions): void {
  if (options.cursor !== undefined && options.cursor !== null && typeof options.cursor !== 'string') {
    invalid('cursor', 'a string or null', options.cursor);
  }
  checkSignal('signal', options.signal);
  if (options.maxPages !== Number.POSITIVE_INFINITY) checkInteger('maxPages', options.maxPages, 1);
}
