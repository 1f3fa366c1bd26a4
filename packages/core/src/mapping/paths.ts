/**
 * Field paths: how a mapping names a value inside a CRM record or a WedSync record.
 *
 * Syntax (parsed once per mapping, never per record):
 * - `first_name`, `partner.email`: names separated by dots. A name is any text without `.`, `[`, `]`, `"`.
 * - `jobs.0.event_date` or `jobs[0].event_date`: a whole-number segment is an array index (0 to 10000).
 *   Leading zeros (`01`) make it a name, not an index.
 * - `customFields[fieldId=01abc].value`: `[key=value]` selects the first item of an array whose property
 *   `key` equals `value` (a number or boolean property matches its text form). Quote the value when it holds
 *   `]` or `"`: `customFields[label="Venue [main]"].value` (inside quotes, `\"` and `\\` escape).
 * - `["First Name."]`: a quoted name, for keys holding dots or brackets (CSV column headers).
 *
 * `__proto__`, `constructor` and `prototype` are rejected as names and selector keys, and reading only
 * follows own properties, so a path can neither read inherited members nor pollute a prototype.
 */
import { MappingError } from '../errors/index.js';

/** Names no path may use: following them could read or pollute an object prototype. */
export const forbiddenPathNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The largest array index a path may name (setting it builds an array of that length). */
export const maxPathIndex = 10_000;

/** The most segments one path may have. */
export const maxPathSegments = 32;

/** One step of a parsed path. */
export type PathSegment =
  /** An object property. */
  | { readonly kind: 'key'; readonly key: string }
  /** An array item (or an object property named by the number's text). */
  | { readonly kind: 'index'; readonly index: number }
  /** The first array item whose property `field` equals `value`. */
  | { readonly kind: 'match'; readonly field: string; readonly value: string };

/** A parsed path: its segments and its canonical text (`jobs[0]` and `jobs.0` share `jobs.0`). */
export interface FieldPath {
  /** The text the path was parsed from. */
  readonly source: string;
  /** The canonical spelling, used to compare paths. */
  readonly canonical: string;
  readonly segments: readonly PathSegment[];
}

/** Why a path text does not parse, and where. */
export interface PathSyntaxProblem {
  readonly reason: string;
  /** Zero-based character position of the problem in the path text. */
  readonly position: number;
}

/** Parses a path, returning the problem instead of throwing (validation reports it as a row). */
export function tryParseFieldPath(
  text: string,
):
  | { readonly ok: true; readonly path: FieldPath }
  | { readonly ok: false; readonly problem: PathSyntaxProblem } {
  const segments: PathSegment[] = [];
  let position = 0;
  const fail = (reason: string, at: number) => ({ ok: false as const, problem: { reason, position: at } });

  if (text.length === 0) return fail('the path is empty', 0);

  // A path starts with a name or a bracket; after a name or bracket comes `.`, `[` or the end.
  let expectName = text[0] !== '[';
  while (position < text.length) {
    if (expectName) {
      let end = position;
      while (end < text.length && !'.[]"'.includes(text[end] as string)) end += 1;
      if (end === position) {
        const found = text[position];
        return fail(found === '.' ? 'empty segment' : `unexpected \`${found}\``, position);
      }
      const name = text.slice(position, end);
      if (forbiddenPathNames.has(name)) return fail(`segment \`${name}\` is not allowed`, position);
      segments.push(/^(0|[1-9]\d*)$/.test(name) ? indexSegment(name) : { kind: 'key', key: name });
      position = end;
      expectName = false;
      continue;
    }
    const character = text[position];
    if (character === '.') {
      if (position === text.length - 1) return fail('empty segment', position + 1);
      position += 1;
      expectName = text[position] !== '[';
      if (!expectName) return fail('unexpected `[` after `.`', position);
      continue;
    }
    if (character !== '[') return fail(`unexpected \`${character}\``, position);
    const bracket = parseBracket(text, position + 1);
    if (!bracket.ok) return fail(bracket.reason, bracket.position);
    segments.push(bracket.segment);
    position = bracket.next;
  }

  if (segments.length > maxPathSegments) return fail(`more than ${maxPathSegments} segments`, 0);
  for (const segment of segments) {
    if (segment.kind === 'index' && segment.index > maxPathIndex) {
      return fail(`index ${segment.index} is larger than ${maxPathIndex}`, 0);
    }
  }
  return { ok: true, path: { source: text, canonical: formatSegments(segments), segments } };
}

