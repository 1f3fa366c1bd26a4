/**
 * CrmProviderV1 — the plugin contract. A provider is data (what the CRM is, what it can do, its fields and
 * default mappings) plus `connect()`, which opens a session for one integration. Optional capabilities are
 * optional methods: a provider that cannot write has no `write`, and the hub refuses export jobs for it with an
 * UnsupportedCapabilityError before the job starts instead of failing later.
 *
 * Providers never touch the database and never see another integration's credentials. Everything they need
 * arrives in the ProviderContext: decrypted credentials, a factory of HTTP clients already rate limited and
 * retrying for this integration, a logger that redacts secrets, and an AbortSignal.
 */
import type { CrmFieldMapping, FieldDefinition } from '../model/field-mapping.js';
import type { ScratchItem } from './hub-storage.js';

/** Kinds of records a provider can read or write. */
export type ProviderRecordType = 'client' | 'project' | 'event' | 'invoice' | 'payment';

/** How a provider authenticates (the spec's auth_type plus `csv` for CRMs without an API). */
export type ProviderAuthKind = 'api_key' | 'oauth2' | 'basic_auth' | 'csv' | 'custom';

/** OAuth2 settings of a provider whose authKind is `oauth2`. */
export interface ProviderOAuth2Settings {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
  /** Whether the provider requires PKCE. @default true */
  readonly pkce?: boolean;
}

/** What a provider can do with one kind of record. A missing entry means "not supported". */
export interface ProviderFeature {
  readonly read: boolean;
  readonly write: boolean;
  readonly delete: boolean;
  /** Human-readable limits, e.g. "no modified-since filter: incremental reads walk results by modified date". */
  readonly limitations?: readonly string[];
}

/** The request budget the CRM allows one integration. The hub never exceeds it. */
export interface ProviderRateLimits {
  readonly requestsPerMinute: number;
  readonly requestsPerHour: number;
  /** Requests in flight at once. @default 4 */
  readonly concurrency?: number;
}

/** Minimal logger every provider receives; secrets are redacted before anything is written. */
export interface ProviderLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** One HTTP request as a provider describes it. */
export interface ProviderHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the provider's base URL, e.g. `address-book`. */
  readonly path: string;
  readonly searchParams?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Whether sending the request twice has the effect of sending it once. Non-idempotent requests (a POST that
   * creates) are never retried blindly. @default true for GET, PUT and DELETE; false for POST and PATCH
   */
  readonly idempotent?: boolean;
  readonly signal?: AbortSignal;
}

/** One HTTP response, body already parsed as JSON (or text when it is not JSON). */
export interface ProviderHttpResponse<Body = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Body;
}

/** The HTTP client the hub gives a session: rate limited, retrying, with secrets kept out of its errors. */
export interface ProviderHttpClient {
  request<Body = unknown>(request: ProviderHttpRequest): Promise<ProviderHttpResponse<Body>>;
}

