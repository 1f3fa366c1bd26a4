import { CrmError, InvalidArgumentError } from '@wedsync/crm-core';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderHttp } from '../src/http/client.js';
import { cursorPagination } from '../src/pagination/cursor.js';
import { findLink, linkPagination, parseLinkHeader } from '../src/pagination/link.js';
import { pageNumberPagination } from '../src/pagination/page-number.js';
import { type PaginatedPage, paginate } from '../src/pagination/paginate.js';

async function collect<Item>(pages: AsyncIterable<PaginatedPage<Item>>): Promise<PaginatedPage<Item>[]> {
  const result: PaginatedPage<Item>[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

/** A fake Tave-like endpoint: 23 items, `meta.totalPages`. */
function taveLike(total = 23) {
  const calls: number[] = [];
  const items = Array.from({ length: total }, (_, index) => ({ id: index + 1 }));
  const fetchPage = async ({ page, pageSize }: { page: number; pageSize: number }) => {
    calls.push(page);
    return {
      items: items.slice((page - 1) * pageSize, page * pageSize),
      totalPages: Math.ceil(total / pageSize),
      totalItems: total,
    };
  };
  return { calls, fetchPage };
}

describe('pageNumberPagination', () => {
  it('walks pages until totalPages, with a resumable cursor on each page', async () => {
    const { calls, fetchPage } = taveLike();
    const pages = await collect(pageNumberPagination({ pageSize: 10, fetchPage }));
    expect(calls).toEqual([1, 2, 3]);
    expect(pages.map((page) => [page.items.length, page.cursor, page.totalItems])).toEqual([
      [10, '2', 23],
      [10, '3', 23],
      [3, null, 23],
    ]);
  });

  it('resumes after a page from its cursor', async () => {
    const { calls, fetchPage } = taveLike();
    const pages = await collect(pageNumberPagination({ pageSize: 10, fetchPage, cursor: '3' }));
    expect(calls).toEqual([3]);
    expect(pages[0]!.items.map((item) => item.id)).toEqual([21, 22, 23]);
    expect(pages[0]!.cursor).toBeNull();
  });

  it('starts a new walk on each iteration', async () => {
    const { calls, fetchPage } = taveLike(5);
    const pages = pageNumberPagination({ pageSize: 10, fetchPage });
    await collect(pages);
    await collect(pages);
    expect(calls).toEqual([1, 1]);
  });

  it('without totals, stops at the first short page; an exactly full last page costs one empty fetch', async () => {
    const items = Array.from({ length: 20 }, (_, index) => index);
    const calls: number[] = [];
    const pages = await collect(
      pageNumberPagination({
        pageSize: 10,
        fetchPage: async ({ page, pageSize }) => {
          calls.push(page);
          return { items: items.slice((page - 1) * pageSize, page * pageSize) };
        },
      }),
    );
    expect(calls).toEqual([1, 2, 3]);
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 0]);
    expect(pages.at(-1)!.cursor).toBeNull();
  });

  it('uses totalItems when totalPages is absent, and supports firstPage 0', async () => {
    const calls: number[] = [];
    const pages = await collect(
      pageNumberPagination({
        pageSize: 2,
        firstPage: 0,
        fetchPage: async ({ page }) => {
          calls.push(page);
          return { items: ['a', 'b'], totalItems: 4 };
        },
      }),
    );
    expect(calls).toEqual([0, 1]);
    expect(pages.map((page) => page.cursor)).toEqual(['1', null]);
  });

  it('stops at an empty page even when the CRM claims more pages', async () => {
    const pages = await collect(
      pageNumberPagination({ pageSize: 10, fetchPage: async () => ({ items: [], totalPages: 9 }) }),
    );
    expect(pages).toHaveLength(1);
    expect(pages[0]!.cursor).toBeNull();
  });

  it('refuses a cursor that is not a page number, up front', () => {
    const { fetchPage } = taveLike();
    for (const cursor of ['abc', '-1', '0', '2.5', '']) {
      expect(() => pageNumberPagination({ pageSize: 10, fetchPage, cursor })).toThrow(InvalidArgumentError);
    }
    expect(() => pageNumberPagination({ pageSize: 10, fetchPage, cursor: 'abc' })).toThrow(
      'Expected `cursor` to be a page number >= 1, got `abc` (string)',
    );
    expect(() => pageNumberPagination({ pageSize: 0, fetchPage })).toThrow(
      'Expected `pageSize` to be an integer >= 1, got `0` (number)',
    );
    expect(() => pageNumberPagination({ fetchPage } as never)).toThrow(
      'Expected `pageSize` to be an integer >= 1',
    );
    expect(() => pageNumberPagination({ pageSize: 1 } as never)).toThrow(
      'Expected `fetchPage` to be a function',
    );
    expect(() => pageNumberPagination({ pageSize: 1, fetchPage, maxPages: 0 })).toThrow(
      'Expected `maxPages` to be an integer >= 1, got `0` (number)',
    );
    expect(() => pageNumberPagination({ pageSize: 1, fetchPage, signal: 'x' as never })).toThrow(
      'Expected `signal` to be an AbortSignal',
    );
    expect(() => pageNumberPagination({ pageSize: 1, fetchPage, cursor: 5 as never })).toThrow(
      'Expected `cursor` to be a string or null, got `5` (number)',
    );
  });

  it('stops between pages when the signal aborts, and hands the signal to fetchPage', async () => {
    const controller = new AbortController();
    const { calls, fetchPage } = taveLike();
    const seen: (AbortSignal | undefined)[] = [];
    const pages: PaginatedPage<{ id: number }>[] = [];
    const walk = async () => {
      for await (const page of pageNumberPagination({
        pageSize: 10,
        signal: controller.signal,
        fetchPage: (request) => {
          seen.push(request.signal);
          return fetchPage(request);
        },
      })) {
        pages.push(page);
        controller.abort(new Error('job cancelled'));
      }
    };
    await expect(walk()).rejects.toThrow('job cancelled');
    expect(calls).toEqual([1]);
    expect(pages).toHaveLength(1);
    expect(seen[0]).toBe(controller.signal);
  });

  it('stops with an error after maxPages', async () => {
    const walk = pageNumberPagination({ pageSize: 1, maxPages: 3, fetchPage: async () => ({ items: [1] }) });
    await expect(collect(walk)).rejects.toThrow('Pagination stopped after 3 pages (maxPages)');
  });
});

