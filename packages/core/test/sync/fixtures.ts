/**
 * Test fixtures of the engine: an in-memory CRM provider whose sessions read pages from arrays (and fail,
 * hang or count on demand), and a hub on the real kysely storage (SQLite in memory by default, or any backend
 * of the storage's test matrix).
 */
import { randomUUID } from 'node:crypto';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { TestBackend } from '../../../storage-kysely/test/backends.js';
import {
  type CrmFieldMappingInput,
  CrmFieldMappingSchema,
  type CrmHub,
  type CrmHubOptions,
  type CrmProviderV1,
  createCrmHub,
  createVault,
  type ExternalRecord,
  generateVaultKey,
  type ProviderConnectionInfo,
  type ProviderFeature,
  type ProviderRecordType,
  type SupplierTier,
  ValidationError,
} from '../../src/index.js';

/** Raw CRM data of the fake provider, per record type (mutable: tests change it between imports). */
export type FakeData = Record<ProviderRecordType, ExternalRecord[]>;

/** Knobs of the fake provider. */
export interface FakeProviderOptions {
  readonly id?: CrmProviderV1['id'];
  readonly data: FakeData;
  /** Records per page. @default 2 */
  readonly pageSize?: number;
  readonly features?: CrmProviderV1['features'];
  /** Whether pages report `totalRecords`. @default true */
  readonly totals?: boolean;
  /** The API key the provider expects (validateCredentials and testConnection check it). @default 'live-secret-key-123456' */
  readonly apiKey?: string;
  /** Extra settings testConnection reports. */
  readonly settings?: ProviderConnectionInfo['settings'];
}

/** What a test can steer and observe on the fake provider. */
export interface FakeControl {
  /** Throw this from the read of `recordType` after `afterPages` pages (once, unless `times` says more). */
  failRead?: { recordType: ProviderRecordType; afterPages: number; error: unknown; times?: number };
  /** Hang the read of `recordType` after `afterPages` pages, until the signal aborts. */
  hangRead?: { recordType: ProviderRecordType; afterPages: number };
  /** Make testConnection throw this. */
  failTest?: unknown;
  /** Called before each page is returned (after the read asked for it). */
  beforePage?: (recordType: ProviderRecordType, pageIndex: number) => void | Promise<void>;
  /** Pages delivered, per record type, and the cursors reads started from. */
  readonly delivered: { recordType: ProviderRecordType; cursor: string | null; records: number }[];
  readonly readsFrom: { recordType: ProviderRecordType; cursor: string | null }[];
  sessionsOpened: number;
  sessionsClosed: number;
  /** Set when a read starts hanging (see `hangRead`). */
  hanging: boolean;
  /** Credentials the last session received. */
  lastCredentials?: Readonly<Record<string, unknown>>;
}

const fullFeature: ProviderFeature = { read: true, write: false, delete: false };

