/**
 * What every part of the kysely HubStorage shares: the database (or the open transaction), its dialect, the
 * clock, and the helpers that keep behaviour identical on every dialect — driver errors turned into CrmErrors,
 * statements chunked under the parameter limit, transactions that nest by reuse.
 */
import { CrmError, NotFoundError, StorageError } from '@wedsync/crm-core';
import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

/** A Kysely instance over any schema: the hub addresses its tables by name and decodes rows with codecs. */
// biome-ignore lint/suspicious/noExplicitAny: the hub's tables are addressed by name; rows are decoded by codecs.
export type AnyDatabase = Kysely<any>;

/** Where the supplier tier lives, when the storage reads it. */
export interface SupplierTierSource {
  readonly table: string;
  readonly idColumn: string;
  readonly tierColumn: string;
}

/** The shared state of one HubStorage (bound to the root database or to one transaction). */
export interface StorageContext {
  readonly db: AnyDatabase;
  readonly dialect: SqlDialectName;
  readonly clock: () => Date;
  /** Where suppliers live (their table is locked while a tier-limited integration is created). */
  readonly suppliers: { readonly table: string; readonly idColumn: string };
  readonly tierSource: SupplierTierSource | undefined;
  /** Resolves once the connection is usable (SQLite: foreign keys on). A no-op inside a transaction. */
  readonly ready: () => Promise<void>;
  /**
   * Rows each job has put in its scratch space, and at how many its planner statistics are due next
   * (PostgreSQL); one map shared by the storage and everything bound to its transactions.
   */
  readonly scratchStatistics: Map<string, { rows: number; analyzeAt: number }>;
}

/**
 * Parameters per statement, kept under SQLite's 32766 host-parameter limit and PostgreSQL's 65535 (the wire
 * protocol's 16-bit count), with room to spare for the few parameters a statement adds beside the rows.
 */
export function maxParameters(dialect: SqlDialectName): number {
  return dialect === 'postgres' ? 65_000 : 32_000;
}

/** Splits `items` into chunks of at most `size` items. */
export function chunk<Item>(items: readonly Item[], size: number): Item[][] {
  const chunks: Item[][] = [];
  const step = Math.max(1, Math.floor(size));
  for (let index = 0; index < items.length; index += step) chunks.push(items.slice(index, index + step));
  return chunks;
}

/** Chunks of rows so that `rows * parametersPerRow` stays under the dialect's parameter limit. */
export function chunkRows<Item>(
  context: StorageContext,
  items: readonly Item[],
  parametersPerRow: number,
  reservedParameters = 0,
): Item[][] {
  return chunk(items, (maxParameters(context.dialect) - reservedParameters) / parametersPerRow);
}

/** What kind of rule a driver error reports. */
export type DriverErrorKind = 'unique' | 'foreign_key' | 'check' | 'not_null' | 'other';

/** A driver error reduced to what the storage acts on. */
export interface DriverErrorInfo {
  readonly kind: DriverErrorKind;
  /** The driver's error code (`23505`, `SQLITE_CONSTRAINT_UNIQUE`, ...), when it has one. */
  readonly code?: string;
  /** The constraint or index named by PostgreSQL, when it names one. */
  readonly constraint?: string;
}

const postgresCodes: Readonly<Record<string, DriverErrorKind>> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'check',
  '23502': 'not_null',
};

const sqliteCodes: Readonly<Record<string, DriverErrorKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
};

/** Classifies an error thrown by pg, PGlite or better-sqlite3. */
export function classifyDriverError(error: unknown): DriverErrorInfo {
  if (typeof error !== 'object' || error === null) return { kind: 'other' };
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (typeof code !== 'string') return { kind: 'other' };
  const kind = postgresCodes[code] ?? sqliteCodes[code] ?? 'other';
  return typeof constraint === 'string' ? { kind, code, constraint } : { kind, code };
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * The error to throw for a failure of `operation` on `table`: CrmErrors and aborts pass through; anything else
 * (a driver error) becomes a StorageError with `{ operation, table }`, the driver's code and the error as cause.
 * The driver's message is left out of ours: it may quote the values that were written.
 */
export function toStorageError(error: unknown, operation: string, table: string): Error {
  if (CrmError.isInstance(error) || isAbortError(error)) return error as Error;
  const info = classifyDriverError(error);
  if (info.kind === 'foreign_key') {
    // Every foreign key of the hub's tables cascades or sets null on delete: a violation means a write named a
    // parent row (integration, job, supplier) that does not exist.
    return new NotFoundError(
      `Storage failed to ${operation} in \`${table}\`: a referenced row does not exist`,
      {
        context: {
          operation,
          table,
          ...(info.code === undefined ? {} : { driverCode: info.code }),
          ...(info.constraint === undefined ? {} : { constraint: info.constraint }),
        },
        cause: error,
      },
    );
  }
  const detail = info.code === undefined ? '' : ` (driver code ${info.code})`;
  return new StorageError(`Storage failed to ${operation} in \`${table}\`${detail}`, {
    context: {
      operation,
      table,
      ...(info.code === undefined ? {} : { driverCode: info.code }),
      ...(info.constraint === undefined ? {} : { constraint: info.constraint }),
    },
    cause: error,
  });
}

/** Runs one storage operation: waits until the connection is ready, and turns driver errors into StorageErrors. */
export async function guard<Result>(
  context: StorageContext,
  operation: string,
  table: string,
  run: () => Promise<Result>,
): Promise<Result> {
  try {
    await context.ready();
    return await run();
  } catch (error) {
    if (error instanceof Aborted) throw error.reason;
    throw toStorageError(error, operation, table);
  }
}

/** Runs `run` in a transaction: the open one when the context is bound to a transaction, a new one otherwise. */
export async function inTransaction<Result>(
  context: StorageContext,
  run: (db: AnyDatabase) => Promise<Result>,
): Promise<Result> {
  if (context.db.isTransaction) return run(context.db);
  return context.db.transaction().execute((transaction) => run(transaction));
}

/** Carries an abort signal's reason through a transaction, so `guard` rethrows the reason unchanged. */
class Aborted {
  constructor(readonly reason: unknown) {}
}

/**
 * Stops a batch between its statements when the signal was aborted: the transaction rolls back and the call
 * rejects with the signal's reason, unchanged (as `fetch` does).
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new Aborted(signal.reason);
}

/** A number of affected rows from kysely's result (bigint) as a number. */
export function affectedRows(value: bigint | number | undefined): number {
  return value === undefined ? 0 : Number(value);
}
