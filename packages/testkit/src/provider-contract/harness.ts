/**
 * What the provider contract suite's groups share: options, the server started once for the suite, sessions on
 * the host's HTTP factory, a skip-aware `test`, and checks that no secret leaks into an error or a log line.
 */
import { randomUUID } from 'node:crypto';
import {
  type CrmProviderV1,
  type ProviderContext,
  type ProviderHttpClientFactory,
  type ProviderLogger,
  type ProviderPage,
  type ProviderRateLimits,
  type ProviderReadOptions,
  type ProviderRecordType,
  type ProviderSession,
  readableRecordTypes,
} from '@wedsync/crm-core';
import { describe, it } from 'vitest';

/** A CRM API the suite runs a provider against: a fake server on loopback, or a vendor sandbox. */
export interface ProviderContractServer {
  /** Base URL of the API (what the provider's `baseUrl` setting takes). */
  readonly url: string;
  /** Credentials the server accepts, as an integration stores them (e.g. `{ api_key }`). */
  readonly credentials: Readonly<Record<string, unknown>>;
  /**
   * Credentials of the same shape that the server refuses (a wrong key), for the "no secret in errors" tests.
   * @default undefined (those tests fail, asking for them, unless skipped)
   */
  readonly invalidCredentials?: Readonly<Record<string, unknown>>;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of `runProviderContract`. */
export interface ProviderContractOptions {
  /** Shown in test names: `provider contract [name] > ...`. */
  readonly name: string;
  /** Starts the server once for the whole suite (in beforeAll). Serve enough records for several pages. */
  readonly startServer: () => Promise<ProviderContractServer>;
  /** Creates the provider under test, pointed at the server. */
  readonly createProvider: (server: ProviderContractServer) => CrmProviderV1 | Promise<CrmProviderV1>;
  /** Builds each session's HTTP client, as the host does: pass provider-kit's `createProviderHttpFactory()`. */
  readonly httpClientFactory: ProviderHttpClientFactory;
  /** The request budget of the suite's sessions. @default the provider's `rateLimits` */
  readonly rateLimits?: ProviderRateLimits;
  /**
   * Tests this provider cannot pass, each with the reason, keyed `<group> > <test name>`
   * (e.g. `'reads > event: resumes from a cursor': 'one page of events'`).
   */
  readonly skip?: Readonly<Record<string, string>>;
  /** Timeout of each test, in milliseconds. @default 60000 */
  readonly testTimeout?: number;
}

/** The suite's fixture: the running server and the provider. */
export interface ProviderContractFixture {
  readonly server: ProviderContractServer;
  readonly provider: CrmProviderV1;
}

/** A logger that keeps every line it is given (to check that no secret was logged). */
export interface RecordingLogger extends ProviderLogger {
  readonly lines: string[];
}

/** A session opened by the suite, with what it logged. */
export interface ContractSession {
  readonly session: ProviderSession;
  readonly logger: RecordingLogger;
  readonly context: ProviderContext;
}

/** What groups declare their tests through. */
export interface ContractScope {
  readonly options: ProviderContractOptions;
  fixture(): ProviderContractFixture;
  /** Record types the provider declares readable, in import order (known once the fixture is ready). */
  readableTypes(): ProviderRecordType[];
  /** Opens a session with the given credentials (the server's by default) and signal. */
  open(settings?: {
    readonly credentials?: Readonly<Record<string, unknown>>;
    readonly signal?: AbortSignal;
  }): Promise<ContractSession>;
  group(name: string, body: () => void): void;
  /** Declares a test, skipped when `skip` lists `<group> > <name>`. */
  test(name: string, body: () => Promise<void>): void;
}

/** Every record type a provider may declare (the suite's tests per record type are declared for each). */
export const allRecordTypes: readonly ProviderRecordType[] = [
  'client',
  'project',
  'event',
  'invoice',
  'payment',
];

/** A logger that records every line (fields as JSON) instead of writing it. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      let text = '';
      try {
        text = fields === undefined ? '' : JSON.stringify(fields);
      } catch {
        text = String(fields);
      }
      lines.push(`${level} ${message} ${text}`);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
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

/** The string values of credentials long enough to be worth searching for. */
export function secretsOf(...credentials: (Readonly<Record<string, unknown>> | undefined)[]): string[] {
  const secrets: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 4) secrets.push(value);
    else if (typeof value === 'object' && value !== null)
      for (const item of Object.values(value)) visit(item);
  };
  for (const entry of credentials) visit(entry);
  return secrets;
}

/** Every text an error exposes: message, stack, own properties (JSON), and the same of its causes. */
export function errorTexts(error: unknown, depth = 0): string[] {
  if (depth > 6 || error === undefined || error === null) return [];
  if (typeof error !== 'object') return [String(error)];
  const texts: string[] = [];
  const record = error as Record<string, unknown>;
  if (typeof record.message === 'string') texts.push(record.message);
  if (typeof record.stack === 'string') texts.push(record.stack);
  texts.push(String(error));
  const seen = new WeakSet<object>();
  try {
    texts.push(
      JSON.stringify(error, (_key, value: unknown) => {
        if (typeof value === 'object' && value !== null) {
          if (seen.has(value)) return undefined;
          seen.add(value);
        }
        return typeof value === 'bigint' ? String(value) : value;
      }),
    );
  } catch {
    // An unserialisable property: its text is still checked through the properties below.
  }
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = record[key];
    if (typeof value === 'string') texts.push(value);
  }
  texts.push(...errorTexts(record.cause, depth + 1));
  return texts;
}

/** Builds the scope the groups use. */
export function contractScope(
  options: ProviderContractOptions,
  fixture: () => ProviderContractFixture,
): ContractScope {
  let currentGroup = '';
  return {
    options,
    fixture,
    readableTypes: () => readableRecordTypes(fixture().provider),
    async open(settings = {}) {
      const { provider, server } = fixture();
      const logger = recordingLogger();
      const integrationId = `contract-${randomUUID()}`;
      const rateLimits = options.rateLimits ?? provider.rateLimits;
      const signal = settings.signal ?? new AbortController().signal;
      const context: ProviderContext = {
        integrationId,
        credentials: settings.credentials ?? server.credentials,
        rateLimits,
        logger,
        signal,
        createHttpClient: (client) =>
          options.httpClientFactory({
            ...client,
            integrationId,
            providerId: provider.id,
            rateLimits,
            signal,
            logger,
          }),
      };
      const session = await provider.connect(context);
      return { session, logger, context };
    },
    group(name, body) {
      describe(name, () => {
        const previous = currentGroup;
        currentGroup = name;
        try {
          body();
        } finally {
          currentGroup = previous;
        }
      });
    },
    test(name, body) {
      const reason = options.skip?.[`${currentGroup} > ${name}`];
      if (reason !== undefined) {
        it.skip(`${name} (skipped: ${reason})`, body);
        return;
      }
      it(name, body, options.testTimeout ?? 60_000);
    },
  };
}
