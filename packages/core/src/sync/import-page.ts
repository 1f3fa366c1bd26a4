/**
 * One page of an import, inside the page's transaction: decide what each CRM record becomes, then write it all
 * in batches — records (one upsert), record links, deletion marks, before-images, conflicts, logs and staging
 * rows (one insert each). Reads are batched too: one link lookup per record type involved, one lookup of the
 * linked WedSync records, one dedupe query, one lookup of open conflicts. Nothing here runs per record against
 * the database.
 *
 * For each record, in order:
 * 1. a record without a usable id or data object, or repeated in the page, is rejected or skipped; so is a
 *    record whose id (or a linked record's) is no storable key (over 255 characters, a NUL character, an
 *    unpaired surrogate), or whose data nests deeper than 1,000 levels (`too_deeply_nested`);
 * 2. a record linked to a WedSync twin (record link by external id) whose content hash is unchanged and whose
 *    twin still exists is skipped; a deleted one marks its twin deleted (never erased);
 * 3. the compiled mappings map it; a field that cannot be mapped rejects it with the field's reason;
 * 4. the ids of the records it belongs to are filled from record links (a project's client, an event's,
 *    invoice's or payment's project, a payment's invoice); a missing parent rejects it, naming the parent;
 * 5. the canonical schema validates it; an invalid record is rejected with the issues' paths;
 * 6. a linked record is merged three ways into its twin (see `merge.ts`); an unlinked client goes through
 *    dedupe (see `dedupe.ts`) against the store's clients and the page's earlier records: a certain match is
 *    linked (or, when that client is already the twin of another CRM record, recorded as its alias), an
 *    uncertain one is staged `duplicate` for review; anything else is created.
 * A project's `links.partner` fills its client's `partner` when the client has none.
 *
 * What is staged and logged (raw data, mapped data, error details, log details and messages) is a storable copy
 * (see `stagedRawData`): every database stores it whatever text or nesting the CRM sent.
 */
import { randomUUID } from 'node:crypto';
import type { FieldValueError, RecordMapper } from '../mapping/index.js';
import { isStorableText, nestingExceeds, storableCopy, storableText } from '../mapping/storable.js';
import { isPlainObject, unreadableRecordKey } from '../mapping/types.js';
import {
  type CanonicalClient,
  type CanonicalRecord,
  canonicalSchemasByRecordType,
  type Person,
  PersonSchema,
  type RecordType,
} from '../model/canonical.js';
import type { ConflictResolution, LogActionType, StagingStatus } from '../model/enums.js';
import type { CrmIntegration } from '../model/integration.js';
import { redactSecrets } from '../security/redact.js';
import type { ClientStore, StoredRecord, UpsertRow } from '../spec/client-store.js';
import type {
  HubStorage,
  JsonObject,
  NewFieldConflict,
  NewRecordBackup,
  NewStagingRow,
  NewSyncLog,
  RecordLink,
  RecordLinkUpsert,
  StorageCallOptions,
  SyncJobCounts,
} from '../spec/hub-storage.js';
import type { ExternalRecord } from '../spec/provider.js';
import { countOutcome, type RecordOutcomeKind } from './counts.js';
import {
  type ClientKeys,
  clientKeys,
  type DedupeCandidateKeys,
  decideMatch,
  dedupeLookup,
} from './dedupe.js';
import { contentHash } from './hash.js';
import { type MergeConflict, mergeRecord, sameTextLoosely } from './merge.js';

/** The compiled mappings of one record type, made once per job. */
export interface CompiledRecordType {
  readonly recordType: RecordType;
  readonly mapper: RecordMapper;
  /**
   * Hash of the mappings and mapping options. Part of every content hash, so that after a mapping change the
   * next import maps every record again instead of skipping it as unchanged.
   */
  readonly fingerprint: string;
}

/** What a page needs to know about its job. */
export interface PageContext {
  readonly integration: CrmIntegration;
  readonly providerId: string;
  readonly jobId: string;
  readonly compiled: CompiledRecordType;
  /** Record types this job imports: a payment's invoice link is required only when invoices are imported. */
  readonly importedTypes: ReadonlySet<RecordType>;
  /** CRM client ids that are certain duplicates of another CRM client -> the WedSync client they resolve to. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Exact secret strings to redact from everything logged or stored. */
  readonly knownSecrets: readonly string[];
  readonly now: Date;
  readonly signal?: AbortSignal | undefined;
}

/** What a committed page changed in the job's state. */
export interface PageResult {
  /** Count increments of this page (see `counts.ts`). */
  readonly counts: SyncJobCounts;
  /** New aliases found in this page. */
  readonly aliases: ReadonlyMap<string, string>;
}

/** What to do with one record: every write it leads to, and how it is logged and staged. */
interface Decision {
  readonly kind: RecordOutcomeKind;
  readonly logAction: LogActionType;
  readonly stagingStatus: StagingStatus;
  readonly details: JsonObject;
  readonly wedsyncId?: string;
  /** The record to upsert (whole). */
  readonly write?: CanonicalRecord;
  /** The twin before this write; absent when the write creates the record. */
  readonly before?: StoredRecord;
  /** Write the record link with this base snapshot. */
  readonly linkBase?: JsonObject;
  readonly conflicts?: readonly MergeConflict[];
  readonly markDeleted?: boolean;
  readonly errorMessage?: string;
  readonly mappedData?: JsonObject;
  readonly errorDetails?: JsonObject;
}

