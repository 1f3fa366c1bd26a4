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
 * - Echo-safe: a record whose exported object is what the hub last wrote to the CRM (`last_written_hash`), what
 *   the last import wrote to WedSync, or what its link's base snapshot exports to, is skipped.
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
import type { ClientStore, StoredRecord } from '../spec/client-store.js';
import type {
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
import { countOutcome, initialCounts, type RecordOutcomeKind, type SkippedTypeReason } from './counts.js';
import type { ProgressEvent } from './events.js';
import type { FullImportOptions, ImportMappingOptions, StopRequest } from './full-import.js';
import { contentHash } from './hash.js';
import { groupMappingsByRecordType, qualifiedWedsyncFields, unqualifyWedsyncField } from './record-types.js';

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
  /** Record types the job does not export, with why. */
  skipped_types: z.record(z.string(), z.enum(['unsupported', 'excluded', 'no_mappings'])),
});
/** Where an export stands. */
export type ExportCheckpoint = z.infer<typeof ExportCheckpointSchema>;

/** Everything the export of one job needs: what an import run needs, and the size of its pages. */
export interface ExportOptions extends FullImportOptions {
  /** Records read per `changesSince` page. @default 100 */
  readonly pageSize?: number;
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
): { plan: RecordType[]; skipped: Partial<Record<RecordType, SkippedTypeReason>> } {
  const excluded = new Set(integration.sync_config.excluded_record_types);
  const groups = groupMappingsByRecordType(mappings);
  const plan: RecordType[] = [];
  const skipped: Partial<Record<RecordType, SkippedTypeReason>> = {};
  for (const recordType of RecordTypeSchema.options) {
    if (!exportableRecordTypes.includes(recordType) || provider.features[recordType]?.write !== true) {
      skipped[recordType] = 'unsupported';
    } else if (excluded.has(recordType)) skipped[recordType] = 'excluded';
    else if (!(groups.get(recordType) ?? []).some((entry) => mappingRunsIn(entry.mapping, 'export'))) {
      skipped[recordType] = 'no_mappings';
    } else plan.push(recordType);
  }
  return { plan: exportableRecordTypes.filter((recordType) => plan.includes(recordType)), skipped };
}

