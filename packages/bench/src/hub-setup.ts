/**
 * A WedSync with the hub on a fresh database, as a host would put it together (see examples/demo.mjs): the
 * hub's tables and the embedded host tables, a supplier, the Tave provider pointed at the fake, and a Tave
 * integration connected with the fake's API key.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  type CrmHub,
  createCrmHub,
  createInProcessRunner,
  createVault,
  generateVaultKey,
  type JobRunOutcome,
  type ProgressEvent,
  type ProviderHttpClientFactory,
  type ProviderRateLimits,
} from '@wedsync/crm-core';
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import { createTave } from '@wedsync/crm-tave';
import type { BenchDatabase } from './databases.js';
import { FakeServerProcessError } from './fake-tave-process.js';

/** A request budget so large it never waits: the benchmarks' "limits off". */
export const unlimitedRates: ProviderRateLimits = {
  requestsPerMinute: 1_000_000_000,
  requestsPerHour: 1_000_000_000,
};

/** Options of {@link createBenchHub}. */
export interface BenchHubOptions {
  /** The fake Tave's URL. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The provider's client-side request budget. @default unlimitedRates */
  readonly rateLimits?: ProviderRateLimits;
  /** Tave page size (10 to 100). @default 100 */
  readonly pageSize?: number;
  /** @default provider-kit's createProviderHttpFactory() */
  readonly httpClientFactory?: ProviderHttpClientFactory;
  /** The integration's sync direction. @default 'import_only' (the spec's default) */
  readonly syncDirection?: 'import_only' | 'bidirectional' | 'export_only';
}

/** The hub of a run and what it was built from. */
export interface BenchHub {
  readonly hub: CrmHub;
  readonly storage: ReturnType<typeof createKyselyStorage>;
  readonly clientStore: ReturnType<typeof createKyselyClientStore>;
  readonly supplierId: string;
  readonly integrationId: string;
  /** Triggers a job of `jobType` and runs it to its end with an in-process runner. */
  runJob(
    jobType: 'full_import' | 'incremental_sync',
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<JobRunOutcome>;
}

/** Migrates the database, adds a supplier, builds the hub and connects a Tave integration (tested). */
export async function createBenchHub(database: BenchDatabase, options: BenchHubOptions): Promise<BenchHub> {
  const { db } = database;
  const storage = createKyselyStorage({ db });
  await storage.migrate();
  const clientStore = createKyselyClientStore({ db });
  const supplierId = randomUUID();
  await db
    .insertInto('suppliers')
    .values({ id: supplierId, name: 'Benchmark Studio', tier: 'ENTERPRISE' })
    .execute();
  const hub = createCrmHub({
    storage,
    clientStore,
    vault: createVault({ keys: [{ id: 'bench-key', key: generateVaultKey() }] }),
    providers: [
      createTave({
        baseUrl: options.baseUrl,
        pageSize: options.pageSize ?? 100,
        rateLimits: options.rateLimits ?? unlimitedRates,
      }),
    ],
    httpClientFactory: options.httpClientFactory ?? createProviderHttpFactory(),
  });
  const { integration } = await hub.createIntegration({
    supplierId,
    body: {
      crm_provider: 'tave',
      connection_name: 'Benchmark Tave',
      auth_config: { api_key: options.apiKey },
      ...(options.syncDirection === undefined
        ? {}
        : { sync_config: { sync_direction: options.syncDirection } }),
    },
  });
  const connection = await hub.testConnection({ supplierId, integrationId: integration.id });
  if (!connection.success) {
    throw new FakeServerProcessError('Could not connect to the fake Tave', {
      context: { reason: connection.error_message ?? null },
    });
  }
  const runner = createInProcessRunner({ hub });
  return {
    hub,
    storage,
    clientStore,
    supplierId,
    integrationId: integration.id,
    async runJob(jobType, onProgress) {
      const unsubscribe = onProgress === undefined ? undefined : hub.on('progress', onProgress);
      try {
        await hub.triggerSync({ supplierId, integrationId: integration.id, body: { job_type: jobType } });
        const [outcome] = await runner.drain({ maxJobs: 1 });
        if (outcome === undefined) {
          throw new ConflictError(`The runner found no ${jobType} job to run`, { context: { jobType } });
        }
        return outcome;
      } finally {
        unsubscribe?.();
      }
    },
  };
}
