/**
 * Validates fake responses against the vendor's OpenAPI 3.0 document with ajv. OpenAPI 3.0 is not plain JSON
 * Schema: `nullable: true` (also inside `allOf` members) is rewritten to a `null` alternative, `discriminator`
 * and `example` are dropped, and the formats the document uses beyond JSON Schema are defined (`ulid`,
 * `integer`, `float`, `rfc3966`; `time` is a partial time such as `14:00:00`, as the document's own example).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport, { type FormatsPlugin } from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';

const documentPath = '/work/shared/reference/vsco-workspace-openapi-v2.json';
const addFormats = ((addFormatsImport as unknown as { default?: FormatsPlugin }).default ??
  addFormatsImport) as FormatsPlugin;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const nameMaps = new Set([
  'properties',
  'patternProperties',
  'definitions',
  'schemas',
  'responses',
  'parameters',
  'paths',
  'content',
]);

/** Rewrites OpenAPI 3.0 schema keywords into JSON Schema ajv understands. */
export function toJsonSchema(node: Json, key?: string): Json {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item));
  if (node === null || typeof node !== 'object') return node;
  if (key !== undefined && nameMaps.has(key)) {
    return Object.fromEntries(Object.entries(node).map(([name, value]) => [name, toJsonSchema(value)]));
  }
  const out: { [key: string]: Json } = {};
  for (const [name, value] of Object.entries(node)) {
    if (name === 'nullable' || name === 'discriminator' || name === 'example') continue;
    out[name] = toJsonSchema(value, name);
  }
  const allOf = node.allOf;
  const nullable =
    node.nullable === true ||
    (Array.isArray(allOf) &&
      allOf.some(
        (member) =>
          member !== null && typeof member === 'object' && !Array.isArray(member) && member.nullable === true,
      ));
  if (!nullable) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

function pointer(...segments: string[]): string {
  return segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** The vendor document, loaded into ajv, with validators for responses. */
export class OpenApiValidator {
  readonly document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    const raw = JSON.parse(readFileSync(documentPath, 'utf8')) as Json;
    this.document = raw as unknown as OpenApiValidator['document'];
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('time', fullFormats['iso-time']);
    this.ajv.addFormat('ulid', /^[0-7][0-9a-hjkmnp-tv-z]{25}$/);
    this.ajv.addFormat('integer', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    this.ajv.addFormat('float', { type: 'number', validate: (value: number) => Number.isFinite(value) });
    this.ajv.addFormat('rfc3966', /^tel:\+?[\d().-]+(;[a-z-]+=[^;]+)*$/i);
    this.ajv.addSchema({ $id: 'vsco', ...(toJsonSchema(raw) as object) });
  }

  private compile(ref: string): ValidateFunction {
    let validate = this.cache.get(ref);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `vsco#/${ref}` });
      this.cache.set(ref, validate);
    }
    return validate;
  }

  /** The status codes the document defines for an operation. */
  statuses(path: string, method: string): string[] {
    return Object.keys(this.document.paths[path]?.[method]?.responses ?? {});
  }

  /** Validates a response body against an operation's response schema; returns ajv's errors (empty when valid). */
  validateResponse(path: string, method: string, status: number, body: unknown): ErrorObject[] {
    const response = this.document.paths[path]?.[method]?.responses[String(status)] as
      | { $ref?: string }
      | undefined;
    if (response === undefined)
      throw new Error(`The document defines no ${status} for ${method.toUpperCase()} ${path}`);
    const ref =
      response.$ref !== undefined
        ? `${response.$ref.slice(2)}/content/application~1json/schema`
        : pointer(
            'paths',
            path,
            method,
            'responses',
            String(status),
            'content',
            'application/json',
            'schema',
          );
    const validate = this.compile(ref);
    return validate(body) ? [] : [...(validate.errors ?? [])];
  }

  /** Validates a body against a shared response of `components/responses` (e.g. `unauthorizedError`). */
  validateComponentResponse(name: string, body: unknown): ErrorObject[] {
    const validate = this.compile(
      pointer('components', 'responses', name, 'content', 'application/json', 'schema'),
    );
    return validate(body) ? [] : [...(validate.errors ?? [])];
  }

  /** Validates a body against a component schema (e.g. `Error`). */
  validateSchema(name: string, body: unknown): ErrorObject[] {
    const validate = this.compile(pointer('components', 'schemas', name));
    return validate(body) ? [] : [...(validate.errors ?? [])];
  }
}
