/**
 * Request bodies from the CRM-side objects the hub builds by reversing the field mappings. The hub's object uses
 * the read's vocabulary (`firstName`, `cellPhone`, `address.city`, `eventDate`...): what the vendor does not accept
 * on input is dropped (the read's enrichment, read-only fields), phone text becomes the vendor's phone object, and
 * the result is checked against the vendor's request schema. A body that does not pass is never sent: the change
 * fails with the field names and what is wrong with each (never the values).
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  type TaveJobInput,
  TaveJobInputSchema,
  type TavePersonInput,
  TavePersonInputSchema,
} from './schemas.js';

/** A body ready to send, or why it cannot be. */
export type BodyOutcome<Body> =
  | { readonly ok: true; readonly body: Body }
  | { readonly ok: false; readonly error: string };

const phoneFields = ['cellPhone', 'homePhone', 'workPhone', 'fax'] as const;
const e164Pattern = /^\+[1-9]\d{1,14}(x\d{1,6})?$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A phone value as the vendor takes it on input: E.164 text (what the mappings export) as `{ e164 }`, other
 * text as `{ formatted }` (the vendor parses it with the studio's country), a phone object (as read) reduced to
 * its writable `e164`, else `formatted`. Null clears the number.
 */
export function toPhoneInput(value: unknown): unknown {
  if (value === null) return null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    return e164Pattern.test(text) ? { e164: text } : { formatted: text };
  }
  if (isPlainObject(value)) {
    const countryCode =
      typeof value['countryCode'] === 'string' ? { countryCode: value['countryCode'].toLowerCase() } : {};
    if (typeof value['e164'] === 'string' && value['e164'] !== '')
      return { e164: value['e164'], ...countryCode };
    if (typeof value['formatted'] === 'string' && value['formatted'] !== '') {
      return { formatted: value['formatted'], ...countryCode };
    }
    return null;
  }
  return value;
}

/** "firstName: Expected at most 48 characters; cellPhone.e164: Expected an E.164 phone number" (no values). */
function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key))).join('.');
    return `${path.replace(/\.\[/g, '[') || '(body)'}: ${issue.message}`;
  });
  const more = error.issues.length > 10 ? `; and ${error.issues.length - 10} more` : '';
  return `${parts.join('; ')}${more}`;
}

function parseBody<Body>(
  schema: z.ZodType<Body>,
  input: Record<string, unknown>,
  what: string,
): BodyOutcome<Body> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, body: parsed.data };
  return { ok: false, error: `Invalid ${what} for VSCO Workspace: ${describeIssues(parsed.error)}` };
}

/**
 * The `Person` body of a client change: writable fields only, phones as phone objects, `kind: 'person'` on a
 * create (the kind of a contact never changes on update).
 */
export function personBody(
  data: Readonly<Record<string, unknown>>,
  kind: 'create' | 'update',
): BodyOutcome<TavePersonInput> {
  const input: Record<string, unknown> = { ...data };
  for (const field of phoneFields) {
    if (field in input) input[field] = toPhoneInput(input[field]);
  }
  if (kind === 'create') input['kind'] = 'person';
  else delete input['kind'];
  return parseBody(TavePersonInputSchema, input, 'contact');
}

/** The `Job` body of a project change (its client travels separately, see `clientContactIdOf`). */
export function jobBody(data: Readonly<Record<string, unknown>>): BodyOutcome<TaveJobInput> {
  return parseBody(TaveJobInputSchema, { ...data }, 'job');
}

/**
 * The client contact of a project change: `data.clientContactId`, the VSCO Workspace id of the project's client
 * (the hub resolves the project's WedSync `client_id` to it through its record links, as the read sets it).
 */
export function clientContactIdOf(data: Readonly<Record<string, unknown>>): string | undefined {
  const value = data['clientContactId'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The `externalMappingId` a job is created with for one idempotency key: the key itself when it fits the
 * vendor's limit (1–64 printable ASCII characters), else its SHA-256 in hex (64 characters).
 */
export function externalMappingIdOf(idempotencyKey: string): string {
  if (/^[!-~]{1,64}$/.test(idempotencyKey)) return idempotencyKey;
  return createHash('sha256').update(idempotencyKey).digest('hex');
}

/** The URI of an external mapping: the hub's record, named by its idempotency key (`urn:wedsync:project:<id>`). */
export function externalMappingUrlOf(recordType: string, mappingId: string): string {
  return `urn:wedsync:${recordType}:${encodeURIComponent(mappingId)}`;
}

/** The writable parts of an address as read (the API replaces the whole address object on update). */
export function writableAddress(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) return {};
  const address: Record<string, unknown> = {};
  for (const key of ['streetAddress', 'village', 'city', 'state', 'postalCode', 'country']) {
    if (key in value) address[key] = value[key];
  }
  return address;
}

/** Whether an object is a plain (JSON) object. */
export { isPlainObject };
