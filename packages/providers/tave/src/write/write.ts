/**
 * `write('client' | 'project', changes)`: creates and updates contacts and jobs through the vendor API, one
 * change at a time in the given order (the API has no batch endpoint; the session's HTTP client keeps the
 * integration within its rate limit). Every change gets a result, in input order:
 *
 * - `created` / `updated` with the record's id and its `modified` time;
 * - `failed`, `retryable: false` when the body does not fit the vendor's request schema (nothing is sent) or the
 *   vendor refuses it (400: the field names and the vendor's messages), or the record is gone (404);
 * - `failed`, `retryable: true, error: 'outcome unknown'` when the vendor may have applied a create whose answer
 *   was lost (a reset connection, a 5xx, an unreadable body): the HTTP client never re-sends a POST blindly, and
 *   the hub calls `findExisting` before sending it again;
 * - `failed`, `retryable: true` when the vendor provably did not process it (rate limited past the retries).
 *
 * A bad call (an unsupported record type or kind, a change without an idempotency key, an update without an
 * externalId) throws before anything is sent; so do a refused API key (401/403) and an aborted signal, which no
 * later change could get past either.
 */
import {
  InvalidArgumentError,
  type ProviderLogger,
  type ProviderRecordChange,
  type ProviderRecordType,
  type ProviderWriteResult,
  UnsupportedCapabilityError,
  ValidationError,
} from '@wedsync/crm-core';
import { ProviderApiError } from '@wedsync/crm-provider-kit';
import PQueue from 'p-queue';
import type { z } from 'zod';
import type { TaveApi } from '../api/client.js';
import { TaveJobContactSchema } from '../api/schemas.js';
import {
  clientContactIdOf,
  externalMappingIdOf,
  externalMappingUrlOf,
  isPlainObject,
  jobBody,
  personBody,
  writableAddress,
} from './bodies.js';
import { TaveValidationErrorSchema, TaveWrittenSchema } from './schemas.js';

/** The record types this provider writes. */
export const taveWritableRecordTypes: readonly ProviderRecordType[] = ['client', 'project'];

/** What one write shares. */
export interface WriteContext {
  readonly api: TaveApi;
  readonly logger: ProviderLogger;
  readonly signal: AbortSignal | undefined;
  /** How many changes are written at once (each one's requests stay in order: its check, then its write). */
  readonly concurrency: number;
}

/** The error text of a create whose outcome is unknown: the hub looks the record up before re-sending it. */
export const outcomeUnknown = 'outcome unknown';

/**
 * Checks the call before anything is sent.
 * @throws UnsupportedCapabilityError for a record type other than client and project, or a delete.
 * @throws InvalidArgumentError for a malformed change (named by its position, never by its data).
 */
export function checkWrite(recordType: unknown, changes: unknown): readonly ProviderRecordChange[] {
  if (!taveWritableRecordTypes.includes(recordType as ProviderRecordType)) {
    throw new UnsupportedCapabilityError(
      `VSCO Workspace writes ${taveWritableRecordTypes.join(' and ')} records only, got \`${String(recordType).slice(0, 40)}\``,
      { context: { provider: 'tave', recordType: String(recordType).slice(0, 40), capability: 'write' } },
    );
  }
  if (!Array.isArray(changes)) {
    throw new InvalidArgumentError(`Expected \`changes\` to be an array, got ${typeof changes}`, {
      context: { option: 'changes' },
    });
  }
  const keys = new Set<string>();
  changes.forEach((change: unknown, index) => {
    const where = `changes[${index}]`;
    if (!isPlainObject(change)) {
      throw new InvalidArgumentError(`Expected \`${where}\` to be an object`, { context: { option: where } });
    }
    const { kind, externalId, data, idempotencyKey } = change;
    if (kind === 'delete') {
      throw new UnsupportedCapabilityError(
        `VSCO Workspace ${String(recordType)} records cannot be deleted through this provider (\`${where}\`)`,
        { context: { provider: 'tave', recordType, capability: 'delete', change: index } },
      );
    }
    if (kind !== 'create' && kind !== 'update') {
      throw new InvalidArgumentError(`Expected \`${where}.kind\` to be one of \`create\`, \`update\``, {
        context: { option: `${where}.kind` },
      });
    }
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
      throw new InvalidArgumentError(`Expected \`${where}.idempotencyKey\` to be a non-empty string`, {
        context: { option: `${where}.idempotencyKey` },
      });
    }
    if (keys.has(idempotencyKey)) {
      throw new InvalidArgumentError(`Expected \`${where}.idempotencyKey\` to be unique within one write`, {
        context: { option: `${where}.idempotencyKey` },
      });
    }
    keys.add(idempotencyKey);
    if (kind === 'update' && (typeof externalId !== 'string' || externalId === '')) {
      throw new InvalidArgumentError(
        `Expected \`${where}.externalId\` of an update to be a non-empty string`,
        {
          context: { option: `${where}.externalId` },
        },
      );
    }
    if (!isPlainObject(data)) {
      throw new InvalidArgumentError(`Expected \`${where}.data\` to be an object`, {
        context: { option: `${where}.data` },
      });
    }
    const { expectedModifiedAt } = change;
    if (
      expectedModifiedAt !== undefined &&
      (typeof expectedModifiedAt !== 'string' || Number.isNaN(Date.parse(expectedModifiedAt)))
    ) {
      throw new InvalidArgumentError(
        `Expected \`${where}.expectedModifiedAt\` to be an ISO 8601 timestamp, got \`${String(expectedModifiedAt).slice(0, 60)}\``,
        { context: { option: `${where}.expectedModifiedAt` } },
      );
    }
  });
  return changes as readonly ProviderRecordChange[];
}

