/**
 * Keeps a request's secrets out of what the HTTP client reports: URLs lose their userinfo and the values of
 * secret-looking query parameters; response excerpts lose every occurrence of the request's own secret values
 * (auth header values, secret query values, secret fields of the JSON body).
 */

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Header names whose values are not secrets (everything else sent is treated as one). */
const PUBLIC_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'idempotency-key',
  'pragma',
  'user-agent',
  'x-request-id',
]);

/** Fragments of query-parameter or field names that hold secrets (compared without `-`, `_` and case). */
const SECRET_NAME_FRAGMENTS = [
  'key',
  'token',
  'secret',
  'password',
  'passwd',
  'signature',
  'authorization',
  'session',
  'credential',
];
const SECRET_NAMES = new Set(['auth', 'sig', 'pwd', 'code', 'pass']);

/** Authentication scheme names: parts of a header value that are not themselves secret. */
const AUTH_SCHEMES = new Set(['basic', 'bearer', 'digest', 'token', 'apikey', 'hmac']);

/** Shorter values are not redacted: replacing "1" or "en" everywhere would only garble the excerpt. */
const MINIMUM_SECRET_LENGTH = 4;

/** True when a query parameter or body field of this name holds a secret (api_key, access_token, password...). */
export function isSecretName(name: string, extraNames: ReadonlySet<string> = new Set()): boolean {
  const normalized = name.toLowerCase().replace(/[-_]/g, '');
  if (extraNames.has(name.toLowerCase()) || SECRET_NAMES.has(normalized)) return true;
  return SECRET_NAME_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}

/** True when a header's value is a secret (anything but well-known public headers). */
export function isSecretHeader(name: string): boolean {
  return !PUBLIC_HEADERS.has(name.toLowerCase());
}

/**
 * The URL without userinfo and fragment, secret query values replaced by `[REDACTED]`, and any known secret
 * value elsewhere (e.g. in the path) redacted too. An unparsable URL is returned as `[unparsable URL]`.
 */
export function redactUrl(
  url: string,
  options: { readonly secrets?: readonly string[]; readonly secretNames?: ReadonlySet<string> } = {},
): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparsable URL]';
  }
  const query = [...parsed.searchParams]
    .map(([name, value]) =>
      isSecretName(name, options.secretNames)
        ? `${encodeURIComponent(name)}=${REDACTED}`
        : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    )
    .join('&');
  const base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return redactSecrets(query === '' ? base : `${base}?${query}`, options.secrets ?? []);
}

/** Replaces every occurrence of each secret (longest first) with `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of [...secrets].sort((left, right) => right.length - left.length)) {
    if (secret.length >= MINIMUM_SECRET_LENGTH) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * The secret values one request carries: values of non-public headers (and the credential after an auth scheme
 * such as `Bearer`), values of secret query parameters (raw and URL-encoded), userinfo, and string values of
 * secret-named fields of a JSON body (one level deep and nested objects).
 */
export function collectSecrets(input: {
  readonly headers: Readonly<Record<string, string>>;
  readonly url: URL;
  readonly json?: unknown;
  readonly secretNames?: ReadonlySet<string>;
}): string[] {
  const secrets = new Set<string>();
  const add = (value: string): void => {
    if (value.length < MINIMUM_SECRET_LENGTH) return;
    secrets.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
  };
  for (const [name, value] of Object.entries(input.headers)) {
    if (!isSecretHeader(name)) continue;
    add(value);
    // "Bearer abc", "Basic dXNlcjpwYXNz", "Token token=abc": the credential alone may appear in a body.
    for (const part of value.split(/[\s,]+/)) {
      if (AUTH_SCHEMES.has(part.toLowerCase())) continue;
      add(part);
      const parameter = /^[\w-]+="?([^"=][^"]*)"?$/.exec(part);
      if (parameter?.[1] !== undefined) add(parameter[1]);
    }
  }
  for (const [name, value] of input.url.searchParams) {
    if (isSecretName(name, input.secretNames)) add(value);
  }
  if (input.url.username) add(decodeURIComponent(input.url.username));
  if (input.url.password) add(decodeURIComponent(input.url.password));
  collectSecretFields(input.json, secrets, input.secretNames, add, 0);
  return [...secrets];
}

function collectSecretFields(
  value: unknown,
  secrets: Set<string>,
  secretNames: ReadonlySet<string> | undefined,
  add: (value: string) => void,
  depth: number,
): void {
  if (depth > 5 || typeof value !== 'object' || value === null) return;
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'string' && isSecretName(name, secretNames)) add(field);
    else if (typeof field === 'object') collectSecretFields(field, secrets, secretNames, add, depth + 1);
  }
}
