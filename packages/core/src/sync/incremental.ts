/**
 * Incremental sync by watermark, the CRM side. Every import job (full_import or incremental_sync) records in its
 * checkpoint, page by page in the page's transaction, the newest CRM `modifiedAt` it committed per record type
 * (its watermarks) and the fingerprint of the mappings it used. An `incremental_sync` job starts from the latest
 * completed import job of the integration: each record type whose mappings are unchanged is read with
 * `since` = that watermark minus {@link watermarkMarginMs}, so the CRM (or a provider walking by modified date)
 * delivers only what changed; records delivered again inside the margin are skipped by their content hash. A type
 * without a usable watermark (never imported, mappings changed) is read in full, and an integration without a
 * usable previous import gets a full import. Deletions are not detected by an incremental read.
 */
import { z } from 'zod';
import type { RecordType } from '../model/canonical.js';
import type { HubStorage } from '../spec/hub-storage.js';
import type { ExternalRecord } from '../spec/provider.js';
import type { ImportCheckpoint } from './full-import.js';

/**
 * How far before the watermark an incremental read starts, in milliseconds: covers CRM timestamps of one-second
 * precision and records modified in the same instant as the watermark. Records read again are no-ops.
 */
export const watermarkMarginMs = 1000;

/** The job types whose checkpoints carry watermarks. */
const importJobTypes: readonly string[] = ['full_import', 'incremental_sync'];

const PreviousCheckpointSchema = z.object({
  watermarks: z.record(z.string(), z.string()),
  fingerprints: z.record(z.string(), z.string()),
});

/** What the latest completed import left for the next incremental sync. */
export interface PreviousImport {
  /** The completed import job the watermarks come from. */
  readonly jobId: string;
  /** Per record type, the newest CRM `modifiedAt` that job committed (or carried over). */
  readonly watermarks: Readonly<Record<string, string>>;
  /** Per record type, the fingerprint of the mappings that job mapped with. */
  readonly fingerprints: Readonly<Record<string, string>>;
}

function instantOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The watermarks after a committed page: the type's watermark moves to the newest `modifiedAt` of the page's
 * records when that is newer. Records without a (parsable) `modifiedAt` leave it unchanged.
 */
export function advanceWatermark(
  watermarks: Readonly<Record<string, string>>,
  recordType: RecordType,
  records: readonly ExternalRecord[],
): Record<string, string> {
  let newest = instantOf(watermarks[recordType]);
  for (const record of records) {
    // A provider may deliver something that is not a record (the page import rejects it): no time to take.
    const modifiedAt = (record as Partial<ExternalRecord> | null)?.modifiedAt;
    const time = typeof modifiedAt === 'string' ? instantOf(modifiedAt) : undefined;
    if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  }
  if (newest === undefined) return { ...watermarks };
  return { ...watermarks, [recordType]: new Date(newest).toISOString() };
}

/**
 * The latest completed import job of the integration, newest first, when it left watermarks: undefined when there
 * is none, or when it was rolled back (its records were undone, so reading on from its watermark would miss them).
 * Failed and cancelled imports, and dry runs, are passed over: an older completed import's watermark is earlier,
 * hence safe.
 */
export async function findPreviousImport(
  storage: HubStorage,
  integrationId: string,
): Promise<PreviousImport | undefined> {
  const perPage = 100;
  for (let page = 1; ; page += 1) {
    const { sync_jobs: jobs, total } = await storage.jobs.list(integrationId, { page, per_page: perPage });
    for (const job of jobs) {
      // A dry run wrote nothing: it moves no watermark.
      if (!importJobTypes.includes(job.job_type) || job.job_status !== 'completed' || job.dry_run) continue;
      // An export-only two-way sync imported nothing either.
      if (job.checkpoint?.['watermarks'] === undefined && job.checkpoint?.['export'] !== undefined) continue;
      if (job.rolled_back_at !== undefined) return undefined;
      const parsed = PreviousCheckpointSchema.safeParse(job.checkpoint);
      if (!parsed.success) return undefined;
      return { jobId: job.id, ...parsed.data };
    }
    if (jobs.length === 0 || page * perPage >= total) return undefined;
  }
}

/**
 * Turns the fresh checkpoint of an `incremental_sync` job into an incremental one: each planned record type whose
 * mappings have the fingerprint the previous import used, and for which it left a watermark, is read `since` that
 * watermark minus {@link watermarkMarginMs}, and starts with that watermark. Without a previous import the
 * checkpoint is returned as it is (a full import).
 */
export function incrementalCheckpoint(
  checkpoint: ImportCheckpoint,
  previous: PreviousImport | undefined,
  fingerprints: ReadonlyMap<RecordType, string>,
): ImportCheckpoint {
  if (previous === undefined) return checkpoint;
  const since: Record<string, string> = {};
  const watermarks: Record<string, string> = {};
  for (const recordType of checkpoint.plan) {
    const watermark = previous.watermarks[recordType];
    const time = instantOf(watermark);
    const fingerprint = fingerprints.get(recordType);
    if (watermark === undefined || time === undefined || fingerprint === undefined) continue;
    if (previous.fingerprints[recordType] !== fingerprint) continue;
    since[recordType] = new Date(time - watermarkMarginMs).toISOString();
    watermarks[recordType] = watermark;
  }
  return { ...checkpoint, since, watermarks };
}