function failed(change: ProviderRecordChange, error: string, retryable: boolean): ProviderWriteResult {
  return { idempotencyKey: change.idempotencyKey, status: 'failed', error, retryable };
}

/** The vendor's validation messages by field, without values: "email: This value is not a valid email address." */
function validationMessages(excerpt: string | undefined): string | undefined {
  if (excerpt === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(excerpt);
  } catch {
    return undefined;
  }
  const parsed = TaveValidationErrorSchema.safeParse(body);
  if (!parsed.success || !isPlainObject(parsed.data.detail)) return undefined;
  const parts: string[] = [];
  for (const [field, messages] of Object.entries(parsed.data.detail)) {
    const list = Array.isArray(messages) ? messages : [messages];
    const text = list
      .filter((message): message is string => typeof message === 'string')
      .map((message) => message.slice(0, 200))
      .join(' ');
    parts.push(`${field.slice(0, 80)}: ${text || 'invalid'}`);
    if (parts.length === 10) break;
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** The result of a change whose request failed; rethrows what no other change could get past. */
function failureOf(
  change: ProviderRecordChange,
  error: unknown,
  signal: AbortSignal | undefined,
  what: string,
): ProviderWriteResult {
  if (signal?.aborted) throw error;
  if (ProviderApiError.isInstance(error)) {
    if (error.status === 401 || error.status === 403) throw error;
    if (error.outcome === 'unknown') return failed(change, outcomeUnknown, true);
    if (error.outcome === 'not_processed') {
      return failed(
        change,
        `VSCO Workspace did not process the ${what}${error.status === undefined ? '' : ` (status ${error.status})`}; it is safe to send again`,
        true,
      );
    }
    if (error.status === 404) return failed(change, `The ${what} was not found in VSCO Workspace`, false);
    const messages =
      error.status === 400 || error.status === 422 ? validationMessages(error.bodyExcerpt) : undefined;
    return failed(
      change,
      `VSCO Workspace refused the ${what} (status ${error.status ?? 'none'})${messages === undefined ? '' : `: ${messages}`}`,
      false,
    );
  }
  // The vendor applied the request but its answer does not fit the document: the id may be unknown.
  if (error instanceof ValidationError) return failed(change, outcomeUnknown, true);
  throw error;
}

function written(
  change: ProviderRecordChange,
  status: 'created' | 'updated',
  record: { readonly id: string; readonly modified?: string | undefined },
): ProviderWriteResult {
  return {
    idempotencyKey: change.idempotencyKey,
    status,
    externalId: record.id,
    ...(record.modified === undefined ? {} : { modifiedAt: record.modified }),
  };
}

/** A record as the API answers a write or a single GET. */
type TaveWrittenItem = z.infer<typeof TaveWrittenSchema>;

/**
 * Before an update that names `expectedModifiedAt` (the hub's last read or write of the record): the record as
 * the CRM holds it now, or a refusal (`changedInCrm`) when its `modified` is later, so the update does not
 * overwrite a change the hub has not merged yet. The API has no conditional write, so a change in the moment
 * between this read and the write is still overwritten. Without `expectedModifiedAt`, nothing is read.
 */
async function checkUnchanged(
  context: WriteContext,
  change: ProviderRecordChange,
  path: string,
  operation: string,
): Promise<{ readonly current?: TaveWrittenItem; readonly refusal?: ProviderWriteResult }> {
  const expected =
    change.expectedModifiedAt === undefined ? Number.NaN : Date.parse(change.expectedModifiedAt);
  if (Number.isNaN(expected)) return {};
  const current = await context.api.get(path, TaveWrittenSchema, operation, context.signal);
  const modified = current.modified === undefined ? Number.NaN : Date.parse(current.modified);
  if (modified > expected) {
    return {
      current,
      refusal: {
        idempotencyKey: change.idempotencyKey,
        status: 'failed',
        error: `The record changed in VSCO Workspace at ${current.modified}, after the hub last read it (${change.expectedModifiedAt}): not overwritten`,
        retryable: false,
        changedInCrm: true,
      },
    };
  }
  return { current };
}

/** The address objects of an update, completed with the contact's current ones (the API replaces them whole). */
async function completeAddresses(
  context: WriteContext,
  id: string,
  body: Record<string, unknown>,
  known: TaveWrittenItem | undefined,
): Promise<void> {
  const fields = ['address', 'mailingAddress'].filter((field) => isPlainObject(body[field]));
  if (fields.length === 0) return;
  // Docs: GET /address-book/{id} (operation getResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
  const current =
    known ??
    (await context.api.get(
      `address-book/${encodeURIComponent(id)}`,
      TaveWrittenSchema,
      'address-book/{id}',
      context.signal,
    ));
  for (const field of fields) {
    body[field] = { ...writableAddress(current[field]), ...(body[field] as Record<string, unknown>) };
  }
}

async function writeClient(
  context: WriteContext,
  change: ProviderRecordChange,
): Promise<ProviderWriteResult> {
  const outcome = personBody(change.data, change.kind === 'create' ? 'create' : 'update');
  if (!outcome.ok) return failed(change, outcome.error, false);
  try {
    if (change.kind === 'create') {
      // Docs: POST /address-book (operation createResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
      const record = await context.api.send(
        'POST',
        'address-book',
        outcome.body,
        TaveWrittenSchema,
        'address-book',
        context.signal,
      );
      return written(change, 'created', record);
    }
    const id = change.externalId as string;
    const body: Record<string, unknown> = { ...outcome.body };
    // Docs: GET /address-book/{id} (operation getResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
    const check = await checkUnchanged(
      context,
      change,
      `address-book/${encodeURIComponent(id)}`,
      'address-book/{id}',
    );
    if (check.refusal !== undefined) return check.refusal;
    await completeAddresses(context, id, body, check.current);
    // Docs: PUT /address-book/{id} (operation updateResourceAddressBook) https://workspace.vsco.co/api#tag/Contacts
    const record = await context.api.send(
      'PUT',
      `address-book/${encodeURIComponent(id)}`,
      body,
      TaveWrittenSchema,
      'address-book/{id}',
      context.signal,
    );
    return written(change, 'updated', record);
  } catch (error) {
    return failureOf(change, error, context.signal, change.kind === 'create' ? 'contact' : 'contact update');
  }
}

/**
 * Makes `contactId` the client of the job: nothing when it already is, `client: true` on its job contact when it
 * is on the job in another role, a new job contact otherwise.
 */
async function ensureClient(context: WriteContext, jobId: string, contactId: string): Promise<void> {
  // Docs: GET /job-contact?jobId= (operation listResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
  const existing = await context.api.all({
    path: 'job-contact',
    schema: TaveJobContactSchema,
    pageSize: 100,
    query: { jobId, contactId },
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  const entry = [...existing.values()].find((item) => item.jobId === jobId && item.contactId === contactId);
  if (entry?.client === true) return;
  if (entry !== undefined) {
    // Docs: PUT /job-contact/{id} (operation updateResourceJobContact)
    await context.api.send(
      'PUT',
      `job-contact/${encodeURIComponent(entry.id)}`,
      { client: true },
      TaveWrittenSchema,
      'job-contact/{id}',
      context.signal,
    );
    return;
  }
  await linkClient(context, jobId, contactId);
}

async function linkClient(context: WriteContext, jobId: string, contactId: string): Promise<void> {
  // Docs: POST /job-contact (operation createResourceJobContact) https://workspace.vsco.co/api#tag/Job-Contacts
  await context.api.send(
    'POST',
    'job-contact',
    { jobId, contactId, client: true },
    TaveWrittenSchema,
    'job-contact',
    context.signal,
  );
}

async function writeProject(
  context: WriteContext,
  change: ProviderRecordChange,
): Promise<ProviderWriteResult> {
  const outcome = jobBody(change.data);
  if (!outcome.ok) return failed(change, outcome.error, false);
  const contactId = clientContactIdOf(change.data);
  if (contactId !== undefined && !/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/.test(contactId)) {
    return failed(change, 'Invalid job for VSCO Workspace: clientContactId: Expected a ULID', false);
  }
  if (change.kind === 'update') {
    const id = change.externalId as string;
    try {
      // Docs: GET /job/{id} (operation getResourceJob) https://workspace.vsco.co/api#tag/Jobs
      const check = await checkUnchanged(context, change, `job/${encodeURIComponent(id)}`, 'job/{id}');
      if (check.refusal !== undefined) return check.refusal;
      // Docs: PUT /job/{id} (operation updateResourceJob) https://workspace.vsco.co/api#tag/Jobs
      const record = await context.api.send(
        'PUT',
        `job/${encodeURIComponent(id)}`,
        outcome.body,
        TaveWrittenSchema,
        'job/{id}',
        context.signal,
      );
      if (contactId !== undefined) await ensureClient(context, id, contactId);
      return written(change, 'updated', record);
    } catch (error) {
      return failureOf(change, error, context.signal, 'job update');
    }
  }

  if (contactId === undefined) {
    return failed(
      change,
      'A project create needs `data.clientContactId`, the VSCO Workspace id of its client contact',
      false,
    );
  }
  // The idempotency key travels as the job's external mapping, so `findExisting` finds a retried create exactly.
  const mappingId = externalMappingIdOf(change.idempotencyKey);
  const body = {
    ...outcome.body,
    externalMappings: [
      ...(outcome.body.externalMappings ?? []).filter((mapping) => mapping.id !== mappingId),
      { id: mappingId, url: externalMappingUrlOf('project', mappingId) },
    ],
  };
  let job: { readonly id: string; readonly modified?: string | undefined };
  try {
    // Docs: POST /job (operation createResourceJob) https://workspace.vsco.co/api#tag/Jobs
    job = await context.api.send('POST', 'job', body, TaveWrittenSchema, 'job', context.signal);
  } catch (error) {
    return failureOf(change, error, context.signal, 'job');
  }
  try {
    await linkClient(context, job.id, contactId);
  } catch (error) {
    const result = failureOf(change, error, context.signal, 'client link of the new job');
    context.logger.warn('Tave write: job created but its client link failed', {
      job: job.id,
      retryable: result.status === 'failed' && result.retryable,
    });
    // The job exists: `findExisting` finds it by its external mapping, and an update with `clientContactId` links it.
    return failed(
      change,
      `The job was created (${job.id}) but linking its client failed: ${result.status === 'failed' ? result.error : 'unknown'}`,
      true,
    );
  }
  return written(change, 'created', job);
}

/**
 * Applies the changes, `context.concurrency` at a time (changes of one call are to different records, so none waits
 * for another), and returns one result per change in the order given. Each change's own requests run in order, so
 * the check of an update stays right before its write.
 */
export async function writeChanges(
  context: WriteContext,
  recordType: ProviderRecordType,
  changes: readonly ProviderRecordChange[],
): Promise<ProviderWriteResult[]> {
  const queue = new PQueue({ concurrency: Math.max(1, context.concurrency) });
  let results: ProviderWriteResult[];
  try {
    results = await queue.addAll(
      changes.map((change) => async () => {
        context.signal?.throwIfAborted();
        return recordType === 'client'
          ? await writeClient(context, change)
          : await writeProject(context, change);
      }),
    );
  } catch (error) {
    // A call that throws (a refused key, an abort) sends nothing more: the changes not started are dropped.
    queue.clear();
    throw error;
  }
  const failures = results.filter((result) => result.status === 'failed').length;
  context.logger.debug('Tave write done', { recordType, changes: changes.length, failures });
  return results;
}
