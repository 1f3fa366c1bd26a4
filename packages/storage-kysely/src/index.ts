/**
 * @wedsync/crm-storage-kysely — the hub's storage on kysely: migrations, the HubStorage and a default
 * ClientStore, on PostgreSQL (pg or PGlite) and SQLite (better-sqlite3). The dialect is read from the Kysely
 * instance the host passes.
 *
 * ```ts
 * const storage = createKyselyStorage({ db });
 * await storage.migrate();
 * const clients = createKyselyClientStore({ db });
 * await storage.transaction(async (hub, handle) => {
 *   const store = clients.withTransaction(handle); // one commit for records, links, logs and checkpoint
 * });
 * ```
 */

import type { HubStorage } from '@wedsync/crm-core';
import { InvalidArgumentError } from '@wedsync/crm-core';
import { detectDialect, type SqlDialectName } from './dialect.js';
import type { AnyDatabase, StorageContext } from './hub-storage/index.js';
import { createHubStorage } from './hub-storage/index.js';
import { describeValue } from './json.js';
import { type HostSchemaOptions, resolveHostSchema } from './migrations/host-tables.js';
import {
  ensureSqliteForeignKeys,
  type HostTablesMode,
  type MigrationSummary,
  migrateHub,
} from './migrations/index.js';

export type { KyselyClientStore, KyselyClientStoreOptions } from './client-store/index.js';
export {
  createKyselyClientStore,
  nameKey,
  normalizeEmail,
  normalizePhone,
} from './client-store/index.js';
export type { SqlDialectName } from './dialect.js';
export { detectDialect } from './dialect.js';
export type {
  CreateHostTablesOptions,
  HostColumnKey,
  HostSchema,
  HostSchemaOptions,
  HostTableKey,
} from './migrations/host-tables.js';
export { createHostTables, hostTableColumns, resolveHostSchema } from './migrations/host-tables.js';
export type { HostTablesMode, MigrationSummary } from './migrations/index.js';
export { hubMigrationNames } from './migrations/index.js';
export type { CachedSqliteDatabase, SqliteStatementCacheOptions } from './sqlite-statements.js';
export { cacheSqliteStatements } from './sqlite-statements.js';
export { createTransactionHandle, transactionOfHandle } from './transaction.js';

/** Options of {@link createKyselyStorage}. */
export interface KyselyStorageOptions {
  /** The host's Kysely instance (PostgreSQL through pg or PGlite, or SQLite through better-sqlite3). */
  readonly db: AnyDatabase;
  /**
   * 'create': migrate() creates the embedded host tables (`suppliers`, `clients`, `projects`, ...) for a host
   * without its own. 'existing': the host already has `suppliers` and `clients`; migrate() only checks them.
   * @default 'create'
   */
  readonly hostTables?: HostTablesMode;
  /** Names of the host's tables and columns when they differ from the defaults (see HostSchemaOptions). */
  readonly schema?: HostSchemaOptions;
  /**
   * Whether `getSupplierTier` reads `suppliers.tier` (the column CHECKs FREE..ENTERPRISE). With `false` the
   * storage has no `getSupplierTier` and the host supplies tiers to the hub itself.
   * @default true with hostTables 'create', false with 'existing'
   */
  readonly supplierTiers?: boolean;
  /** The storage's clock, for timestamps it writes. @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * The table in which the hub's migrations are recorded (its lock table gets a `_lock` suffix). Never change
   * it once a database has been migrated.
   * @default 'crm_hub_migration'
   */
  readonly migrationTableName?: string;
}

/** The kysely HubStorage, with the migrations of its tables. */
export interface KyselyHubStorage extends HubStorage {
  /** The dialect detected from `db`. */
  readonly dialect: SqlDialectName;
  /**
   * Creates or updates the hub's tables (and the embedded host tables with hostTables 'create'). Idempotent;
   * safe from several processes at once on PostgreSQL (kysely's Migrator holds an advisory lock).
   */
  migrate(): Promise<MigrationSummary>;
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/**
 * Creates the HubStorage on a Kysely instance. Nothing touches the database until the first call.
 *
 * @throws InvalidArgumentError when an option is not valid or the database is neither PostgreSQL nor SQLite.
 */
export function createKyselyStorage(options: KyselyStorageOptions): KyselyHubStorage {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected options to be an object, got ${describeValue(options)}`, {
      context: { option: 'options' },
    });
  }
  const { db } = options;
  if (
    typeof db !== 'object' ||
    db === null ||
    typeof (db as { getExecutor?: unknown }).getExecutor !== 'function'
  ) {
    throw new InvalidArgumentError(`Expected \`db\` to be a Kysely instance, got ${describeValue(db)}`, {
      context: { option: 'db' },
    });
  }
  const hostTables = options.hostTables ?? 'create';
  if (hostTables !== 'create' && hostTables !== 'existing') {
    throw new InvalidArgumentError(
      `Expected \`hostTables\` to be 'create' or 'existing', got ${describeValue(hostTables)}`,
      { context: { option: 'hostTables' } },
    );
  }
  if (options.supplierTiers !== undefined && typeof options.supplierTiers !== 'boolean') {
    throw new InvalidArgumentError(
      `Expected \`supplierTiers\` to be a boolean, got ${describeValue(options.supplierTiers)}`,
      { context: { option: 'supplierTiers' } },
    );
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new InvalidArgumentError(
      `Expected \`clock\` to be a function, got ${describeValue(options.clock)}`,
      {
        context: { option: 'clock' },
      },
    );
  }
  const migrationTableName = options.migrationTableName ?? 'crm_hub_migration';
  if (typeof migrationTableName !== 'string' || !identifierPattern.test(migrationTableName)) {
    throw new InvalidArgumentError(
      `Expected \`migrationTableName\` to be an SQL identifier of at most 51 characters, got ${describeValue(migrationTableName)}`,
      { context: { option: 'migrationTableName' } },
    );
  }
  const dialect = detectDialect(db);
  const schema = resolveHostSchema(options.schema);
  const supplierTiers = options.supplierTiers ?? hostTables === 'create';

  let readiness: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (dialect !== 'sqlite' || db.isTransaction) return Promise.resolve();
    readiness ??= ensureSqliteForeignKeys(db).catch((error: unknown) => {
      readiness = undefined;
      throw error;
    });
    return readiness;
  };

  const context: StorageContext = {
    db,
    dialect,
    clock: options.clock ?? (() => new Date()),
    suppliers: { table: schema.tables.suppliers, idColumn: schema.columns.suppliers.id },
    tierSource: supplierTiers
      ? {
          table: schema.tables.suppliers,
          idColumn: schema.columns.suppliers.id,
          tierColumn: schema.columns.suppliers.tier,
        }
      : undefined,
    ready,
    scratchStatistics: new Map(),
  };
  const storage = createHubStorage(context);
  return Object.assign(storage, {
    dialect,
    migrate: () => migrateHub(db, { dialect, hostTables, schema, migrationTableName }),
  });
}