/** The watermark of an integration: the cursors where its last completed export stopped (empty when none). */
export async function lastExportCursors(
  storage: HubStorage,
  integrationId: string,
): Promise<Record<string, string | null>> {
  for (let page = 1; ; page += 1) {
    const { sync_jobs: jobs, total } = await storage.jobs.list(integrationId, { page, per_page: 100 });
    for (const job of jobs) {
      if (job.job_type !== 'export_to_crm' || job.job_status !== 'completed') continue;
      const parsed = ExportCheckpointSchema.safeParse(job.checkpoint);
      if (parsed.success) return parsed.data.cursors;
    }
    if (jobs.length === 0 || page * 100 >= total) return {};
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
): Promise<{ checkpoint: ExportCheckpoint; resumed: boolean }> {
  if (job.checkpoint !== undefined) {
    const parsed = ExportCheckpointSchema.safeParse(job.checkpoint);
    if (!parsed.success) {
      throw new InvalidArgumentError(`Job \`${job.id}\` has a checkpoint this version cannot resume from`, {
        context: { jobId: job.id, issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
      });
    }
    return { checkpoint: parsed.data, resumed: true };
  }
  const { plan, skipped } = fresh();
  const cursors = await lastExportCursors(storage, job.integration_id);
  const first = plan[0];
  return {
    checkpoint: {
      version: 1,
      kind: 'export',
      plan,
      phase: 0,
      cursor: first === undefined ? null : (cursors[first] ?? null),
      cursors,
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
  return { mapper, sharedPaths };
}

/** What an export does with one record. */
interface Entry {
  readonly row: StoredRecord;
  readonly link: RecordLink | undefined;
  data?: Record<string, unknown>;
  hash?: string;
  change?: ProviderRecordChange;
  outcome?: RecordOutcomeKind;
  log?: Omit<NewSyncLog, 'integration_id' | 'sync_job_id' | 'record_type' | 'wedsync_record_id'>;
  newLink?: RecordLinkUpsert;
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

/** The base snapshot after a write: the old base with the fields that travel both ways as WedSync has them. */
function nextBase(compiled: CompiledExport, record: unknown, old: JsonObject | undefined): JsonObject {
  const base: JsonObject = structuredClone(old ?? {});
  for (const path of compiled.sharedPaths) {
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

function isEcho(entry: Entry, hash: string, baseHash: string | undefined, recordHash: string): boolean {
  const link = entry.link;
  if (link === undefined) return false;
  if (link.last_written_side === 'crm' && link.last_written_hash === hash) return true;
  if (link.last_written_side === 'wedsync' && link.last_written_hash === recordHash) return true;
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
  let checkpoint = start.checkpoint;
  let counts: SyncJobCounts = { ...initialCounts(), ...(start.resumed ? (job.counts ?? {}) : {}) };
  if (!start.resumed) {
    for (const [recordType, reason] of Object.entries(checkpoint.skipped_types)) {
      counts[`type_skipped.${recordType}.${reason}`] = 1;
    }
    counts['record_types_skipped'] = Object.keys(checkpoint.skipped_types).length;
  }
  let recordsProcessed = start.resumed ? job.records_processed : 0;
  let lookUpCreates = start.resumed;
  const httpBase = {
    requests: counts['requests'] ?? 0,
    retries: counts['retries'] ?? 0,
    rate_limited: counts['rate_limited'] ?? 0,
  };
  const withHttp = (value: SyncJobCounts): SyncJobCounts => {
    const stats = options.stats();
    return {
      ...value,
      requests: httpBase.requests + stats.requestsSent,
      retries: httpBase.retries + stats.retries,
      rate_limited: httpBase.rate_limited + stats.rateLimited,
    };
  };
  const compiled = new Map<RecordType, CompiledExport>();
  for (const recordType of checkpoint.plan) {
    compiled.set(recordType, compileExport(recordType, options.mappings, options.mappingOptions));
  }
  const percentOf = (next: ExportCheckpoint): number =>
    next.plan.length === 0 || next.phase >= next.plan.length
      ? 100
      : Math.min(99, Math.floor((100 * next.phase) / next.plan.length));

  while (checkpoint.phase < checkpoint.plan.length) {
    const recordType = checkpoint.plan[checkpoint.phase] as RecordType;
    const typeExport = compiled.get(recordType) as CompiledExport;
    const page = await clientStore.changesSince(recordType, {
      supplierId: integration.supplier_id,
      cursor: checkpoint.cursor,
      limit: pageSize,
      signal,
    });
    const entries = await exportPage(
      { ...options, write, findExisting, recordType, compiled: typeExport, lookUpCreates },
      page.rows,
    );
    lookUpCreates = false;
    const now = options.clock();
    const last = !page.hasMore;
    const committed = await storage.transaction(async (transaction) => {
      const nextCounts: SyncJobCounts = { ...counts };
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
      if (links.length > 0) await transaction.links.upsert(links, { signal });
      if (logs.length > 0) await transaction.logs.insert(logs, { signal });
      const cursor = page.nextCursor ?? checkpoint.cursor;
      const phase = last ? checkpoint.phase + 1 : checkpoint.phase;
      const nextType = checkpoint.plan[phase];
      const next: ExportCheckpoint = {
        ...checkpoint,
        phase,
        cursor: last ? (nextType === undefined ? null : (checkpoint.cursors[nextType] ?? null)) : cursor,
        cursors: last ? { ...checkpoint.cursors, [recordType]: cursor } : checkpoint.cursors,
      };
      const processed = recordsProcessed + page.rows.length;
      const withStats = withHttp(nextCounts);
      const percent = percentOf(next);
      await transaction.jobs.saveProgress(job.id, {
        owner,
        checkpoint: next as unknown as JsonObject,
        progress_percent: percent,
        records_processed: processed,
        counts: withStats,
      });
      return { next, counts: withStats, processed, percent };
    });
    checkpoint = committed.next;
    counts = committed.counts;
    recordsProcessed = committed.processed;
    options.onProgress({
      jobId: job.id,
      integrationId: integration.id,
      recordType,
      progressPercent: committed.percent,
      recordsProcessed,
      recordsTotal: null,
      counts: { ...counts },
    });
    const stop = await options.afterPage();
    signal.throwIfAborted();
    if (stop === 'cancel') return { kind: 'cancelled', counts, recordsProcessed };
    if (stop === 'park' && checkpoint.phase < checkpoint.plan.length) {
      return { kind: 'parked', counts, recordsProcessed };
    }
  }
  counts = withHttp(counts);
  return { kind: 'finished', counts, recordsProcessed };
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
  const secrets = context.knownSecrets();
  const nowText = context.clock().toISOString();
  const entries: Entry[] = rows.map((row) => ({ row, link: links.get(row.id) }));

  for (const entry of entries) {
    const { row, link } = entry;
    if (row.deleted_at !== null) {
      entry.outcome = 'skipped';
      continue;
    }
    const result = mapForExport(compiled, recordType, row.record, row.id);
    if (!result.ok) {
      entry.outcome = 'rejected';
      entry.log = {
        record_id: link?.external_id ?? row.id,
        action_type: 'error',
        action_details: {
          direction: 'export',
          reason: 'mapping_failed',
          errors: result.errors.map((error) => ({
            field: error.field,
            crm_field: error.crm_field,
            code: error.code,
          })),
        },
        error_message: describeFieldErrors(result.errors),
      };
      continue;
    }
    const data: Record<string, unknown> = { ...result.value };
    let baseData: Record<string, unknown> | undefined;
    if (link?.base_snapshot !== undefined) {
      const base = mapForExport(compiled, recordType, link.base_snapshot, row.id);
      baseData = base.ok ? { ...base.value } : undefined;
    }
    if (recordType === 'project') {
      const clientId = (row.record as { client_id?: unknown }).client_id;
      const clientLink = isText(clientId) ? clientLinks.get(clientId) : undefined;
      if (clientLink === undefined) {
        entry.outcome = 'skipped';
        entry.log = {
          record_id: link?.external_id ?? row.id,
          action_type: 'skipped',
          action_details: { direction: 'export', reason: 'waiting_for_client' },
          error_message: "The project's client is not in the CRM yet",
        };
        continue;
      }
      data['clientContactId'] = clientLink.external_id;
      if (baseData !== undefined) baseData['clientContactId'] = clientLink.external_id;
    }
    const hash = contentHash(data);
    entry.data = data;
    entry.hash = hash;
    const baseHash = baseData === undefined ? undefined : contentHash(baseData);
    if (isEcho(entry, hash, baseHash, contentHash(row.record))) {
      entry.outcome = 'skipped';
      continue;
    }
    entry.change = {
      kind: link === undefined ? 'create' : 'update',
      ...(link === undefined ? {} : { externalId: link.external_id }),
      data,
      idempotencyKey: `${integration.id}:${recordType}:${row.id}`,
    };
  }

  const settle = (entry: Entry, result: ProviderWriteResult, recovered: boolean): void => {
    if (result.status === 'failed') {
      entry.outcome = 'rejected';
      entry.log = {
        record_id: entry.link?.external_id ?? entry.row.id,
        action_type: 'error',
        action_details: {
          direction: 'export',
          reason: result.retryable ? 'crm_write_failed' : 'crm_refused',
          kind: entry.change?.kind ?? 'create',
          retryable: result.retryable,
        },
        error_message: String(redactSecrets(result.error, { knownSecrets: secrets })).slice(0, 1000),
      };
      return;
    }
    const created = entry.link === undefined;
    entry.outcome = created ? 'created' : 'updated';
    entry.log = {
      record_id: result.externalId,
      action_type: created ? 'created' : 'updated',
      action_details: {
        direction: 'export',
        ...(recovered ? { found_after_uncertain_create: true } : {}),
      },
    };
    const old = entry.link;
    entry.newLink = {
      integration_id: integration.id,
      record_type: recordType,
      external_id: result.externalId,
      wedsync_record_id: entry.row.id,
      base_snapshot: nextBase(compiled, entry.row.record, old?.base_snapshot),
      content_hash: old?.content_hash ?? null,
      last_written_hash: entry.hash ?? null,
      last_written_side: 'crm',
      last_written_at: nowText,
      crm_modified_at: result.modifiedAt ?? old?.crm_modified_at ?? null,
      wedsync_modified_at: entry.row.updated_at,
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
