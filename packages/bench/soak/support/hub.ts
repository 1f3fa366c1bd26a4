/**
 * A hub as a host builds one, on the built packages: kysely storage and client store on a real database, a
 * vault, the Tave provider against a fake VSCO Workspace, provider-kit's HTTP factory, and a logger that keeps
 * every line (the suites search them for secrets).
 */
import { randomUUID } from 'node:crypto';
import {
  type CrmHub,
  createCrmHub,
  createVault,
  type ProviderLogger,
  type SupplierTier,
} from '@wedsync/crm-core';
import { createProviderHttpFactory, type ProviderHttpFactoryOptions } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import type { AnyDatabase } from './databases.js';

/** A quota high enough that the hub's own budget never slows a suite (the fake injects what a suite wants). */
export const unlimitedRateLimits = { requestsPerMinute: 1_000_000, requestsPerHour: 10_000_000 } as const;

/** Every line a hub logged, as `level message {context}` text. */
export interface RecordingLogger extends ProviderLogger {
  readonly lines: string[];
}

/** A logger that keeps every line (debug included). */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, context?: Readonly<Record<string, unknown>>): void => {
      lines.push(`${level} ${message} ${context === undefined ? '' : JSON.stringify(context)}`);
    };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** Creates the hub's tables (and the embedded host tables) in `db`. */
export async function migrate(db: AnyDatabase): Promise<void> {
  await createKyselyStorage({ db }).migrate();
}

/** Adds a supplier (the host's row) and returns its id. */
export async function createSupplier(db: AnyDatabase, tier: SupplierTier = 'ENTERPRISE'): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('suppliers')
    .values({ id, name: `Soak studio ${id.slice(0, 8)}`, tier })
    .execute();
  return id;
}

/** Options of {@link createSoakHub}. */
export interface SoakHubOptions {
  readonly db: AnyDatabase;
  /** The fake VSCO Workspace's base URL. */
  readonly taveUrl: string;
  /** Base64 vault key; hubs sharing a database share it. */
  readonly vaultKey: string;
  /** Tave page size. @default 100 */
  readonly pageSize?: number;
  /** provider-kit factory options (retries). @default provider-kit's defaults */
  readonly http?: ProviderHttpFactoryOptions;
  readonly logger?: ProviderLogger;
}

/** A hub on `db` (already migrated) with the Tave provider. */
export function createSoakHub(options: SoakHubOptions): CrmHub {
  return createCrmHub({
    storage: createKyselyStorage({ db: options.db }),
    clientStore: createKyselyClientStore({ db: options.db }),
    vault: createVault({ keys: [{ id: 'soak', key: options.vaultKey }] }),
    providers: [
      createTave({
        baseUrl: options.taveUrl,
        pageSize: options.pageSize ?? 100,
        rateLimits: unlimitedRateLimits,
      }),
    ],
    httpClientFactory: createProviderHttpFactory(options.http ?? {}),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/** Connects a supplier's Tave (credentials sealed, connection tested) and returns the integration id. */
export async function connectTave(
  hub: CrmHub,
  supplierId: string,
  apiKey: string,
  connectionName = 'Tave',
): Promise<string> {
  const { integration } = await hub.createIntegration({
    supplierId,
    body: { crm_provider: 'tave', connection_name: connectionName, auth_config: { api_key: apiKey } },
  });
  const connection = await hub.testConnection({ supplierId, integrationId: integration.id });
  if (!connection.success) {
    throw new Error(`The fake Tave refused the connection test: ${JSON.stringify(connection)}`);
  }
  return integration.id;
}
