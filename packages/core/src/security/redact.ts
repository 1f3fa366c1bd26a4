/**
 * Secret redaction for logs, errors and anything else that leaves the process. `redactSecrets` returns a
 * deep copy in which secrets are replaced by `'[REDACTED]'`:
 * - the value of any key whose name looks secret (`authorization`, `api_key`, `apiKey`, `X-API-Key`,
 *   `access_token`, `password`, `client_secret`, `cookie`, ...; case, `-`, `_`, `.` and spaces ignored),
 * - every leaf under an `auth_config` key (its key names are kept, so a log still shows what is set),
 * - inside strings: `Bearer`/`Basic` credentials, URL userinfo, secret-looking query or form parameters
 *   (`?api_key=...&token=...`), `"password": "..."` JSON members, `Authorization: ...` header lines,
 * - every occurrence of the exact strings the caller knows are secret (`knownSecrets`).
 * It never throws: cycles become `'[Circular]'`, values nested deeper than `maxDepth` become `'[Truncated]'`,
 * and a property whose getter throws becomes `'[Unreadable]'`.
 */

import { InvalidArgumentError } from '../errors/index.js';
import type { ProviderLogger } from '../spec/provider.js';

/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';
const circular = '[Circular]';
const truncated = '[Truncated]';
const unreadable = '[Unreadable]';

/** Options of `redactSecrets`. */
export interface RedactSecretsOptions {
  /**
   * Exact secret strings (a decrypted API key, an access token) to replace wherever they appear inside any
   * string. Empty strings are ignored. @default []
   */
  readonly knownSecrets?: readonly string[];
  /** More key names to treat as secret, compared the same way as the built-in ones. @default [] */
  readonly secretKeys?: readonly string[];
  /** How deep to copy; anything deeper becomes `'[Truncated]'`. @default 12 */
  readonly maxDepth?: number;
}

/** An error as a plain, redacted object that is safe to log or to return. */
export interface RedactedError {
  readonly name: string;
  readonly message: string;
  readonly code?: unknown;
  readonly context?: unknown;
  readonly cause?: unknown;
  readonly stack?: string;
  readonly [property: string]: unknown;
}

/** Options of `createRedactingLogger`. */
export interface RedactingLoggerOptions {
  /**
   * Exact secrets to redact, or a function returning them at each call (for tokens that get refreshed).
   * @default []
   */
  readonly knownSecrets?: readonly string[] | (() => readonly string[]);
  /** More key names to treat as secret. @default [] */
  readonly secretKeys?: readonly string[];
}

/** Normalised (lower case, no `-`, `_`, `.`, spaces) key names whose values are secret. */
const secretKeyNames = new Set([
  'auth',
  'authorization',
  'proxyauthorization',
  'xapikey',
  'apikey',
  'apitoken',
  'apisecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'bearertoken',
  'sessiontoken',
  'xauthtoken',
  'csrftoken',
  'xcsrftoken',
  'xsrftoken',
  'xxsrftoken',
  'password',
  'passwd',
  'passphrase',
  'pass',
  'secret',
  'clientsecret',
  'secretkey',
  'privatekey',
  'accesskey',
  'signingkey',
  'encryptionkey',
  'cookie',
  'setcookie',
  'credential',
  'credentials',
  'codeverifier',
  'sessionid',
  'sid',
  'signature',
  'xsignature',
  'webhooksecret',
]);
/** Endings of normalised key names that mark a secret (`tave_api_key`, `stripeSecret`, `db_password`). */
const secretKeySuffixes = ['apikey', 'token', 'secret', 'password', 'privatekey', 'secretkey', 'accesskey'];
/** Query parameter names that carry secrets only in URLs (OAuth's authorization `code`). */
const secretQueryNames = new Set(['code', 'sig']);
/** Keys under which every leaf is secret. */
const secretContainerNames = new Set(['authconfig']);

