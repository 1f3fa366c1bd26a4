/**
 * The review queue: field conflicts an import stored under `manual_review`, and their resolution.
 *
 * Resolving a conflict, in one transaction:
 * - WedSync's record gets the chosen value (WedSync's, the CRM's, or a new one), checked against the canonical
 *   schema first — an invalid value is refused with a ValidationError and nothing is written;
 * - the record link's base snapshot takes the CRM's value for that field, so the next sync sees the field as
 *   changed on WedSync's side only (when the choice differs from the CRM's value) and sends it to the CRM, or as
 *   agreed (when the CRM's value was chosen);
 * - the conflict is marked resolved with the choice, and a log row names the field and the side (never values).
 *
 * The values compared are the ones stored with the conflict, which the person saw. A side that changed the field
 * again since is a new change: the next sync compares it with the new base as usual.
 */
import { ConflictError, ValidationError } from '../errors/index.js';
import { isPlainObject } from '../mapping/types.js';
import { canonicalSchemasByRecordType } from '../model/canonical.js';
import type { ClientStore } from '../spec/client-store.js';
import type { FieldConflict, FieldConflictResolution, HubStorage, JsonObject } from '../spec/hub-storage.js';

/** What resolving a conflict needs. */
export interface ResolveConflictEnvironment {
  readonly storage: HubStorage;
  readonly clientStore: ClientStore;
  readonly clock: () => Date;
}

/** What resolving a conflict did. */
export interface ResolveConflictResult {
  readonly conflict: FieldConflict;
  /** Whether WedSync's record changed (false when it already held the chosen value, or is gone). */
  readonly wedsyncUpdated: boolean;
  /** Whether the next sync sends the chosen value to the CRM (it differs from the CRM's value). */
  readonly sendsToCrm: boolean;
}

/** Sets (or, for undefined, removes) a dotted field inside a copy of a record. */
function withField(record: unknown, field: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(isPlainObject(record) ? record : {}) as Record<string, unknown>;
  const keys = field.split('.');
  let parent = copy;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(parent[key])) {
      if (value === undefined) return copy;
      parent[key] = {};
    }
    parent = parent[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete parent[last];
  else parent[last] = structuredClone(value);
  return copy;
}

function fieldOf(record: unknown, field: string): unknown {
  let current = record;
  for (const key of field.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
}

/** The value a resolution chooses. */
export function chosenValue(conflict: FieldConflict, resolution: FieldConflictResolution): unknown {
  if ('side' in resolution) return resolution.side === 'crm' ? conflict.crm_value : conflict.wedsync_value;
  return resolution.value;
}

/**
 * Resolves an open conflict (see the module comment).
 * @throws NotFoundError when the conflict does not exist; ConflictError when it is no longer open;
 *   ValidationError when the chosen value makes the WedSync record invalid.
 */
export async function resolveFieldConflict(
  environment: ResolveConflictEnvironment,
  supplierId: string,
  conflictId: string,
  resolution: FieldConflictResolution,
): Promise<ResolveConflictResult> {
  const { storage, clientStore, clock } = environment;
  return storage.transaction(async (transaction, handle) => {
    const store = clientStore.withTransaction(handle);
    const conflict = await transaction.conflicts.get(conflictId);
    if (conflict.status !== 'open') {
      throw new ConflictError(`Conflict \`${conflictId}\` is ${conflict.status}, not open`, {
        context: { conflictId, status: conflict.status },
      });
    }
    const value = chosenValue(conflict, resolution);
    const side = 'side' in resolution ? resolution.side : 'value';
    const now = clock();
    let wedsyncUpdated = false;
    const wedsyncId = conflict.wedsync_record_id;
    if (wedsyncId !== undefined) {
      const stored = (await store.findByIds(conflict.record_type, { supplierId, ids: [wedsyncId] })).get(
        wedsyncId,
      );
      if (stored !== undefined && !sameValue(fieldOf(stored.record, conflict.field), value)) {
        const next = withField(stored.record, conflict.field, value);
        const checked = canonicalSchemasByRecordType[conflict.record_type].safeParse(next);
        if (!checked.success) {
          throw new ValidationError(
            `The value chosen for \`${conflict.field}\` makes the ${conflict.record_type} invalid`,
            {
              context: { conflictId, field: conflict.field, recordType: conflict.record_type },
              issues: checked.error.issues.map((issue) => ({
                path: issue.path.join('.'),
                message: issue.message,
              })),
            },
          );
        }
        await store.upsert(conflict.record_type, [
          {
            id: stored.id,
            supplier_id: supplierId,
            record: checked.data as never,
            ...(conflict.record_type === 'client'
              ? {
                  crm_integration_id: stored.crm_integration_id,
                  external_crm_id: stored.external_crm_id,
                  last_crm_sync_at: stored.last_crm_sync_at,
                }
              : {}),
          },
        ]);
        wedsyncUpdated = true;
      }
    }
    // The base takes the CRM's value: the field now differs on WedSync's side only, or not at all.
    const [link] = await transaction.links.findByExternalIds(conflict.integration_id, conflict.record_type, [
      conflict.external_id,
    ]);
    if (link !== undefined) {
      await transaction.links.upsert([
        {
          ...link,
          base_snapshot: withField(
            link.base_snapshot ?? {},
            conflict.field,
            conflict.crm_value,
          ) as JsonObject,
          last_synced_at: link.last_synced_at,
        },
      ]);
    }
    const resolved = await transaction.conflicts.resolve(conflictId, resolution, { now });
    await transaction.logs.insert([
      {
        integration_id: conflict.integration_id,
        sync_job_id: null,
        record_type: conflict.record_type,
        record_id: conflict.external_id,
        wedsync_record_id: wedsyncId ?? null,
        action_type: 'updated',
        action_details: {
          reason: 'conflict_resolved',
          conflict_id: conflictId,
          field: conflict.field,
          chosen: side,
          wedsync_updated: wedsyncUpdated,
        },
        processed_at: now,
      },
    ]);
    return { conflict: resolved, wedsyncUpdated, sendsToCrm: !sameValue(value, conflict.crm_value) };
  });
}
