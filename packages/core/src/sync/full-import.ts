/**
 * The full import of one job: reads every record type the integration imports, in order (client, project,
 * event, invoice, payment), page by page, and commits each page in ONE transaction with the job's checkpoint
 * and progress (see `import-page.ts` for what a page writes). A crash loses at most the page in flight: the
 * checkpoint names the record type and the cursor after the last committed page, so a resumed job reads on from
 * there, and record links plus content hashes make any record delivered again a no-op.
 */
import { z } from 'zod';
import { CrmError, InvalidArgumentError } from '../errors/index.js';
import type { CompileMappingsOptions } from '../mapping/compile.js';
import { compileMappings } from '../mapping/compile.js';
import { type RecordType, RecordTypeSchema } from '../model/canonical.js';
import type { CrmFieldMapping } from '../model/field-mapping.js';
import type { CrmIntegration } from '../model/integration.js';
import type { ClientStore } from '../spec/client-store.js';
import type { HubStorage, JsonObject, SyncJobCounts, SyncJobRecord } from '../spec/hub-storage.js';
import type { CrmProviderV1, ProviderHttpStats, ProviderPage, ProviderSession } from '../spec/provider.js';
import { initialCounts, type SkippedTypeReason, skippedTypeReasons } from './counts.js';
import type { ProgressEvent } from './events.js';
import { contentHash } from './hash.js';
import { type CompiledRecordType, importPage } from './import-page.js';
import { advanceWatermark } from './incremental.js';
import {
  groupMappingsByRecordType,
  importOrder,
  planRecordTypes,
  qualifiedWedsyncFields,
  type RecordTypePlan,
} from './record-types.js';

/** The mapping options an import uses; the rest of `CompileMappingsOptions` is fixed by the hub. */
export type ImportMappingOptions = Pick<
  CompileMappingsOptions,
  | 'defaultCountry'
  | 'phoneValidation'
  | 'dateOrder'
  | 'dateInputFormats'
  | 'currency'
  | 'optionalFieldErrors'
  | 'unicodeNormalization'
>;

/** The option names of {@link ImportMappingOptions}, for reading them from settings and job configs. */
export const importMappingOptionNames = [
  'defaultCountry',
  'phoneValidation',
  'dateOrder',
  'dateInputFormats',
  'currency',
  'optionalFieldErrors',
  'unicodeNormalization',
] as const satisfies readonly (keyof ImportMappingOptions)[];

/** Where an import stands, saved with every page (`crm_sync_jobs.checkpoint`). */
export const ImportCheckpointSchema = z.object({
  version: z.literal(1),
  /** The record types this job reads, in order. */
  plan: z.array(RecordTypeSchema),
  /** Index into `plan` of the record type being read; `plan.length` when every type is done. */
  phase: z.number().int().min(0),
  /** Resume the current type's read after this cursor; null = from its start. */
  cursor: z.string().nullable(),
  /** Totals the CRM reported, per record type. */
  totals: z.record(z.string(), z.number().int().min(0)),
  /** CRM client ids that are certain duplicates of another CRM client -> the WedSync client id. */
  aliases: z.record(z.string(), z.string()),
  /** Record types the job does not read, with why. */
  skipped_types: z.record(z.string(), z.enum(skippedTypeReasons)),
  /**
   * Incremental reads: per record type, read only records the CRM modified after this instant (ISO 8601). Fixed
   * when the job starts, so a resumed job reads the same walk. A type absent here is read in full.
   */
  since: z.record(z.string(), z.string()).optional(),
  /**
   * Per record type, the newest CRM `modifiedAt` of the records committed so far (carried over from the previous
   * import for types this job reads incrementally): the watermark the next incremental sync starts from.
   */
  watermarks: z.record(z.string(), z.string()).optional(),
  /** Per record type, the fingerprint of the mappings this job maps with: a watermark is valid for these only. */
  fingerprints: z.record(z.string(), z.string()).optional(),
  /**
   * A two-way `incremental_sync` in its export phase: the export's checkpoint (`ExportCheckpointSchema`). Present
   * once the import phase is done, so a resumed job goes on exporting.
   */
  export: z.record(z.string(), z.unknown()).optional(),
  /**
   * The settings the CRM reported when the job started (currency, date format...): a `field_mapping_update` maps
   * staged records with the options the import used (`remap.ts`).
   */
  connection_settings: z.record(z.string(), z.unknown()).optional(),
});
/** Where an import stands. */
export type ImportCheckpoint = z.infer<typeof ImportCheckpointSchema>;