function normaliseKey(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

interface Rules {
  readonly extraKeys: ReadonlySet<string>;
  readonly knownSecrets: readonly string[];
  readonly maxDepth: number;
}

function isSecretKey(name: string, rules: Rules): boolean {
  const normalised = normaliseKey(name);
  return (
    secretKeyNames.has(normalised) ||
    rules.extraKeys.has(normalised) ||
    secretKeySuffixes.some((suffix) => normalised.endsWith(suffix))
  );
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const bearerPattern = /\b(Bearer)(\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const basicPattern = /\b(Basic)(\s+)([A-Za-z0-9+/]+=*)/gi;
const userinfoPattern = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const parameterPattern = /(^|[?&#;,\s])([^\s=&#?;,]+)=([^\s&#;,]*)/g;
const jsonMemberPattern = /("([^"\\]*(?:\\.[^"\\]*)*)"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)/g;
const headerLinePattern = /(^|[\r\n])([ \t]*[A-Za-z0-9-]+[ \t]*:[ \t]*)([^\r\n]*)/g;

function isBasicCredential(token: string): boolean {
  if (token.length < 8 || token.replace(/=+$/, '').length % 4 === 1) return false;
  return Buffer.from(token, 'base64').toString('utf8').includes(':');
}

function redactString(text: string, rules: Rules): string {
  let result = text;
  for (const secret of rules.knownSecrets) {
    result = result.split(secret).join(REDACTED);
  }
  result = result.replace(headerLinePattern, (match, start: string, name: string, value: string) =>
    isSecretKey(name.replace(':', '').trim(), rules) && value !== REDACTED
      ? `${start}${name}${REDACTED}`
      : match,
  );
  result = result.replace(bearerPattern, `$1$2${REDACTED}`);
  result = result.replace(basicPattern, (match, scheme: string, space: string, token: string) =>
    isBasicCredential(token) ? `${scheme}${space}${REDACTED}` : match,
  );
  result = result.replace(userinfoPattern, `$1${REDACTED}@`);
  result = result.replace(parameterPattern, (match, start: string, name: string, value: string) => {
    const decoded = decodeComponent(name);
    const secret =
      isSecretKey(decoded, rules) || (start !== '' && secretQueryNames.has(normaliseKey(decoded)));
    return secret && value !== '' && value !== REDACTED ? `${start}${name}=${REDACTED}` : match;
  });
  result = result.replace(jsonMemberPattern, (match, head: string, name: string) =>
    isSecretKey(name, rules) ? `${head}"${REDACTED}"` : match,
  );
  return result;
}

function makeRules(options: RedactSecretsOptions | undefined): Rules {
  const maxDepth = options?.maxDepth ?? 12;
  if (typeof maxDepth !== 'number' || !Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new InvalidArgumentError(
      `Expected \`maxDepth\` to be an integer >= 0, got \`${String(maxDepth)}\` (${typeof maxDepth})`,
    );
  }
  const knownSecrets = options?.knownSecrets ?? [];
  const secretKeys = options?.secretKeys ?? [];
  for (const [label, list] of [
    ['knownSecrets', knownSecrets],
    ['secretKeys', secretKeys],
  ] as const) {
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
      throw new InvalidArgumentError(`Expected \`${label}\` to be an array of strings`);
    }
  }
  const variants = new Set<string>();
  for (const secret of knownSecrets) {
    if (secret === '') continue;
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
  }
  return {
    extraKeys: new Set(secretKeys.map(normaliseKey)),
    // Longest first, so a secret that contains another is replaced whole.
    knownSecrets: [...variants].sort((left, right) => right.length - left.length),
    maxDepth,
  };
}

function read(source: object, key: PropertyKey): unknown {
  try {
    return (source as Record<PropertyKey, unknown>)[key];
  } catch {
    return unreadable;
  }
}

/**
 * Copies `value`, redacting as it goes. In a `hidden` subtree (under `auth_config`) every leaf is secret:
 * key names are kept, values are replaced.
 */
function copy(value: unknown, rules: Rules, ancestors: Set<object>, depth: number, hidden = false): unknown {
  if (
    hidden &&
    value !== null &&
    value !== undefined &&
    (typeof value !== 'object' || value instanceof URL)
  ) {
    return REDACTED;
  }
  if (typeof value === 'string') return redactString(value, rules);
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return circular;
  if (depth >= rules.maxDepth) return truncated;
  if (hidden && (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer))
    return REDACTED;
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof URL) return redactString(value.href, rules);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `[${value.constructor.name} ${value.byteLength} bytes]`;
  }
  ancestors.add(value);
  try {
    const next = depth + 1;
    if (Array.isArray(value)) return value.map((item) => copy(item, rules, ancestors, next, hidden));
    if (value instanceof Map) {
      const result = new Map<unknown, unknown>();
      for (const [key, item] of value) {
        result.set(copy(key, rules, ancestors, next), copyMember(key, item, rules, ancestors, next, hidden));
      }
      return result;
    }
    if (value instanceof Set)
      return new Set([...value].map((item) => copy(item, rules, ancestors, next, hidden)));
    if (value instanceof Error) return copyError(value, rules, ancestors, next);
    if (value instanceof Headers) {
      return copyEntries([...value.entries()], rules, ancestors, next, hidden);
    }
    return copyEntries(
      Object.keys(value).map((key) => [key, read(value, key)]),
      rules,
      ancestors,
      next,
      hidden,
    );
  } catch {
    return unreadable;
  } finally {
    ancestors.delete(value);
  }
}

/** Copies the value of one member (object property, Map entry), judging secrecy by its key. */
function copyMember(
  key: unknown,
  item: unknown,
  rules: Rules,
  ancestors: Set<object>,
  depth: number,
  hidden = false,
): unknown {
  if (typeof key !== 'string') return copy(item, rules, ancestors, depth, hidden);
  if (isSecretKey(key, rules)) return REDACTED;
  return copy(item, rules, ancestors, depth, hidden || secretContainerNames.has(normaliseKey(key)));
}

function copyEntries(
  entries: readonly (readonly [string, unknown])[],
  rules: Rules,
  ancestors: Set<object>,
  depth: number,
  hidden: boolean,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) result[key] = copyMember(key, item, rules, ancestors, depth, hidden);
  return result;
}

function copyError(error: Error, rules: Rules, ancestors: Set<object>, depth: number): RedactedError {
  const name = read(error, 'name');
  const result: Record<string, unknown> = {
    name: typeof name === 'string' ? redactString(name, rules) : 'Error',
    message: redactString(String(read(error, 'message')), rules),
  };
  const stack = read(error, 'stack');
  if (typeof stack === 'string') result.stack = redactString(stack, rules);
  const own = Object.keys(error).filter((key) => key !== 'name' && key !== 'message' && key !== 'stack');
  for (const key of own) {
    result[key] = copyMember(key, read(error, key), rules, ancestors, depth);
  }
  // `cause` and AggregateError's `errors` are not enumerable when set by the constructor.
  const cause = read(error, 'cause');
  if (cause !== undefined && !own.includes('cause')) result.cause = copy(cause, rules, ancestors, depth);
  const errors = read(error, 'errors');
  if (Array.isArray(errors) && !own.includes('errors')) result.errors = copy(errors, rules, ancestors, depth);
  return result as RedactedError;
}

/**
 * A deep copy of `value` with secrets replaced by `'[REDACTED]'` (see the module comment for what counts as a
 * secret). Plain objects, arrays, Maps and Sets are copied; Errors become plain `RedactedError` objects
 * (message, stack, code, context and the whole cause chain, all redacted); URLs become redacted strings;
 * binary data becomes a `'[Uint8Array 32 bytes]'` placeholder; functions become `'[Function name]'`.
 * @throws InvalidArgumentError only when `options` are not acceptable; never because of `value`.
 */
export function redactSecrets(value: unknown, options?: RedactSecretsOptions): unknown {
  return copy(value, makeRules(options), new Set(), 0);
}

/**
 * A thrown value as a plain, redacted object that is safe to log: an Error keeps its name, message, stack,
 * code, context and cause chain (each redacted); anything else becomes `{ name: 'NonError', message }`.
 * @throws InvalidArgumentError only when `options` are not acceptable.
 */
export function redactError(error: unknown, options?: RedactSecretsOptions): RedactedError {
  const rules = makeRules(options);
  if (error instanceof Error) return copyError(error, rules, new Set([error]), 1);
  const described = copy(error, rules, new Set(), 0);
  return {
    name: 'NonError',
    message: typeof described === 'string' ? described : redactString(safeStringify(described), rules),
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const logLevels = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Wraps a logger so every message and every field is redacted before the wrapped logger sees it. Errors in
 * fields become plain redacted objects. This is the logger providers receive.
 * @throws InvalidArgumentError when `logger` lacks one of `debug`, `info`, `warn`, `error`.
 */
export function createRedactingLogger(
  logger: ProviderLogger,
  options: RedactingLoggerOptions = {},
): ProviderLogger {
  for (const level of logLevels) {
    const method = (logger as unknown as Record<string, unknown> | null | undefined)?.[level];
    if (typeof method !== 'function') {
      throw new InvalidArgumentError(`Expected \`logger.${level}\` to be a function, got ${typeof method}`);
    }
  }
  const { knownSecrets = [], secretKeys = [] } = options;
  if (typeof knownSecrets !== 'function') makeRules({ knownSecrets, secretKeys });
  const rulesNow = (): Rules =>
    makeRules({
      knownSecrets: typeof knownSecrets === 'function' ? knownSecrets() : knownSecrets,
      secretKeys,
    });
  const write =
    (level: (typeof logLevels)[number]) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      let rules: Rules;
      try {
        rules = rulesNow();
      } catch {
        // A knownSecrets callback that fails must not let anything through unredacted, nor break the caller.
        logger[level]('[Log message dropped: could not compute the secrets to redact]');
        return;
      }
      const safeMessage = redactString(String(message), rules);
      if (fields === undefined) {
        logger[level](safeMessage);
      } else {
        logger[level](safeMessage, copy(fields, rules, new Set(), 0) as Record<string, unknown>);
      }
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
