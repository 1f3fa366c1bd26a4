/**
 * The `field_mapping_update` job: the import pipeline (`full-import.ts`, `import-page.ts`) fed from the staging
 * table instead of the CRM, so that changed field mappings reach every record already imported without a single
 * request to the CRM.
 *
 * - **What it reads.** For each record type of the import plan, the latest staged raw record of each external id
 *   of the integration (the newest `crm_client_staging` row per (record type, external id), whatever job staged
 *   it: `staging.listLatest`), in pages of {@link defaultStagedPageSize} ordered by external id. The raw record
 *   (`raw_data = { record_type, data, links?, modified_at?, deleted? }`) becomes the `ExternalRecord` the CRM
 *   delivered then. Rows of records the import rejected as having no usable id or data object are not records
 *   to map again: they are left out (not counted as read).
 * - **What it does with them.** Exactly what an import does: map, validate, dedupe, three-way merge into linked
 *   records, one transaction per page with the job's checkpoint, the same outcomes, counts, logs and staging
 *   rows. Records whose content hash and mapping fingerprint are unchanged are skipped, so a second run with the
 *   same mappings changes nothing. `requests` stays 0.
 * - **Record types.** The import plan (`planImport`), minus the types the integration has never staged: those are
 *   skipped with the reason `not_staged` (`type_skipped.<type>.not_staged` in the counts) — there is nothing to
 *   map again until an import reads them from the CRM.
 * - **Resuming.** The checkpoint is an import checkpoint whose cursor is the staged read's (the last external id
 *   of the committed page): a parked or crashed job resumes after its last committed page.
 *
 * The runner builds the same loop object as for an import and calls {@link startingFieldMappingUpdateCheckpoint}
 * then {@link runFieldMappingUpdate}; no provider session is needed (see {@link createStagedSession}).
 */
import { z } from 'zod';
import { InvalidArgumentError, UnsupportedCapabilityError } from '../errors/index.js';
import { isPlainObject } from '../mapping/types.js';
import { type RecordType, recordTypes } from '../model/canonical.js';
import type { CrmFieldMapping } from '../model/field-mapping.js';
import type { CrmIntegration } from '../model/integration.js';
import type { HubStorage, StagingRow, SyncJobRecord } from '../spec/hub-storage.js';
import type {
  CrmProviderV1,
  ExternalRecord,
  ProviderConnectionInfo,
  ProviderHttpStats,
  ProviderPage,
  ProviderReadOptions,
  ProviderRecordType,
  ProviderSession,
} from '../spec/provider.js';
import { type SkippedTypeReason, skippedTypeReasons } from './counts.js';
import {
  type FullImportOptions,
  type FullImportResult,
  type ImportCheckpoint,
  ImportCheckpointSchema,
  planImport,
  runFullImport,
  startingCheckpoint,
} from './full-import.js';

/** Staged records per page of a `field_mapping_update` read (one transaction each). */
export const defaultStagedPageSize = 100;

/** Why a `field_mapping_update` leaves a record type out: an import's reasons, or `not_staged`. */
export type FieldMappingUpdateSkipReason = SkippedTypeReason | 'not_staged';

/** The reasons of {@link FieldMappingUpdateSkipReason}. */
export const fieldMappingUpdateSkipReasons = [
  ...skippedTypeReasons,
  'not_staged',
] as const satisfies readonly FieldMappingUpdateSkipReason[];

/**
 * The checkpoint of a `field_mapping_update` job: an import checkpoint whose `skipped_types` may also say
 * `not_staged`.
 */
export const FieldMappingUpdateCheckpointSchema = ImportCheckpointSchema.extend({
  skipped_types: z.record(z.string(), z.enum(fieldMappingUpdateSkipReasons)),
});
/** Where a `field_mapping_update` job stands. */
export type FieldMappingUpdateCheckpoint = z.infer<typeof FieldMappingUpdateCheckpointSchema>;

/** The plan of a fresh `field_mapping_update`: the record types to map again, and why the others are skipped. */
export interface FieldMappingUpdatePlan {
  readonly plan: RecordType[];
  readonly skipped: Partial<Record<RecordType, FieldMappingUpdateSkipReason>>;
}

