/**
 * The counts of an import job, kept flat (the job's `counts` column holds numbers by name). After a full import's
 * deletion sweep (`deletions.ts`), `read + gone_from_crm` is the sum of the outcomes below:
 *
 * - `read`: records the CRM delivered; and what became of each, so that
 *   `read = created + updated + linked + flagged + rejected + skipped + deleted`:
 *   - `created`: new WedSync records;
 *   - `updated`: WedSync records changed from their linked CRM twin;
 *   - `linked`: CRM clients that are certainly a client WedSync already had (linked to it, not created);
 *   - `flagged`: CRM clients that may be a client WedSync already has, staged `duplicate` for review;
 *   - `rejected`: records that could not be imported (bad data, missing parent), staged `error`;
 *   - `skipped`: records with nothing to do (unchanged since the last import, deleted before ever being
 *     imported, delivered twice in one page);
 *   - `deleted`: linked records the CRM reports deleted, or no longer lists after a full read (the WedSync record
 *     is marked, never erased);
 * - `gone_from_crm` (and `<type>.gone_from_crm`): linked records a full import did not find in the CRM (not read,
 *   counted `deleted`); `deletions_withheld` (and `.<type>`): records not marked because more than the deletion
 *   threshold of a type's links were missing (the job ends `partial`);
 * - the same per record type, as `<type>.<count>` (`client.created`, `invoice.rejected`, ...);
 * - `requests`, `retries`, `rate_limited`: HTTP attempts of the job, retries and 429 answers included;
 * - `record_types_skipped` and `type_skipped.<type>.<reason>` (1) for record types the job did not read,
 *   with the reason `unsupported` (the provider cannot read it), `excluded` (the integration's
 *   `excluded_record_types`) or `no_mappings` (no import mapping targets it).
 */
import type { RecordType } from '../model/canonical.js';
import type { SyncJobCounts } from '../spec/hub-storage.js';

/** What became of one record. */
export type RecordOutcomeKind =
  | 'created'
  | 'updated'
  | 'linked'
  | 'flagged'
  | 'rejected'
  | 'skipped'
  | 'deleted';

/** Every outcome, in report order. */
export const recordOutcomeKinds: readonly RecordOutcomeKind[] = Object.freeze([
  'created',
  'updated',
  'linked',
  'flagged',
  'rejected',
  'skipped',
  'deleted',
]);

/**
 * Why an import or an export does not read a record type (a `field_mapping_update` adds `not_staged`, see
 * `remap.ts`). One list, so the checkpoint schemas and the type cannot drift apart.
 */
export const skippedTypeReasons = ['unsupported', 'excluded', 'no_mappings'] as const;

/** Why a record type was not read. */
export type SkippedTypeReason = (typeof skippedTypeReasons)[number];

/** A copy of counts with `amount` added to `key` (absent keys count as 0). */
export function addCount(counts: SyncJobCounts, key: string, amount = 1): SyncJobCounts {
  return { ...counts, [key]: (counts[key] ?? 0) + amount };
}

/** Adds the outcome of `records` records (one by default; overall and for their record type) to counts, in place. */
export function countOutcome(
  counts: SyncJobCounts,
  recordType: RecordType,
  kind: RecordOutcomeKind,
  records = 1,
): void {
  for (const key of ['read', kind, `${recordType}.read`, `${recordType}.${kind}`]) {
    counts[key] = (counts[key] ?? 0) + records;
  }
}

/** Counts with every outcome key present (0 when nothing happened), so reports always show the same keys. */
export function initialCounts(): SyncJobCounts {
  const counts: SyncJobCounts = { read: 0 };
  for (const kind of recordOutcomeKinds) counts[kind] = 0;
  counts['requests'] = 0;
  counts['retries'] = 0;
  counts['rate_limited'] = 0;
  counts['record_types_skipped'] = 0;
  return counts;
}
