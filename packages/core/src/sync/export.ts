/**
 * The `export_to_crm` job: WedSync records to the CRM through the provider's `write`, by reversing the field
 * mappings (nested CRM paths built, types converted back, phones and dates in the CRM's formats).
 *
 * - Scope: clients, then projects (a project needs its client's CRM id). Other record types are reported as
 *   `type_skipped.<type>.unsupported`; so are types the provider's features cannot write.
 * - What is exported: the supplier's records changed since the integration's export watermark, read page by page
 *   with `clientStore.changesSince`. The watermark is the `cursors` of the last completed export job's
 *   checkpoint (where it stopped reading each type); a first export reads everything. A failed or cancelled
 *   export moves no watermark: the next one reads its records again, and the echo check below skips what the
 *   failed one already wrote.
 * - Each record is mapped with the export mappings (`export_only` and `bidirectional`). A linked record is an
 *   update of its CRM twin; an unlinked one a create with the stable idempotency key
 *   `${integrationId}:${recordType}:${wedsyncId}`. A project carries `data.clientContactId`, its client's CRM id
 *   from the record links; a project whose client has no link yet is skipped (`waiting_for_client`).
 * - Echo-safe: a record whose exported object is what the hub last wrote to the CRM (`last_written_hash`), or what
 *   its link's base snapshot exports to, is skipped.
 * - Results: `created` inserts a link, `updated` refreshes it (both record the written hash, side `crm`, and the
 *   new base snapshot of the fields that travel both ways). A failed, retryable change is sent once more; when a
 *   create's outcome is unknown (`outcome unknown`), the record is first looked up with `findExisting` and
 *   linked when found, so a create is never made twice. A refused change is logged (field names and the CRM's
 *   reason, never values) and counted `rejected`.
 * - Atomicity: the CRM calls of a page come first, then its logs, links and checkpoint commit in one
 *   transaction. A run that resumes from a checkpoint looks up every create of its first page with
 *   `findExisting` before sending it, as the crashed run may have made them without recording the links.
 */
import { z } from 'zod';
import { InvalidArgumentError, UnsupportedCapabilityError } from '../errors/index.js';
import { compileMappings, type RecordMapper } from '../mapping/compile.js';
import { type FieldPath, getAtPath, parseFieldPath, setAtPath } from '../mapping/paths.js';
import { type FieldValueError, isPlainObject } from '../mapping/types.js';
import { mappingRunsIn } from '../mapping/validate.js';
import { type RecordType, RecordTypeSchema } from '../model/canonical.js';
import type { CrmFieldMapping } from '../model/field-mapping.js';
import type { CrmIntegration } from '../model/integration.js';
import { redactSecrets } from '../security/redact.js';
import type { ChangeStamp, ChangesQuery, StoredRecord } from '../spec/client-store.js';
import type {
  FieldConflict,
  HubStorage,
  JsonObject,
  NewSyncLog,
  RecordLink,
  RecordLinkUpsert,
  SyncJobCounts,
  SyncJobRecord,
} from '../spec/hub-storage.js';
import type {
  CrmProviderV1,
  ProviderHttpStats,
  ProviderRecordChange,
  ProviderSession,
  ProviderWriteResult,
} from '../spec/provider.js';
import { countOutcome, initialCounts, type RecordOutcomeKind, skippedTypeReasons } from './counts.js';
import type { FullImportOptions, ImportMappingOptions } from './full-import.js';
import { contentHash } from './hash.js';
import {
  groupMappingsByRecordType,
  planRecordTypes,
  qualifiedWedsyncFields,
  type RecordTypePlan,
  unqualifyWedsyncField,
} from './record-types.js';

/** The record types an export writes, in the order it writes them (a project needs its client's CRM id). */
export const exportableRecordTypes: readonly RecordType[] = Object.freeze(['client', 'project']);

/** The error text a provider gives a create whose outcome is unknown (see `ProviderWriteResult`). */
export const outcomeUnknownError = 'outcome unknown';

/** Where an export stands, saved with every page (`crm_sync_jobs.checkpoint`). */
export const ExportCheckpointSchema = z.object({
  version: z.literal(1),
  kind: z.literal('export'),
  /** The record types this job exports, in order. */
  plan: z.array(RecordTypeSchema),
  /** Index into `plan` of the record type being exported; `plan.length` when every type is done. */
  phase: z.number().int().min(0),
  /** `changesSince` cursor of the current type: resume after it; null = from the start. */
  cursor: z.string().nullable(),
  /** Where reading each type stopped (the finished types); the next export starts each type from here. */
  cursors: z.record(z.string(), z.string().nullable()),
  /**
   * Per record type, the instant a read with a null cursor starts after (`changesSince` `since`): a two-way sync's
   * first export phase reads only what changed after the import it follows. Carried to the next export while the
   * type's cursor stays null.
   */
  since: z.record(z.string(), z.string()).optional(),
  /**
   * Per record type, WedSync ids an earlier export left waiting (a project whose client was not in the CRM yet, a
   * write that kept failing): this job exports them first, before reading changes, and removes them as it goes.
   */
  retry: z.record(z.string(), z.array(z.string())).optional(),
  /** Per record type, WedSync ids this job left waiting: the next export retries them first. */
  waiting: z.record(z.string(), z.array(z.string())).optional(),
  /** Record types the job does not export, with why. */
  skipped_types: z.record(z.string(), z.enum(skippedTypeReasons)),
});
/** Where an export stands. */
export type ExportCheckpoint = z.infer<typeof ExportCheckpointSchema>;