describe('cursorPagination', () => {
  const data: Record<string, { items: string[]; next: string | null }> = {
    start: { items: ['a', 'b'], next: 'c2' },
    c2: { items: ['c', 'd'], next: 'c3' },
    c3: { items: ['e'], next: null },
  };
  const fetchPage = async ({ cursor }: { cursor: string | null }) => {
    const page = data[cursor ?? 'start']!;
    return { items: page.items, nextCursor: page.next };
  };

  it("walks by the CRM's token and exposes it as the cursor", async () => {
    const pages = await collect(cursorPagination({ fetchPage }));
    expect(pages.map((page) => [page.items.join(''), page.cursor])).toEqual([
      ['ab', 'c2'],
      ['cd', 'c3'],
      ['e', null],
    ]);
  });

  it('resumes from a saved token', async () => {
    const pages = await collect(cursorPagination({ fetchPage, cursor: 'c3' }));
    expect(pages.map((page) => page.items.join(''))).toEqual(['e']);
  });

  it("treats '' and undefined as the end, passes totals through", async () => {
    const pages = await collect(
      cursorPagination({ fetchPage: async () => ({ items: [1], nextCursor: '', totalItems: 1 }) }),
    );
    expect(pages).toEqual([{ items: [1], cursor: null, totalItems: 1 }]);
    const undefinedEnd = await collect(
      cursorPagination({ fetchPage: async () => ({ items: [1], nextCursor: undefined }) }),
    );
    expect(undefinedEnd).toHaveLength(1);
    expect(() => cursorPagination({} as never)).toThrow('Expected `fetchPage` to be a function');
    expect(() => cursorPagination({ fetchPage, cursor: '' })).toThrow(
      'Expected `cursor` to be a non-empty string or null',
    );
  });

  it('stops when the CRM hands back the token it was given', async () => {
    const walk = cursorPagination({ fetchPage: async () => ({ items: [1], nextCursor: 'same' }) });
    const error = await collect(walk).catch((caught: unknown) => caught);
    expect(CrmError.isInstance(error)).toBe(true);
    expect((error as CrmError).code).toBe('provider_api_failed');
    expect((error as Error).message).toContain('the CRM returned the same next page twice in a row');
  });
});