/** What the job loop asks after every committed page. */
export type StopRequest = 'cancel' | 'park' | null;

/**
 * Records an import processes before it first refreshes the stores' planner statistics (`refreshStatistics`);
 * after that, each time the count doubles, and after as many records of each record type that follows.
 */
export const statisticsFirstRefresh = 1_000;

/** Everything the import of one job needs. */
export interface FullImportOptions {
  readonly storage: HubStorage;
  readonly clientStore: ClientStore;
  readonly integration: CrmIntegration;
  readonly provider: CrmProviderV1;
  readonly job: SyncJobRecord;
  readonly owner: string;
  readonly session: ProviderSession;
  readonly mappings: readonly CrmFieldMapping[];
  readonly mappingOptions: ImportMappingOptions;
  readonly knownSecrets: () => readonly string[];
  readonly clock: () => Date;
  readonly signal: AbortSignal;
  /** HTTP counters of this run's session. */
  readonly stats: () => ProviderHttpStats;
  /** Called after each committed page: renews the lease and says whether to stop. */
  readonly afterPage: () => Promise<StopRequest>;
  readonly onProgress: (event: ProgressEvent) => void;
}

/** How the import loop ended. */
export interface FullImportResult {
  readonly kind: 'finished' | 'cancelled' | 'parked';
  readonly counts: SyncJobCounts;
  readonly recordsProcessed: number;
}

/** The plan of a fresh import: which record types to read, and why the others are skipped. */
export function planImport(
  provider: CrmProviderV1,
  integration: CrmIntegration,
  mappings: readonly CrmFieldMapping[],
): RecordTypePlan {
  return planRecordTypes({
    recordTypes: importOrder,
    direction: 'import',
    supported: (recordType) => provider.features[recordType]?.read === true,
    integration,
    mappings,
  });
}

/**
 * Compiles the import mappings of each planned record type, once per job.
 * @throws MappingError when stored mappings are invalid; InvalidArgumentError when an option is.
 */
export function compileImportMappings(
  plan: readonly RecordType[],
  mappings: readonly CrmFieldMapping[],
  options: ImportMappingOptions,
): Map<RecordType, CompiledRecordType> {
  const groups = groupMappingsByRecordType(mappings);
  const compiled = new Map<RecordType, CompiledRecordType>();
  for (const recordType of plan) {
    const group = (groups.get(recordType) ?? []).map((entry) => entry.mapping);
    const mapper = compileMappings(group, {
      ...options,
      direction: 'import',
      wedsyncFields: qualifiedWedsyncFields(recordType),
    });
    compiled.set(recordType, {
      recordType,
      mapper,
      fingerprint: contentHash({ mappings: group, options }),
    });
  }
  return compiled;
}

function checkPage(page: unknown, providerId: string, recordType: RecordType): ProviderPage {
  const value = page as Partial<ProviderPage> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(value.records) ||
    (value.cursor !== null && typeof value.cursor !== 'string') ||
    (value.totalRecords !== undefined &&
      (typeof value.totalRecords !== 'number' ||
        !Number.isInteger(value.totalRecords) ||
        value.totalRecords < 0))
  ) {
    throw new InvalidArgumentError(
      `Provider \`${providerId}\` returned a page of \`${recordType}\` that is not { records: [], cursor: string | null, totalRecords?: integer }`,
      { context: { providerId, recordType } },
    );
  }
  return value as ProviderPage;
}

/**
 * The pages of a read, each one raced against the job's signal: a provider that ignores the signal still cannot
 * keep a stopping job waiting.
 */
async function* pagesOf(iterable: AsyncIterable<unknown>, signal: AbortSignal): AsyncGenerator<unknown> {
  const iterator = iterable[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      signal.throwIfAborted();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next.done === true) {
          finished = true;
          return;
        }
        yield next.value;
      } finally {
        signal.removeEventListener('abort', onAbort as () => void);
        aborted.catch(() => {});
      }
    }
  } finally {
    if (!finished) {
      // Let the provider release what it holds; never wait for a provider that is stuck.
      void Promise.resolve(iterator.return?.()).catch(() => {});
    }
  }
}

