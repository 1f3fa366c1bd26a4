/**
 * ClientStore — how the hub reads and writes the host's own records (clients and their projects, events,
 * invoices and payments). The kysely package ships a default implementation on its own tables; a host with
 * its own schema passes its own implementation of this small, batch-shaped contract.
 *
 * Every method works on many records at once (one or a few statements, never one round trip per record) and
 * is scoped to one supplier: a store never reads or writes another supplier's rows through these methods.
 *
 * Records are the canonical WedSync records (`CanonicalRecordByType`); a store keeps them whole and may keep
 * extra indexed columns derived from them (normalised email, E.164 phone, name key) for dedupe lookups.
 */
import type { CanonicalRecordByType, RecordType } from '../model/canonical.js';
import type { TransactionHandle } from './hub-storage.js';

/** The kinds of record a ClientStore holds (the canonical record types). */
export type ClientStoreRecordType = RecordType;

/** Options every ClientStore method accepts. */
export interface ClientStoreCallOptions {
  /** Aborts the call between statements; the store throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** One record as the store holds it. Every value is JSON-able (timestamps are ISO 8601 strings). */
export interface StoredRecord<T extends ClientStoreRecordType = ClientStoreRecordType> {
  /** The WedSync id of the record (a UUID). */
  readonly id: string;
  readonly supplier_id: string;
  /** The canonical record, exactly as it was written. */
  readonly record: CanonicalRecordByType[T];
  /** The integration that last imported the record (clients only; `null` elsewhere or when none). */
  readonly crm_integration_id: string | null;
  /** The record's id in that CRM (clients only; `null` elsewhere or when none). */
  readonly external_crm_id: string | null;
  /** When the record was last written by a CRM sync (clients only; `null` elsewhere or when never). */
  readonly last_crm_sync_at: string | null;
  readonly created_at: string;
  /** Bumped on every write through the store; orders `changesSince`. */
  readonly updated_at: string;
  /** When the record was marked deleted (gone from the CRM); `null` while it is live. */
  readonly deleted_at: string | null;
  readonly deleted_reason: string | null;
}

/**
 * A before-image of a record, taken by `snapshot()` before a sync changes it and written back by `restore()`
 * on rollback. JSON-able so that the HubStorage can keep it in `crm_record_backups.before_image` (a plain
 * object type, so it is assignable to `Record<string, unknown>`).
 */
export type RecordSnapshot<T extends ClientStoreRecordType = ClientStoreRecordType> = {
  readonly [Key in keyof StoredRecord<T>]: StoredRecord<T>[Key];
};

/** One record to write through `upsert()`. */
export interface UpsertRow<T extends ClientStoreRecordType = ClientStoreRecordType> {
  /** The record's WedSync id: omitted to create a record (the store assigns a UUID); given to update it. */
  readonly id?: string;
  readonly supplier_id: string;
  /** The whole canonical record; it replaces the stored record. */
  readonly record: CanonicalRecordByType[T];
  /** Clients only: the integration importing the record. */
  readonly crm_integration_id?: string | null;
  /** Clients only: the record's id in that CRM. */
  readonly external_crm_id?: string | null;
  /**
   * Clients only: when the CRM sync wrote the record.
   * @default the write time when `crm_integration_id` is given, else left unchanged
   */
  readonly last_crm_sync_at?: string | null;
}

/** What `upsert()` did with one row, in the order of the rows given. */
export interface UpsertResult {
  readonly id: string;
  /** `created` when no row with that id existed before the write. */
  readonly operation: 'created' | 'updated';
  readonly updated_at: string;
}

/** A query by ids within one supplier. */
export interface RecordIdsQuery extends ClientStoreCallOptions {
  readonly supplierId: string;
  readonly ids: readonly string[];
}

/** A name key (see the store's `nameKey` helper), optionally narrowed to one wedding date. */
export interface NameDateKey {
  /** Lower-cased, accent-folded, whitespace-collapsed "first last" name. */
  readonly nameKey: string;
  /** `YYYY-MM-DD`; when given only clients with that wedding date match. */
  readonly weddingDate?: string;
}

/**
 * Dedupe keys of incoming clients. A client matches when ANY key matches its own or its partner's email,
 * phone or name. Keys are normalised by the caller with the same helpers the store uses on write (emails
 * trimmed and lower-cased, phones E.164, name keys); the store may normalise them again.
 */
export interface DedupeQuery extends ClientStoreCallOptions {
  readonly supplierId: string;
  readonly emails?: readonly string[];
  readonly phones?: readonly string[];
  readonly names?: readonly NameDateKey[];
}

/** Which kind of key matched a dedupe candidate. */
export type DedupeKeyKind = 'email' | 'phone' | 'name' | 'name_date';

/** One key that matched, as the store holds it (`name_date` values are `name key|YYYY-MM-DD`). */
export interface DedupeMatch {
  readonly kind: DedupeKeyKind;
  readonly value: string;
}

/** A stored client that matches at least one dedupe key, with the keys that matched. */
export interface DedupeCandidate {
  readonly client: StoredRecord<'client'>;
  readonly matches: readonly DedupeMatch[];
}

/** A page of `changesSince()`. */
export interface ChangesQuery extends ClientStoreCallOptions {
  readonly supplierId: string;
  /** Opaque cursor from a previous page's `nextCursor`; `null` to start from the beginning (or from `since`). */
  readonly cursor: string | null;
  /**
   * ISO 8601 instant: with a `null` cursor, the first page starts with the rows updated after it (ignored when a
   * cursor is given). Lets a reader start from a point in time it knows, e.g. the end of an earlier sync.
   */
  readonly since?: string;
  /** Rows per page, 1 to 10,000. */
  readonly limit: number;
}

/** Rows changed after a cursor, oldest change first (ordered by `updated_at`, then `id`). */
export interface ChangesPage<T extends ClientStoreRecordType = ClientStoreRecordType> {
  readonly rows: readonly StoredRecord<T>[];
  /** Where the next page starts; keep it to resume later. `null` only when nothing was ever returned. */
  readonly nextCursor: string | null;
  /** Whether more rows followed this page when it was read. */
  readonly hasMore: boolean;
}

/** One row of `changeStampsSince()`: where a record stands in the change feed, without the record. */
export interface ChangeStamp {
  readonly id: string;
  /** The row's `updated_at`, as `changesSince` returns it. */
  readonly updated_at: string;
  readonly deleted_at: string | null;
}

/** A page of `changeStampsSince()`: the rows `changesSince` would return, stamps only. */
export interface ChangeStampsPage {
  readonly rows: readonly ChangeStamp[];
  /** Where the next page starts: a cursor both `changesSince` and `changeStampsSince` accept. */
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
}

/** Records to mark deleted (gone from the CRM). */
export interface MarkDeletedQuery extends RecordIdsQuery {
  /** Why, e.g. `deleted in tave`. */
  readonly reason: string;
}

/**
 * The host-records contract, version 1. Implementations must make every batch method atomic (all rows or
 * none) and run it inside the caller's transaction when bound to one (`withTransaction` / `transaction`).
 */
export interface ClientStore {
  readonly specificationVersion: 'v1';