/** The fake provider's default mappings, per record type (unqualified, as a provider gives them). */
export const fakeDefaultMappings: Record<ProviderRecordType, CrmFieldMappingInput[]> = {
  client: [
    { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
    { wedsync_field: 'last_name', crm_field: 'lastName', field_type: 'text' },
    { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
    { wedsync_field: 'phone', crm_field: 'phone', field_type: 'phone' },
    { wedsync_field: 'wedding_date', crm_field: 'weddingDate', field_type: 'date' },
    { wedsync_field: 'notes', crm_field: 'notes', field_type: 'text' },
  ],
  project: [
    { wedsync_field: 'name', crm_field: 'name', field_type: 'text' },
    { wedsync_field: 'event_date', crm_field: 'eventDate', field_type: 'date' },
  ],
  event: [
    { wedsync_field: 'name', crm_field: 'name', field_type: 'text' },
    { wedsync_field: 'start_date', crm_field: 'startDate', field_type: 'date' },
  ],
  invoice: [
    { wedsync_field: 'number', crm_field: 'number', field_type: 'text' },
    { wedsync_field: 'status', crm_field: 'status', field_type: 'text', is_required: true },
    { wedsync_field: 'total.amount_minor', crm_field: 'total', field_type: 'number', is_required: true },
    { wedsync_field: 'total.currency', crm_field: 'currency', field_type: 'text', is_required: true },
  ],
  payment: [
    { wedsync_field: 'amount.amount_minor', crm_field: 'amount', field_type: 'number', is_required: true },
    { wedsync_field: 'amount.currency', crm_field: 'currency', field_type: 'text', is_required: true },
    { wedsync_field: 'status', crm_field: 'status', field_type: 'text', is_required: true },
  ],
};

const extraCrmFields: Partial<Record<ProviderRecordType, CrmFieldMappingInput[]>> = {
  client: [
    { wedsync_field: 'budget.amount_minor', crm_field: 'budget', field_type: 'number' },
    { wedsync_field: 'budget.currency', crm_field: 'currency', field_type: 'text' },
  ],
};

const crmCatalog: CrmProviderV1['fieldCatalog'] = Object.fromEntries(
  Object.entries(fakeDefaultMappings).map(([recordType, mappings]) => [
    recordType,
    [...mappings, ...(extraCrmFields[recordType as ProviderRecordType] ?? [])].map((mapping) => ({
      name: mapping.crm_field,
      display_name: mapping.crm_field,
      field_type: mapping.field_type,
      description: `The CRM's ${mapping.crm_field}`,
      is_required: false,
    })),
  ]),
);

function abortable(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** An in-memory CrmProviderV1 over `data`. */
export function createFakeProvider(options: FakeProviderOptions): {
  provider: CrmProviderV1;
  control: FakeControl;
} {
  const pageSize = options.pageSize ?? 2;
  const apiKey = options.apiKey ?? 'live-secret-key-123456';
  const control: FakeControl = {
    delivered: [],
    readsFrom: [],
    sessionsOpened: 0,
    sessionsClosed: 0,
    hanging: false,
  };
  const features = options.features ?? {
    client: fullFeature,
    project: fullFeature,
    event: fullFeature,
    invoice: fullFeature,
    payment: fullFeature,
  };
  const provider: CrmProviderV1 = {
    specificationVersion: 'v1',
    id: options.id ?? 'tave',
    name: 'Fake CRM',
    description: 'An in-memory CRM for tests',
    authKind: 'api_key',
    rateLimits: { requestsPerMinute: 120, requestsPerHour: 5000 },
    features,
    fieldCatalog: crmCatalog,
    defaultMappings: (recordType) =>
      (fakeDefaultMappings[recordType] ?? []).map((mapping) => CrmFieldMappingSchema.parse(mapping)),
    validateCredentials(credentials) {
      if (typeof credentials['api_key'] !== 'string' || credentials['api_key'] === '') {
        throw new ValidationError('Missing credential `api_key`', {
          issues: [{ path: 'auth_config.api_key', message: 'Required' }],
        });
      }
    },
    connect(context) {
      control.sessionsOpened += 1;
      control.lastCredentials = context.credentials;
      return {
        async testConnection() {
          if (control.failTest !== undefined) throw control.failTest;
          if (context.credentials['api_key'] !== apiKey) {
            throw Object.assign(
              new Error(`401 Unauthorized for key ${String(context.credentials['api_key'])}`),
              {
                status: 401,
              },
            );
          }
          return {
            accountName: 'Fake Studio',
            availableFeatures: Object.keys(features),
            ...(options.settings === undefined ? {} : { settings: options.settings }),
          };
        },
        read(recordType, readOptions = {}) {
          const cursor = readOptions.cursor ?? null;
          control.readsFrom.push({ recordType, cursor });
          const signal = readOptions.signal;
          return (async function* () {
            const records = options.data[recordType] ?? [];
            let offset = cursor === null ? 0 : Number(cursor);
            let pageIndex = 0;
            while (true) {
              const fail = control.failRead;
              if (fail !== undefined && fail.recordType === recordType && pageIndex === fail.afterPages) {
                const times = fail.times ?? 1;
                if (times <= 1) control.failRead = undefined;
                else fail.times = times - 1;
                throw fail.error;
              }
              const hang = control.hangRead;
              if (hang !== undefined && hang.recordType === recordType && pageIndex === hang.afterPages) {
                control.hangRead = undefined;
                control.hanging = true;
                await abortable(signal);
              }
              await control.beforePage?.(recordType, pageIndex);
              const slice = records.slice(offset, offset + pageSize);
              offset += slice.length;
              const next = offset >= records.length ? null : String(offset);
              control.delivered.push({ recordType, cursor, records: slice.length });
              yield {
                records: slice,
                cursor: next,
                ...(options.totals === false ? {} : { totalRecords: records.length }),
              };
              pageIndex += 1;
              if (next === null) return;
            }
          })();
        },
        async close() {
          control.sessionsClosed += 1;
        },
      };
    },
  };
  return { provider, control };
}

/** Resolves when `condition()` holds (checked every few milliseconds), or rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('Timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A CRM client record. */
export function crmClient(
  id: string,
  data: Record<string, unknown>,
  extra: Partial<ExternalRecord> = {},
): ExternalRecord {
  return { externalId: id, modifiedAt: '2026-01-10T10:00:00+00:00', data: { id, ...data }, ...extra };
}

/** A CRM record that belongs to others (`links`). */
export function crmChild(
  id: string,
  links: Record<string, string>,
  data: Record<string, unknown>,
  extra: Partial<ExternalRecord> = {},
): ExternalRecord {
  return { externalId: id, data: { id, ...data }, links, ...extra };
}

/** Empty data for every record type. */
export function emptyData(): FakeData {
  return { client: [], project: [], event: [], invoice: [], payment: [] };
}

/** A CRM of `count` clients (`c0`, `c1`, ...: First<n> Doe, c<n>@example.com) and one project of `c0`. */
export function clientsWithOneProject(count: number): FakeData {
  const data = emptyData();
  data.client = Array.from({ length: count }, (_, index) =>
    crmClient(`c${index}`, { firstName: `First${index}`, lastName: 'Doe', email: `c${index}@example.com` }),
  );
  data.project = [crmChild('p0', { client: 'c0' }, { name: 'Wedding' })];
  return data;
}

/** A hub on a real database, with a supplier. */
export interface TestHub {
  // biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
  readonly db: Kysely<any>;
  readonly hub: CrmHub;
  readonly storage: ReturnType<typeof createKyselyStorage>;
  readonly clientStore: ReturnType<typeof createKyselyClientStore>;
  readonly supplierId: string;
  /** The injected clock: `advance(ms)` moves it. */
  readonly clock: { now: Date; advance(ms: number): void; read: () => Date };
  createSupplier(tier?: SupplierTier): Promise<string>;
  destroy(): Promise<void>;
}

/** Options of {@link createTestHub}. */
export interface TestHubOptions {
  readonly providers: readonly CrmProviderV1[];
  readonly backend?: TestBackend;
  readonly tier?: SupplierTier;
  readonly hubOptions?: Partial<CrmHubOptions>;
}

/** Creates a migrated database, its storage and client store, a vault, a supplier and the hub. */
export async function createTestHub(options: TestHubOptions): Promise<TestHub> {
  let db: Kysely<unknown>;
  let destroy: () => Promise<void>;
  if (options.backend === undefined) {
    db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    destroy = () => db.destroy();
  } else {
    const created = await options.backend.create();
    db = created.db;
    destroy = created.destroy;
  }
  const clock = {
    now: new Date('2026-03-01T09:00:00.000Z'),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    read: () => new Date(clock.now.getTime()),
  };
  const storage = createKyselyStorage({ db, clock: clock.read });
  await storage.migrate();
  const clientStore = createKyselyClientStore({ db });
  const createSupplier = async (tier: SupplierTier = 'PROFESSIONAL') => {
    const id = randomUUID();
    await db
      .insertInto('suppliers' as never)
      .values({ id, name: `Studio ${id.slice(0, 8)}`, tier } as never)
      .execute();
    return id;
  };
  const supplierId = await createSupplier(options.tier ?? 'PROFESSIONAL');
  const hub = createCrmHub({
    storage,
    clientStore,
    providers: options.providers,
    vault: createVault({ keys: [{ id: 'k1', key: generateVaultKey() }] }),
    clock: clock.read,
    ...options.hubOptions,
  });
  return { db, hub, storage, clientStore, supplierId, clock, createSupplier, destroy };
}

/** Creates an integration of the fake provider with its default mappings. */
export async function createIntegration(
  testHub: TestHub,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const { integration } = await testHub.hub.createIntegration({
    supplierId: testHub.supplierId,
    body: {
      crm_provider: 'tave',
      connection_name: `Studio ${randomUUID().slice(0, 6)}`,
      auth_config: { api_key: 'live-secret-key-123456' },
      ...overrides,
    } as never,
  });
  return integration.id;
}

/** Reads every row of a table. */
export async function rowsOf(db: Kysely<unknown>, table: string): Promise<Record<string, unknown>[]> {
  return (await db
    .selectFrom(table as never)
    .selectAll()
    .execute()) as Record<string, unknown>[];
}