function progressOf(
  checkpoint: ImportCheckpoint,
  counts: SyncJobCounts,
): { percent: number; total: number | undefined } {
  const { plan, phase, totals } = checkpoint;
  if (plan.length === 0 || phase >= plan.length) {
    let total = 0;
    for (const type of plan) total += counts[`${type}.read`] ?? 0;
    return { percent: 100, total };
  }
  let total = 0;
  for (const type of plan.slice(0, phase)) total += totals[type] ?? counts[`${type}.read`] ?? 0;
  const current = plan[phase] as RecordType;
  const currentTotal = totals[current];
  const read = counts[`${current}.read`] ?? 0;
  const fraction = currentTotal === undefined || currentTotal === 0 ? 0 : Math.min(1, read / currentTotal);
  const percent = Math.min(99, Math.floor((100 * (phase + fraction)) / plan.length));
  return { percent, total: currentTotal === undefined ? undefined : total + currentTotal };
}

/** An import checkpoint whose `skipped_types` say one of `Reason` (a `field_mapping_update` adds `not_staged`). */
export type ImportCheckpointWith<Reason extends string> = Omit<ImportCheckpoint, 'skipped_types'> & {
  skipped_types: Record<string, Reason>;
};

/**
 * The job's checkpoint: the stored one of a resumed job, read with `schema`, or a fresh plan (`fresh` is called
 * only then). A `field_mapping_update` passes its own schema, whose `skipped_types` also allow `not_staged`.
 * @throws InvalidArgumentError when a stored checkpoint is not one this version wrote.
 */