  /** Reads records by id within one supplier. Missing ids are absent from the map. */
  findByIds<T extends ClientStoreRecordType>(
    recordType: T,
    query: RecordIdsQuery,
  ): Promise<ReadonlyMap<string, StoredRecord<T>>>;

  /** Finds the supplier's clients matching any of the keys (deleted-marked clients included). */
  findDedupeCandidates(query: DedupeQuery): Promise<readonly DedupeCandidate[]>;

  /**
   * Creates or replaces records: rows without an id get a new UUID, rows with one replace that record (or
   * create it with that id). Bumps `updated_at` and clears a deletion mark. Validates every record first.
   *
   * @throws ValidationError when a record is not a valid canonical record (nothing is written).
   * @throws ConflictError when an id belongs to another supplier.
   */
  upsert<T extends ClientStoreRecordType>(
    recordType: T,
    rows: readonly UpsertRow<T>[],
    options?: ClientStoreCallOptions,
  ): Promise<readonly UpsertResult[]>;

  /** Pages through the supplier's records changed after a cursor (marked-deleted ones included). */
  changesSince<T extends ClientStoreRecordType>(recordType: T, query: ChangesQuery): Promise<ChangesPage<T>>;

  /**
   * Optional: the same rows as `changesSince`, in the same order and with the same cursors, but only their stamps
   * (id, `updated_at`, `deleted_at`), so a reader can tell which records it must read whole without decoding
   * every one. An export uses it to pass over the records the import before it wrote (see `RecordLink`'s
   * `base_updated_at`); without it, it reads every record with `changesSince`.
   */
  changeStampsSince?(recordType: ClientStoreRecordType, query: ChangesQuery): Promise<ChangeStampsPage>;

  /** Before-images of records (missing ids are skipped), for rollback. */
  snapshot<T extends ClientStoreRecordType>(
    recordType: T,
    query: RecordIdsQuery,
  ): Promise<readonly RecordSnapshot<T>[]>;

  /** Writes before-images back exactly (timestamps and deletion mark included), re-creating removed rows. */
  restore<T extends ClientStoreRecordType>(
    recordType: T,
    snapshots: readonly RecordSnapshot<T>[],
    options?: ClientStoreCallOptions,
  ): Promise<void>;

  /**
   * Optional: brings the database's planner statistics of the tables `findDedupeCandidates` searches up to date
   * (see `HubStorage.refreshStatistics`: an import calls both as it grows).
   */
  refreshStatistics?(options?: ClientStoreCallOptions): Promise<void>;

  /** Erases records (rollback of records a job created); dependent records go with them. Returns the count. */
  remove(recordType: ClientStoreRecordType, query: RecordIdsQuery): Promise<number>;

  /** Marks live records deleted (never erases them). Returns the ids it marked. */
  markDeleted(recordType: ClientStoreRecordType, query: MarkDeletedQuery): Promise<readonly string[]>;

  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. `fn` gets a
   * store bound to the transaction and a handle a HubStorage of the same backend can join. Calling
   * `transaction` on a bound store reuses the open transaction.
   */
  transaction<Result>(
    fn: (store: ClientStore, handle: TransactionHandle) => Promise<Result>,
  ): Promise<Result>;

  /**
   * A store bound to a transaction the HubStorage opened (`hubStorage.transaction((storage, handle) => ...)`),
   * so one page of a sync commits atomically.
   *
   * @throws InvalidArgumentError when the handle comes from another kind of storage.
   */
  withTransaction(handle: TransactionHandle): ClientStore;
}
