/**
 * Transaction handles of the kysely storage: the opaque `TransactionHandle` of the HubStorage contract, made by
 * this package around a kysely `Transaction`, so the HubStorage and the ClientStore can write through one
 * transaction. The kysely transaction is kept in a WeakMap: the handle itself carries nothing a caller could
 * misuse, and a handle made by another storage implementation is recognised and refused.
 */
import type { TransactionHandle } from '@wedsync/crm-core';
import { InvalidArgumentError } from '@wedsync/crm-core';
import type { Transaction } from 'kysely';

/** The `storageKind` of handles made by this package. */
export const kyselyStorageKind = 'kysely';

/** A kysely transaction over any schema. */
// biome-ignore lint/suspicious/noExplicitAny: transactions of any database schema.
export type AnyTransaction = Transaction<any>;

const transactions = new WeakMap<object, AnyTransaction>();

/** Wraps an open kysely transaction in an opaque handle (valid while the transaction is open). */
export function createTransactionHandle(transaction: AnyTransaction): TransactionHandle {
  const handle = Object.freeze({ storageKind: kyselyStorageKind });
  transactions.set(handle, transaction);
  return handle as unknown as TransactionHandle;
}

/**
 * The kysely transaction inside a handle made by {@link createTransactionHandle}.
 *
 * @throws InvalidArgumentError when the handle was made by another kind of storage (or is not a handle).
 */
export function transactionOfHandle(handle: TransactionHandle): AnyTransaction {
  const transaction =
    typeof handle === 'object' && handle !== null ? transactions.get(handle as object) : undefined;
  if (transaction === undefined) {
    const kind =
      typeof handle === 'object' && handle !== null
        ? String((handle as { storageKind?: unknown }).storageKind)
        : typeof handle;
    throw new InvalidArgumentError(
      `Expected a transaction handle made by the kysely storage, got one of kind \`${kind}\``,
      { context: { storageKind: kind } },
    );
  }
  return transaction;
}
