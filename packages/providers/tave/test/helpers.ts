/**
 * Test helpers: a ProviderContext on provider-kit's real HTTP factory (rate limited, retrying), a fake VSCO
 * Workspace on 127.0.0.1, and a reader that collects every page of a read.
 */
import { randomUUID } from 'node:crypto';
import type {
  CrmProviderV1,
  ExternalRecord,
  ProviderContext,
  ProviderLogger,
  ProviderPage,
  ProviderRateLimits,
  ProviderReadOptions,
  ProviderRecordType,
  ProviderSession,
} from '@wedsync/crm-core';
import { createProviderHttpFactory, type ProviderHttpFactoryOptions } from '@wedsync/crm-provider-kit';

/** The key the fake accepts. */
export const apiKey = 'tave-test-key-6f1c2e9a';

/** A logger that keeps every line, so tests can check what was logged. */
export function memoryLogger(): ProviderLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      lines.push(`${level} ${message} ${fields === undefined ? '' : JSON.stringify(fields)}`);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  readonly credentials?: Readonly<Record<string, unknown>>;
  /** @default generous limits, so tests are not throttled by the client's own budget */
  readonly rateLimits?: ProviderRateLimits;
  readonly http?: ProviderHttpFactoryOptions;
  readonly signal?: AbortSignal;
  readonly logger?: ProviderLogger;
}

/** A ProviderContext built the way a host builds it: provider-kit's HTTP factory, one integration. */
export function createContext(provider: CrmProviderV1, options: ConnectOptions = {}): ProviderContext {
  const factory = createProviderHttpFactory({
    retry: { retries: 3, minTimeoutMs: 20, maxTimeoutMs: 100 },
    timeoutMs: 10_000,
    ...options.http,
  });
  const integrationId = randomUUID();
  const rateLimits = options.rateLimits ?? { requestsPerMinute: 100_000, requestsPerHour: 1_000_000 };
  const signal = options.signal ?? new AbortController().signal;
  const logger = options.logger ?? memoryLogger();
  return {
    integrationId,
    credentials: options.credentials ?? { api_key: apiKey },
    rateLimits,
    logger,
    signal,
    createHttpClient: (client) =>
      factory({ ...client, integrationId, providerId: provider.id, rateLimits, signal, logger }),
  };
}

/** Connects a session with {@link createContext}. */
export async function connect(
  provider: CrmProviderV1,
  options: ConnectOptions = {},
): Promise<ProviderSession> {
  return provider.connect(createContext(provider, options));
}

/** Every page of a read. */
export async function readPages(
  session: ProviderSession,
  recordType: ProviderRecordType,
  options: ProviderReadOptions = {},
): Promise<ProviderPage[]> {
  const pages: ProviderPage[] = [];
  for await (const page of session.read(recordType, options)) pages.push(page);
  return pages;
}

/** Every record of a read. */
export async function readAll(
  session: ProviderSession,
  recordType: ProviderRecordType,
  options: ProviderReadOptions = {},
): Promise<ExternalRecord[]> {
  return (await readPages(session, recordType, options)).flatMap((page) => [...page.records]);
}
