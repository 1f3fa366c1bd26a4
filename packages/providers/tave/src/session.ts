/**
 * A connected Tave session: `testConnection()` through `/studio/me`, `read()` of clients, projects, events,
 * invoices and payments, and `write()` / `findExisting()` of clients and projects. Every request goes through the HTTP client the hub hands the session (provider-kit's:
 * rate limited, retrying, Retry-After honoured, the API key kept out of logs and errors).
 */
import {
  createMemoryScratch,
  type ExternalRecord,
  InvalidArgumentError,
  type ProviderConnectionInfo,
  type ProviderContext,
  type ProviderPage,
  type ProviderReadOptions,
  type ProviderRecordChange,
  type ProviderRecordType,
  type ProviderSession,
  type ProviderWriteResult,
  ValidationError,
} from '@wedsync/crm-core';
import { defaultRequestConcurrency } from '@wedsync/crm-provider-kit';
import { TaveApi } from './api/client.js';
import { readClients } from './read/clients.js';
import type { ReadContext } from './read/context.js';
import { readProjects } from './read/projects.js';
import { readEvents, readInvoices, readPayments } from './read/records.js';
import { TaveSessionCache } from './read/session-cache.js';
import type { ResolvedTaveSettings } from './settings.js';
import { findExistingRecord, type TaveFindOptions } from './write/find.js';
import { checkWrite, writeChanges } from './write/write.js';

/** The credential key that holds the studio's API key. */
export const taveApiKeyCredential = 'api_key';

/** What testConnection reports as available: the record types this provider reads (spec feature names). */
const readableFeatures = ['clients', 'projects', 'events', 'invoices', 'payments'] as const;

const recordTypeNames: readonly ProviderRecordType[] = ['client', 'project', 'event', 'invoice', 'payment'];

/**
 * Checks that credentials hold a non-empty string `api_key` and returns it, trimmed (for the session only: never log it).
 * @throws ValidationError naming the key (never its value).
 */
export function validateTaveCredentials(credentials: Readonly<Record<string, unknown>>): string {
  const value =
    typeof credentials === 'object' && credentials !== null ? credentials[taveApiKeyCredential] : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    const kind =
      value === undefined ? 'missing' : typeof value === 'string' ? 'an empty string' : `a ${typeof value}`;
    throw new ValidationError(
      `Expected credentials to hold \`${taveApiKeyCredential}\`, the VSCO Workspace API key, as a non-empty string; it is ${kind}`,
      {
        issues: [{ path: taveApiKeyCredential, message: 'Expected a non-empty string' }],
        context: { credential: taveApiKeyCredential },
      },
    );
  }
  return value.trim();
}

function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

function checkReadOptions(options: unknown): ProviderReadOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `Expected \`options\` to be an object, got \`${String(options)}\` (${typeof options})`,
      {
        context: { option: 'options' },
      },
    );
  }
  return options as ProviderReadOptions;
}

function parseSince(since: unknown): number | undefined {
  if (since === undefined || since === null) return undefined;
  const time = typeof since === 'string' ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError(
      `Expected \`since\` to be an ISO 8601 timestamp, got \`${String(since).slice(0, 60)}\` (${typeof since})`,
      { context: { option: 'since' } },
    );
  }
  return time;
}

/** Opens a session for one integration. @throws ValidationError when the credentials hold no API key. */
export function createTaveSession(context: ProviderContext, settings: ResolvedTaveSettings): ProviderSession {
  const apiKey = validateTaveCredentials(context.credentials);
  // Docs: the `ApiKeyAuth` security scheme (header `X-API-KEY`) of https://workspace.vsco.co/api
  const http = context.createHttpClient({ baseUrl: settings.baseUrl, headers: { 'X-API-KEY': apiKey } });
  const api = new TaveApi(http);
  // What this session already read: each settings resource once, whether the job contacts are stored.
  const cache = new TaveSessionCache(api);
  // The full reads' pre-pass: the job's scratch space (the hub moves it to its storage when it grows), or memory.
  const scratch = context.scratch ?? createMemoryScratch();

  return {
    async testConnection(options = {}): Promise<ProviderConnectionInfo> {
      const signal = combineSignals(context.signal, options.signal);
      const studio = await cache.studio(signal);
      const settingsOut: Record<string, unknown> = {
        currencyCode: studio.currencyCode ?? 'USD',
        dateFormat: studio.dateFormat ?? 'n/j/Y',
        timezoneId: studio.timezoneId ?? null,
      };
      if (studio.timeFormat) settingsOut['timeFormat'] = studio.timeFormat;
      if (studio.decimalSeparator) settingsOut['decimalSeparator'] = studio.decimalSeparator;
      if (studio.plan?.name) settingsOut['planName'] = studio.plan.name;
      if (studio.readonlyEnabled === true) settingsOut['readonlyEnabled'] = true;
      if (typeof studio.timezoneId === 'string' && studio.timezoneId !== '') {
        // The studio's time zone gives its IANA name and its country, the default country of phone numbers.
        const timezone = await cache.timezone(studio.timezoneId, signal);
        settingsOut['timezone'] = timezone.name;
        if (timezone.country) settingsOut['country'] = timezone.country.toUpperCase();
      }
      return { accountName: studio.name, availableFeatures: [...readableFeatures], settings: settingsOut };
    },

    read(recordType: ProviderRecordType, options?: ProviderReadOptions): AsyncIterable<ProviderPage> {
      if (!recordTypeNames.includes(recordType)) {
        throw new InvalidArgumentError(
          `Expected \`recordType\` to be one of ${recordTypeNames.join(', ')}, got \`${String(recordType)}\` (${typeof recordType})`,
          { context: { option: 'recordType' } },
        );
      }
      const checked = checkReadOptions(options);
      const walk = { cursor: checked.cursor, modifiedAfter: parseSince(checked.since) };
      const readContext: ReadContext = {
        api,
        settings,
        logger: context.logger,
        signal: combineSignals(context.signal, checked.signal),
        cache,
        scratch,
      };
      switch (recordType) {
        case 'client':
          return readClients(readContext, walk);
        case 'project':
          return readProjects(readContext, walk);
        case 'event':
          return readEvents(readContext, walk);
        case 'invoice':
          return readInvoices(readContext, walk);
        default:
          return readPayments(readContext, walk);
      }
    },

    async write(
      recordType: ProviderRecordType,
      changes: readonly ProviderRecordChange[],
      options: { readonly signal?: AbortSignal } = {},
    ): Promise<readonly ProviderWriteResult[]> {
      const checked = checkWrite(recordType, changes);
      const signal = combineSignals(context.signal, checkReadOptions(options).signal);
      // A write may change who is on a job: what the reads kept of job contacts is stale from here on.
      cache.forgetRecords();
      return writeChanges(
        {
          api,
          logger: context.logger,
          signal,
          concurrency: settings.rateLimits.concurrency ?? defaultRequestConcurrency,
        },
        recordType,
        checked,
      );
    },

    async findExisting(
      recordType: ProviderRecordType,
      data: Readonly<Record<string, unknown>>,
      options: TaveFindOptions = {},
    ): Promise<ExternalRecord | null> {
      const checked = checkReadOptions(options) as TaveFindOptions;
      const signal = combineSignals(context.signal, checked.signal);
      return findExistingRecord(
        { api, logger: context.logger, signal, pageSize: settings.pageSize },
        recordType,
        data,
        checked,
      );
    },
  };
}