/** Everything the export of one job needs: what an import run needs, and the size of its pages. */
export interface ExportOptions extends FullImportOptions {
  /** Records read per `changesSince` page. @default 100 */
  readonly pageSize?: number;
  /**
   * A dry run: nothing is sent to the CRM. Each change is reported as the write would have gone (`created` with
   * the placeholder CRM id `dry-run:<wedsync id>`, or `updated`); the caller rolls back what the run stored.
   */
  readonly dryRun?: boolean;
  /** Set when the export is the second phase of a two-way `incremental_sync` (see {@link ExportPhase}). */
  readonly phase?: ExportPhase;
}

/** The prefix of an export phase's own counts in a two-way sync job (`to_crm.created`, `to_crm.client.updated`). */
export const toCrmCountPrefix = 'to_crm.';

/**
 * The export phase of a two-way sync: the job's counts so far (the import phase's) stay as they are, the export's
 * own counts are added under {@link toCrmCountPrefix}, and its checkpoint is wrapped into the job's.
 */
export interface ExportPhase {
  /** The job's counts when the phase starts (a resumed phase: including its own `to_crm.` counts so far). */
  readonly counts: SyncJobCounts;
  readonly recordsProcessed: number;
  /** The session's HTTP counters when the phase started: requests before it are counted already. */
  readonly statsAtStart: ProviderHttpStats;
  /** The job's checkpoint holding this export checkpoint. */
  readonly wrap: (checkpoint: ExportCheckpoint) => JsonObject;
}

/** The export's own counts inside a two-way job's counts (the `to_crm.` keys, prefix removed). */
export function exportPhaseCounts(counts: SyncJobCounts): SyncJobCounts {
  const own: SyncJobCounts = {};
  for (const [key, value] of Object.entries(counts)) {
    if (key.startsWith(toCrmCountPrefix)) own[key.slice(toCrmCountPrefix.length)] = value;
  }
  return own;
}

/** How the export loop ended. */
export interface ExportResult {
  readonly kind: 'finished' | 'cancelled' | 'parked';
  readonly counts: SyncJobCounts;
  readonly recordsProcessed: number;
}

/**
 * Refuses an export the integration or the provider cannot do, before a job is created.
 * @throws UnsupportedCapabilityError when the provider writes no record type an export covers, or the
 *   integration's `sync_direction` is `import_only`.
 */
export function assertCanExport(provider: CrmProviderV1, integration: CrmIntegration): void {
  const writable = exportableRecordTypes.filter(
    (recordType) => provider.features[recordType]?.write === true,
  );
  if (writable.length === 0) {
    throw new UnsupportedCapabilityError(
      `Provider \`${provider.id}\` cannot write clients or projects to the CRM, so there is nothing to export to`,
      { context: { providerId: provider.id, jobType: 'export_to_crm', capability: 'write' } },
    );
  }
  if (integration.sync_config.sync_direction === 'import_only') {
    throw new UnsupportedCapabilityError(
      `Integration \`${integration.id}\` only imports (sync_direction import_only): it cannot export`,
      { context: { integrationId: integration.id, jobType: 'export_to_crm' } },
    );
  }
}

/** The plan of a fresh export: which record types to write, and why the others are skipped. */
export function planExport(
  provider: CrmProviderV1,
  integration: CrmIntegration,
  mappings: readonly CrmFieldMapping[],
): RecordTypePlan {
  const { plan, skipped } = planRecordTypes({
    recordTypes: RecordTypeSchema.options,
    direction: 'export',
    supported: (recordType) =>
      exportableRecordTypes.includes(recordType) && provider.features[recordType]?.write === true,
    integration,
    mappings,
  });
  return { plan: exportableRecordTypes.filter((recordType) => plan.includes(recordType)), skipped };
}

/** Where the last completed export left off: per record type, a cursor, or an instant to read after. */
export interface ExportWatermark {
  readonly cursors: Record<string, string | null>;
  readonly since: Record<string, string>;
  /** Records the last export left waiting for their parent, per record type. */
  readonly waiting: Record<string, string[]>;
}

/** At most this many waiting records are carried to the next export, per record type. */
export const maxWaitingRecords = 10_000;

/**
 * The longest a run of pages that only skipped records goes without committing its checkpoint, in
 * milliseconds (a first export phase reads every record the import before it wrote, and skips them).
 */
export const quietCommitMs = 1_000;