describe('parseLinkHeader / findLink', () => {
  it('parses RFC 8288 links with several relations, quoted commas and parameters', () => {
    const header =
      '<https://api.example.com/items?page=2&per_page=50>; rel="next", ' +
      '<https://api.example.com/items?page=9>; rel="last end"; title="a, b; c", ' +
      '</items?page=1>;rel=first;type=text/html, garbage, <https://x.example/\\>; rel="prev"';
    const links = parseLinkHeader(header);
    expect(links).toEqual([
      {
        url: 'https://api.example.com/items?page=2&per_page=50',
        rel: ['next'],
        parameters: { rel: 'next' },
      },
      {
        url: 'https://api.example.com/items?page=9',
        rel: ['last', 'end'],
        parameters: { rel: 'last end', title: 'a, b; c' },
      },
      { url: '/items?page=1', rel: ['first'], parameters: { rel: 'first', type: 'text/html' } },
      { url: 'https://x.example/\\', rel: ['prev'], parameters: { rel: 'prev' } },
    ]);
    expect(findLink(header, 'NEXT')).toBe('https://api.example.com/items?page=2&per_page=50');
    expect(findLink(header, 'end')).toBe('https://api.example.com/items?page=9');
    expect(findLink(header, 'previous')).toBeNull();
    expect(findLink(undefined, 'next')).toBeNull();
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader('junk="a, \\"b", <ok>; rel=next')).toEqual([
      { url: 'ok', rel: ['next'], parameters: { rel: 'next' } },
    ]);
    expect(parseLinkHeader('<a>; rel="next" junk, <b>; rel=prev')).toEqual([
      { url: 'a', rel: ['next'], parameters: { rel: 'next' } },
      { url: 'b', rel: ['prev'], parameters: { rel: 'prev' } },
    ]);
    expect(parseLinkHeader(null)).toEqual([]);
    expect(parseLinkHeader('<unterminated')).toEqual([]);
    expect(parseLinkHeader('<a>; rel="next"; rel="prev"; title="x\\"y"; flag')).toEqual([
      { url: 'a', rel: ['next'], parameters: { rel: 'next', title: 'x"y', flag: '' } },
    ]);
  });
});