export function startingCheckpoint<Reason extends string = SkippedTypeReason>(
  job: SyncJobRecord,
  fresh: () => {
    readonly plan: RecordType[];
    readonly skipped: Partial<Record<RecordType, Reason>>;
  },
  // TypeScript cannot tie a default value to a generic parameter's default: without a schema, `Reason` is
  // `SkippedTypeReason`, the reasons this schema allows.
  schema: z.ZodType<ImportCheckpointWith<Reason>> = ImportCheckpointSchema as unknown as z.ZodType<
    ImportCheckpointWith<Reason>
  >,
): { checkpoint: ImportCheckpointWith<Reason>; resumed: boolean } {
  if (job.checkpoint !== undefined) {
    const parsed = schema.safeParse(job.checkpoint);
    if (!parsed.success) {
      throw new InvalidArgumentError(`Job \`${job.id}\` has a checkpoint this version cannot resume from`, {
        context: { jobId: job.id, issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
      });
    }
    return { checkpoint: parsed.data, resumed: true };
  }
  const { plan, skipped } = fresh();
  return {
    checkpoint: {
      version: 1,
      plan,
      phase: 0,
      cursor: null,
      totals: {},
      aliases: {},
      skipped_types: skipped,
    },
    resumed: false,
  };
}

/** Runs (or resumes) the import loop of one job. Throws what the provider or the storage throws. */
export async function runFullImport(
  options: FullImportOptions,
  start: { readonly checkpoint: ImportCheckpoint; readonly resumed: boolean },
): Promise<FullImportResult> {
  const { storage, clientStore, integration, provider, job, owner, session, signal } = options;
  let checkpoint = start.checkpoint;
  let counts: SyncJobCounts = { ...initialCounts(), ...(start.resumed ? (job.counts ?? {}) : {}) };
  if (!start.resumed) {
    for (const [recordType, reason] of Object.entries(checkpoint.skipped_types)) {
      counts[`type_skipped.${recordType}.${reason}`] = 1;
    }
    counts['record_types_skipped'] = Object.keys(checkpoint.skipped_types).length;
  }
  let recordsProcessed = start.resumed ? job.records_processed : 0;
  // When the stores' planner statistics are refreshed next: after the first records, then each time they double.
  let statisticsDueAt = recordsProcessed + statisticsFirstRefresh;
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
  const compiled = compileImportMappings(checkpoint.plan, options.mappings, options.mappingOptions);
  const importedTypes = new Set(checkpoint.plan);
  if (checkpoint.fingerprints === undefined) {
    checkpoint = {
      ...checkpoint,
      fingerprints: Object.fromEntries([...compiled].map(([type, entry]) => [type, entry.fingerprint])),
    };
  }

  const save = async (
    target: HubStorage,
    next: ImportCheckpoint,
    nextCounts: SyncJobCounts,
    processed: number,
  ): Promise<{ percent: number; total: number | undefined }> => {
    const progress = progressOf(next, nextCounts);
    await target.jobs.saveProgress(job.id, {
      owner,
      checkpoint: next as unknown as JsonObject,
      progress_percent: progress.percent,
      records_processed: processed,
      ...(progress.total === undefined ? {} : { records_total: progress.total }),
      counts: nextCounts,
    });
    return progress;
  };

  while (checkpoint.phase < checkpoint.plan.length) {
    const recordType = checkpoint.plan[checkpoint.phase] as RecordType;
    const phase = checkpoint.phase;
    // A record type the statistics have not seen yet (its links, its parents' lookups) is estimated at next to no
    // rows until they are refreshed: refresh after its first records too, not only when the count doubles.
    statisticsDueAt = Math.min(statisticsDueAt, recordsProcessed + statisticsFirstRefresh);
    const since = checkpoint.since?.[recordType] ?? null;
    const read = session.read(recordType, { cursor: checkpoint.cursor, since, signal });
    for await (const delivered of pagesOf(read, signal)) {
      const page = checkPage(delivered, provider.id, recordType);
      const last = page.cursor === null;
      const totals =
        page.totalRecords === undefined
          ? checkpoint.totals
          : { ...checkpoint.totals, [recordType]: page.totalRecords };
      const committed = await storage.transaction(async (transaction, handle) => {
        const result = await importPage(
          transaction,
          clientStore.withTransaction(handle),
          {
            integration,
            providerId: provider.id,
            jobId: job.id,
            compiled: compiled.get(recordType) as CompiledRecordType,
            importedTypes,
            aliases: new Map(Object.entries(checkpoint.aliases)),
            knownSecrets: options.knownSecrets(),
            now: options.clock(),
            signal,
          },
          page.records,
        );
        const nextCounts: SyncJobCounts = { ...counts };
        for (const [key, amount] of Object.entries(result.counts)) {
          nextCounts[key] = (nextCounts[key] ?? 0) + amount;
        }
        const next: ImportCheckpoint = {
          ...checkpoint,
          phase: last ? phase + 1 : phase,
          cursor: last ? null : page.cursor,
          totals,
          aliases: { ...checkpoint.aliases, ...Object.fromEntries(result.aliases) },
          watermarks: advanceWatermark(checkpoint.watermarks ?? {}, recordType, page.records),
        };
        const processed = recordsProcessed + page.records.length;
        const withStats = withHttp(nextCounts);
        const progress = await save(transaction, next, withStats, processed);
        return { next, counts: withStats, processed, progress };
      });
      checkpoint = committed.next;
      counts = committed.counts;
      recordsProcessed = committed.processed;
      if (recordsProcessed >= statisticsDueAt) {
        await storage.refreshStatistics?.({ signal });
        await clientStore.refreshStatistics?.({ signal });
        statisticsDueAt = recordsProcessed * 2;
      }
      options.onProgress({
        jobId: job.id,
        integrationId: integration.id,
        recordType,
        progressPercent: committed.progress.percent,
        recordsProcessed,
        recordsTotal: committed.progress.total ?? null,
        counts: { ...counts },
      });
      const stop = await options.afterPage();
      signal.throwIfAborted();
      if (stop === 'cancel') return { kind: 'cancelled', counts, recordsProcessed };
      if (stop === 'park') {
        if (last && checkpoint.phase >= checkpoint.plan.length) break;
        return { kind: 'parked', counts, recordsProcessed };
      }
      if (last) break;
    }
    if (checkpoint.phase === phase) {
      // The read ended without a last page (or without any page): move on, and remember that.
      checkpoint = { ...checkpoint, phase: phase + 1, cursor: null };
      counts = withHttp(counts);
      await save(storage, checkpoint, counts, recordsProcessed);
    }
  }
  counts = withHttp(counts);
  return { kind: 'finished', counts, recordsProcessed };
}

/** True when `error` is a CrmError whose code says the CRM's API failed. */
export function isProviderFailure(error: unknown): error is CrmError {
  return CrmError.isInstance(error) && error.code === 'provider_api_failed';
}
