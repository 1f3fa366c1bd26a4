/**
 * @wedsync/crm-provider-kit — what CRM provider authors build with: a rate-limited, retrying HTTP client for one
 * integration (createProviderHttp), its typed error (ProviderApiError), an exact sliding-window request budget,
 * and pagination helpers that yield resumable pages.
 */

export {
  ProviderApiError,
  type ProviderApiErrorOptions,
  type ProviderFailureKind,
  type ProviderRequestOutcome,
} from './errors.js';
export {
  createProviderHttp,
  defaultRequestConcurrency,
  type ProviderHttp,
  type ProviderHttpOptions,
  type ProviderHttpStats,
  type ProviderRequestEvent,
  type ProviderRetryOptions,
} from './http/client.js';
export { createProviderHttpFactory, type ProviderHttpFactoryOptions } from './http/factory.js';
export { redactUrl } from './http/redaction.js';
export { parseRetryAfter } from './http/retry-after.js';
export { type CursorPage, type CursorPaginationOptions, cursorPagination } from './pagination/cursor.js';
export {
  findLink,
  type LinkPage,
  type LinkPaginationOptions,
  type LinkValue,
  linkPagination,
  parseLinkHeader,
} from './pagination/link.js';
export {
  type NumberedPage,
  type PageNumberPaginationOptions,
  pageNumberPagination,
} from './pagination/page-number.js';
export {
  type FetchedPage,
  type PaginatedPage,
  type PaginateOptions,
  type PaginationOptions,
  paginate,
} from './pagination/paginate.js';
export {
  type RateLimitWindow,
  type RateLimitWindowUsage,
  type RequestLimiter,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from './rate-limit/sliding-window-limiter.js';