/** The HTTP counters of a staged read: it sends nothing. */
const noRequests: ProviderHttpStats = Object.freeze({ requestsSent: 0, retries: 0, rateLimited: 0 });

/** Options of {@link createStagedSession}. */
export interface StagedSessionOptions {
  /** Staged records per page, 1 to 5000. @default defaultStagedPageSize */
  readonly pageSize?: number;
}

/**
 * The key of a job checkpoint under which a runner may keep the settings the CRM reported at the job's
 * `testConnection` (`ProviderConnectionInfo.settings`); {@link createStagedSession}'s `testConnection` reports
 * those of the latest completed job, so that a `field_mapping_update` maps with the options the imports used.
 */
export const connectionSettingsCheckpointKey = 'connection_settings';

function checkPageSize(value: number | undefined): number {
  if (value === undefined) return defaultStagedPageSize;
  if (!Number.isInteger(value) || value < 1 || value > 5000) {
    throw new InvalidArgumentError(
      `Expected \`pageSize\` to be an integer from 1 to 5000, got ${String(value)}`,
      {
        context: { option: 'pageSize' },
      },
    );
  }
  return value;
}

/**
 * The CRM record a staged row holds; undefined when the import rejected it as having no usable id or data object
 * (`error_details.reason` `invalid_record`, staged under a placeholder id), or it holds no data object: there is
 * nothing to map again.
 */
export function stagedRecord(row: StagingRow): ExternalRecord | undefined {
  const raw = row.raw_data;
  if (row.error_details?.['reason'] === 'invalid_record' || !isPlainObject(raw['data'])) return undefined;
  const links = raw['links'];
  const modifiedAt = raw['modified_at'];
  return {
    externalId: row.external_id,
    data: raw['data'],
    ...(isPlainObject(links) ? { links: links as ExternalRecord['links'] } : {}),
    ...(typeof modifiedAt === 'string' ? { modifiedAt } : {}),
    ...(raw['deleted'] === true ? { deleted: true } : {}),
  };
}

/**
 * The CRM settings the latest completed job of the integration kept in its checkpoint (see
 * {@link connectionSettingsCheckpointKey}); undefined when no completed job kept any. Dry runs are passed over.
 */
export async function findStoredConnectionSettings(
  storage: HubStorage,
  integrationId: string,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const perPage = 100;
  for (let page = 1; ; page += 1) {
    const { sync_jobs: jobs, total } = await storage.jobs.list(integrationId, { page, per_page: perPage });
    for (const job of jobs) {
      if (job.job_status !== 'completed' || job.dry_run) continue;
      const settings = job.checkpoint?.[connectionSettingsCheckpointKey];
      if (isPlainObject(settings)) return settings;
    }
    if (jobs.length === 0 || page * perPage >= total) return undefined;
  }
}

/**
 * A ProviderSession over the staging table of one integration: `read` pages the latest staged raw record of each
 * external id (see the module comment), its cursor the storage's keyset cursor; `testConnection` sends nothing
 * and reports the CRM settings the latest completed job kept (see {@link findStoredConnectionSettings}). It has
 * no `write`. A read `since` an instant is refused: staged records are re-mapped all or not at all.
 */