/** Parses a path; throws MappingError (context: path, reason, position) when it does not parse. */
export function parseFieldPath(text: string): FieldPath {
  const result = tryParseFieldPath(text);
  if (!result.ok) {
    throw new MappingError(
      `Invalid field path \`${text}\`: ${result.problem.reason} at position ${result.problem.position}`,
      { context: { path: text, ...result.problem } },
    );
  }
  return result.path;
}

function indexSegment(text: string): PathSegment {
  return { kind: 'index', index: Number(text) };
}

type BracketResult =
  | { readonly ok: true; readonly segment: PathSegment; readonly next: number }
  | { readonly ok: false; readonly reason: string; readonly position: number };

/** Parses what follows a `[`: an index, a quoted name, or a `key=value` selector. */
function parseBracket(text: string, start: number): BracketResult {
  if (text[start] === '"') {
    const quoted = readQuoted(text, start);
    if (!quoted.ok) return quoted;
    if (text[quoted.next] !== ']') return { ok: false, reason: 'expected `]`', position: quoted.next };
    if (quoted.value.length === 0) return { ok: false, reason: 'empty quoted name', position: start };
    if (forbiddenPathNames.has(quoted.value)) {
      return { ok: false, reason: `segment \`${quoted.value}\` is not allowed`, position: start };
    }
    return afterBracket(text, { kind: 'key', key: quoted.value }, quoted.next + 1);
  }
  let end = start;
  while (end < text.length && !'=]["'.includes(text[end] as string)) end += 1;
  const head = text.slice(start, end);
  if (text[end] === ']') {
    if (!/^(0|[1-9]\d*)$/.test(head)) {
      return {
        ok: false,
        reason: head.length === 0 ? 'empty brackets' : 'expected an index, a quoted name or key=value',
        position: start,
      };
    }
    return afterBracket(text, indexSegment(head), end + 1);
  }
  if (text[end] !== '=') return { ok: false, reason: 'unclosed `[`', position: start - 1 };
  if (head.length === 0) return { ok: false, reason: 'empty selector key', position: start };
  if (forbiddenPathNames.has(head)) {
    return { ok: false, reason: `segment \`${head}\` is not allowed`, position: start };
  }
  let value: string;
  let next: number;
  if (text[end + 1] === '"') {
    const quoted = readQuoted(text, end + 1);
    if (!quoted.ok) return quoted;
    value = quoted.value;
    next = quoted.next;
  } else {
    next = end + 1;
    while (next < text.length && !'][="'.includes(text[next] as string)) next += 1;
    value = text.slice(end + 1, next);
    if (value.length === 0) return { ok: false, reason: 'empty selector value', position: end + 1 };
  }
  if (text[next] !== ']') return { ok: false, reason: 'expected `]`', position: next };
  return afterBracket(text, { kind: 'match', field: head, value }, next + 1);
}

function afterBracket(text: string, segment: PathSegment, next: number): BracketResult {
  const following = text[next];
  if (following !== undefined && following !== '.' && following !== '[') {
    return { ok: false, reason: 'expected `.` or `[` after `]`', position: next };
  }
  return { ok: true, segment, next };
}

function readQuoted(
  text: string,
  start: number,
):
  | { readonly ok: true; readonly value: string; readonly next: number }
  | { readonly ok: false; readonly reason: string; readonly position: number } {
  let value = '';
  let position = start + 1;
  while (position < text.length) {
    const character = text[position] as string;
    if (character === '\\') {
      const escaped = text[position + 1];
      if (escaped !== '"' && escaped !== '\\') {
        return { ok: false, reason: 'only `\\"` and `\\\\` may be escaped', position };
      }
      value += escaped;
      position += 2;
      continue;
    }
    if (character === '"') return { ok: true, value, next: position + 1 };
    value += character;
    position += 1;
  }
  return { ok: false, reason: 'unclosed quote', position: start };
}