describe('linkPagination', () => {
  const origin = 'https://crm.example';
  const link = (next: string | null) => (next === null ? null : `<${next}>; rel="next"`);

  it('follows absolute next links and resumes from the saved URL', async () => {
    const pagesByUrl: Record<string, { items: number[]; next: string | null }> = {
      'items?per_page=2': { items: [1, 2], next: `${origin}/api/items?page=2` },
      [`${origin}/api/items?page=2`]: { items: [3, 4], next: `${origin}/api/items?page=3` },
      [`${origin}/api/items?page=3`]: { items: [5], next: null },
    };
    const fetchPage = async ({ url }: { url: string }) => {
      const page = pagesByUrl[url]!;
      return { items: page.items, link: link(page.next) };
    };
    const pages = await collect(linkPagination({ firstUrl: 'items?per_page=2', fetchPage }));
    expect(pages.map((page) => [page.items, page.cursor])).toEqual([
      [[1, 2], `${origin}/api/items?page=2`],
      [[3, 4], `${origin}/api/items?page=3`],
      [[5], null],
    ]);
    const resumed = await collect(
      linkPagination({ firstUrl: 'items?per_page=2', fetchPage, cursor: `${origin}/api/items?page=3` }),
    );
    expect(resumed.map((page) => page.items)).toEqual([[5]]);
  });

  it('resolves relative links against the page URL, or baseUrl when the page URL is relative', async () => {
    const urls: string[] = [];
    const fetchPage = async ({ url }: { url: string }) => {
      urls.push(url);
      return {
        items: [url],
        link: urls.length < 3 ? `</api/items?page=${urls.length + 1}>; rel="next"` : null,
      };
    };
    await collect(linkPagination({ firstUrl: 'items', baseUrl: `${origin}/api`, fetchPage }));
    expect(urls).toEqual(['items', `${origin}/api/items?page=2`, `${origin}/api/items?page=3`]);
    urls.length = 0;
    await expect(collect(linkPagination({ firstUrl: 'items', fetchPage }))).rejects.toThrow(
      'Expected `baseUrl` to be set',
    );
  });

  it('validates its options', () => {
    const fetchPage = async () => ({ items: [], link: null });
    expect(() => linkPagination({ firstUrl: '', fetchPage })).toThrow(
      'Expected `firstUrl` to be a non-empty string',
    );
    expect(() => linkPagination({ firstUrl: 'a', fetchPage, baseUrl: 'nope' })).toThrow(
      'Expected `baseUrl` to be an absolute URL, got `nope` (string)',
    );
    expect(() => linkPagination({ firstUrl: 'a', fetchPage, rel: '' })).toThrow(
      'Expected `rel` to be a non-empty string',
    );
    expect(() => linkPagination({ firstUrl: 'a' } as never)).toThrow('Expected `fetchPage` to be a function');
  });

  describe('with the HTTP client', () => {
    beforeAll(() => {
      nock.disableNetConnect();
    });
    afterAll(() => {
      nock.cleanAll();
      nock.enableNetConnect();
      nock.restore();
    });

    it('walks a GitHub-style API through http.request, and refuses a next link to another origin', async () => {
      nock(origin)
        .get('/api/items')
        .query({ per_page: '2' })
        .reply(200, [{ id: 1 }, { id: 2 }], { Link: `<${origin}/api/items?page=2&per_page=2>; rel="next"` })
        .get('/api/items')
        .query({ page: '2', per_page: '2' })
        .reply(200, [{ id: 3 }], { Link: '<https://evil.example/api/items?page=3>; rel="next"' });
      const http = createProviderHttp({
        baseUrl: `${origin}/api`,
        headers: { Authorization: 'Bearer secret-token-1234' },
        rateLimits: { requestsPerMinute: 60, requestsPerHour: 1000 },
      });
      const seen: unknown[] = [];
      const walk = async () => {
        for await (const page of linkPagination({
          firstUrl: 'items?per_page=2',
          fetchPage: async ({ url, signal }) => {
            const response = await http.request<{ id: number }[]>({
              method: 'GET',
              path: url,
              ...(signal === undefined ? {} : { signal }),
            });
            return { items: response.body, link: response.headers['link'] };
          },
        })) {
          seen.push(...page.items);
        }
      };
      await expect(walk()).rejects.toThrow(InvalidArgumentError);
      expect(seen).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    });
  });
});

describe('paginate', () => {
  it('validates its callbacks and parses the cursor up front', () => {
    const base = {
      start: 0,
      fetchPage: async () => ({ items: [], next: null }),
      formatCursor: String,
      parseCursor: Number,
    };
    expect(() => paginate({ ...base, formatCursor: undefined as never })).toThrow(
      'Expected `formatCursor` to be a function',
    );
    expect(() => paginate({ ...base, parseCursor: undefined as never })).toThrow(
      'Expected `parseCursor` to be a function',
    );
    expect(() => paginate({ ...base, fetchPage: undefined as never })).toThrow(
      'Expected `fetchPage` to be a function',
    );
    expect(() =>
      paginate({
        ...base,
        cursor: 'x',
        parseCursor: () => {
          throw new InvalidArgumentError('bad cursor');
        },
      }),
    ).toThrow('bad cursor');
  });

  it('walks any state shape, e.g. an offset', async () => {
    const items = Array.from({ length: 5 }, (_, index) => index);
    const pages = await collect(
      paginate<{ offset: number }, number>({
        start: { offset: 0 },
        fetchPage: async ({ offset }) => ({
          items: items.slice(offset, offset + 2),
          next: offset + 2 < items.length ? { offset: offset + 2 } : null,
          totalItems: items.length,
        }),
        formatCursor: ({ offset }) => `offset:${offset}`,
        parseCursor: (cursor) => ({ offset: Number(cursor.slice('offset:'.length)) }),
        cursor: 'offset:2',
      }),
    );
    expect(pages).toEqual([
      { items: [2, 3], cursor: 'offset:4', totalItems: 5 },
      { items: [4], cursor: null, totalItems: 5 },
    ]);
  });
});
