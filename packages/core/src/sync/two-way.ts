/**
 * The two-way `incremental_sync`: one job, two phases.
 *
 * 1. **CRM to WedSync** (unless the integration is `export_only`): the import pipeline reads what the CRM changed
 *    since the watermark of the latest completed import (`incremental.ts`) and merges it three ways into WedSync
 *    (`merge.ts`), deciding conflicts by the integration's policy. Its counts are the job's plain counts.
 * 2. **WedSync to the CRM** (unless the integration is `import_only`, or the provider writes nothing an export
 *    covers): the export (`export.ts`) reads what changed in WedSync since the last export phase or export job and
 *    sends it through the provider's `write`, reversing the `bidirectional` and `export_only` mappings. Its counts
 *    are added under `to_crm.` (`to_crm.updated`, `to_crm.client.created`).
 *
 * Import first, so the CRM's changes are merged before WedSync's are sent: the record sent is the merged one, and
 * a field the CRM changed is never overwritten with WedSync's older value. Echoes are skipped both ways: the
 * export skips records whose exported object is what the import agreed on (the link's base snapshot) or what the
 * hub last wrote; the next import finds the CRM's copy of an exported record equal to the base the export left.
 * Fields with an open conflict keep the CRM's value in what is sent, until a person decides.
 *
 * The first export phase of an integration (no export before it) reads WedSync records changed since the start of
 * the latest completed import: what a person edited in WedSync since, and what an import merged while keeping
 * WedSync's value. Records nobody touched since before that import are not pushed; an `export_to_crm` job sends
 * everything.
 */
import type { JsonObject } from '../spec/hub-storage.js';
import {
  type ExportCheckpoint,
  type ExportOptions,
  planExport,
  runExport,
  startingExportCheckpoint,
} from './export.js';
import { type FullImportResult, type ImportCheckpoint, runFullImport } from './full-import.js';
import type { PreviousImport } from './incremental.js';

/** How the two-way loop ended (as an import or an export loop does). */
export type TwoWaySyncResult = FullImportResult;

/** What the two-way sync needs beyond an export's options. */
export interface TwoWaySyncStart {
  /** The job's import checkpoint (incremental where a watermark allows; holding `export` in the export phase). */
  readonly checkpoint: ImportCheckpoint;
  readonly resumed: boolean;
  /** The latest completed import the CRM phase reads on from (its start bounds the first export phase). */
  readonly previous: PreviousImport | undefined;
}

/** Runs (or resumes) a two-way incremental sync (see the module comment). */
export async function runTwoWaySync(
  options: ExportOptions,
  start: TwoWaySyncStart,
): Promise<TwoWaySyncResult> {
  const { storage, integration, provider, job, mappings } = options;
  const direction = integration.sync_config.sync_direction;
  let importCheckpoint = start.checkpoint;
  let counts = start.resumed ? (job.counts ?? {}) : {};
  let recordsProcessed = start.resumed ? job.records_processed : 0;

  if (importCheckpoint.export === undefined && direction !== 'export_only') {
    const imported = await runFullImport(options, { checkpoint: importCheckpoint, resumed: start.resumed });
    if (imported.kind !== 'finished') return imported;
    counts = imported.counts;
    recordsProcessed = imported.recordsProcessed;
    const saved = (await storage.jobs.get(job.id)).checkpoint;
    if (saved !== undefined) importCheckpoint = saved as unknown as ImportCheckpoint;
  }
  const exportPlan = planExport(provider, integration, mappings);
  const canWrite = options.session.write !== undefined && exportPlan.plan.length > 0;
  if (direction === 'import_only' || !canWrite) {
    return { kind: 'finished', counts, recordsProcessed };
  }

  const resumedExport = importCheckpoint.export !== undefined;
  let firstSince: string | undefined;
  if (!resumedExport && start.previous !== undefined) {
    const previousJob = await storage.jobs.get(start.previous.jobId);
    firstSince = previousJob.started_at ?? previousJob.created_at;
  } else if (!resumedExport) {
    // No import before this job: its own import phase was the first; what it merged is sent from its start.
    firstSince = job.started_at ?? job.created_at;
  }
  const exportStart = await startingExportCheckpoint(storage, job, () => exportPlan, {
    stored: importCheckpoint.export,
    ...(firstSince === undefined ? {} : { firstSince }),
  });
  const envelope = importCheckpoint;
  return runExport(
    {
      ...options,
      phase: {
        counts,
        recordsProcessed,
        statsAtStart: resumedExport ? { requestsSent: 0, retries: 0, rateLimited: 0 } : options.stats(),
        wrap: (next: ExportCheckpoint) => ({ ...envelope, export: next }) as unknown as JsonObject,
      },
    },
    exportStart,
  );
}
