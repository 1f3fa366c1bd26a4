/**
 * HubStorage, version 1 — where the hub keeps its own state: the spec's crm_* tables (integrations, field
 * mappings, sync jobs, sync logs, client staging) plus what correct sync needs (record links with the base
 * snapshot of the last sync, open field conflicts, before-images for rollback, job leases and checkpoints).
 *
 * The contract is versioned through `specificationVersion` so it can evolve: a v2 adds members beside v1's.
 * Rows come back in the spec's shapes: timestamps are ISO 8601 strings (UTC) on every backend, JSON columns are
 * parsed, booleans are booleans, and SQL NULL becomes an absent property where the type says optional.
 *
 * One page of a sync commits atomically through `transaction(fn)`: `fn` receives a HubStorage bound to the
 * transaction and an opaque {@link TransactionHandle} that a ClientStore of the same backend accepts
 * (`clientStore.withTransaction(handle)`), so records, links, logs and the job checkpoint share one commit.
 *
 * Errors: every method throws CrmErrors. A broken uniqueness or state rule is a ConflictError (a second
 * active job is a JobAlreadyActiveError naming the active job), a missing row a NotFoundError, a bad argument an
 * InvalidArgumentError, anything the driver reports a StorageError with `{ operation, table }` and `cause`.
 * Credentials never reach an error: `auth_config` holds only the vault's sealed envelope and is never put in
 * an error's context.
 */
import type { RecordType } from '../model/canonical.js';
import type {
  ConnectionStatus,
  CrmProviderId,
  JobStatus,
  JobType,
  LastSyncStatus,
  LogActionType,
  StagingStatus,
  SupplierTier,
} from '../model/enums.js';
import type { CrmFieldMapping } from '../model/field-mapping.js';
import type { CrmIntegration, CrmSyncConfig } from '../model/integration.js';
import type { CrmSyncJob, CrmSyncLog } from '../model/job.js';

/** A JSON object as stored in a JSON column. */
export type JsonObject = Record<string, unknown>;

declare const transactionHandleBrand: unique symbol;

/**
 * An open transaction, opaque to the engine. The storage that created it knows what is inside; a ClientStore
 * of the same backend accepts it in `withTransaction(handle)` so both write through one transaction. It is
 * valid only while the `transaction(fn)` callback that received it runs.
 */
export interface TransactionHandle {
  readonly [transactionHandleBrand]: true;
  /** Which storage implementation made the handle (e.g. `kysely`); a store rejects handles of another kind. */
  readonly storageKind: string;
}

/** Options every call that may take long accepts. */
export interface StorageCallOptions {
  /** Aborts the call between statements (e.g. between the chunks of a large batch). */
  readonly signal?: AbortSignal;
}

/**
 * Which supplier the caller acts for. Request handlers pass the signed-in supplier's id: an integration of
 * another supplier is then reported as not found. The engine and the runner, which work by integration id on
 * behalf of the system, pass `null` on purpose.
 */
export interface SupplierScope {
  readonly supplierId: string | null;
}

