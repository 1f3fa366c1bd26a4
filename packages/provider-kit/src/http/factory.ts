import type {
  ProviderHttpClientFactory,
  ProviderHttpClientRequest,
  ProviderRateLimits,
} from '@wedsync/crm-core';
import { InvalidArgumentError } from '@wedsync/crm-core';
import { SlidingWindowLimiter } from '../rate-limit/sliding-window-limiter.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions } from './client.js';

/** Options every client the factory builds shares (everything but what each session brings). */
export type ProviderHttpFactoryOptions = Omit<
  ProviderHttpOptions,
  'baseUrl' | 'headers' | 'rateLimits' | 'limiter' | 'signal' | 'logger'
>;

/**
 * The HTTP factory a host hands the hub (`createCrmHub({ httpClientFactory })`). Each session gets its own
 * client, but every client of one integration draws from ONE sliding-window budget, so an integration stays
 * within its CRM's limits however many sessions it opens (a test connection during an import, a resumed job).
 * The budget is kept per integration id and rebuilt when that integration's limits change.
 */
export function createProviderHttpFactory(
  options: ProviderHttpFactoryOptions = {},
): ProviderHttpClientFactory {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got ${typeof options}`);
  }
  const budgets = new Map<string, { limits: string; limiter: SlidingWindowLimiter }>();

  const budgetOf = (integrationId: string, rateLimits: ProviderRateLimits): SlidingWindowLimiter => {
    const limits = `${rateLimits.requestsPerMinute}/${rateLimits.requestsPerHour}`;
    const existing = budgets.get(integrationId);
    if (existing !== undefined && existing.limits === limits) return existing.limiter;
    const limiter = new SlidingWindowLimiter({
      windows: [
        { limit: rateLimits.requestsPerMinute, durationMs: 60_000 },
        { limit: rateLimits.requestsPerHour, durationMs: 3_600_000 },
      ],
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    budgets.set(integrationId, { limits, limiter });
    return limiter;
  };

  const factory = (request: ProviderHttpClientRequest): ProviderHttp =>
    createProviderHttp({
      ...options,
      baseUrl: request.baseUrl,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      rateLimits: request.rateLimits,
      limiter: budgetOf(request.integrationId, request.rateLimits),
      signal: request.signal,
      logger: request.logger,
    });

  const budgetStatus = (integrationId: string) => {
    const budget = budgets.get(integrationId);
    if (budget === undefined) return undefined;
    const usage = budget.limiter.usage();
    const remainingRequests = Math.max(0, Math.min(...usage.map((window) => window.limit - window.used)));
    // The minute window frees a request at most a minute from now; when none is left, when the next one frees.
    const waitMs = remainingRequests === 0 ? budget.limiter.delayMs() : 60_000;
    return { remainingRequests, resetTime: new Date(Date.now() + waitMs).toISOString() };
  };
  return Object.assign(factory, { budgetStatus });
}
