/**
 * Three-way merge of one record, field by field (leaves of nested objects; arrays are single values): the base
 * the two sides agreed on at the last sync, the record as WedSync holds it now, and the record the CRM sends.
 *
 * - A field only the CRM changed takes the CRM's value (an absent value removes the field).
 * - A field only WedSync changed keeps WedSync's value: an import never undoes a WedSync edit.
 * - A field both changed the same way is not a conflict.
 * - A field both changed differently is a conflict, settled by the integration's policy: `wedsync_wins` keeps
 *   WedSync's value, `crm_wins` takes the CRM's, `newest_wins` takes the side modified last, and
 *   `manual_review` keeps WedSync's value and reports the conflict for a person to decide.
 * - A field with an open conflict is left alone until a person decides (its conflict is refreshed).
 *
 * Linking an existing WedSync client for the first time has no base: the CRM fills fields WedSync lacks, and
 * every field both hold with different values is a conflict.
 */

import { isPlainObject } from '../mapping/types.js';
import type { ConflictResolution } from '../model/enums.js';
import { stableStringify } from './hash.js';

/** One conflicting field: the three values (undefined = the field was absent on that side). */
export interface MergeConflict {
  /** The field's dotted path inside the record. */
  readonly field: string;
  readonly base: unknown;
  readonly wedsync: unknown;
  readonly crm: unknown;
}

/** What to merge. */
export interface MergeInput {
  /** The record as WedSync holds it now. */
  readonly current: Readonly<Record<string, unknown>>;
  /** What both sides agreed on at the last sync; undefined when the records were never synced. */
  readonly base: Readonly<Record<string, unknown>> | undefined;
  /** The record as the CRM sends it (mapped to the canonical model). */
  readonly incoming: Readonly<Record<string, unknown>>;
  readonly policy: ConflictResolution;
  /** Whether the CRM's change is newer than WedSync's (for `newest_wins`). */
  readonly crmIsNewer: boolean;
  /** Fields with an open conflict (dotted paths): left as WedSync holds them. */
  readonly lockedFields?: ReadonlySet<string>;
  /**
   * Without a base only: values that differ only this way are not a conflict (WedSync's is kept). The import
   * passes {@link sameTextLoosely}, so `OLIVIA` against `Olivia` is no conflict when a client is first linked.
   */
  readonly equivalent?: (wedsync: unknown, crm: unknown) => boolean;
}

/** True for two texts equal but for case, surrounding space and runs of inner space. */
export function sameTextLoosely(left: unknown, right: unknown): boolean {
  if (typeof left !== 'string' || typeof right !== 'string') return false;
  const loose = (text: string) => text.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
  return loose(left) === loose(right);
}

/** The merged record and what happened to its fields (field paths only: never values). */
export interface MergeResult {
  readonly record: Record<string, unknown>;
  /** The new base snapshot: the incoming record, except that unresolved fields keep their old base. */
  readonly base: Record<string, unknown>;
  /** Fields whose value changed in WedSync's record. */
  readonly changed: readonly string[];
  /** Fields where both sides changed and WedSync's value was kept. */
  readonly keptWedsync: readonly string[];
  /** Conflicts to record for manual review. */
  readonly conflicts: readonly MergeConflict[];
  /** Fields both sides changed differently that the policy decided, and which side's value it kept. */
  readonly decided: readonly MergeDecision[];
}

/** A conflict the policy settled: the field and the side whose value was kept. */
export interface MergeDecision {
  readonly field: string;
  readonly winner: 'wedsync' | 'crm';
}

type Path = readonly string[];

function collectLeaves(value: unknown, prefix: string[], into: Map<string, Path>): void {
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const path = [...prefix, key];
    if (isPlainObject(item) && Object.keys(item).length > 0) collectLeaves(item, path, into);
    else into.set(JSON.stringify(path), path);
  }
}

function getPath(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets (or, for undefined, removes) a leaf, creating parents and pruning parents left empty. */
function setPath(target: Record<string, unknown>, path: Path, value: unknown): void {
  const parents: Record<string, unknown>[] = [target];
  let current = target;
  for (const key of path.slice(0, -1)) {
    let next = current[key];
    if (!isPlainObject(next)) {
      if (value === undefined) return;
      next = {};
      current[key] = next;
    }
    current = next as Record<string, unknown>;
    parents.push(current);
  }
  const last = path[path.length - 1] as string;
  if (value !== undefined) {
    current[last] = structuredClone(value);
    return;
  }
  delete current[last];
  for (let depth = path.length - 2; depth >= 0; depth -= 1) {
    const parent = parents[depth] as Record<string, unknown>;
    const key = path[depth] as string;
    const child = parent[key];
    if (isPlainObject(child) && Object.keys(child).length === 0) delete parent[key];
    else break;
  }
}

function same(left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) return left === right;
  return stableStringify(left) === stableStringify(right);
}

/** Merges one record three ways (see the module comment). Pure: the inputs are not changed. */
export function mergeRecord(input: MergeInput): MergeResult {
  const record = structuredClone(input.current) as Record<string, unknown>;
  const base = structuredClone(input.incoming) as Record<string, unknown>;
  const leaves = new Map<string, Path>();
  collectLeaves(input.base, [], leaves);
  collectLeaves(input.incoming, [], leaves);
  const changed: string[] = [];
  const keptWedsync: string[] = [];
  const conflicts: MergeConflict[] = [];
  const decided: MergeDecision[] = [];

  for (const path of leaves.values()) {
    const field = path.join('.');
    const baseValue = getPath(input.base, path);
    const wedsync = getPath(input.current, path);
    const crm = getPath(input.incoming, path);
    if (same(crm, baseValue) || same(crm, wedsync)) continue;
    const conflict = { field, base: baseValue, wedsync, crm };
    if (input.lockedFields?.has(field) === true) {
      setPath(base, path, baseValue);
      keptWedsync.push(field);
      conflicts.push(conflict);
      continue;
    }
    if (input.base !== undefined && same(wedsync, baseValue)) {
      setPath(record, path, crm);
      changed.push(field);
      continue;
    }
    if (input.base === undefined && wedsync === undefined) {
      setPath(record, path, crm);
      changed.push(field);
      continue;
    }
    if (input.base === undefined && input.equivalent?.(wedsync, crm) === true) continue;
    // Both sides changed the field differently.
    if (input.policy === 'manual_review') {
      setPath(base, path, baseValue);
      keptWedsync.push(field);
      conflicts.push(conflict);
      continue;
    }
    const takeCrm = input.policy === 'crm_wins' || (input.policy === 'newest_wins' && input.crmIsNewer);
    if (takeCrm) {
      setPath(record, path, crm);
      changed.push(field);
    } else {
      keptWedsync.push(field);
    }
    decided.push({ field, winner: takeCrm ? 'crm' : 'wedsync' });
  }
  return { record, base, changed, keptWedsync, conflicts, decided };
}