/** The export checkpoint a finished job left: an export job's own, or a two-way sync's export phase. */
export function exportCheckpointOf(job: SyncJobRecord): ExportCheckpoint | undefined {
  const stored = job.job_type === 'incremental_sync' ? job.checkpoint?.['export'] : job.checkpoint;
  const parsed = ExportCheckpointSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The export watermark of an integration: where its last completed export (an `export_to_crm` job, or the export
 * phase of a two-way `incremental_sync`) stopped reading. Dry runs move nothing. Empty when there is none.
 */
export async function lastExportWatermark(
  storage: HubStorage,
  integrationId: string,
): Promise<ExportWatermark | undefined> {
  for (let page = 1; ; page += 1) {
    const { sync_jobs: jobs, total } = await storage.jobs.list(integrationId, { page, per_page: 100 });
    for (const job of jobs) {
      if (job.job_status !== 'completed' || job.dry_run) continue;
      if (job.job_type !== 'export_to_crm' && job.job_type !== 'incremental_sync') continue;
      const checkpoint = exportCheckpointOf(job);
      if (checkpoint !== undefined) {
        return {
          cursors: checkpoint.cursors,
          since: checkpoint.since ?? {},
          waiting: checkpoint.waiting ?? {},
        };
      }
    }
    if (jobs.length === 0 || page * 100 >= total) return undefined;
  }
}

/**
 * The job's checkpoint: the stored one of a resumed job, or a fresh plan starting at the integration's watermark.
 * @throws InvalidArgumentError when a stored checkpoint is not one this version wrote.
 */
export async function startingExportCheckpoint(
  storage: HubStorage,
  job: SyncJobRecord,
  fresh: () => ReturnType<typeof planExport>,
  options: {
    /** The stored export checkpoint to resume from (default: the job's checkpoint when it has one). */
    readonly stored?: unknown;
    /** With no earlier export: read only records changed after this instant (a two-way sync's first export). */
    readonly firstSince?: string;
  } = {},
): Promise<{ checkpoint: ExportCheckpoint; resumed: boolean }> {
  const stored = 'stored' in options ? options.stored : job.checkpoint;
  if (stored !== undefined) {
    const parsed = ExportCheckpointSchema.safeParse(stored);
    if (!parsed.success) {
      throw new InvalidArgumentError(`Job \`${job.id}\` has a checkpoint this version cannot resume from`, {
        context: { jobId: job.id, issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
      });
    }
    return { checkpoint: parsed.data, resumed: true };
  }
  const { plan, skipped } = fresh();
  const watermark = await lastExportWatermark(storage, job.integration_id);
  const cursors = watermark?.cursors ?? {};
  const since: Record<string, string> = { ...watermark?.since };
  if (watermark === undefined && options.firstSince !== undefined) {
    for (const recordType of plan) since[recordType] = options.firstSince;
  }
  const first = plan[0];
  return {
    checkpoint: {
      version: 1,
      kind: 'export',
      plan,
      phase: 0,
      cursor: first === undefined ? null : (cursors[first] ?? null),
      cursors,
      ...(Object.keys(since).length === 0 ? {} : { since }),
      ...(watermark === undefined || Object.keys(watermark.waiting).length === 0
        ? {}
        : { retry: watermark.waiting }),
      skipped_types: skipped,
    },
    resumed: false,
  };
}

/** The compiled export of one record type, with the paths the next import reads back. */
interface CompiledExport {
  readonly mapper: RecordMapper;
  /** Paths inside the canonical record that travel both ways (the base snapshot keeps them). */
  readonly sharedPaths: readonly FieldPath[];
  /** Every path inside the canonical record an export mapping reads, with its WedSync field name. */
  readonly exportedFields: readonly { readonly field: string; readonly path: FieldPath }[];
}

function compileExport(
  recordType: RecordType,
  mappings: readonly CrmFieldMapping[],
  options: ImportMappingOptions,
): CompiledExport {
  const group = (groupMappingsByRecordType(mappings).get(recordType) ?? []).map((entry) => entry.mapping);
  const mapper = compileMappings(group, {
    ...options,
    direction: 'export',
    wedsyncFields: qualifiedWedsyncFields(recordType),
  });
  const sharedPaths = group
    .filter((mapping) => mappingRunsIn(mapping, 'import') && mappingRunsIn(mapping, 'export'))
    .map((mapping) => parseFieldPath(unqualifyWedsyncField(recordType, mapping.wedsync_field)));
  const exportedFields = group
    .filter((mapping) => mappingRunsIn(mapping, 'export'))
    .map((mapping) => {
      const field = unqualifyWedsyncField(recordType, mapping.wedsync_field);
      return { field, path: parseFieldPath(field) };
    });
  return { mapper, sharedPaths, exportedFields };
}

/** What an export does with one record. */
interface Entry {
  readonly row: StoredRecord;
  readonly link: RecordLink | undefined;
  /** Fields with an open conflict: the CRM keeps its value until a person decides. */
  readonly locked: ReadonlySet<string>;
  /** The record as exported: WedSync's, with the CRM's values in locked fields. */
  record?: Record<string, unknown>;
  /** WedSync fields the write changes in the CRM (all exported fields for a create). */
  fields?: string[];
  data?: Record<string, unknown>;
  hash?: string;
  change?: ProviderRecordChange;
  outcome?: RecordOutcomeKind;
  log?: Omit<NewSyncLog, 'integration_id' | 'sync_job_id' | 'record_type' | 'wedsync_record_id'>;
  newLink?: RecordLinkUpsert;
}

/**
 * Settles a record the CRM did not take: `skipped` (logged as skipped) or `rejected` (logged as an error), named by
 * its CRM id when linked, else its WedSync id; `details` go to the log's details with `direction: 'export'`, but
 * `message`, which becomes its error message.
 */
function settleUnsent(
  entry: Entry,
  outcome: 'skipped' | 'rejected',
  details: { readonly reason: string; readonly message?: string } & Record<string, unknown>,
): void {
  const { message, ...rest } = details;
  entry.outcome = outcome;
  entry.log = {
    record_id: entry.link?.external_id ?? entry.row.id,
    action_type: outcome === 'rejected' ? 'error' : 'skipped',
    action_details: { direction: 'export', ...rest } as JsonObject,
    ...(message === undefined ? {} : { error_message: message }),
  };
}

function describeFieldErrors(errors: readonly FieldValueError[]): string {
  const listed = errors
    .slice(0, 5)
    .map((error) => `${error.field || '(record)'}: ${error.code}`)
    .join('; ');
  return `${errors.length} field${errors.length === 1 ? '' : 's'} could not be exported (${listed}${errors.length > 5 ? '; ...' : ''})`;
}

function mapForExport(
  compiled: CompiledExport,
  recordType: RecordType,
  record: unknown,
  recordId: string,
): ReturnType<RecordMapper> {
  // Non-client mappings name their fields `project.name`: the record is read under its type's name.
  const source = recordType === 'client' ? record : { [recordType]: record };
  return compiled.mapper(source, { recordId });
}

/**
 * The base snapshot after a write: the old base with the fields that travel both ways as WedSync has them, except
 * fields with an open conflict (their base stays until a person decides).
 */
function nextBase(
  compiled: CompiledExport,
  record: unknown,
  old: JsonObject | undefined,
  locked: ReadonlySet<string>,
): JsonObject {
  const base: JsonObject = structuredClone(old ?? {});
  for (const path of compiled.sharedPaths) {
    if (touchesLocked(path.canonical, locked)) continue;
    const value = getAtPath(record, path);
    if (value === undefined || value === null) {
      // Remove the field from the base (the CRM no longer holds it either).
      const parent = getAtPath(base, { ...path, segments: path.segments.slice(0, -1) });
      const last = path.segments.at(-1);
      if (isPlainObject(parent) && last !== undefined && last.kind === 'key') delete parent[last.key];
    } else setAtPath(base, path, structuredClone(value));
  }
  return base;
}

/** True when a field path is, contains or lies inside a field with an open conflict. */
function touchesLocked(field: string, locked: ReadonlySet<string>): boolean {
  for (const lockedField of locked) {
    if (field === lockedField || lockedField.startsWith(`${field}.`) || field.startsWith(`${lockedField}.`)) {
      return true;
    }
  }
  return false;
}

/** The record with each field of an open conflict set back to the CRM's value (absent = removed). */
function withCrmValues(record: unknown, conflicts: readonly FieldConflict[]): Record<string, unknown> {
  const copy = structuredClone(record) as Record<string, unknown>;
  for (const conflict of conflicts) {
    const keys = conflict.field.split('.');
    let parent: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) {
      const next = parent[key];
      if (!isPlainObject(next)) {
        if (conflict.crm_value === undefined) break;
        parent[key] = {};
      }
      parent = parent[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1] as string;
    if (conflict.crm_value === undefined) delete parent[last];
    else parent[last] = structuredClone(conflict.crm_value);
  }
  return copy;
}

/** The WedSync fields whose exported value differs from the base (what an update changes in the CRM). */
function changedFields(compiled: CompiledExport, record: unknown, base: unknown): string[] {
  const fields: string[] = [];
  for (const { field, path } of compiled.exportedFields) {
    const now = getAtPath(record, path);
    const before = base === undefined ? undefined : getAtPath(base, path);
    if ((now ?? null) === null && (before ?? null) === null) continue;
    if (
      base === undefined ||
      contentHash({ value: now ?? null }) !== contentHash({ value: before ?? null })
    ) {
      fields.push(field);
    }
  }
  return fields;
}

/**
 * True when sending the record would only repeat what the CRM has: the exported object is what the hub last wrote
 * there, or what the last sync agreed on (the base). What an import last wrote to WedSync is no evidence: a merge
 * keeps WedSync's own changes, which the CRM has not seen yet.
 */
function isEcho(entry: Entry, hash: string, baseHash: string | undefined): boolean {
  const link = entry.link;
  if (link === undefined) return false;
  if (link.last_written_side === 'crm' && link.last_written_hash === hash) return true;
  return baseHash !== undefined && baseHash === hash;
}

/** Runs (or resumes) the export loop of one job. Throws what the provider or the storage throws. */
export async function runExport(
  options: ExportOptions,
  start: { readonly checkpoint: ExportCheckpoint; readonly resumed: boolean },
): Promise<ExportResult> {
  const { storage, clientStore, integration, job, owner, session, signal } = options;
  const write = session.write?.bind(session);
  if (write === undefined) {
    throw new UnsupportedCapabilityError(
      `The session of provider \`${options.provider.id}\` cannot write to the CRM`,
      { context: { providerId: options.provider.id, jobId: job.id, capability: 'write' } },
    );
  }
  const findExisting = session.findExisting?.bind(session);
  const pageSize = options.pageSize ?? 100;
  const phase = options.phase;
  let checkpoint = start.checkpoint;
  // The export's own counts; in a two-way job they are published under `to_crm.` beside the import's.
  const startingCounts = phase === undefined ? (job.counts ?? {}) : exportPhaseCounts(phase.counts);
  let counts: SyncJobCounts = { ...initialCounts(), ...(start.resumed ? startingCounts : {}) };
  if (!start.resumed) {
    for (const [recordType, reason] of Object.entries(checkpoint.skipped_types)) {
      counts[`type_skipped.${recordType}.${reason}`] = 1;
    }
    counts['record_types_skipped'] = Object.keys(checkpoint.skipped_types).length;
  }
  let recordsProcessed = phase?.recordsProcessed ?? (start.resumed ? job.records_processed : 0);
  let lookUpCreates = start.resumed && options.dryRun !== true;
  const jobCounts = phase?.counts ?? counts;
  const httpBase = {
    requests: jobCounts['requests'] ?? 0,
    retries: jobCounts['retries'] ?? 0,
    rate_limited: jobCounts['rate_limited'] ?? 0,
  };
  const statsAtStart = phase?.statsAtStart ?? { requestsSent: 0, retries: 0, rateLimited: 0 };
  const withHttp = (value: SyncJobCounts): SyncJobCounts => {
    const stats = options.stats();
    const http = {
      requests: httpBase.requests + stats.requestsSent - statsAtStart.requestsSent,
      retries: httpBase.retries + stats.retries - statsAtStart.retries,
      rate_limited: httpBase.rate_limited + stats.rateLimited - statsAtStart.rateLimited,
    };
    if (phase === undefined) return { ...value, ...http };
    const published: SyncJobCounts = {};
    for (const [key, count] of Object.entries(phase.counts)) {
      if (!key.startsWith(toCrmCountPrefix)) published[key] = count;
    }
    for (const [key, count] of Object.entries(value)) {
      if (key !== 'requests' && key !== 'retries' && key !== 'rate_limited') {
        published[`${toCrmCountPrefix}${key}`] = count;
      }
    }
    return { ...published, ...http };
  };
  let published = withHttp(counts);
  const wrap = (next: ExportCheckpoint): JsonObject =>
    phase === undefined ? (next as unknown as JsonObject) : phase.wrap(next);
  const compiled = new Map<RecordType, CompiledExport>();
  for (const recordType of checkpoint.plan) {
    compiled.set(recordType, compileExport(recordType, options.mappings, options.mappingOptions));
  }
  const percentOf = (next: ExportCheckpoint): number =>
    next.plan.length === 0 || next.phase >= next.plan.length
      ? 100
      : Math.min(99, Math.floor((100 * next.phase) / next.plan.length));

  /** When the checkpoint was last committed (epoch ms), and whether pages were read since. */
  let lastCommitAt = options.clock().getTime();
  let uncommitted = false;
  const saveCheckpoint = (transaction: HubStorage): Promise<unknown> =>
    transaction.jobs.saveProgress(job.id, {
      owner,
      checkpoint: wrap(checkpoint),
      progress_percent: percentOf(checkpoint),
      records_processed: recordsProcessed,
      counts: published,
    });

  while (checkpoint.phase < checkpoint.plan.length) {
    const recordType = checkpoint.plan[checkpoint.phase] as RecordType;
    const typeExport = compiled.get(recordType) as CompiledExport;
    // Records an earlier export left waiting go first, a page at a time; then the changes since the watermark.
    const retryIds = checkpoint.retry?.[recordType] ?? [];
    const retried = retryIds.slice(0, pageSize);
    let page: ChangedRecords;
    if (retried.length > 0) {
      const found = await clientStore.findByIds(recordType, {
        supplierId: integration.supplier_id,
        ids: retried,
        signal,
      });
      const rows = retried.flatMap((id) => {
        const row = found.get(id);
        return row === undefined ? [] : [row as StoredRecord];
      });
      page = { rows, passedOver: 0, nextCursor: checkpoint.cursor, hasMore: true };
    } else {
      const since = checkpoint.cursor === null ? checkpoint.since?.[recordType] : undefined;
      page = await readChangedRecords(options, recordType, {
        supplierId: integration.supplier_id,
        cursor: checkpoint.cursor,
        ...(since === undefined ? {} : { since }),
        limit: pageSize,
        signal,
      });
    }
    const entries = await exportPage(
      { ...options, write, findExisting, recordType, compiled: typeExport, lookUpCreates },
      page.rows,
    );
    lookUpCreates = false;
    const now = options.clock();
    const last = retried.length === 0 && !page.hasMore;
    const nextCounts: SyncJobCounts = { ...counts };
    if (page.passedOver > 0) countOutcome(nextCounts, recordType, 'skipped', page.passedOver);
    const logs: NewSyncLog[] = [];
    const links: RecordLinkUpsert[] = [];
    for (const entry of entries) {
      countOutcome(nextCounts, recordType, entry.outcome ?? 'skipped');
      if (entry.newLink !== undefined) links.push(entry.newLink);
      if (entry.log !== undefined) {
        logs.push({
          ...entry.log,
          integration_id: integration.id,
          sync_job_id: job.id,
          record_type: recordType,
          wedsync_record_id: entry.row.id,
          processed_at: now,
        });
      }
    }
    // Left for the next export: projects waiting for their client, and writes that failed for a reason that
    // may pass (the CRM kept failing past the retries). A refused change waits for an edit instead.
    const waitingNow = entries
      .filter((entry) => {
        const reason = entry.log?.action_details?.['reason'];
        return (
          reason === 'waiting_for_client' ||
          reason === 'crm_write_failed' ||
          reason === 'crm_changed_since_read'
        );
      })
      .map((entry) => entry.row.id);
    const waiting = { ...checkpoint.waiting };
    if (waitingNow.length > 0) {
      waiting[recordType] = [...new Set([...(waiting[recordType] ?? []), ...waitingNow])].slice(
        0,
        maxWaitingRecords,
      );
    }
    const withWaiting = Object.keys(waiting).length === 0 ? {} : { waiting };
    let next: ExportCheckpoint;
    if (retried.length > 0) {
      // A page of retried records: the read of changes has not moved.
      const retry = { ...checkpoint.retry, [recordType]: retryIds.slice(retried.length) };
      next = { ...checkpoint, retry, ...withWaiting };
    } else {
      const cursor = page.nextCursor ?? checkpoint.cursor;
      const nextPhase = last ? checkpoint.phase + 1 : checkpoint.phase;
      const nextType = checkpoint.plan[nextPhase];
      // Once a type has a cursor, it no longer needs its starting instant.
      let nextSince = checkpoint.since;
      if (cursor !== null && nextSince?.[recordType] !== undefined) {
        const { [recordType]: _used, ...rest } = nextSince;
        nextSince = rest;
      }
      next = {
        ...checkpoint,
        phase: nextPhase,
        cursor: last ? (nextType === undefined ? null : (checkpoint.cursors[nextType] ?? null)) : cursor,
        cursors: last ? { ...checkpoint.cursors, [recordType]: cursor } : checkpoint.cursors,
        ...(nextSince === undefined ? {} : { since: nextSince }),
        ...withWaiting,
      };
    }
    checkpoint = next;
    counts = nextCounts;
    published = withHttp(nextCounts);
    recordsProcessed += page.rows.length + page.passedOver;
    // A page that only skipped records (what a first export phase mostly reads: the import's own writes) writes
    // nothing: its checkpoint can wait for the next page's commit, as long as one commit lands every
    // `quietCommitMs`. A crash before it re-reads those pages and skips them again.
    const quiet = !last && retried.length === 0 && links.length === 0 && logs.length === 0;
    if (quiet && now.getTime() - lastCommitAt < quietCommitMs) {
      uncommitted = true;
    } else {
      await storage.transaction(async (transaction) => {
        if (links.length > 0) await transaction.links.upsert(links, { signal });
        if (logs.length > 0) await transaction.logs.insert(logs, { signal });
        await saveCheckpoint(transaction);
      });
      lastCommitAt = now.getTime();
      uncommitted = false;
    }
    options.onProgress({
      jobId: job.id,
      integrationId: integration.id,
      recordType,
      progressPercent: percentOf(checkpoint),
      recordsProcessed,
      recordsTotal: null,
      counts: { ...published },
    });
    const stop = await options.afterPage();
    signal.throwIfAborted();
    // Stopping here: what the pages since the last commit skipped is saved first.
    if (stop !== null && uncommitted) {
      await storage.transaction(saveCheckpoint);
      lastCommitAt = options.clock().getTime();
      uncommitted = false;
    }
    if (stop === 'cancel') return { kind: 'cancelled', counts: published, recordsProcessed };
    if (stop === 'park' && checkpoint.phase < checkpoint.plan.length) {
      return { kind: 'parked', counts: published, recordsProcessed };
    }
  }
  return { kind: 'finished', counts: withHttp(counts), recordsProcessed };
}

/** A page of records to export, and how many rows of the change feed it passed over unread. */
interface ChangedRecords {
  readonly rows: readonly StoredRecord[];
  /** Rows of the feed with nothing to send, known from their stamps alone (counted as read and skipped). */
  readonly passedOver: number;
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
}

/**
 * How many pages' worth of stamps one read of the feed takes: passing over a record costs a stamp, not a decoded
 * record, so most of a first export phase (the import's own writes) goes by in few reads.
 */
const stampPagesPerRead = 10;

/** The most rows a `changesSince` or `changeStampsSince` page may ask for (`ChangesQuery.limit`). */
const maxChangesLimit = 10_000;

/**
 * The next records to export from the change feed. With a store that gives stamps (`changeStampsSince`), records
 * whose `updated_at` is still the one their link says equalled the base are passed over without being read; the
 * rest are read with `findByIds`, at most `limit` of them (a denser stretch is read again a page at a time). A store
 * without stamps gives whole records (`changesSince`).
 */
async function readChangedRecords(
  options: ExportOptions,
  recordType: RecordType,
  query: ChangesQuery,
): Promise<ChangedRecords> {
  const { clientStore, storage, integration } = options;
  if (clientStore.changeStampsSince === undefined) {
    return { ...(await clientStore.changesSince(recordType, query)), passedOver: 0 };
  }
  const wide = await clientStore.changeStampsSince(recordType, {
    ...query,
    limit: Math.min(maxChangesLimit, query.limit * stampPagesPerRead),
  });
  let stamps = wide;
  let toRead = await stampsToRead(storage, integration.id, recordType, stamps.rows, query.signal);
  if (toRead.length > query.limit) {
    stamps = await clientStore.changeStampsSince(recordType, query);
    toRead = await stampsToRead(storage, integration.id, recordType, stamps.rows, query.signal);
  }
  const found =
    toRead.length === 0
      ? new Map<string, StoredRecord>()
      : await clientStore.findByIds(recordType, {
          supplierId: query.supplierId,
          ids: toRead,
          ...(query.signal === undefined ? {} : { signal: query.signal }),
        });
  // A record removed since its stamp was read is gone from both sides' concern: it is passed over.
  const rows = toRead.flatMap((id) => {
    const row = found.get(id);
    return row === undefined ? [] : [row as StoredRecord];
  });
  return {
    rows,
    passedOver: stamps.rows.length - rows.length,
    nextCursor: stamps.nextCursor,
    hasMore: stamps.hasMore,
  };
}

/** The ids of stamped rows that may have something to send: live, and changed since they equalled their base. */
async function stampsToRead(
  storage: HubStorage,
  integrationId: string,
  recordType: RecordType,
  stamps: readonly ChangeStamp[],
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const live = stamps.filter((stamp) => stamp.deleted_at === null);
  if (live.length === 0) return [];
  const bases = await storage.links.findBaseStamps(
    integrationId,
    recordType,
    live.map((stamp) => stamp.id),
    signal === undefined ? {} : { signal },
  );
  return live
    .filter((stamp) => {
      const base = bases.get(stamp.id);
      return base === undefined || Date.parse(base) !== Date.parse(stamp.updated_at);
    })
    .map((stamp) => stamp.id);
}

interface PageContext extends ExportOptions {
  readonly recordType: RecordType;
  readonly compiled: CompiledExport;
  readonly write: NonNullable<ProviderSession['write']>;
  readonly findExisting: ProviderSession['findExisting'];
  /** Look up every create before sending it (the first page of a resumed run). */
  readonly lookUpCreates: boolean;
}

/** Maps, writes and settles one page of records; returns what to commit for each. Never writes to storage. */
async function exportPage(context: PageContext, rows: readonly StoredRecord[]): Promise<Entry[]> {
  const { storage, integration, recordType, compiled, signal } = context;
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const links = new Map(
    (await storage.links.findByWedsyncIds(integration.id, recordType, ids, { signal })).map((link) => [
      link.wedsync_record_id,
      link,
    ]),
  );
  let clientLinks = new Map<string, RecordLink>();
  if (recordType === 'project') {
    const clientIds = [
      ...new Set(rows.map((row) => (row.record as { client_id?: unknown }).client_id).filter(isText)),
    ];
    clientLinks = new Map(
      (await storage.links.findByWedsyncIds(integration.id, 'client', clientIds, { signal }))
        .filter((link) => link.deleted_in_crm_at === undefined)
        .map((link) => [link.wedsync_record_id, link]),
    );
  }
  // Open conflicts of linked records: their fields keep the CRM's value until a person decides.
  const conflictsByExternalId = new Map<string, FieldConflict[]>();
  const linkedIds = [...links.values()].map((link) => link.external_id);
  if (linkedIds.length > 0) {
    for (const conflict of await storage.conflicts.listOpenForRecords(integration.id, recordType, linkedIds, {
      signal,
    })) {
      const list = conflictsByExternalId.get(conflict.external_id) ?? [];
      list.push(conflict);
      conflictsByExternalId.set(conflict.external_id, list);
    }
  }
  const secrets = context.knownSecrets();
  const nowText = context.clock().toISOString();
  const entries: Entry[] = rows.map((row) => {
    const link = links.get(row.id);
    const conflicts = link === undefined ? [] : (conflictsByExternalId.get(link.external_id) ?? []);
    return {
      row,
      link,
      locked: new Set(conflicts.map((conflict) => conflict.field)),
      record: conflicts.length === 0 ? undefined : withCrmValues(row.record, conflicts),
    };
  });

  for (const entry of entries) {
    const { row, link } = entry;
    if (row.deleted_at !== null) {
      entry.outcome = 'skipped';
      continue;
    }
    // The record is what both sides agreed on at the last sync: nothing to send, without mapping it (most of what
    // a first export phase reads is what the import before it wrote).
    if (
      entry.locked.size === 0 &&
      link?.base_snapshot !== undefined &&
      contentHash(row.record) === contentHash(link.base_snapshot)
    ) {
      entry.outcome = 'skipped';
      continue;
    }
    const record = entry.record ?? (row.record as Record<string, unknown>);
    const result = mapForExport(compiled, recordType, record, row.id);
    if (!result.ok) {
      settleUnsent(entry, 'rejected', {
        reason: 'mapping_failed',
        errors: result.errors.map((error) => ({
          field: error.field,
          crm_field: error.crm_field,
          code: error.code,
        })),
        message: describeFieldErrors(result.errors),
      });
      continue;
    }
    const data: Record<string, unknown> = { ...result.value };
    let baseData: Record<string, unknown> | undefined;
    // Compared with the base as the CRM holds it now: a locked field has the CRM's value on both sides.
    const conflicts = link === undefined ? [] : (conflictsByExternalId.get(link.external_id) ?? []);
    const baseRecord =
      link?.base_snapshot === undefined || conflicts.length === 0
        ? link?.base_snapshot
        : withCrmValues(link.base_snapshot, conflicts);
    if (baseRecord !== undefined) {
      const base = mapForExport(compiled, recordType, baseRecord, row.id);
      baseData = base.ok ? { ...base.value } : undefined;
    }
    if (recordType === 'project') {
      const clientId = (row.record as { client_id?: unknown }).client_id;
      const clientLink = isText(clientId) ? clientLinks.get(clientId) : undefined;
      if (clientLink === undefined) {
        settleUnsent(entry, 'skipped', {
          reason: 'waiting_for_client',
          message: "The project's client is not in the CRM yet",
        });
        continue;
      }
      data['clientContactId'] = clientLink.external_id;
      if (baseData !== undefined) baseData['clientContactId'] = clientLink.external_id;
    }
    const hash = contentHash(data);
    entry.data = data;
    entry.hash = hash;
    const baseHash = baseData === undefined ? undefined : contentHash(baseData);
    if (isEcho(entry, hash, baseHash)) {
      entry.outcome = 'skipped';
      continue;
    }
    entry.fields = changedFields(compiled, record, baseRecord);
    entry.change = {
      kind: link === undefined ? 'create' : 'update',
      ...(link === undefined ? {} : { externalId: link.external_id }),
      ...(typeof link?.crm_modified_at === 'string' ? { expectedModifiedAt: link.crm_modified_at } : {}),
      data,
      idempotencyKey: `${integration.id}:${recordType}:${row.id}`,
    };
  }

  const settle = (
    entry: Entry,
    result: ProviderWriteResult,
    recovered: boolean,
    failureReason?: 'outcome_unknown',
  ): void => {
    if (result.status === 'failed' && result.changedInCrm === true) {
      // The CRM's record changed after the hub last read it: nothing was written. The next import merges that
      // change, and the next export retries this record (it waits like a failed write) with the merged values.
      settleUnsent(entry, 'skipped', {
        reason: 'crm_changed_since_read',
        changed_fields: entry.fields ?? [],
      });
      return;
    }
    if (result.status === 'failed') {
      settleUnsent(entry, 'rejected', {
        reason: failureReason ?? (result.retryable ? 'crm_write_failed' : 'crm_refused'),
        kind: entry.change?.kind ?? 'create',
        retryable: result.retryable,
        message: String(redactSecrets(result.error, { knownSecrets: secrets })).slice(0, 1000),
      });
      return;
    }
    const created = entry.link === undefined;
    entry.outcome = created ? 'created' : 'updated';
    entry.log = {
      record_id: created && context.dryRun === true ? entry.row.id : result.externalId,
      action_type: created ? 'created' : 'updated',
      action_details: {
        direction: 'export',
        changed_fields: entry.fields ?? [],
        ...(entry.locked.size === 0 ? {} : { open_conflicts: [...entry.locked] }),
        ...(recovered ? { found_after_uncertain_create: true } : {}),
      },
    };
    const old = entry.link;
    entry.newLink = {
      integration_id: integration.id,
      record_type: recordType,
      external_id: result.externalId,
      wedsync_record_id: entry.row.id,
      base_snapshot: nextBase(compiled, entry.record ?? entry.row.record, old?.base_snapshot, entry.locked),
      content_hash: old?.content_hash ?? null,
      last_written_hash: entry.hash ?? null,
      last_written_side: 'crm',
      last_written_at: nowText,
      crm_modified_at: result.modifiedAt ?? old?.crm_modified_at ?? null,
      wedsync_modified_at: entry.row.updated_at,
      // The new base is only the fields that travel both ways: whether the record equals it is not known.
      base_updated_at: null,
      last_synced_at: nowText,
      deleted_in_crm_at: null,
    };
  };

  // Creates a crashed run may have made: look them up first.
  let pending = entries.filter((entry) => entry.change !== undefined);
  if (context.lookUpCreates && context.findExisting !== undefined) {
    const lookups = pending.filter((entry) => entry.change?.kind === 'create');
    const found = await lookUp(context, lookups);
    for (const [entry, externalId] of found) settle(entry, { ...recoveredResult(entry, externalId) }, true);
    pending = pending.filter((entry) => entry.outcome === undefined);
  }

  const results = await send(context, pending);
  const again: Entry[] = [];
  const uncertain: Entry[] = [];
  pending.forEach((entry, index) => {
    const result = results[index] as ProviderWriteResult;
    if (result.status === 'failed' && result.retryable) {
      if (entry.change?.kind === 'create' && result.error === outcomeUnknownError) uncertain.push(entry);
      else again.push(entry);
      return;
    }
    settle(entry, result, false);
  });

  // Uncertain creates: link the record when the CRM has it, else send the create once more.
  if (uncertain.length > 0) {
    if (context.findExisting === undefined) {
      for (const entry of uncertain) {
        settle(
          entry,
          {
            idempotencyKey: entry.change?.idempotencyKey ?? '',
            status: 'failed',
            error: 'The CRM may have made the record, but the provider cannot look it up: not sent again',
            retryable: true,
          },
          false,
          // Never retried by a later export either: only a person can tell whether the CRM has it.
          'outcome_unknown',
        );
      }
    } else {
      const found = await lookUp(context, uncertain);
      for (const entry of uncertain) {
        const externalId = found.get(entry);
        if (externalId === undefined) again.push(entry);
        else settle(entry, recoveredResult(entry, externalId), true);
      }
    }
  }
  if (again.length > 0) {
    const retried = await send(context, again);
    again.forEach((entry, index) => {
      settle(entry, retried[index] as ProviderWriteResult, false);
    });
  }
  return entries;
}

function recoveredResult(entry: Entry, externalId: string): ProviderWriteResult {
  return { idempotencyKey: entry.change?.idempotencyKey ?? '', status: 'created', externalId };
}

async function lookUp(context: PageContext, entries: readonly Entry[]): Promise<Map<Entry, string>> {
  const found = new Map<Entry, string>();
  const findExisting = context.findExisting;
  if (findExisting === undefined) return found;
  for (const entry of entries) {
    const change = entry.change as ProviderRecordChange;
    const record = await findExisting(context.recordType, change.data, {
      signal: context.signal,
      idempotencyKey: change.idempotencyKey,
    });
    if (record !== null) found.set(entry, record.externalId);
  }
  return found;
}

async function send(
  context: PageContext,
  entries: readonly Entry[],
): Promise<readonly ProviderWriteResult[]> {
  if (entries.length === 0) return [];
  const changes = entries.map((entry) => entry.change as ProviderRecordChange);
  if (context.dryRun === true) {
    // Nothing reaches the CRM: each change is reported as the write would have gone.
    return entries.map((entry, index) => {
      const change = changes[index] as ProviderRecordChange;
      return change.kind === 'update' && change.externalId !== undefined
        ? { idempotencyKey: change.idempotencyKey, status: 'updated', externalId: change.externalId }
        : { idempotencyKey: change.idempotencyKey, status: 'created', externalId: `dry-run:${entry.row.id}` };
    });
  }
  const results = await context.write(context.recordType, changes, { signal: context.signal });
  if (
    !Array.isArray(results) ||
    results.length !== changes.length ||
    results.some((result, index) => result?.idempotencyKey !== changes[index]?.idempotencyKey)
  ) {
    throw new InvalidArgumentError(
      `Provider \`${context.provider.id}\` answered a write of ${changes.length} \`${context.recordType}\` changes with results that do not match them one for one, in order`,
      {
        context: { providerId: context.provider.id, recordType: context.recordType, changes: changes.length },
      },
    );
  }
  return results;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
