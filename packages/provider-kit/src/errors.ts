/**
 * ProviderApiError: a call to a CRM's API failed. It carries what a caller needs to decide what to do next —
 * the status, whether trying again later may help (`isRetryable`), and whether the CRM may have applied the
 * request (`outcome`) — and nothing secret: the URL has its credentials stripped and the body excerpt has the
 * request's own secrets redacted.
 */
import { CrmError, type CrmErrorOptions } from '@wedsync/crm-core';

const marker = Symbol.for('@wedsync/crm-provider-kit/ProviderApiError');

/**
 * Whether the CRM may have acted on a failed request.
 * - `not_processed`: it provably did not (no connection was made; or it answered 408, 425, 429, or 503 with
 *   Retry-After). Sending it again is safe, even for a create.
 * - `rejected`: it answered with a client error (e.g. 400, 401, 404, 422): it refused; sending it unchanged fails
 *   again.
 * - `unknown`: it may have (a timeout or a connection reset after the request was sent, a 5xx, an unreadable
 *   success body). Before re-sending a create, look the record up (ProviderSession.findExisting) and send it
 *   with the same idempotency key.
 */
export type ProviderRequestOutcome = 'not_processed' | 'rejected' | 'unknown';

/** What failed in the last attempt of a request. */
export type ProviderFailureKind = 'status' | 'timeout' | 'network' | 'malformed_body';

/** Options of {@link ProviderApiError}. */
export interface ProviderApiErrorOptions extends CrmErrorOptions {
  /** HTTP status of the last response; undefined when no response came (network error, timeout). */
  readonly status?: number;
  /** HTTP method, upper case. */
  readonly method: string;
  /** The request URL with userinfo removed and secret query values redacted. */
  readonly url: string;
  /** At most 1,000 characters of the last response body, with the request's secrets redacted. */
  readonly bodyExcerpt?: string;
  /** Whether the same request may succeed later (after a backoff, or once Retry-After has passed). */
  readonly isRetryable: boolean;
  /** Attempts made, the first one included. */
  readonly attempts: number;
  readonly outcome: ProviderRequestOutcome;
  readonly failure: ProviderFailureKind;
  /** The wait the CRM asked for (Retry-After), in milliseconds, when it asked. */
  readonly retryAfterMs?: number;
}

/**
 * A CRM API call failed after the retries it was allowed. Code `provider_api_failed`. The message names method,
 * URL (without secrets), status and attempts, e.g. "GET https://host/api/v2/job?page=3 failed with status 503
 * Service Unavailable after 4 attempts".
 */
export class ProviderApiError extends CrmError {
  /** HTTP status of the last response; undefined when none came (network error, timeout before headers). */
  readonly status: number | undefined;
  /** HTTP method, upper case. */
  readonly method: string;
  /** The request URL without userinfo, fragment or secret query values. */
  readonly url: string;
  /** At most 1,000 characters of the last response body, the request's secrets redacted. */
  readonly bodyExcerpt: string | undefined;
  /** Whether the same request may succeed later; false for writes whose outcome is unknown. */
  readonly isRetryable: boolean;
  /** Attempts made, the first one included. */
  readonly attempts: number;
  /** Whether the CRM may have applied the request: decides whether a write can be re-sent blindly. */
  readonly outcome: ProviderRequestOutcome;
  /** What failed in the last attempt. */
  readonly failure: ProviderFailureKind;
  /** The wait the CRM asked for (Retry-After), in milliseconds, when it asked. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ProviderApiErrorOptions) {
    super('provider_api_failed', message, {
      cause: options.cause,
      context: {
        method: options.method,
        url: options.url,
        status: options.status,
        attempts: options.attempts,
        outcome: options.outcome,
        failure: options.failure,
        isRetryable: options.isRetryable,
        ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
        ...options.context,
      },
    });
    this.name = 'ProviderApiError';
    this.status = options.status;
    this.method = options.method;
    this.url = options.url;
    this.bodyExcerpt = options.bodyExcerpt;
    this.isRetryable = options.isRetryable;
    this.attempts = options.attempts;
    this.outcome = options.outcome;
    this.failure = options.failure;
    this.retryAfterMs = options.retryAfterMs;
    Object.defineProperty(this, marker, { value: true });
  }

  /** True for a ProviderApiError from any copy of this package (instanceof fails across copies). */
  static override isInstance(value: unknown): value is ProviderApiError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}