const plainName = /^[^.[\]"]+$/;

function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function formatSegments(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (segment.kind === 'match') {
      const value = /^[^[\]="]+$/.test(segment.value) ? segment.value : quote(segment.value);
      text += `[${segment.field}=${value}]`;
    } else if (segment.kind === 'index') {
      text += text.length === 0 ? String(segment.index) : `.${segment.index}`;
    } else if (plainName.test(segment.key) && !/^(0|[1-9]\d*)$/.test(segment.key)) {
      text += text.length === 0 ? segment.key : `.${segment.key}`;
    } else {
      text += `[${quote(segment.key)}]`;
    }
  }
  return text;
}

/** Formats segments as canonical path text (the inverse of parsing). */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  return formatSegments(segments);
}

/** True when `prefix`'s segments start `path`'s (a path is a prefix of itself). */
export function isPathPrefix(prefix: FieldPath, path: FieldPath): boolean {
  if (prefix.segments.length > path.segments.length) return false;
  return prefix.segments.every((segment, index) => sameSegment(segment, path.segments[index]));
}

function sameSegment(left: PathSegment, right: PathSegment | undefined): boolean {
  if (right === undefined || left.kind !== right.kind) return false;
  if (left.kind === 'key') return right.kind === 'key' && left.key === right.key;
  if (left.kind === 'index') return right.kind === 'index' && left.index === right.index;
  return right.kind === 'match' && left.field === right.field && left.value === right.value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function matches(item: unknown, field: string, value: string): boolean {
  if (!isObject(item) || Array.isArray(item) || !Object.hasOwn(item, field)) return false;
  const candidate = item[field];
  if (typeof candidate === 'string') return candidate === value;
  if (typeof candidate === 'number' || typeof candidate === 'boolean') return String(candidate) === value;
  return false;
}

/** Reads the value at `path` (own properties only); `undefined` when any step is missing. */
export function getAtPath(root: unknown, path: FieldPath): unknown {
  let current: unknown = root;
  for (const segment of path.segments) {
    if (!isObject(current)) return undefined;
    if (segment.kind === 'match') {
      if (!Array.isArray(current)) return undefined;
      current = current.find((item) => matches(item, segment.field, segment.value));
      continue;
    }
    const key = segment.kind === 'key' ? segment.key : String(segment.index);
    if (Array.isArray(current) && segment.kind === 'key') return undefined;
    current = Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return current;
}

/** Why a value could not be set: a step of the path holds something that is not a container. */
export interface SetPathConflict {
  /** Canonical text of the path up to the blocking value. */
  readonly at: string;
}

/**
 * Writes `value` at `path` inside `root`, building missing objects and arrays on the way (an index or a
 * selector builds an array; a selector that matches nothing appends `{ [field]: value }`). Returns a
 * conflict instead of overwriting a non-container (a string where an object is needed).
 */
export function setAtPath(
  root: Record<string, unknown>,
  path: FieldPath,
  value: unknown,
): SetPathConflict | undefined {
  let container: Record<string, unknown> | unknown[] = root;
  const { segments } = path;
  for (let position = 0; position < segments.length; position += 1) {
    const segment = segments[position] as PathSegment;
    const next = segments[position + 1];
    const isLast = next === undefined;
    if (segment.kind === 'match') {
      if (!Array.isArray(container)) return { at: formatSegments(segments.slice(0, position)) };
      let item = container.find((candidate) => matches(candidate, segment.field, segment.value));
      if (item === undefined) {
        item = { [segment.field]: segment.value };
        container.push(item);
      }
      if (isLast) {
        container[container.indexOf(item)] = value;
        return undefined;
      }
      if (!isObject(item)) return { at: formatSegments(segments.slice(0, position + 1)) };
      container = item as Record<string, unknown>;
      continue;
    }
    if (segment.kind === 'key' && Array.isArray(container)) {
      return { at: formatSegments(segments.slice(0, position)) };
    }
    const key = segment.kind === 'key' ? segment.key : String(segment.index);
    const record = container as Record<string, unknown>;
    if (isLast) {
      record[key] = value;
      return undefined;
    }
    const existing = Object.hasOwn(record, key) ? record[key] : undefined;
    if (existing === undefined || existing === null) {
      const created: Record<string, unknown> | unknown[] = next.kind === 'key' ? {} : [];
      record[key] = created;
      container = created;
      continue;
    }
    if (!isObject(existing)) return { at: formatSegments(segments.slice(0, position + 1)) };
    container = existing;
  }
  return undefined;
}
