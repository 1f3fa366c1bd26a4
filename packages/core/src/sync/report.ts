/**
 * A job's report: what it did to each record, field by field, in a stable order, built from its sync logs (one
 * per record and direction). A dry run leaves the same logs as the run it previews (`run-job.ts`), so their
 * reports are equal but for the ids a real run assigns (`counterpart`).
 */
import { isPlainObject } from '../mapping/types.js';
import { type RecordType, RecordTypeSchema } from '../model/canonical.js';
import type { LogActionType } from '../model/enums.js';
import type { CrmSyncLog } from '../model/job.js';
import type { HubStorage, SyncJobRecord } from '../spec/hub-storage.js';

/** Which way a record moved. */
export type SyncReportDirection = 'to_wedsync' | 'to_crm';

/** What a job did to one record in one direction. */
export interface SyncReportEntry {
  readonly direction: SyncReportDirection;
  readonly record_type: string;
  /** The record's id on the side it was read from: the CRM's id (`to_wedsync`) or WedSync's (`to_crm`). */
  readonly record: string;
  /** Its id on the other side when known; a create's id is assigned by the run, so a dry run's differs. */
  readonly counterpart: string | null;
  readonly action: LogActionType;
  /** Fields whose value moved (WedSync field paths, sorted). */
  readonly changed_fields: readonly string[];
  /** Fields both sides changed, decided for WedSync's value. */
  readonly kept_wedsync_fields: readonly string[];
  /** Fields both sides changed differently, left open for review. */
  readonly conflicts: readonly string[];
  /** Fields both sides changed differently that the policy decided, with the side whose value was kept. */
  readonly decided: readonly { readonly field: string; readonly winner: 'wedsync' | 'crm' }[];
  /** Why a record was skipped, flagged or rejected. */
  readonly reason: string | null;
  readonly error: string | null;
}

/** A job's report. */
export interface SyncReport {
  readonly sync_job: SyncJobRecord;
  readonly dry_run: boolean;
  /** Per direction, how many records ended in each action. */
  readonly totals: Readonly<Record<SyncReportDirection, Readonly<Record<string, number>>>>;
  /** One entry per record and direction, ordered by direction, record type (import order) and record id. */
  readonly entries: readonly SyncReportEntry[];
}

const typeOrder = new Map<string, number>(RecordTypeSchema.options.map((type, index) => [type, index]));

/** The field names of a log detail, sorted (backends keep JSON keys in different orders). */
function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').sort() : [];
}

function decisions(value: unknown): { field: string; winner: 'wedsync' | 'crm' }[] {
  if (!Array.isArray(value)) return [];
  const decided: { field: string; winner: 'wedsync' | 'crm' }[] = [];
  for (const item of value) {
    if (!isPlainObject(item) || typeof item['field'] !== 'string') continue;
    if (item['winner'] !== 'wedsync' && item['winner'] !== 'crm') continue;
    decided.push({ field: item['field'], winner: item['winner'] });
  }
  return decided.sort((left, right) => (left.field < right.field ? -1 : left.field > right.field ? 1 : 0));
}

function entryOf(log: CrmSyncLog): SyncReportEntry {
  const details = isPlainObject(log.action_details) ? log.action_details : {};
  const toCrm = details['direction'] === 'export';
  const wedsyncId =
    log.wedsync_record_id ??
    (typeof details['wedsync_record_id'] === 'string' ? details['wedsync_record_id'] : null);
  const crmId = log.record_id;
  const created = log.action_type === 'created';
  return {
    direction: toCrm ? 'to_crm' : 'to_wedsync',
    record_type: log.record_type,
    record: toCrm ? (wedsyncId ?? crmId) : crmId,
    counterpart: toCrm ? (created && crmId === wedsyncId ? null : crmId) : wedsyncId,
    action: log.action_type,
    changed_fields: texts(details['changed_fields']),
    kept_wedsync_fields: texts(details['kept_wedsync_fields']),
    conflicts: texts(details['conflicts']),
    decided: decisions(details['decided_conflicts']),
    reason: typeof details['reason'] === 'string' ? details['reason'] : null,
    error: log.error_message ?? null,
  };
}

function compareEntries(left: SyncReportEntry, right: SyncReportEntry): number {
  if (left.direction !== right.direction) return left.direction === 'to_wedsync' ? -1 : 1;
  const byType =
    (typeOrder.get(left.record_type as RecordType) ?? 99) -
    (typeOrder.get(right.record_type as RecordType) ?? 99);
  if (byType !== 0) return byType;
  return left.record < right.record ? -1 : left.record > right.record ? 1 : 0;
}

/** Builds a job's report from its sync logs (every page of them). */
export async function buildSyncReport(storage: HubStorage, job: SyncJobRecord): Promise<SyncReport> {
  const entries: SyncReportEntry[] = [];
  const perPage = 100;
  for (let page = 1; ; page += 1) {
    const listed = await storage.logs.list(job.integration_id, { jobId: job.id, page, per_page: perPage });
    for (const log of listed.logs) entries.push(entryOf(log));
    if (listed.logs.length === 0 || page * perPage >= listed.total) break;
  }
  entries.sort(compareEntries);
  const totals: Record<SyncReportDirection, Record<string, number>> = { to_wedsync: {}, to_crm: {} };
  for (const entry of entries) {
    const bucket = totals[entry.direction];
    bucket[entry.action] = (bucket[entry.action] ?? 0) + 1;
  }
  return { sync_job: job, dry_run: job.dry_run, totals, entries };
}
