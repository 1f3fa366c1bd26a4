/**
 * Settings of `createTave()`, checked up front so a mistake fails when the provider is created, not in the middle
 * of a sync. Nothing here reads the environment: the API key arrives later, per integration, in the
 * ProviderContext's credentials.
 */
import {
  describeValue,
  InvalidArgumentError,
  invalidOption,
  type ProviderRateLimits,
} from '@wedsync/crm-core';

/** The VSCO Workspace API v2 production base URL (the OpenAPI document's `servers`). */
export const taveDefaultBaseUrl = 'https://workspace.vsco.co/api/v2';

/**
 * The request budget the spec gives Tave. The vendor documents no numbers, only HTTP 429 with Retry-After (which
 * the HTTP client honours).
 */
export const taveDefaultRateLimits: ProviderRateLimits = Object.freeze({
  requestsPerMinute: 60,
  requestsPerHour: 1000,
});

/** How the API's integer money amounts are read. */
export type TaveMoneyUnit = 'minor' | 'major';

/** Settings of {@link createTave}. */
export interface TaveSettings {
  /**
   * Base URL of the VSCO Workspace API v2 (a fake server's URL in tests; the legacy `https://tave.io/v2` also
   * works). An absolute http(s) URL without credentials, query or fragment.
   * @default 'https://workspace.vsco.co/api/v2'
   */
  readonly baseUrl?: string;
  /** Items per page of every list request; the API accepts 10 to 100. @default 100 */
  readonly pageSize?: number;
  /**
   * How the API's integer amounts (`MoneyAmount`, "an amount in the studio's currency") are read. The vendor
   * does not say whether they are minor units; `minor` reads 150000 as 1,500.00, `major` as 150,000.00 (the
   * default mappings then add a `money` step that converts whole units to minor units).
   * @default 'minor'
   */
  readonly moneyUnit?: TaveMoneyUnit;
  /**
   * Job type names that count as a wedding (matched without regard to case), for the client's `wedding_date`,
   * `guest_count` and `budget`: the `isWedding` flag of each entry of a client's `jobs`.
   * @default /wedding|elopement/i
   */
  readonly weddingJobTypes?: RegExp;
  /**
   * The request budget the hub keeps each integration within (every session of one integration shares it):
   * lower it for a studio on a tighter quota, raise it for one on a larger. `requestsPerMinute` and
   * `requestsPerHour` are integers >= 1; `concurrency` (requests in flight at once), when given, too.
   * @default { requestsPerMinute: 60, requestsPerHour: 1000 }
   */
  readonly rateLimits?: ProviderRateLimits;
}

/** Settings after defaults. */
export interface ResolvedTaveSettings {
  readonly baseUrl: string;
  readonly pageSize: number;
  readonly moneyUnit: TaveMoneyUnit;
  readonly weddingJobTypes: RegExp;
  readonly rateLimits: ProviderRateLimits;
}

const invalid: (name: string, expectation: string, value: unknown) => never = invalidOption;

function checkBaseUrl(value: unknown): string {
  if (typeof value !== 'string') invalid('baseUrl', 'an absolute http(s) URL', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `Expected \`baseUrl\` to be an absolute http(s) URL, got ${describeValue(value)}`,
      { context: { option: 'baseUrl' }, cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    invalid('baseUrl', 'an absolute http(s) URL', value);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    // Never echo a URL that may hold credentials.
    throw new InvalidArgumentError(
      'Expected `baseUrl` to be a URL without credentials, query or fragment (the API key goes in credentials)',
      { context: { option: 'baseUrl' } },
    );
  }
  return value.replace(/\/+$/, '');
}

function checkRateLimits(value: unknown): ProviderRateLimits {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid('rateLimits', 'an object', value);
  }
  const limits = value as Record<string, unknown>;
  const names = ['requestsPerMinute', 'requestsPerHour', 'concurrency'] as const;
  for (const name of names) {
    const limit = limits[name];
    if (name === 'concurrency' && limit === undefined) continue;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
      invalid(`rateLimits.${name}`, 'an integer >= 1', limit);
    }
  }
  return Object.freeze({
    requestsPerMinute: limits['requestsPerMinute'] as number,
    requestsPerHour: limits['requestsPerHour'] as number,
    ...(limits['concurrency'] === undefined ? {} : { concurrency: limits['concurrency'] as number }),
  });
}

/** Checks the settings and applies defaults. @throws InvalidArgumentError naming the first bad option. */
export function resolveTaveSettings(settings: TaveSettings): ResolvedTaveSettings {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    invalid('settings', 'an object', settings);
  }
  const baseUrl = settings.baseUrl === undefined ? taveDefaultBaseUrl : checkBaseUrl(settings.baseUrl);
  const pageSize = settings.pageSize ?? 100;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 10 || pageSize > 100) {
    invalid('pageSize', 'an integer from 10 to 100', pageSize);
  }
  const moneyUnit = settings.moneyUnit ?? 'minor';
  if (moneyUnit !== 'minor' && moneyUnit !== 'major')
    invalid('moneyUnit', 'one of `minor`, `major`', moneyUnit);
  const weddingJobTypes = settings.weddingJobTypes ?? /wedding|elopement/i;
  if (!(weddingJobTypes instanceof RegExp))
    invalid('weddingJobTypes', 'a regular expression', weddingJobTypes);
  // A global or sticky regex keeps state between `test()` calls; a copy without those flags does not.
  const flags = weddingJobTypes.flags.replace(/[gy]/g, '');
  const rateLimits =
    settings.rateLimits === undefined ? taveDefaultRateLimits : checkRateLimits(settings.rateLimits);
  return {
    baseUrl,
    pageSize,
    moneyUnit,
    weddingJobTypes: new RegExp(weddingJobTypes.source, flags),
    rateLimits,
  };
}