interface Entry {
  readonly source: ExternalRecord;
  readonly externalId: string;
  readonly hash: string;
  link?: RecordLink;
  existing?: StoredRecord;
  record?: CanonicalRecord;
  warnings?: readonly FieldValueError[];
  decision?: Decision;
}

const missingExternalId = '(missing)';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The deepest a CRM record's data may nest (the data object is level 1). Deeper records are rejected
 * (`too_deeply_nested`) before anything recursive runs on them: JSON tooling stops around there (SQLite's JSON
 * functions at 1,000 levels; V8's JSON.stringify runs out of stack at about 4,000).
 */
const maxRecordDepth = 1000;

/**
 * How deep the staged copy of a record's data goes (the data object is level 1); anything deeper becomes a marker
 * text. A mapping reads at most 32 path segments down and copies a JSON value at most 64 levels deep, so nothing
 * any mapping can read is cut: mapping the staged copy gives what mapping the record gave.
 */
const stagingDepth = 100;

/** The longest CRM id a record may have: ids are keys of indexed columns (record links, logs, staging). */
const maxExternalIdLength = 255;

/** A copy of `value` every database stores (see `storableCopy`), at most {@link stagingDepth} levels deep. */
function stagingCopy(value: unknown, maxDepth = stagingDepth) {
  return storableCopy(value, { maxDepth });
}

/** Why an id (the record's own or a linked record's) cannot be stored, or undefined when it can. */
function idProblem(id: string): string | undefined {
  if (id.length > maxExternalIdLength) return `is longer than ${maxExternalIdLength} characters`;
  if (!isStorableText(id)) return 'holds a NUL character or an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Why a record with an id and a data object still cannot be imported: an id no database stores as a key, a
 * linked record named by such an id, or data nested deeper than {@link maxRecordDepth}. Undefined when usable.
 */
function unusableRecord(
  source: ExternalRecord,
): { reason: string; message: string; details: JsonObject; idUnusable?: true } | undefined {
  const ownIdProblem = idProblem(source.externalId);
  if (ownIdProblem !== undefined) {
    return {
      reason: 'invalid_record',
      message: `The CRM record's id ${ownIdProblem}`,
      details: {},
      idUnusable: true,
    };
  }
  for (const [key, value] of Object.entries(source.links ?? {})) {
    for (const id of Array.isArray(value) ? value : [value]) {
      const linkProblem = typeof id === 'string' ? idProblem(id) : undefined;
      if (linkProblem !== undefined) {
        const link = storableText(key.slice(0, 50));
        return {
          reason: 'invalid_record',
          message: `The CRM record names its \`${link}\` by an id that ${linkProblem}`,
          details: { link },
        };
      }
    }
  }
  if (nestingExceeds(source.data, maxRecordDepth)) {
    return {
      reason: 'too_deeply_nested',
      message: `The CRM record's data is nested deeper than ${maxRecordDepth} levels`,
      details: { max_depth: maxRecordDepth },
    };
  }
  return undefined;
}

/** The link a record names under `key` (the first one when it names several). */
function linkedId(record: ExternalRecord, key: string): string | undefined {
  const value = record.links?.[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/** The WedSync id of each linked CRM id of a type: two columns when the storage can, whole links otherwise. */
async function parentIdsOf(
  storage: HubStorage,
  integrationId: string,
  recordType: RecordType,
  externalIds: readonly string[],
  options: StorageCallOptions,
): Promise<ReadonlyMap<string, string>> {
  const { links } = storage;
  if (links.findWedsyncIds !== undefined) {
    return links.findWedsyncIds(integrationId, recordType, externalIds, options);
  }
  const found = await links.findByExternalIds(integrationId, recordType, externalIds, options);
  return new Map(found.map((link) => [link.external_id, link.wedsync_record_id]));
}

function isoOrNull(value: string | undefined): string | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function describeFieldErrors(errors: readonly FieldValueError[]): string {
  const listed = errors
    .slice(0, 5)
    .map((error) => `${error.field || '(record)'}: ${error.code}`)
    .join('; ');
  return `${errors.length} field${errors.length === 1 ? '' : 's'} could not be mapped (${listed}${errors.length > 5 ? '; ...' : ''})`;
}

function fieldErrorDetails(errors: readonly FieldValueError[]): JsonObject[] {
  return errors.map((error) => ({
    field: error.field,
    crm_field: error.crm_field,
    code: error.code,
    reason: error.reason,
    value_kind: error.value_kind,
  }));
}

function rejected(reason: string, message: string, details: JsonObject, mappedData?: JsonObject): Decision {
  return {
    kind: 'rejected',
    logAction: 'error',
    stagingStatus: 'error',
    details: { reason, ...details },
    errorMessage: message,
    errorDetails: { reason, message, ...details },
    ...(mappedData === undefined ? {} : { mappedData }),
  };
}

function skipped(reason: string, wedsyncId?: string, extra: Partial<Decision> = {}): Decision {
  return {
    kind: 'skipped',
    logAction: 'skipped',
    stagingStatus: 'processed',
    details: { reason },
    ...(wedsyncId === undefined ? {} : { wedsyncId }),
    ...extra,
  };
}

/** Person fields of a client, to use it as another client's partner. */
function personOf(client: CanonicalClient): Person {
  const person: Record<string, unknown> = {};
  for (const key of Object.keys(PersonSchema.shape)) {
    const value = (client as Record<string, unknown>)[key];
    if (value !== undefined) person[key] = structuredClone(value);
  }
  return person as Person;
}

function validate(
  recordType: RecordType,
  value: unknown,
): { ok: true; record: CanonicalRecord } | { ok: false; issues: JsonObject[] } {
  const parsed = canonicalSchemasByRecordType[recordType].safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data as CanonicalRecord };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}

function crmIsNewer(record: ExternalRecord, existing: StoredRecord | undefined): boolean {
  if (record.modifiedAt === undefined || existing === undefined) return false;
  const crm = Date.parse(record.modifiedAt);
  const wedsync = Date.parse(existing.updated_at);
  return !Number.isNaN(crm) && !Number.isNaN(wedsync) && crm > wedsync;
}

/** Imports one page of one record type. Runs inside the page's transaction; throws only for storage failures. */
export async function importPage(
  storage: HubStorage,
  store: ClientStore,
  context: PageContext,
  records: readonly ExternalRecord[],
): Promise<PageResult> {
  const { integration, compiled, signal } = context;
  const { recordType } = compiled;
  const integrationId = integration.id;
  const supplierId = integration.supplier_id;
  const policy: ConflictResolution = integration.sync_config.conflict_resolution;
  const redact = (value: JsonObject): JsonObject =>
    redactSecrets(value, { knownSecrets: context.knownSecrets }) as JsonObject;
  const callOptions = signal === undefined ? {} : { signal };

  // 1. Usable ids and data; one entry per CRM id.
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const source of records) {
    const valid =
      typeof source === 'object' &&
      source !== null &&
      typeof source.externalId === 'string' &&
      source.externalId !== '' &&
      isPlainObject(source.data);
    const unusable = valid ? unusableRecord(source) : undefined;
    const externalId = valid && unusable?.idUnusable !== true ? source.externalId : missingExternalId;
    const tooDeep = unusable?.reason === 'too_deeply_nested';
    const hash = contentHash({
      mappings: compiled.fingerprint,
      // Hashing recurses: a record nested too deep is hashed by its staging copy (cut at stagingDepth).
      data: valid ? (tooDeep ? stagingCopy(source.data).value : source.data) : null,
      links: valid ? (source.links ?? null) : null,
    });
    const entry: Entry = { source, externalId, hash };
    entries.push(entry);
    if (!valid) {
      entry.decision = rejected('invalid_record', 'The CRM record has no id or no data object', {});
    } else if (unusable !== undefined) {
      entry.decision = rejected(unusable.reason, unusable.message, unusable.details);
    } else if (seen.has(externalId)) {
      entry.decision = skipped('repeated_in_page');
    } else {
      seen.add(externalId);
    }
  }
  const open = () => entries.filter((entry) => entry.decision === undefined);

  // 2. Twins: links by external id, then the linked WedSync records.
  const links = await storage.links.findByExternalIds(
    integrationId,
    recordType,
    open().map((entry) => entry.externalId),
    callOptions,
  );
  const linkByExternalId = new Map(links.map((link) => [link.external_id, link]));
  const twins =
    links.length === 0
      ? new Map<string, StoredRecord>()
      : await store.findByIds(recordType, {
          supplierId,
          ids: links.map((link) => link.wedsync_record_id),
          ...callOptions,
        });
  for (const entry of open()) {
    const link = linkByExternalId.get(entry.externalId);
    if (link !== undefined) {
      entry.link = link;
      const twin = twins.get(link.wedsync_record_id) as StoredRecord | undefined;
      if (twin !== undefined) entry.existing = twin;
    }
    const { link: linked, existing } = entry;
    if (entry.source.deleted === true) {
      if (linked === undefined) entry.decision = skipped('deleted_in_crm_before_import');
      else if (linked.deleted_in_crm_at !== undefined)
        entry.decision = skipped('already_deleted', linked.wedsync_record_id);
      else {
        entry.decision = {
          kind: 'deleted',
          logAction: 'deleted',
          stagingStatus: 'processed',
          details: { marked_deleted: existing !== undefined && existing.deleted_at === null },
          wedsyncId: linked.wedsync_record_id,
          markDeleted: existing !== undefined && existing.deleted_at === null,
          ...(existing === undefined ? {} : { before: existing }),
        };
      }
      continue;
    }
    if (
      linked !== undefined &&
      existing !== undefined &&
      linked.content_hash === entry.hash &&
      linked.deleted_in_crm_at === undefined &&
      existing.deleted_at === null
    ) {
      entry.decision = skipped('unchanged', linked.wedsync_record_id);
    }
  }

  // 3. Map.
  for (const entry of open()) {
    const result = compiled.mapper(entry.source.data, { recordId: entry.externalId });
    const value =
      recordType === 'client'
        ? result.value
        : isPlainObject(result.value[recordType])
          ? (result.value[recordType] as Record<string, unknown>)
          : {};
    if (!result.ok) {
      entry.decision = rejected(
        'mapping_failed',
        describeFieldErrors(result.errors),
        { errors: fieldErrorDetails(result.errors) },
        value,
      );
      continue;
    }
    entry.warnings = result.warnings;
    entry.record = value as CanonicalRecord;
  }

  // 4. Parents, from record links (and, for clients, this job's aliases).
  const parentKeys: { key: string; recordType: RecordType }[] =
    recordType === 'project'
      ? [
          { key: 'client', recordType: 'client' },
          { key: 'partner', recordType: 'client' },
        ]
      : recordType === 'payment'
        ? [
            { key: 'project', recordType: 'project' },
            { key: 'invoice', recordType: 'invoice' },
          ]
        : recordType === 'client'
          ? []
          : [{ key: 'project', recordType: 'project' }];
  const parents = new Map<string, string>();
  const parentKey = (type: RecordType, externalId: string) => `${type}\u0000${externalId}`;
  for (const type of new Set(parentKeys.map((parent) => parent.recordType))) {
    const ids = new Set<string>();
    for (const entry of open()) {
      for (const parent of parentKeys) {
        const id = parent.recordType === type ? linkedId(entry.source, parent.key) : undefined;
        if (id !== undefined) ids.add(id);
      }
    }
    if (ids.size === 0) continue;
    for (const [externalId, wedsyncId] of await parentIdsOf(
      storage,
      integrationId,
      type,
      [...ids],
      callOptions,
    )) {
      parents.set(parentKey(type, externalId), wedsyncId);
    }
    if (type === 'client') {
      for (const id of ids) {
        const alias = context.aliases.get(id);
        if (alias !== undefined && !parents.has(parentKey(type, id))) parents.set(parentKey(type, id), alias);
      }
    }
  }
  const resolve = (type: RecordType, externalId: string | undefined) =>
    externalId === undefined ? undefined : parents.get(parentKey(type, externalId));
  const missingParent = (entry: Entry, type: RecordType, externalId: string | undefined): Decision =>
    rejected(
      'parent_missing',
      externalId === undefined
        ? `The ${recordType} names no ${type} it belongs to`
        : `The ${recordType}'s ${type} \`${externalId}\` was not imported (it was rejected, flagged as a possible duplicate, or never read)`,
      { parent_type: type, ...(externalId === undefined ? {} : { parent_external_id: externalId }) },
      entry.record as JsonObject | undefined,
    );

  // Payments without a project link take the project of their invoice.
  const invoiceProjects = new Map<string, string>();
  if (recordType === 'payment') {
    const invoiceIds = open()
      .filter((entry) => resolve('project', linkedId(entry.source, 'project')) === undefined)
      .map((entry) => resolve('invoice', linkedId(entry.source, 'invoice')))
      .filter((id): id is string => id !== undefined);
    if (invoiceIds.length > 0) {
      const invoices = await store.findByIds('invoice', { supplierId, ids: invoiceIds, ...callOptions });
      for (const [id, invoice] of invoices) invoiceProjects.set(id, invoice.record.project_id);
    }
  }
  const partnerPairs: { entry: Entry; clientId: string; partnerId: string }[] = [];
  for (const entry of open()) {
    const record = entry.record as Record<string, unknown>;
    if (recordType === 'project') {
      const clientExternalId = linkedId(entry.source, 'client');
      const clientId = resolve('client', clientExternalId);
      if (clientId === undefined) {
        entry.decision = missingParent(entry, 'client', clientExternalId);
        continue;
      }
      record['client_id'] = clientId;
      const partnerId = resolve('client', linkedId(entry.source, 'partner'));
      if (partnerId !== undefined && partnerId !== clientId)
        partnerPairs.push({ entry, clientId, partnerId });
    } else if (recordType === 'payment') {
      const invoiceExternalId = linkedId(entry.source, 'invoice');
      const invoiceId = resolve('invoice', invoiceExternalId);
      if (
        invoiceExternalId !== undefined &&
        invoiceId === undefined &&
        context.importedTypes.has('invoice')
      ) {
        entry.decision = missingParent(entry, 'invoice', invoiceExternalId);
        continue;
      }
      const projectExternalId = linkedId(entry.source, 'project');
      const projectId =
        resolve('project', projectExternalId) ??
        (invoiceId === undefined ? undefined : invoiceProjects.get(invoiceId));
      if (projectId === undefined) {
        entry.decision = missingParent(entry, 'project', projectExternalId);
        continue;
      }
      record['project_id'] = projectId;
      if (invoiceId !== undefined) record['invoice_id'] = invoiceId;
    } else if (recordType !== 'client') {
      const projectExternalId = linkedId(entry.source, 'project');
      const projectId = resolve('project', projectExternalId);
      if (projectId === undefined) {
        entry.decision = missingParent(entry, 'project', projectExternalId);
        continue;
      }
      record['project_id'] = projectId;
    }
  }

  // 5. Validate against the canonical model (the store would refuse the whole page otherwise).
  for (const entry of open()) {
    const checked = validate(recordType, entry.record);
    if (!checked.ok) {
      entry.decision = rejected(
        'invalid_record',
        `The mapped ${recordType} is not valid: ${checked.issues
          .slice(0, 5)
          .map((issue) => `${String(issue['path']) || '(record)'}: ${String(issue['message'])}`)
          .join('; ')}`,
        { issues: checked.issues },
        entry.record as JsonObject,
      );
    } else {
      entry.record = checked.record;
    }
  }

  // 6a. Open conflicts of the twins (their fields stay as WedSync holds them until a person decides).
  const linkedOpen = open().filter((entry) => entry.link !== undefined);
  const locked = new Map<string, Set<string>>();
  if (linkedOpen.length > 0) {
    const conflicts = await storage.conflicts.listOpenForRecords(
      integrationId,
      recordType,
      linkedOpen.map((entry) => entry.externalId),
      callOptions,
    );
    for (const conflict of conflicts) {
      const fields = locked.get(conflict.external_id) ?? new Set<string>();
      fields.add(conflict.field);
      locked.set(conflict.external_id, fields);
    }
  }
  const warningDetails = (entry: Entry): JsonObject =>
    entry.warnings !== undefined && entry.warnings.length > 0
      ? { warnings: fieldErrorDetails(entry.warnings) }
      : {};

  // 6b. Twins: three-way merge (or re-create a twin the host removed).
  for (const entry of linkedOpen) {
    const link = entry.link as RecordLink;
    const incoming = entry.record as CanonicalRecord;
    const existing = entry.existing;
    if (existing === undefined) {
      entry.decision = {
        kind: 'created',
        logAction: 'created',
        stagingStatus: 'processed',
        details: { recreated: true, ...warningDetails(entry) },
        wedsyncId: link.wedsync_record_id,
        write: incoming,
        linkBase: incoming as JsonObject,
        mappedData: incoming as JsonObject,
      };
      continue;
    }
    const merged = mergeRecord({
      current: existing.record as Record<string, unknown>,
      base: link.base_snapshot,
      incoming: incoming as Record<string, unknown>,
      policy,
      crmIsNewer: crmIsNewer(entry.source, existing),
      lockedFields: locked.get(entry.externalId) ?? new Set(),
    });
    const revive = existing.deleted_at !== null || link.deleted_in_crm_at !== undefined;
    const checked = validate(recordType, merged.record);
    if (!checked.ok) {
      entry.decision = rejected(
        'merge_invalid',
        `Merging the CRM's changes into WedSync's ${recordType} gives an invalid record`,
        { issues: checked.issues, changed_fields: [...merged.changed] },
        incoming as JsonObject,
      );
      continue;
    }
    const details: JsonObject = {
      changed_fields: [...merged.changed],
      ...(merged.keptWedsync.length === 0 ? {} : { kept_wedsync_fields: [...merged.keptWedsync] }),
      ...(merged.conflicts.length === 0 ? {} : { conflicts: merged.conflicts.map((item) => item.field) }),
      ...(merged.decided.length === 0
        ? {}
        : { decided_conflicts: merged.decided.map((item) => ({ field: item.field, winner: item.winner })) }),
      ...(revive ? { revived: true } : {}),
      ...warningDetails(entry),
    };
    if (merged.changed.length === 0 && !revive) {
      // The CRM's copy of what the hub itself last wrote there reads back as no change: an echo.
      const echo = link.last_written_side === 'crm' && merged.conflicts.length === 0;
      entry.decision = {
        ...skipped('no_mapped_changes', link.wedsync_record_id),
        details: { reason: 'no_mapped_changes', ...(echo ? { echo: true } : {}), ...details },
        linkBase: merged.base as JsonObject,
        conflicts: merged.conflicts,
        mappedData: incoming as JsonObject,
      };
      continue;
    }
    entry.decision = {
      kind: 'updated',
      logAction: 'updated',
      stagingStatus: 'processed',
      details,
      wedsyncId: link.wedsync_record_id,
      write: checked.record,
      before: existing,
      linkBase: merged.base as JsonObject,
      conflicts: merged.conflicts,
      mappedData: incoming as JsonObject,
    };
  }

  // 6c. Unlinked records: dedupe clients; create everything else.
  const unlinked = open();
  if (recordType === 'client' && unlinked.length > 0) {
    await dedupeClients(storage, store, context, unlinked, warningDetails, callOptions);
  }
  for (const entry of open()) {
    const record = entry.record as CanonicalRecord;
    entry.decision = {
      kind: 'created',
      logAction: 'created',
      stagingStatus: 'processed',
      details: warningDetails(entry),
      wedsyncId: randomUUID(),
      write: record,
      linkBase: record as JsonObject,
      mappedData: record as JsonObject,
    };
  }

  // A project's partner fills its client's `partner` (when the client has none).
  const partnerWrites = await partnerUpdates(store, supplierId, partnerPairs, callOptions);

  // 7. Write everything in batches.
  return writePage(storage, store, context, entries, partnerWrites, redact, callOptions);
}

async function dedupeClients(
  storage: HubStorage,
  store: ClientStore,
  context: PageContext,
  entries: readonly Entry[],
  warningDetails: (entry: Entry) => JsonObject,
  callOptions: { readonly signal?: AbortSignal },
): Promise<void> {
  const integrationId = context.integration.id;
  const keysOf = new Map<Entry, ClientKeys>();
  for (const entry of entries) keysOf.set(entry, clientKeys(entry.record as CanonicalClient));
  const lookup = dedupeLookup([...keysOf.values()]);
  const found =
    lookup.emails.length + lookup.phones.length + lookup.names.length === 0
      ? []
      : await store.findDedupeCandidates({
          supplierId: context.integration.supplier_id,
          ...lookup,
          ...callOptions,
        });
  const candidates: DedupeCandidateKeys[] = found.map((candidate) => ({
    id: candidate.client.id,
    keys: clientKeys(candidate.client.record),
  }));
  const storedById = new Map(found.map((candidate) => [candidate.client.id, candidate.client]));
  // Which of those clients are already the twin of a CRM record of this integration.
  const twinOf = new Map<string, string>();
  if (found.length > 0) {
    const candidateLinks = await storage.links.findByWedsyncIds(
      integrationId,
      'client',
      found.map((candidate) => candidate.client.id),
      callOptions,
    );
    for (const link of candidateLinks) twinOf.set(link.wedsync_record_id, link.external_id);
  }
  const policy = context.integration.sync_config.conflict_resolution;

  for (const entry of entries) {
    const keys = keysOf.get(entry) as ClientKeys;
    const incoming = entry.record as CanonicalClient;
    const decision = decideMatch(keys, candidates);
    if (decision.kind === 'uncertain') {
      const listed = decision.candidates.map((candidate) => ({
        wedsync_record_id: candidate.id,
        certainty: candidate.certainty,
        matched: [...candidate.evidence],
        ...(twinOf.has(candidate.id) ? { external_id: twinOf.get(candidate.id) } : {}),
      }));
      entry.decision = {
        kind: 'flagged',
        logAction: 'skipped',
        stagingStatus: 'duplicate',
        details: { reason: 'possible_duplicate', candidates: listed },
        mappedData: incoming as JsonObject,
        errorDetails: { reason: 'possible_duplicate', candidates: listed },
      };
      continue;
    }
    if (decision.kind === 'none') {
      const id = randomUUID();
      entry.decision = {
        kind: 'created',
        logAction: 'created',
        stagingStatus: 'processed',
        details: warningDetails(entry),
        wedsyncId: id,
        write: incoming,
        linkBase: incoming as JsonObject,
        mappedData: incoming as JsonObject,
      };
      candidates.push({ id, keys });
      twinOf.set(id, entry.externalId);
      continue;
    }
    const match = { matched: [...decision.evidence], existing_wedsync_id: decision.id };
    const twinExternalId = twinOf.get(decision.id);
    if (twinExternalId !== undefined) {
      // Certainly the same person as another CRM record already linked: resolve to that client.
      entry.decision = {
        kind: 'linked',
        logAction: 'skipped',
        stagingStatus: 'processed',
        details: {
          reason: 'duplicate_in_crm',
          linked_to: decision.id,
          duplicate_of_external_id: twinExternalId,
          match,
          ...warningDetails(entry),
        },
        wedsyncId: decision.id,
        mappedData: incoming as JsonObject,
      };
      continue;
    }
    // Certainly a client WedSync already has: link it, filling what WedSync lacks.
    const stored = storedById.get(decision.id) as StoredRecord<'client'>;
    const merged = mergeRecord({
      current: stored.record as Record<string, unknown>,
      base: undefined,
      incoming: incoming as Record<string, unknown>,
      policy,
      crmIsNewer: crmIsNewer(entry.source, stored),
      equivalent: sameTextLoosely,
    });
    const checked = validate('client', merged.record);
    const write = checked.ok ? checked.record : (stored.record as CanonicalRecord);
    entry.decision = {
      kind: 'linked',
      logAction: 'updated',
      stagingStatus: 'processed',
      details: {
        linked_to: decision.id,
        match,
        changed_fields: checked.ok ? [...merged.changed] : [],
        ...(merged.keptWedsync.length === 0 ? {} : { kept_wedsync_fields: [...merged.keptWedsync] }),
        ...(merged.conflicts.length === 0 ? {} : { conflicts: merged.conflicts.map((item) => item.field) }),
        ...(merged.decided.length === 0
          ? {}
          : {
              decided_conflicts: merged.decided.map((item) => ({ field: item.field, winner: item.winner })),
            }),
        ...warningDetails(entry),
      },
      wedsyncId: decision.id,
      write,
      before: stored,
      linkBase: merged.base as JsonObject,
      conflicts: merged.conflicts,
      mappedData: incoming as JsonObject,
    };
    twinOf.set(decision.id, entry.externalId);
  }
}

interface PartnerWrite {
  readonly clientId: string;
  readonly partnerId: string;
  readonly before: StoredRecord<'client'>;
  readonly record: CanonicalClient;
}

/** Clients that get their partner from a project's `links.partner` (only clients without one). */
async function partnerUpdates(
  store: ClientStore,
  supplierId: string,
  pairs: readonly { entry: Entry; clientId: string; partnerId: string }[],
  callOptions: { readonly signal?: AbortSignal },
): Promise<PartnerWrite[]> {
  const written = pairs.filter((pair) => pair.entry.decision?.write !== undefined);
  if (written.length === 0) return [];
  const ids = [...new Set(written.flatMap((pair) => [pair.clientId, pair.partnerId]))];
  const clients = await store.findByIds('client', { supplierId, ids, ...callOptions });
  const writes = new Map<string, PartnerWrite>();
  for (const { entry, clientId, partnerId } of written) {
    const client = clients.get(clientId);
    const partner = clients.get(partnerId);
    if (client === undefined || partner === undefined) continue;
    const decision = entry.decision as Decision;
    const details = decision.details as Record<string, unknown>;
    details['partner_client_id'] = partnerId;
    if (client.record.partner !== undefined || writes.has(clientId)) continue;
    const record = { ...client.record, partner: personOf(partner.record) };
    const checked = validate('client', record);
    if (!checked.ok) continue;
    details['partner_set'] = true;
    writes.set(clientId, { clientId, partnerId, before: client, record: checked.record as CanonicalClient });
  }
  return [...writes.values()];
}

/** A JSON object as staged or logged: storable text, at most {@link stagingDepth} levels deep. */
function storable(value: JsonObject): JsonObject {
  return stagingCopy(value).value as JsonObject;
}

/**
 * What is staged of a CRM record: `{ record_type, data, links?, modified_at?, deleted? }`, each part a storable
 * copy (see `storableCopy`): text no database stores as sent has U+FFFD in place of its NUL characters and
 * unpaired surrogates, and data nested past {@link stagingDepth} levels a marker text. When text was replaced, or
 * the record was too deeply nested to import, the staged data carries an `unreadableRecordKey` note, so that
 * mapping the record again from staging (a `field_mapping_update` job) rejects it instead of reading the
 * replaced text or the cut data.
 */
function stagedRawData(
  recordType: RecordType,
  source: Partial<ExternalRecord> | null,
  decision: Decision,
): JsonObject {
  let data: JsonObject | null = null;
  if (isPlainObject(source?.data)) {
    const copy = stagingCopy(source.data);
    data = copy.value as JsonObject;
    const tooDeep = decision.details['reason'] === 'too_deeply_nested';
    if ((copy.textReplaced || tooDeep) && !Object.hasOwn(data, unreadableRecordKey)) {
      data[unreadableRecordKey] = {
        reason: tooDeep
          ? `The CRM record's data is nested deeper than ${maxRecordDepth} levels; its staged copy is cut at ${stagingDepth} levels`
          : 'The staged copy of this record has U+FFFD in place of text no database stores as sent (NUL characters, unpaired UTF-16 surrogates); a full import reads the record from the CRM again',
      };
    }
  }
  const links = source?.links === undefined ? undefined : stagingCopy(source.links, 3).value;
  const modifiedAt = source?.modifiedAt;
  return {
    record_type: recordType,
    data,
    ...(isPlainObject(links) ? { links: links as JsonObject } : {}),
    ...(modifiedAt === undefined ? {} : { modified_at: stagingCopy(modifiedAt, 1).value as string }),
    ...(source?.deleted === true ? { deleted: true } : {}),
  };
}

/**
 * Waits for every statement sent, then throws the failure of the first one that failed, in the order they were sent:
 * the real cause (on PostgreSQL the statements after a failed one fail only because its transaction is aborted).
 */
async function allInOrder(sent: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
}

async function writePage(
  storage: HubStorage,
  store: ClientStore,
  context: PageContext,
  entries: readonly Entry[],
  partnerWrites: readonly PartnerWrite[],
  redact: (value: JsonObject) => JsonObject,
  callOptions: { readonly signal?: AbortSignal },
): Promise<PageResult> {
  const { integration, jobId } = context;
  const { recordType } = context.compiled;
  const integrationId = integration.id;
  const supplierId = integration.supplier_id;
  const nowText = context.now.toISOString();
  const counts: SyncJobCounts = {};
  const aliases = new Map<string, string>();

  // Records: one upsert.
  const writes = entries.filter((entry) => entry.decision?.write !== undefined);
  const rows: UpsertRow[] = writes.map((entry) => {
    const decision = entry.decision as Decision;
    return {
      id: decision.wedsyncId as string,
      supplier_id: supplierId,
      record: decision.write as CanonicalRecord,
      ...(recordType === 'client'
        ? { crm_integration_id: integrationId, external_crm_id: entry.externalId }
        : {}),
    };
  });
  const results = rows.length === 0 ? [] : await store.upsert(recordType, rows, callOptions);
  const writtenAt = new Map(results.map((result) => [result.id, result.updated_at]));

  // Deletion marks (never erasure).
  const toMark = entries.filter((entry) => entry.decision?.markDeleted === true);
  if (toMark.length > 0) {
    await store.markDeleted(recordType, {
      supplierId,
      ids: toMark.map((entry) => entry.decision?.wedsyncId as string),
      reason: `deleted in ${context.providerId}`,
      ...callOptions,
    });
  }
  const deleted = entries.filter((entry) => entry.decision?.kind === 'deleted');
  if (deleted.length > 0) {
    await storage.links.markDeletedInCrm(
      integrationId,
      recordType,
      deleted.map((entry) => entry.externalId),
      { now: context.now, ...callOptions },
    );
  }

  // Partner fills (clients, from a project page).
  if (partnerWrites.length > 0) {
    await store.upsert(
      'client',
      partnerWrites.map((write) => ({
        id: write.clientId,
        supplier_id: supplierId,
        record: write.record,
        crm_integration_id: write.before.crm_integration_id,
        external_crm_id: write.before.external_crm_id,
        last_crm_sync_at: write.before.last_crm_sync_at,
      })),
      callOptions,
    );
  }

  // The hash of what each decision writes: for its link and its before-image, computed once.
  const writtenHashes = new Map<Decision, string>();
  const writtenHash = (decision: Decision, write: CanonicalRecord): string => {
    let hash = writtenHashes.get(decision);
    if (hash === undefined) {
      hash = contentHash(write);
      writtenHashes.set(decision, hash);
    }
    return hash;
  };

  // Whether a write leaves WedSync's record equal to its link's base with no conflict (so the next export can pass
  // it over by its stamp): a created record is its own base; a merge is compared by hash (it may keep WedSync's
  // values, which the CRM has not seen yet).
  const writesItsBase = (decision: Decision): boolean =>
    decision.write !== undefined &&
    decision.linkBase !== undefined &&
    (decision.conflicts === undefined || decision.conflicts.length === 0) &&
    ((decision.write as unknown) === decision.linkBase ||
      writtenHash(decision, decision.write) === contentHash(decision.linkBase));

  // Record links: one upsert.
  const linkRows: RecordLinkUpsert[] = [];
  for (const entry of entries) {
    const decision = entry.decision as Decision;
    if (decision.linkBase === undefined || decision.wedsyncId === undefined) continue;
    const old = entry.link;
    const wroteAt = writtenAt.get(decision.wedsyncId);
    linkRows.push({
      integration_id: integrationId,
      record_type: recordType,
      external_id: entry.externalId,
      wedsync_record_id: decision.wedsyncId,
      base_snapshot: decision.linkBase,
      content_hash: entry.hash,
      last_written_hash:
        decision.write !== undefined
          ? writtenHash(decision, decision.write)
          : (old?.last_written_hash ?? null),
      last_written_side: decision.write !== undefined ? 'wedsync' : (old?.last_written_side ?? null),
      last_written_at: decision.write !== undefined ? nowText : (old?.last_written_at ?? null),
      crm_modified_at: isoOrNull(entry.source.modifiedAt),
      wedsync_modified_at: wroteAt ?? entry.existing?.updated_at ?? old?.wedsync_modified_at ?? null,
      base_updated_at: wroteAt !== undefined && writesItsBase(decision) ? wroteAt : null,
      last_synced_at: nowText,
      deleted_in_crm_at: null,
    });
  }
  // From here on the statements depend on nothing another one returns: each is sent as soon as its rows are built,
  // and the next rows are built while the database works on it (they share the page's one connection, in order).
  const sent: Promise<unknown>[] = [];
  const send = (statement: Promise<unknown>): void => {
    // Handled at once: if building a later statement throws, this one's failure is not left unhandled.
    statement.catch(() => {});
    sent.push(statement);
  };
  if (linkRows.length > 0) send(storage.links.upsert(linkRows, callOptions));

  // Before-images, for rollback: one insert.
  const backups: NewRecordBackup[] = [];
  for (const entry of entries) {
    const decision = entry.decision as Decision;
    if (decision.wedsyncId === undefined) continue;
    if (decision.write !== undefined) {
      backups.push({
        sync_job_id: jobId,
        integration_id: integrationId,
        record_type: recordType,
        wedsync_record_id: decision.wedsyncId,
        operation: decision.before === undefined ? 'created' : 'updated',
        before_image: decision.before === undefined ? null : (decision.before as unknown as JsonObject),
        after_hash: writtenHash(decision, decision.write),
      });
    } else if (decision.markDeleted === true && decision.before !== undefined) {
      backups.push({
        sync_job_id: jobId,
        integration_id: integrationId,
        record_type: recordType,
        wedsync_record_id: decision.wedsyncId,
        operation: 'deleted',
        before_image: decision.before as unknown as JsonObject,
      });
    }
  }
  for (const write of partnerWrites) {
    backups.push({
      sync_job_id: jobId,
      integration_id: integrationId,
      record_type: 'client',
      wedsync_record_id: write.clientId,
      operation: 'updated',
      before_image: write.before as unknown as JsonObject,
      after_hash: contentHash(write.record),
    });
  }
  if (backups.length > 0) send(storage.backups.insert(backups, callOptions));

  // Conflicts for manual review: one insert.
  const conflictRows: NewFieldConflict[] = [];
  for (const entry of entries) {
    const decision = entry.decision as Decision;
    for (const conflict of decision.conflicts ?? []) {
      conflictRows.push({
        integration_id: integrationId,
        sync_job_id: jobId,
        record_type: recordType,
        external_id: entry.externalId,
        wedsync_record_id: decision.wedsyncId ?? null,
        field: conflict.field,
        base_value: conflict.base,
        wedsync_value: conflict.wedsync,
        crm_value: conflict.crm,
        wedsync_modified_at: entry.existing?.updated_at ?? decision.before?.updated_at ?? null,
        crm_modified_at: isoOrNull(entry.source.modifiedAt),
      });
    }
  }
  if (conflictRows.length > 0) send(storage.conflicts.insert(conflictRows, callOptions));

  // Logs and staging: one insert each.
  const logs: NewSyncLog[] = [];
  const staging: NewStagingRow[] = [];
  for (const entry of entries) {
    const decision = entry.decision as Decision;
    countOutcome(counts, recordType, decision.kind);
    if (decision.kind === 'linked' && decision.write === undefined && decision.wedsyncId !== undefined) {
      aliases.set(entry.externalId, decision.wedsyncId);
    }
    const wedsyncId = decision.wedsyncId;
    const logId = wedsyncId !== undefined && uuidPattern.test(wedsyncId) ? wedsyncId : null;
    logs.push({
      integration_id: integrationId,
      sync_job_id: jobId,
      record_type: recordType,
      record_id: entry.externalId,
      wedsync_record_id: logId,
      action_type: decision.logAction,
      action_details: storable(
        redact({
          ...decision.details,
          ...(wedsyncId !== undefined && logId === null ? { wedsync_record_id: wedsyncId } : {}),
        }),
      ),
      error_message:
        decision.errorMessage === undefined
          ? null
          : storableText(
              String(redactSecrets(decision.errorMessage, { knownSecrets: context.knownSecrets })),
            ),
      processed_at: context.now,
    });
    const source = entry.source as Partial<ExternalRecord> | null;
    staging.push({
      integration_id: integrationId,
      sync_job_id: jobId,
      external_id: entry.externalId,
      raw_data: stagedRawData(recordType, source, decision),
      import_status: decision.stagingStatus,
      ...(decision.mappedData === undefined
        ? decision.write === undefined
          ? {}
          : { mapped_data: storable(decision.write as JsonObject) }
        : { mapped_data: storable(decision.mappedData) }),
      ...(decision.errorDetails === undefined
        ? {}
        : { error_details: storable(redact(decision.errorDetails)) }),
    });
  }
  if (logs.length > 0) send(storage.logs.insert(logs, callOptions));
  if (staging.length > 0) send(storage.staging.insert(staging, callOptions));
  await allInOrder(sent);
  return { counts, aliases };
}
