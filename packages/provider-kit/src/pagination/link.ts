/**
 * Link-header pagination (RFC 8288): each response names the next page in `Link: <url>; rel="next"`, as GitHub
 * and many REST APIs do.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import { checkFunction, checkObject, invalid } from '../internal/validate.js';
import { checkPaginationOptions, type PaginatedPage, type PaginationOptions, paginate } from './paginate.js';

/** One link of a Link header. */
export interface LinkValue {
  /** The target as written (possibly relative). */
  readonly url: string;
  /** Relation types, lower case (`rel="next last"` gives ['next', 'last']). */
  readonly rel: readonly string[];
  /** Every parameter, names lower case; the first occurrence of a name wins (RFC 8288 §3). */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * Parses a Link header value into its links. Tolerant: a malformed link is skipped, never thrown on, since the
 * header comes from a third party.
 */
export function parseLinkHeader(header: string | null | undefined): LinkValue[] {
  if (typeof header !== 'string') return [];
  const links: LinkValue[] = [];
  let position = 0;
  const length = header.length;
  const skipWhitespace = (): void => {
    while (position < length && /\s/.test(header[position]!)) position += 1;
  };
  const skipToNextLink = (): void => {
    let quoted = false;
    while (position < length) {
      const character = header[position]!;
      if (character === '\\' && quoted) position += 1;
      else if (character === '"') quoted = !quoted;
      else if (character === ',' && !quoted) return;
      position += 1;
    }
  };
  while (position < length) {
    skipWhitespace();
    if (header[position] === ',') {
      position += 1;
      continue;
    }
    if (position >= length) break;
    if (header[position] !== '<') {
      skipToNextLink();
      continue;
    }
    const end = header.indexOf('>', position);
    if (end === -1) break;
    const url = header.slice(position + 1, end).trim();
    position = end + 1;
    const parameters: Record<string, string> = {};
    for (;;) {
      skipWhitespace();
      if (header[position] !== ';') break;
      position += 1;
      skipWhitespace();
      const nameStart = position;
      while (position < length && !/[\s=;,]/.test(header[position]!)) position += 1;
      const name = header.slice(nameStart, position).toLowerCase();
      skipWhitespace();
      let value = '';
      if (header[position] === '=') {
        position += 1;
        skipWhitespace();
        if (header[position] === '"') {
          position += 1;
          while (position < length && header[position] !== '"') {
            if (header[position] === '\\') position += 1;
            value += header[position] ?? '';
            position += 1;
          }
          position += 1;
        } else {
          const valueStart = position;
          while (position < length && !/[\s;,]/.test(header[position]!)) position += 1;
          value = header.slice(valueStart, position);
        }
      }
      if (name !== '' && !(name in parameters)) parameters[name] = value;
    }
    skipToNextLink();
    links.push({
      url,
      rel: (parameters['rel'] ?? '').toLowerCase().split(/\s+/).filter(Boolean),
      parameters,
    });
  }
  return links;
}

/** The target of the first link whose relation types include `rel` (case-insensitive), or null. */
export function findLink(header: string | null | undefined, rel: string): string | null {
  const wanted = rel.toLowerCase();
  return parseLinkHeader(header).find((link) => link.rel.includes(wanted))?.url ?? null;
}

/** What the fetchPage callback of {@link linkPagination} returns. */
export interface LinkPage<Item> {
  readonly items: readonly Item[];
  /** The response's Link header (`response.headers.link`); absent or without a next link on the last page. */
  readonly link: string | null | undefined;
  /** Items in the whole result, when the CRM says. */
  readonly totalItems?: number;
}

/** Options of {@link linkPagination}. */
export interface LinkPaginationOptions<Item> extends PaginationOptions {
  /** The first page: a path for the HTTP client (relative to its baseUrl) or an absolute URL. */
  readonly firstUrl: string;
  /** Fetches the page at `url` (pass it to `http.request({ method: 'GET', path: url })`). */
  readonly fetchPage: (request: {
    readonly url: string;
    readonly signal: AbortSignal | undefined;
  }) => Promise<LinkPage<Item>>;
  /**
   * The absolute URL relative page URLs are resolved against: relative links resolve against the current page's
   * URL, which is only possible when that URL is absolute or this is set. Use the HTTP client's baseUrl.
   */
  readonly baseUrl?: string;
  /** The relation that names the next page. @default 'next' */
  readonly rel?: string;
}

/**
 * Walks pages by following the Link header's `rel="next"` until a response has none. The walk's cursor is the
 * next page's URL (absolute when it could be resolved); resuming fetches that URL.
 */
export function linkPagination<Item>(
  options: LinkPaginationOptions<Item>,
): AsyncIterable<PaginatedPage<Item>> {
  checkObject('options', options, false);
  if (typeof options.firstUrl !== 'string' || options.firstUrl === '') {
    invalid('firstUrl', 'a non-empty string', options.firstUrl);
  }
  if (options.fetchPage === undefined) invalid('fetchPage', 'a function', undefined);
  checkFunction('fetchPage', options.fetchPage);
  if (options.baseUrl !== undefined && !isAbsoluteUrl(options.baseUrl)) {
    invalid('baseUrl', 'an absolute URL', options.baseUrl);
  }
  if (options.rel !== undefined && (typeof options.rel !== 'string' || options.rel === '')) {
    invalid('rel', 'a non-empty string', options.rel);
  }
  checkPaginationOptions(options);
  const { fetchPage, baseUrl } = options;
  const rel = options.rel ?? 'next';

  return paginate<string, Item>({
    start: options.firstUrl,
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    formatCursor: (url) => url,
    parseCursor: (cursor) => (cursor === '' ? invalid('cursor', 'a non-empty URL or null', cursor) : cursor),
    fetchPage: async (url, { signal }) => {
      const result = await fetchPage({ url, signal });
      const next = findLink(result.link, rel);
      return {
        items: result.items,
        next: next === null ? null : resolveLink(next, url, baseUrl),
        ...(result.totalItems === undefined ? {} : { totalItems: result.totalItems }),
      };
    },
  });
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a link target against the page it came from (RFC 8288 §3.2: relative to the request URL). */
function resolveLink(target: string, pageUrl: string, baseUrl: string | undefined): string {
  if (isAbsoluteUrl(target)) return target;
  if (isAbsoluteUrl(pageUrl)) return new URL(target, pageUrl).href;
  if (baseUrl !== undefined) {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    return new URL(target, new URL(pageUrl, base)).href;
  }
  throw new InvalidArgumentError(
    'Expected `baseUrl` to be set: the Link header holds a relative URL and the page URL is relative too',
    { context: { option: 'baseUrl' } },
  );
}