/** Where a session's HTTP client sends requests, and how it authenticates. */
export interface ProviderHttpClientOptions {
  /** Absolute base URL every request path is relative to, e.g. `https://workspace.vsco.co/api/v2`. */
  readonly baseUrl: string;
  /** Headers sent with every request, typically authentication. Treated as secrets everywhere. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Counters of an HTTP client, reported with each job. */
export interface ProviderHttpStats {
  /** Attempts sent to the CRM, retries included. */
  readonly requestsSent: number;
  /** Attempts that were retries. */
  readonly retries: number;
  /** Responses with status 429. */
  readonly rateLimited: number;
}

/** An HTTP client that can report its counters. */
export interface CountingProviderHttpClient extends ProviderHttpClient {
  stats(): ProviderHttpStats;
}

/** What the hub asks of the host's HTTP factory for one session of one integration. */
export interface ProviderHttpClientRequest extends ProviderHttpClientOptions {
  readonly integrationId: string;
  readonly providerId: string;
  /** The integration's budget: clients of one integration share it, across sessions. */
  readonly rateLimits: ProviderRateLimits;
  readonly signal: AbortSignal;
  readonly logger: ProviderLogger;
}

/**
 * Builds the rate-limited, retrying HTTP client of a session. Core does no HTTP itself: the host passes
 * provider-kit's `createProviderHttpFactory()` (or its own) to the hub.
 */
export type ProviderHttpClientFactory = ((
  request: ProviderHttpClientRequest,
) => CountingProviderHttpClient) & {
  /**
   * Optional: what is left of an integration's budget right now, for the test-connection endpoint when the CRM
   * does not report its own. Undefined when the integration has sent nothing through this factory.
   */
  budgetStatus?(
    integrationId: string,
  ): { readonly remainingRequests: number; readonly resetTime: string } | undefined;
};

/**
 * A provider's working space for one job: JSON values by namespace, key and item (see `ScratchItem`). The hub backs
 * it with its storage's scratch space when the storage has one, once it holds more than a few thousand values, so
 * that a provider which must remember something of every record over a whole read does not grow the process with
 * the studio; until then (and outside a job) it is kept in memory. Values come back as JSON made them.
 */
export interface ProviderScratch {
  /** Adds the items (upsert: a key and item already held get the new value). */
  put(namespace: string, items: readonly ScratchItem[]): Promise<void>;
  /** The values under each key, in item order (code-point order of `item`, as UTF-8 bytes sort); a key without values is absent. */
  get(namespace: string, keys: readonly string[]): Promise<Map<string, unknown[]>>;
  /** Drops every value of a namespace. */
  clear(namespace: string): Promise<void>;
}

/** What `connect()` receives for one integration. */
export interface ProviderContext {
  readonly integrationId: string;
  /** Decrypted credentials (the integration's auth_config). Never log them. */
  readonly credentials: Readonly<Record<string, unknown>>;
  /**
   * An HTTP client for this integration: rate limited to `rateLimits` (shared by every client of the
   * integration), retrying, with the given headers kept out of logs and errors.
   */
  createHttpClient(options: ProviderHttpClientOptions): ProviderHttpClient;
  /** The budget the hub enforces for this integration. */
  readonly rateLimits: ProviderRateLimits;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal;
  /**
   * Optional: working space for the session's job (see {@link ProviderScratch}). Absent outside a job (a
   * connection test) and under hosts of an earlier version; a provider then keeps the same values itself, e.g. in
   * `createMemoryScratch()`.
   */
  readonly scratch?: ProviderScratch;
}

/** A record as the CRM holds it. `data` is the raw vendor object that field mappings read from. */
export interface ExternalRecord {
  readonly externalId: string;
  /** The CRM's own modification time (ISO 8601), used for watermarks and newest_wins. */
  readonly modifiedAt?: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Other records this one belongs to, by the CRM's ids: e.g. a project's `{ client: 'id', partner: 'id' }`. */
  readonly links?: Readonly<Record<string, string | readonly string[]>>;
  /** True when the CRM reports the record as deleted. */
  readonly deleted?: boolean;
}

/** One page of a read. `cursor` resumes the read right after this page. */
export interface ProviderPage {
  readonly records: readonly ExternalRecord[];
  /** Opaque cursor to resume after this page; null when this was the last page. */
  readonly cursor: string | null;
  /** Total records the CRM reports for the whole read, when it says. */
  readonly totalRecords?: number;
}

/** Options of one read. */
export interface ProviderReadOptions {
  /** Resume after the page that returned this cursor. */
  readonly cursor?: string | null;
  /** Only records modified after this instant (ISO 8601); providers without a filter walk by modified date. */
  readonly since?: string | null;
  readonly signal?: AbortSignal;
}

/** One change the hub asks the CRM to make. */
export interface ProviderRecordChange {
  readonly kind: 'create' | 'update' | 'delete';
  /** Required for update and delete. */
  readonly externalId?: string;
  /** The CRM-side object built by reversing the field mappings. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Stable per change: the hub re-sends an uncertain create with the same key after looking it up. */
  readonly idempotencyKey: string;
  /**
   * Updates: the record's `modifiedAt` as the hub last saw it (its last read or write of it). A provider that can
   * tell the record changed in the CRM since then refuses the update with `changedInCrm: true` instead of
   * overwriting that change: the next import merges it, and the next export sends the merged record.
   */
  readonly expectedModifiedAt?: string;
}

/** The outcome of one change, in the order the changes were given. */
export type ProviderWriteResult =
  | {
      readonly idempotencyKey: string;
      readonly status: 'created' | 'updated' | 'deleted';
      readonly externalId: string;
      readonly modifiedAt?: string;
    }
  | {
      readonly idempotencyKey: string;
      readonly status: 'failed';
      readonly error: string;
      readonly retryable: boolean;
      /** The record changed in the CRM after `expectedModifiedAt`: nothing was written. */
      readonly changedInCrm?: boolean;
    };

/** What testConnection reports (the spec's TestCRMConnectionResponse.connection_info). */
export interface ProviderConnectionInfo {
  readonly accountName?: string;
  readonly availableFeatures: readonly string[];
  readonly rateLimitStatus?: { readonly remainingRequests: number; readonly resetTime: string };
  /** Settings read from the CRM that mapping needs, e.g. `{ currency: 'USD', dateFormat: 'n/j/Y' }`. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** A connected session for one integration. */
export interface ProviderSession {
  testConnection(options?: { readonly signal?: AbortSignal }): Promise<ProviderConnectionInfo>;
  /** Pages of records of one type. Supported record types are those whose feature has `read: true`. */
  read(recordType: ProviderRecordType, options?: ProviderReadOptions): AsyncIterable<ProviderPage>;
  /** Optional: create, update or delete records in the CRM. Absent when the CRM cannot be written. */
  write?(
    recordType: ProviderRecordType,
    changes: readonly ProviderRecordChange[],
    options?: { readonly signal?: AbortSignal },
  ): Promise<readonly ProviderWriteResult[]>;
  /**
   * Optional: find a record by a natural key (e.g. Tave by email) before re-sending a create whose outcome is
   * unknown, so a retried create never makes a second record.
   */
  findExisting?(
    recordType: ProviderRecordType,
    data: Readonly<Record<string, unknown>>,
    options?: {
      readonly signal?: AbortSignal;
      /** The idempotency key the uncertain create was sent with, for CRMs that store it on the record. */
      readonly idempotencyKey?: string;
    },
  ): Promise<ExternalRecord | null>;
  /** Optional: release what the session holds (browser, sockets). */
  close?(): Promise<void>;
}

/** The provider plugin, version 1. */
export interface CrmProviderV1 {
  readonly specificationVersion: 'v1';
  /** The spec's crm_provider value, e.g. `tave`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly logoUrl?: string;
  readonly authKind: ProviderAuthKind;
  readonly oauth2?: ProviderOAuth2Settings;
  readonly rateLimits: ProviderRateLimits;
  readonly features: Readonly<Partial<Record<ProviderRecordType, ProviderFeature>>>;
  /** The CRM's fields per record type, with type, description and sample values (for field pickers). */
  readonly fieldCatalog: Readonly<Partial<Record<ProviderRecordType, readonly FieldDefinition[]>>>;
  /** The mappings a new integration starts with, per record type. */
  defaultMappings(recordType: ProviderRecordType): readonly CrmFieldMapping[];
  /** Checks credentials' shape before they are stored; throws ValidationError naming the missing key. */
  validateCredentials?(credentials: Readonly<Record<string, unknown>>): void;
  connect(context: ProviderContext): ProviderSession | Promise<ProviderSession>;
}