export function createStagedSession(
  storage: HubStorage,
  integrationId: string,
  options: StagedSessionOptions = {},
): ProviderSession {
  const pageSize = checkPageSize(options.pageSize);
  return {
    async testConnection(): Promise<ProviderConnectionInfo> {
      const settings = await findStoredConnectionSettings(storage, integrationId);
      return { availableFeatures: [], ...(settings === undefined ? {} : { settings }) };
    },

    read(recordType: ProviderRecordType, readOptions: ProviderReadOptions = {}): AsyncIterable<ProviderPage> {
      if (!(recordTypes as readonly string[]).includes(recordType)) {
        throw new InvalidArgumentError(
          `Expected \`recordType\` to be one of ${recordTypes.join(', ')}, got \`${String(recordType)}\``,
          { context: { option: 'recordType' } },
        );
      }
      if (readOptions.since !== undefined && readOptions.since !== null) {
        throw new UnsupportedCapabilityError(
          'A staged read cannot read only the records modified since an instant',
          {
            context: { option: 'since', recordType },
          },
        );
      }
      const signal = readOptions.signal;
      const callOptions = signal === undefined ? {} : { signal };
      let after = readOptions.cursor ?? null;
      return (async function* () {
        const total = await storage.staging.countLatest(integrationId, recordType, callOptions);
        while (true) {
          signal?.throwIfAborted();
          const page = await storage.staging.listLatest(integrationId, recordType, {
            after,
            limit: pageSize,
            ...callOptions,
          });
          const records: ExternalRecord[] = [];
          for (const row of page.staging_rows) {
            const record = stagedRecord(row);
            if (record !== undefined) records.push(record);
          }
          yield { records, cursor: page.next_cursor, totalRecords: total };
          if (page.next_cursor === null) return;
          after = page.next_cursor;
        }
      })();
    },
  };
}

/**
 * The plan of a fresh `field_mapping_update`: the import plan, minus the record types the integration has never
 * staged (skipped `not_staged`). One count query per planned record type.
 */
export async function planFieldMappingUpdate(
  storage: HubStorage,
  provider: CrmProviderV1,
  integration: CrmIntegration,
  mappings: readonly CrmFieldMapping[],
): Promise<FieldMappingUpdatePlan> {
  const imported = planImport(provider, integration, mappings);
  const plan: RecordType[] = [];
  const skipped: Partial<Record<RecordType, FieldMappingUpdateSkipReason>> = { ...imported.skipped };
  for (const recordType of imported.plan) {
    if ((await storage.staging.countLatest(integration.id, recordType)) > 0) plan.push(recordType);
    else skipped[recordType] = 'not_staged';
  }
  return { plan, skipped };
}

/**
 * The job's checkpoint: the stored one of a resumed job, or a fresh plan (see `startingCheckpoint`).
 * @throws InvalidArgumentError when a stored checkpoint is not one this version wrote.
 */
export async function startingFieldMappingUpdateCheckpoint(
  job: SyncJobRecord,
  fresh: () => Promise<FieldMappingUpdatePlan>,
): Promise<{ checkpoint: FieldMappingUpdateCheckpoint; resumed: boolean }> {
  // `startingCheckpoint` asks for a plan only when the job has no checkpoint, and planning here is async (a count
  // of staged rows per record type): plan first, and only then; the empty fallback is never asked for.
  const planned = job.checkpoint === undefined ? await fresh() : undefined;
  return startingCheckpoint(
    job,
    () => planned ?? { plan: [], skipped: {} },
    FieldMappingUpdateCheckpointSchema,
  );
}

/**
 * Everything a `field_mapping_update` needs: an import's loop without the CRM session and its HTTP counters (the
 * staged session replaces them; a `session` or `stats` the caller passes along is not used).
 */
export type FieldMappingUpdateOptions = Omit<FullImportOptions, 'session' | 'stats'> & {
  /** Staged records per page. @default defaultStagedPageSize */
  readonly pageSize?: number;
};

/**
 * Runs (or resumes) a `field_mapping_update` job: the import loop over {@link createStagedSession} on
 * `options.storage` (a dry run's transaction included). Throws what the storage throws.
 */
export async function runFieldMappingUpdate(
  options: FieldMappingUpdateOptions,
  start: { readonly checkpoint: FieldMappingUpdateCheckpoint; readonly resumed: boolean },
): Promise<FullImportResult> {
  const session = createStagedSession(
    options.storage,
    options.integration.id,
    options.pageSize === undefined ? {} : { pageSize: options.pageSize },
  );
  // The import loop uses `skipped_types` only to count `type_skipped.<type>.<reason>`: `not_staged` counts the
  // same way.
  const checkpoint = start.checkpoint as unknown as ImportCheckpoint;
  return runFullImport(
    { ...options, session, stats: () => noRequests },
    { checkpoint, resumed: start.resumed },
  );
}
