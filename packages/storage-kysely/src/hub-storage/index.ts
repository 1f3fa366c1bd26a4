/**
 * The kysely HubStorage, assembled from its parts over one StorageContext (bound to the root database or to an
 * open transaction).
 */
import {
  type HubStorage,
  NotFoundError,
  type StorageCallOptions,
  StorageError,
  type SupplierTier,
  supplierTiers,
  type TransactionHandle,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { type AnyTransaction, createTransactionHandle, transactionOfHandle } from '../transaction.js';
import { createBackupStore } from './backups.js';
import { checkText, isUuid } from './checks.js';
import { createConflictStore } from './conflicts.js';
import { guard, type StorageContext, toStorageError } from './context.js';
import { createFieldMappingStore } from './field-mappings.js';
import { createIntegrationStore } from './integrations.js';
import { createJobStore } from './jobs.js';
import { createLinkStore, linksTable } from './links.js';
import { createLogStore } from './logs.js';
import { createScratchStore } from './scratch.js';
import { createStagingStore } from './staging.js';

export type { AnyDatabase, StorageContext, SupplierTierSource } from './context.js';

const ready = async () => {};

/** Marks an error thrown by the caller's callback, so it passes through a transaction unchanged. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** A HubStorage over a context; `transaction` binds a new one to the open kysely transaction. */
export function createHubStorage(context: StorageContext, transactionHandle?: TransactionHandle): HubStorage {
  const handle =
    transactionHandle ??
    (context.db.isTransaction ? createTransactionHandle(context.db as AnyTransaction) : undefined);

  const bind = (
    transaction: AnyTransaction,
    boundHandle = createTransactionHandle(transaction),
  ): HubStorage => createHubStorage({ ...context, db: transaction, ready }, boundHandle);

  const storage: HubStorage = {
    specificationVersion: 'v1',
    integrations: createIntegrationStore(context),
    fieldMappings: createFieldMappingStore(context),
    jobs: createJobStore(context),
    staging: createStagingStore(context),
    logs: createLogStore(context),
    links: createLinkStore(context),
    conflicts: createConflictStore(context),
    backups: createBackupStore(context),
    // Bound like every part: on a transaction's storage, scratch writes commit or roll back with it.
    scratch: createScratchStore(context),

    async transaction<Result>(fn: (storage: HubStorage, handle: TransactionHandle) => Promise<Result>) {
      if (handle !== undefined) return fn(storage, handle);
      try {
        await context.ready();
        return await context.db.transaction().execute(async (transaction) => {
          const boundHandle = createTransactionHandle(transaction);
          const bound = bind(transaction, boundHandle);
          try {
            return await fn(bound, boundHandle);
          } catch (error) {
            throw new CallbackFailure(error);
          }
        });
      } catch (error) {
        if (error instanceof CallbackFailure) throw error.error;
        throw toStorageError(error, 'run a transaction', '(transaction)');
      }
    },

    withTransaction(foreignHandle: TransactionHandle) {
      return bind(transactionOfHandle(foreignHandle), foreignHandle);
    },
  };

  if (context.dialect === 'postgres') {
    // PostgreSQL only: SQLite's planner picks the links' unique indexes for these lookups without statistics.
    // The key columns only: statistics of the JSON base snapshots would cost most of the time and serve no plan.
    storage.refreshStatistics = async (options: StorageCallOptions = {}) => {
      options.signal?.throwIfAborted();
      await guard(context, 'refresh planner statistics', linksTable, async () => {
        await sql`ANALYZE ${sql.table(linksTable)} (integration_id, record_type, external_id, wedsync_record_id)`.execute(
          context.db,
        );
      });
    };
  }

  const tierSource = context.tierSource;
  if (tierSource !== undefined) {
    storage.getSupplierTier = async (supplierId: string) => {
      checkText(supplierId, 'supplierId');
      return guard(context, 'read a supplier tier', tierSource.table, async () => {
        const notFound = () =>
          new NotFoundError(`Supplier \`${supplierId}\` was not found`, { context: { supplierId } });
        if (!isUuid(supplierId)) throw notFound();
        const row = await context.db
          .selectFrom(tierSource.table)
          .select(sql.ref(tierSource.tierColumn).as('tier'))
          .where(tierSource.idColumn, '=', supplierId.toLowerCase())
          .executeTakeFirst();
        if (row === undefined) throw notFound();
        const tier = row.tier;
        if (typeof tier !== 'string' || !(supplierTiers as readonly string[]).includes(tier)) {
          throw new StorageError(`Supplier \`${supplierId}\` has an unknown tier`, {
            context: { operation: 'read a supplier tier', table: tierSource.table, supplierId },
          });
        }
        return tier as SupplierTier;
      });
    };
  }
  return storage;
}