/** Page-number pagination of the list endpoints. */
export interface PageOptions extends StorageCallOptions {
  /** 1-based page number. @default 1 */
  readonly page?: number;
  /** Rows per page, 1 to 500. @default 50 */
  readonly per_page?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Integrations

/** A new integration. `auth_config` is the vault's sealed envelope: storage never sees plaintext credentials. */
export interface NewIntegration {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly supplier_id: string;
  readonly crm_provider: CrmProviderId;
  readonly connection_name: string;
  /** @default 'pending_auth' */
  readonly connection_status?: ConnectionStatus;
  /** The sealed credential envelope (JSON). */
  readonly auth_config: JsonObject;
  readonly sync_config: CrmSyncConfig;
}

/** Options of `integrations.create`. */
export interface CreateIntegrationOptions {
  /**
   * The most integrations the supplier may hold (from its tier); `null` or absent = no limit. Checked and
   * inserted in one transaction (on PostgreSQL under a lock on the supplier row), so two concurrent creates
   * cannot both pass. Exceeding it throws TierLimitError.
   */
  readonly maxIntegrations?: number | null;
}

/** Columns of an integration that `integrations.update` may change. `updated_at` is always bumped. */
export interface IntegrationPatch {
  readonly connection_name?: string;
  readonly connection_status?: ConnectionStatus;
  /** A new sealed envelope (after re-authentication or a token refresh). */
  readonly auth_config?: JsonObject;
  /** The whole new sync config (the caller merges a partial update first). */
  readonly sync_config?: CrmSyncConfig;
}

/** What a finished sync records on its integration. */
export interface SyncOutcome {
  /** When the sync finished. */
  readonly last_sync_at: Date;
  readonly last_sync_status: LastSyncStatus;
  /** Error summary; `null` or absent clears the previous one. */
  readonly sync_error_details?: JsonObject | null;
}

/** The integrations (`crm_integrations`). */
export interface IntegrationStore {
  /** Inserts an integration. A second one with the same (supplier_id, crm_provider, connection_name) -> ConflictError. */
  create(integration: NewIntegration, options?: CreateIntegrationOptions): Promise<CrmIntegration>;
  /** The integration, or NotFoundError (also when it belongs to another supplier than `scope.supplierId`). */
  get(id: string, scope: SupplierScope): Promise<CrmIntegration>;
  /** The supplier's integrations, oldest first. */
  list(scope: { readonly supplierId: string }): Promise<CrmIntegration[]>;
  /** How many integrations the supplier holds (for tier limits). */
  count(scope: { readonly supplierId: string }): Promise<number>;
  /** Changes the given columns and bumps updated_at; NotFoundError as in `get`. */
  update(id: string, scope: SupplierScope, patch: IntegrationPatch): Promise<CrmIntegration>;
  /** Deletes the integration and, by cascade, its mappings, jobs, logs, staging, links, conflicts and backups. */
  delete(id: string, scope: SupplierScope): Promise<void>;
  /** Sets connection_status (and bumps updated_at). NotFoundError when absent. */
  setConnectionStatus(id: string, status: ConnectionStatus): Promise<void>;
  /** Records the outcome of a sync: last_sync_at, last_sync_status, sync_error_details. */
  recordSyncOutcome(id: string, outcome: SyncOutcome): Promise<void>;
  /**
   * Integrations due for an automatic sync at `now`: connection_status 'connected', sync_config.auto_sync_enabled,
   * no pending or running job, and never synced or synced at least sync_interval_minutes ago. Oldest sync first.
   */
  listDueForAutoSync(now: Date, options?: { readonly limit?: number }): Promise<CrmIntegration[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Field mappings

/** The field mappings of integrations (`crm_field_mappings`). */
export interface FieldMappingStore {
  /** Replaces all mappings of an integration atomically (delete + one multi-row insert, in one transaction). */
  replace(integrationId: string, mappings: readonly CrmFieldMapping[]): Promise<CrmFieldMapping[]>;
  /** The integration's mappings, in the order they were given to `replace`. */
  list(integrationId: string): Promise<CrmFieldMapping[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Sync jobs

/** Job counters the engine keeps (e.g. `{ created: 10, updated: 3, skipped: 1, errors: 0, conflicts: 2 }`). */
export type SyncJobCounts = Record<string, number>;

/**
 * A sync job: the spec's CRMSyncJob plus the columns the runner needs (lease, attempts, checkpoint, dry run,
 * outcome). `job_status` keeps exactly the spec's values; `result_status` says how a completed job went.
 */
export interface SyncJobRecord extends CrmSyncJob {
  /** How many times a runner claimed the job (1 on the first run, more after resumes). */
  attempts: number;
  /** A dry run computes and reports changes but writes no records. */
  dry_run: boolean;
  /** The runner holding the job while it runs. */
  lease_owner?: string;
  /** When the lease lapses; after that another runner may resume the job. */
  lease_expires_at?: string;
  /** The last heartbeat of the lease owner. */
  heartbeat_at?: string;
  /** Where to resume: written with each page, in the same transaction as the page's records. */
  checkpoint?: JsonObject;
  /** How a finished job went: 'success', 'partial' (some records failed) or 'failed'. */
  result_status?: LastSyncStatus;
  counts?: SyncJobCounts;
  /** Set by `cancel` on a running job; the runner sees it in `heartbeat` and stops. */
  cancel_requested_at?: string;
  /** Set when the job's writes were rolled back from its before-images. */
  rolled_back_at?: string;
  updated_at: string;
}

/** A job to create (status 'pending'). */
export interface NewSyncJob {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly integration_id: string;
  readonly job_type: JobType;
  /** @default {} */
  readonly job_config?: JsonObject;
  /** @default false */
  readonly dry_run?: boolean;
  readonly records_total?: number;
}

/** A page of jobs (the spec's GetSyncJobsResponse with the extra columns). */
export interface SyncJobPage {
  sync_jobs: SyncJobRecord[];
  total: number;
  page: number;
  per_page: number;
}

/** Options of `jobs.claim`. */
export interface ClaimOptions {
  /** Who claims (a runner id); stored as lease_owner. */
  readonly owner: string;
  /** How long the lease lasts without a heartbeat, in milliseconds (> 0). */
  readonly leaseMs: number;
  /** @default new Date() (the storage's clock) */
  readonly now?: Date;
  /** Only jobs of these types. @default every type */
  readonly jobTypes?: readonly JobType[];
  /** Only this integration's job. @default any integration */
  readonly integrationId?: string;
}

/** Options of `jobs.heartbeat`. */
export interface LeaseOptions {
  readonly owner: string;
  /** The new lease length from now, in milliseconds (> 0). */
  readonly leaseMs: number;
  /** @default new Date() */
  readonly now?: Date;
}

/** What `jobs.saveProgress` writes; absent fields are left unchanged. */
export interface JobProgress {
  /** Must be the lease owner, or ConflictError. */
  readonly owner: string;
  /** `null` clears the checkpoint. */
  readonly checkpoint?: JsonObject | null;
  readonly progress_percent?: number;
  readonly records_processed?: number;
  readonly records_total?: number | null;
  readonly counts?: SyncJobCounts;
}

/** How a job ends. */
export interface JobCompletion {
  /** Must be the lease owner, or ConflictError. */
  readonly owner: string;
  readonly job_status: Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>;
  readonly result_status?: LastSyncStatus;
  readonly error_details?: JsonObject | null;
  readonly counts?: SyncJobCounts;
  /** @default new Date() */
  readonly now?: Date;
}

/** The sync jobs (`crm_sync_jobs`). At most one pending or running job per integration, enforced by the database. */
export interface SyncJobStore {
  /** Creates a pending job; JobAlreadyActiveError (with the active job's id) when one is pending or running. */
  create(job: NewSyncJob): Promise<SyncJobRecord>;
  /** The job, or NotFoundError. */
  get(id: string): Promise<SyncJobRecord>;
  /** The integration's jobs, newest first, with the total count. */
  list(integrationId: string, options?: PageOptions): Promise<SyncJobPage>;
  /** The integration's pending or running job, if any. */
  findActive(integrationId: string): Promise<SyncJobRecord | undefined>;
  /**
   * Atomically takes the oldest pending job, or a running job whose lease expired (a resume): sets it running,
   * leased to `owner` until now + leaseMs, started_at if unset, attempts + 1. Two runners never get the same job.
   * Returns undefined when there is nothing to do.
   */
  claim(options: ClaimOptions): Promise<SyncJobRecord | undefined>;
  /**
   * Extends the lease of a running job held by `owner`. ConflictError (context { jobId, owner }) when another
   * runner holds it or the job is no longer running. The returned job shows `cancel_requested_at`.
   */
  heartbeat(jobId: string, options: LeaseOptions): Promise<SyncJobRecord>;
  /**
   * Gives up the lease of a running job held by `owner` without ending it (a graceful stop parks the job): the
   * job stays running with its checkpoint, and the next `claim` by any runner resumes it at once. ConflictError
   * (context { jobId, owner }) when another runner holds it or the job is no longer running.
   */
  release(jobId: string, options: { readonly owner: string }): Promise<SyncJobRecord>;
  /** Writes checkpoint and progress of a running job held by `owner` (ConflictError otherwise). */
  saveProgress(jobId: string, progress: JobProgress): Promise<void>;
  /** Ends a running job held by `owner`: sets status, completed_at, outcome; clears the lease. */
  finish(jobId: string, completion: JobCompletion): Promise<SyncJobRecord>;
  /**
   * Cancels a job: a pending one at once (status 'cancelled'); a running one gets cancel_requested_at and its
   * runner stops at the next page. Cancelling a cancelled job returns it; a completed or failed one -> ConflictError.
   */
  cancel(jobId: string, options?: { readonly now?: Date }): Promise<SyncJobRecord>;
  /**
   * Marks a finished job as rolled back. ConflictError while it is pending or running, and when it is already
   * rolled back (so two rollbacks of one job cannot both mark it: inside a transaction, the second waits for the
   * first's end on a database with row locks).
   */
  markRolledBack(jobId: string, options?: { readonly now?: Date }): Promise<SyncJobRecord>;
  /**
   * Deletes a finished job with its staging rows and backups; its logs stay with sync_job_id cleared (the spec's
   * ON DELETE SET NULL). ConflictError while it is pending or running.
   */
  delete(jobId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Client staging

/** A raw CRM record staged during an import (`crm_client_staging`). */
export interface StagingRow {
  id: string;
  integration_id: string;
  sync_job_id: string;
  external_id: string;
  raw_data: JsonObject;
  mapped_data?: JsonObject;
  import_status: StagingStatus;
  error_details?: JsonObject;
  created_at: string;
}

/** A row to stage. */
export interface NewStagingRow {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly integration_id: string;
  readonly sync_job_id: string;
  readonly external_id: string;
  readonly raw_data: JsonObject;
  readonly mapped_data?: JsonObject;
  /** @default 'pending' */
  readonly import_status?: StagingStatus;
  readonly error_details?: JsonObject;
}

/** A status change of one staged row. For mapped_data and error_details: absent = unchanged, null = cleared. */
export interface StagingStatusUpdate {
  readonly id: string;
  readonly import_status: StagingStatus;
  readonly mapped_data?: JsonObject | null;
  readonly error_details?: JsonObject | null;
}

/** Options of `staging.list`: a keyset page, in staging order. One of jobId or integrationId is required. */
export interface StagingListOptions extends StorageCallOptions {
  readonly jobId?: string;
  readonly integrationId?: string;
  readonly status?: StagingStatus;
  /** Rows per page, 1 to 5000. @default 500 */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly after?: string | null;
}

/** A keyset page of staged rows. */
export interface StagingPage {
  staging_rows: StagingRow[];
  /** Pass as `after` for the next page; null after the last page. */
  next_cursor: string | null;
}

/** Options of `staging.listLatest`: a keyset page by external id. */
export interface StagingLatestOptions extends StorageCallOptions {
  /** Rows per page, 1 to 5000. @default 500 */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly after?: string | null;
}

/** The client staging rows (`crm_client_staging`). */
export interface StagingStore {
  /** Stages rows with multi-row inserts (chunked under the backend's parameter limit); returns their ids in order. */
  insert(rows: readonly NewStagingRow[], options?: StorageCallOptions): Promise<string[]>;
  /** Applies status changes with as few statements as the backend allows. Returns how many rows changed. */
  updateStatus(updates: readonly StagingStatusUpdate[], options?: StorageCallOptions): Promise<number>;
  /** Staged rows of a job or an integration, keyset paginated in staging order. */
  list(options: StagingListOptions): Promise<StagingPage>;
  /** Deletes staged rows created before `olderThan` (data retention); returns how many. */
  purge(options: { readonly olderThan: Date; readonly integrationId?: string }): Promise<number>;
  /**
   * The latest staged row of each external id of one record type of an integration, whatever job staged it,
   * keyset paginated by external id (ascending). The record type is the `record_type` property of `raw_data`,
   * as imports stage it. Latest = the newest `created_at`; among rows staged in the same instant, the greatest
   * id. Pages are read with one query each, never by loading the integration's rows.
   */
  listLatest(
    integrationId: string,
    recordType: RecordType,
    options?: StagingLatestOptions,
  ): Promise<StagingPage>;
  /** How many distinct external ids of one record type (`raw_data.record_type`) an integration has staged. */
  countLatest(integrationId: string, recordType: RecordType, options?: StorageCallOptions): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// Sync logs

/** A log row to write (the spec's CRMSyncLog). */
export interface NewSyncLog {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly integration_id: string;
  readonly sync_job_id?: string | null;
  readonly record_type: string;
  /** The external CRM record id. */
  readonly record_id: string;
  readonly wedsync_record_id?: string | null;
  readonly action_type: LogActionType;
  /** @default {} */
  readonly action_details?: JsonObject;
  readonly error_message?: string | null;
  /** @default now */
  readonly processed_at?: Date;
}

/** Options of `logs.list`. */
export interface LogListOptions extends PageOptions {
  readonly jobId?: string;
  readonly actionType?: LogActionType;
  readonly recordType?: string;
}

/** A page of logs (the spec's GetSyncLogsResponse). */
export interface SyncLogPage {
  logs: CrmSyncLog[];
  total: number;
  page: number;
  per_page: number;
}

/** The sync logs (`crm_sync_logs`). */
export interface SyncLogStore {
  /** Writes log rows with multi-row inserts (chunked). */
  insert(rows: readonly NewSyncLog[], options?: StorageCallOptions): Promise<void>;
  /** The integration's logs, newest first, with the total count. */
  list(integrationId: string, options?: LogListOptions): Promise<SyncLogPage>;
  /** Deletes logs processed before `olderThan` (data retention); returns how many. */
  purge(options: { readonly olderThan: Date; readonly integrationId?: string }): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// Record links

/** Which side last wrote a record (for echo suppression). */
export type SyncSide = 'wedsync' | 'crm';

/**
 * The link between a CRM record and a WedSync record of one integration (`crm_record_links`), with what the
 * two sides agreed on at the last sync (the base of the three-way merge) and hashes for echo suppression.
 */
export interface RecordLink {
  id: string;
  integration_id: string;
  record_type: RecordType;
  external_id: string;
  wedsync_record_id: string;
  /** The canonical values both sides agreed on at the last sync. */
  base_snapshot?: JsonObject;
  /** Hash of the CRM's raw record last imported (unchanged hash = nothing to do). */
  content_hash?: string;
  /** Hash of what the hub itself last wrote, and to which side, so its own write is not read back as a change. */
  last_written_hash?: string;
  last_written_side?: SyncSide;
  last_written_at?: string;
  crm_modified_at?: string;
  wedsync_modified_at?: string;
  /**
   * The WedSync record's `updated_at` (its store's stamp) when the record was known to equal `base_snapshot` with
   * no open conflict: while the record keeps this `updated_at`, an export has nothing to send for it. Absent when
   * the hub does not know (a merge kept WedSync's values, a conflict is open, the record was written elsewhere).
   */
  base_updated_at?: string;
  last_synced_at: string;
  /** Set when the record vanished from the CRM; WedSync's record is kept. */
  deleted_in_crm_at?: string;
  created_at: string;
  updated_at: string;
}

/**
 * A link to insert or overwrite, keyed by (integration_id, record_type, external_id). The row is written whole:
 * an absent optional column becomes NULL; id and created_at of an existing link are kept.
 */
export interface RecordLinkUpsert {
  readonly integration_id: string;
  readonly record_type: RecordType;
  readonly external_id: string;
  readonly wedsync_record_id: string;
  readonly base_snapshot?: JsonObject | null;
  readonly content_hash?: string | null;
  readonly last_written_hash?: string | null;
  readonly last_written_side?: SyncSide | null;
  /** ISO 8601. */
  readonly last_written_at?: string | null;
  /** ISO 8601. */
  readonly crm_modified_at?: string | null;
  /** ISO 8601. */
  readonly wedsync_modified_at?: string | null;
  /** ISO 8601 (see `RecordLink.base_updated_at`). */
  readonly base_updated_at?: string | null;
  /** ISO 8601. @default now */
  readonly last_synced_at?: string;
  /** ISO 8601. */
  readonly deleted_in_crm_at?: string | null;
}

/** Options of `links.list`: a keyset page of one integration's links of one type. */
export interface RecordLinkListOptions extends StorageCallOptions {
  /** Only links not marked deleted in the CRM. @default false */
  readonly activeOnly?: boolean;
  /** Rows per page, 1 to 5000. @default 500 */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly after?: string | null;
}

/** A keyset page of links. */
export interface RecordLinkPage {
  links: RecordLink[];
  next_cursor: string | null;
}

/** Options of `links.listNotStagedByJob`: a keyset page by external id. */
export interface RecordLinkNotStagedOptions extends StorageCallOptions {
  /** Rows per page, 1 to 5000. @default 500 */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly after?: string | null;
}

/** Options of `links.countActive`. */
export interface RecordLinkCountOptions extends StorageCallOptions {
  /** Count only the links whose external id this job did not stage (as `listNotStagedByJob` lists them). */
  readonly notStagedByJob?: string;
}

/** The record links (`crm_record_links`). */
export interface RecordLinkStore {
  /** Links of these CRM ids (one query per chunk of ids). Ids without a link are simply absent. */
  findByExternalIds(
    integrationId: string,
    recordType: RecordType,
    externalIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<RecordLink[]>;
  /**
   * Optional: the WedSync id of each of these CRM ids that has a link, by CRM id — what an import needs to
   * resolve a record's parents, without reading whole links (their JSON base snapshots above all). Without it the
   * hub reads them with `findByExternalIds`.
   */
  findWedsyncIds?(
    integrationId: string,
    recordType: RecordType,
    externalIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<ReadonlyMap<string, string>>;
  /** Links of these WedSync ids (one query per chunk of ids). */
  findByWedsyncIds(
    integrationId: string,
    recordType: RecordType,
    wedsyncRecordIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<RecordLink[]>;
  /**
   * The `base_updated_at` of the links of these WedSync ids that have one (and are not marked deleted in the CRM),
   * by WedSync id: what an export needs to pass over unchanged records, without decoding their links.
   */
  findBaseStamps(
    integrationId: string,
    recordType: RecordType,
    wedsyncRecordIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<ReadonlyMap<string, string>>;
  /**
   * Inserts or overwrites links with multi-row `INSERT ... ON CONFLICT DO UPDATE` (chunked). A WedSync record
   * already linked to another CRM id of the same type -> ConflictError.
   */
  upsert(links: readonly RecordLinkUpsert[], options?: StorageCallOptions): Promise<void>;
  /** Marks links as deleted in the CRM (WedSync's records are kept); returns how many were marked. */
  markDeletedInCrm(
    integrationId: string,
    recordType: RecordType,
    externalIds: readonly string[],
    options?: StorageCallOptions & { readonly now?: Date },
  ): Promise<number>;
  /** Removes the links of these WedSync records (e.g. after a rollback deleted records it created). */
  deleteByWedsyncIds(
    integrationId: string,
    recordType: RecordType,
    wedsyncRecordIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<number>;
  /** The integration's links of one type, keyset paginated (for exports and deletion detection). */
  list(
    integrationId: string,
    recordType: RecordType,
    options?: RecordLinkListOptions,
  ): Promise<RecordLinkPage>;
  /**
   * Deletion detection: the integration's links of one type that are not marked deleted in the CRM and whose
   * external id the job staged no row of that record type for (`crm_client_staging` rows of `jobId` whose
   * `raw_data.record_type` is `recordType`), keyset paginated by external id (ascending). Computed by the
   * database, one query per page (`NOT EXISTS` a staged row), never by loading the job's staged ids. A `jobId`
   * that staged nothing (or is no job) lists every active link.
   */
  listNotStagedByJob(
    integrationId: string,
    recordType: RecordType,
    jobId: string,
    options?: RecordLinkNotStagedOptions,
  ): Promise<RecordLinkPage>;
  /**
   * How many of the integration's links of one type are not marked deleted in the CRM; with `notStagedByJob`,
   * only those `listNotStagedByJob` would list for that job. One query.
   */
  countActive(
    integrationId: string,
    recordType: RecordType,
    options?: RecordLinkCountOptions,
  ): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------------
// Conflicts

/** Where a field conflict stands. */
export type FieldConflictStatus = 'open' | 'resolved' | 'dismissed';

/** How a conflict was resolved: one side's value won, or a person typed a new value. */
export type FieldConflictResolution = { readonly side: SyncSide } | { readonly value: unknown };

/** A field both sides changed differently since the last sync, kept for manual review (`crm_conflicts`). */
export interface FieldConflict {
  id: string;
  integration_id: string;
  sync_job_id?: string;
  record_type: RecordType;
  external_id: string;
  wedsync_record_id?: string;
  /** The WedSync field path, e.g. `partner.email`. */
  field: string;
  /** The values (any JSON, including null); absent when the field did not exist on that side. */
  base_value?: unknown;
  wedsync_value?: unknown;
  crm_value?: unknown;
  wedsync_modified_at?: string;
  crm_modified_at?: string;
  status: FieldConflictStatus;
  resolution?: FieldConflictResolution;
  created_at: string;
  resolved_at?: string;
}

/** A conflict to record. An open conflict for the same record and field is updated instead of doubled. */
export interface NewFieldConflict {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly integration_id: string;
  readonly sync_job_id?: string | null;
  readonly record_type: RecordType;
  readonly external_id: string;
  readonly wedsync_record_id?: string | null;
  readonly field: string;
  /** `undefined` = the field did not exist; any JSON value otherwise (null included). */
  readonly base_value?: unknown;
  readonly wedsync_value?: unknown;
  readonly crm_value?: unknown;
  /** ISO 8601. */
  readonly wedsync_modified_at?: string | null;
  /** ISO 8601. */
  readonly crm_modified_at?: string | null;
}

/** Options of `conflicts.list`. */
export interface ConflictListOptions extends PageOptions {
  /** @default 'open' */
  readonly status?: FieldConflictStatus;
  readonly recordType?: RecordType;
}

/** A page of conflicts. */
export interface FieldConflictPage {
  conflicts: FieldConflict[];
  total: number;
  page: number;
  per_page: number;
}

/** The field conflicts (`crm_conflicts`). */
export interface ConflictStore {
  /** Records conflicts (multi-row upsert on the open-conflict key); returns the stored rows in input order. */
  insert(conflicts: readonly NewFieldConflict[], options?: StorageCallOptions): Promise<FieldConflict[]>;
  /** The integration's conflicts, newest first, with the total count. */
  list(integrationId: string, options?: ConflictListOptions): Promise<FieldConflictPage>;
  /** Open conflicts of these CRM records (the engine leaves their fields alone until a person decides). */
  listOpenForRecords(
    integrationId: string,
    recordType: RecordType,
    externalIds: readonly string[],
    options?: StorageCallOptions,
  ): Promise<FieldConflict[]>;
  /** The conflict, or NotFoundError. */
  get(id: string): Promise<FieldConflict>;
  /** Resolves an open conflict (ConflictError when it is no longer open). */
  resolve(
    id: string,
    resolution: FieldConflictResolution,
    options?: { readonly now?: Date },
  ): Promise<FieldConflict>;
  /** Dismisses an open conflict without applying anything (ConflictError when it is no longer open). */
  dismiss(id: string, options?: { readonly now?: Date }): Promise<FieldConflict>;
}

// ---------------------------------------------------------------------------------------------------------
// Backups (before-images for rollback)

/** What a job did to a WedSync record. */
export type BackupOperation = 'created' | 'updated' | 'deleted';

/** The before-image of one WedSync record a job wrote (`crm_record_backups`). */
export interface RecordBackup {
  id: string;
  /** Insertion order within the table (rollback walks a job's backups backwards). */
  sequence: number;
  sync_job_id: string;
  integration_id: string;
  record_type: RecordType;
  wedsync_record_id: string;
  operation: BackupOperation;
  /** The record before the job wrote it; absent for 'created'. */
  before_image?: JsonObject;
  /** Hash of what the job wrote (a rollback skips records changed since). */
  after_hash?: string;
  created_at: string;
}

/** A before-image to save. */
export interface NewRecordBackup {
  /** @default crypto.randomUUID() */
  readonly id?: string;
  readonly sync_job_id: string;
  readonly integration_id: string;
  readonly record_type: RecordType;
  readonly wedsync_record_id: string;
  readonly operation: BackupOperation;
  readonly before_image?: JsonObject | null;
  readonly after_hash?: string | null;
}

/** Options of `backups.list`: a keyset page in insertion order (or its reverse). */
export interface BackupListOptions extends StorageCallOptions {
  /** 'asc' = oldest first; 'desc' = newest first, the order a rollback undoes writes in. @default 'asc' */
  readonly order?: 'asc' | 'desc';
  /** Rows per page, 1 to 5000. @default 500 */
  readonly limit?: number;
  /** The `next_cursor` of the previous page. */
  readonly after?: number | null;
}

/** A keyset page of backups. */
export interface RecordBackupPage {
  backups: RecordBackup[];
  next_cursor: number | null;
}

/** The before-images (`crm_record_backups`). */
export interface BackupStore {
  /** Saves before-images with multi-row inserts (chunked). */
  insert(backups: readonly NewRecordBackup[], options?: StorageCallOptions): Promise<void>;
  /** The job's backups in insertion order (or reversed), keyset paginated. */
  list(jobId: string, options?: BackupListOptions): Promise<RecordBackupPage>;
}

// ---------------------------------------------------------------------------------------------------------
// The contract

/** The hub's storage, version 1. */
/** One value of a job's scratch space: a JSON value under a key, named by `item` among that key's values. */
export interface ScratchItem {
  readonly key: string;
  /** Names the value among the key's values: putting the same key and item again replaces it. */
  readonly item: string;
  /** Any JSON value (stored as JSON text: what JSON drops, such as `undefined` properties, does not come back). */
  readonly value: unknown;
}

/**
 * Working space of a running job, for what a provider must remember over a whole read (Tave: who is on each job,
 * before the address book is walked), kept by the database so that the process does not grow with the studio.
 * Values live in namespaces, under keys, each named by an item. Nothing here is a record of the studio: the hub
 * clears a job's space when the job ends (in the transaction that finishes it), and a provider clears a namespace
 * before it fills it again.
 */
export interface ScratchStore {
  /** Adds the items (upsert: a key and item already held get the new value). */
  put(
    jobId: string,
    namespace: string,
    items: readonly ScratchItem[],
    options?: StorageCallOptions,
  ): Promise<void>;
  /** The values under each key, in item order (code-point order of `item`, as UTF-8 bytes sort); a key without values is absent. */
  get(
    jobId: string,
    namespace: string,
    keys: readonly string[],
    options?: StorageCallOptions,
  ): Promise<Map<string, unknown[]>>;
  /** Drops a namespace of a job, or (without `namespace`) the job's whole space. */
  clear(jobId: string, options?: StorageCallOptions & { readonly namespace?: string }): Promise<void>;
}

export interface HubStorage {
  readonly specificationVersion: 'v1';
  readonly integrations: IntegrationStore;
  readonly fieldMappings: FieldMappingStore;
  readonly jobs: SyncJobStore;
  readonly staging: StagingStore;
  readonly logs: SyncLogStore;
  readonly links: RecordLinkStore;
  readonly conflicts: ConflictStore;
  readonly backups: BackupStore;
  /**
   * Optional: the supplier's tier, read from the host's suppliers table, for tier limits. Absent when the host
   * keeps tiers elsewhere (the hub then asks the host). NotFoundError when the supplier does not exist.
   */
  getSupplierTier?(supplierId: string): Promise<SupplierTier>;
  /**
   * Optional: brings the database's planner statistics of the tables the hub looks records up in (the record
   * links) up to date. An import calls it as it grows — after 1,000 records, then each time its count doubles —
   * because a table filled by one import has no statistics until something analyzes it (PostgreSQL's autovacuum,
   * when it is on, does so late), and without them a lookup of 100 links can scan every link of the type.
   */
  refreshStatistics?(options?: StorageCallOptions): Promise<void>;
  /**
   * Optional: a running job's scratch space on disk (see {@link ScratchStore}). Without it providers keep that
   * working state in the process.
   */
  readonly scratch?: ScratchStore;
  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. `fn` gets a
   * HubStorage bound to the transaction and a handle a ClientStore of the same backend can join. Calling
   * `transaction` on a bound storage reuses the open transaction.
   */
  transaction<T>(fn: (storage: HubStorage, handle: TransactionHandle) => Promise<T>): Promise<T>;
  /** A HubStorage bound to a transaction another store opened (e.g. a ClientStore's). */
  withTransaction(handle: TransactionHandle): HubStorage;
}
