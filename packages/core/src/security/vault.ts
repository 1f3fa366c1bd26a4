/**
 * The credential vault: seals an integration's credentials with AES-256-GCM before they are stored, and opens
 * them when a session needs them. Keys come from the host (a key ring with ids, one of them active), so keys
 * can be rotated: seal with the new key, keep the old one until every ciphertext has been re-sealed.
 *
 * Each ciphertext is bound to its integration by associated data (a purpose and version prefix, the algorithm,
 * the key id and the integration id): a ciphertext copied to another integration's row, or relabelled with
 * another key id, fails to open. Keys live only in this module's closure: they never appear in errors,
 * `JSON.stringify`, `toString` or `util.inspect` of the vault.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CredentialError, InvalidArgumentError } from '../errors/index.js';

const algorithm = 'aes-256-gcm';
const keyLength = 32;
const ivLength = 12;
const tagLength = 16;
const aadPurpose = 'wedsync/crm-core/vault';
const keyIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const base64UrlPattern = /^[A-Za-z0-9_-]*$/;

/** One key of the vault's key ring. */
export interface VaultKey {
  /** Stable id stored beside each ciphertext (letters, digits, `.`, `_`, `:`, `-`; at most 128 characters). */
  readonly id: string;
  /** 32 random bytes, as a Buffer, a Uint8Array, or a base64 (or base64url) string. See `generateVaultKey()`. */
  readonly key: Uint8Array | string;
}

/** Options of `createVault`. */
export interface VaultOptions {
  /** The key ring: every key that may have sealed a stored ciphertext. At least one. */
  readonly keys: readonly VaultKey[];
  /**
   * Id of the key new ciphertexts are sealed with.
   * @default the id of the only key; required when there is more than one key
   */
  readonly activeKeyId?: string;
}

/** Names the integration a ciphertext belongs to (bound into it as associated data). */
export interface VaultBinding {
  /** The integration whose credentials these are. */
  readonly integrationId: string;
}

/** A sealed secret: a JSON-able envelope holding no plaintext. Binary parts are base64url. */
export const SealedSecretSchema = z
  .object({
    v: z.literal(1),
    alg: z.literal('A256GCM'),
    kid: z.string().regex(keyIdPattern),
    iv: z.string().regex(base64UrlPattern),
    ct: z.string().regex(base64UrlPattern),
    tag: z.string().regex(base64UrlPattern),
  })
  .strict();
/** A sealed secret: a JSON-able envelope holding no plaintext. */
export type SealedSecret = z.infer<typeof SealedSecretSchema>;

/** Why a sealed secret could not be opened (the `reason` in a CredentialError's context). */
export type VaultFailureReason = 'malformed' | 'unknown_key' | 'authentication_failed';

/** Seals and opens integration credentials. Holds its keys privately. */
export interface Vault {
  /** Id of the key new ciphertexts are sealed with. */
  readonly activeKeyId: string;
  /** Ids of every key in the ring. */
  readonly keyIds: readonly string[];
  /**
   * Encrypts a JSON-able value (its `JSON.stringify` form) for one integration, with a fresh random IV.
   * @throws InvalidArgumentError when the value is not JSON-able or `integrationId` is not a non-empty string.
   */
  seal(value: unknown, binding: VaultBinding): SealedSecret;
  /**
   * Decrypts a sealed secret of one integration and returns the value as `JSON.parse` gives it back.
   * @throws CredentialError (context `{ integrationId, keyId, reason }`) when the envelope is malformed, its key
   * is not in the ring, or it was altered or belongs to another integration.
   */
  open(sealed: unknown, binding: VaultBinding): unknown;
  /**
   * True when the secret was sealed with a key other than the active one.
   * @throws CredentialError (reason `malformed`) when `sealed` is not a sealed secret.
   */
  needsRotation(sealed: unknown): boolean;
  /**
   * Opens the secret and seals it again with the active key. A secret already on the active key is
   * verified and returned unchanged (same kid, iv, ct, tag), so a caller can skip writing it back.
   * @throws CredentialError as `open` does.
   */
  rotate(sealed: unknown, binding: VaultBinding): SealedSecret;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function decodeKey(key: unknown, label: string): Buffer {
  if (key instanceof Uint8Array) {
    if (key.byteLength !== keyLength) {
      throw new InvalidArgumentError(
        `Expected \`${label}\` to be ${keyLength} bytes, got ${key.byteLength} bytes (${key.constructor.name})`,
      );
    }
    return Buffer.from(key);
  }
  if (typeof key === 'string') {
    const text = key.trim();
    const isBase64 = base64Pattern.test(text) || base64UrlPattern.test(text);
    if (!isBase64 || text.length === 0) {
      throw new InvalidArgumentError(
        `Expected \`${label}\` to be a base64 string of ${keyLength} bytes, got a string of ${key.length} characters that is not base64`,
      );
    }
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.byteLength !== keyLength) {
      throw new InvalidArgumentError(
        `Expected \`${label}\` to be a base64 string of ${keyLength} bytes, got a base64 string of ${bytes.byteLength} bytes`,
      );
    }
    return bytes;
  }
  throw new InvalidArgumentError(
    `Expected \`${label}\` to be ${keyLength} bytes (a Buffer, a Uint8Array or a base64 string), got ${describe(key)}`,
  );
}

function checkIntegrationId(binding: unknown): string {
  const integrationId = (binding as Partial<VaultBinding> | null | undefined)?.integrationId;
  if (typeof integrationId !== 'string' || integrationId.length === 0) {
    throw new InvalidArgumentError(
      `Expected \`integrationId\` to be a non-empty string, got \`${String(integrationId)}\` (${describe(integrationId)})`,
    );
  }
  return integrationId;
}

function associatedData(keyId: string, integrationId: string): Buffer {
  // A JSON array is unambiguous whatever characters the ids hold.
  return Buffer.from(JSON.stringify([aadPurpose, 1, 'A256GCM', keyId, integrationId]), 'utf8');
}

function serialise(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError('Expected the value to seal to be JSON-able, but JSON.stringify failed', {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`Expected the value to seal to be JSON-able, got ${describe(value)}`);
  }
  return text;
}

/**
 * Creates a vault over a key ring the host supplies. Every key is checked up front: a key of the wrong
 * length or encoding is rejected with a message that says which key and what is wrong (never its value).
 * @throws InvalidArgumentError when the options are not acceptable.
 */
export function createVault(options: VaultOptions): Vault {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new InvalidArgumentError(
      `Expected \`keys\` to be a non-empty array of { id, key }, got ${Array.isArray(options.keys) ? 'an empty array' : describe(options.keys)}`,
    );
  }
  const ring = new Map<string, Buffer>();
  options.keys.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new InvalidArgumentError(
        `Expected \`keys[${index}]\` to be an object { id, key }, got ${describe(entry)}`,
      );
    }
    const { id, key } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !keyIdPattern.test(id)) {
      throw new InvalidArgumentError(
        `Expected \`keys[${index}].id\` to be 1 to 128 letters, digits or . _ : -, got \`${String(id)}\` (${describe(id)})`,
      );
    }
    if (ring.has(id)) {
      throw new InvalidArgumentError(
        `Expected key ids to be unique, got \`${id}\` twice (at \`keys[${index}]\`)`,
      );
    }
    ring.set(id, decodeKey(key, `keys[${index}].key`));
  });
  const keyIds = Object.freeze([...ring.keys()]);
  let activeKeyId: string;
  if (options.activeKeyId === undefined) {
    if (keyIds.length > 1) {
      throw new InvalidArgumentError(
        `Expected \`activeKeyId\` when more than one key is given, got undefined (keys: ${keyIds.join(', ')})`,
      );
    }
    activeKeyId = keyIds[0] as string;
  } else if (typeof options.activeKeyId === 'string' && ring.has(options.activeKeyId)) {
    activeKeyId = options.activeKeyId;
  } else {
    throw new InvalidArgumentError(
      `Expected \`activeKeyId\` to be the id of one of the keys (${keyIds.join(', ')}), got \`${String(options.activeKeyId)}\` (${describe(options.activeKeyId)})`,
    );
  }

  function fail(
    message: string,
    context: { integrationId?: string; keyId?: string; reason: VaultFailureReason },
    cause?: unknown,
  ): never {
    throw new CredentialError(message, { context, cause });
  }

  function parseSealed(sealed: unknown, integrationId: string | undefined): SealedSecret {
    const parsed = SealedSecretSchema.safeParse(sealed);
    if (!parsed.success) {
      const keyId = (sealed as { kid?: unknown } | null | undefined)?.kid;
      fail(
        `Could not open the sealed secret${integrationId === undefined ? '' : ` of integration \`${integrationId}\``}: it is not a sealed secret envelope`,
        {
          ...(integrationId === undefined ? {} : { integrationId }),
          ...(typeof keyId === 'string' && keyIdPattern.test(keyId) ? { keyId } : {}),
          reason: 'malformed',
        },
        // The issues name paths and expectations only; zod does not copy input values into them.
        parsed.error,
      );
    }
    return parsed.data;
  }

  function sealWith(value: unknown, integrationId: string): SealedSecret {
    const key = ring.get(activeKeyId) as Buffer;
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagLength });
    cipher.setAAD(associatedData(activeKeyId, integrationId));
    const ciphertext = Buffer.concat([cipher.update(serialise(value), 'utf8'), cipher.final()]);
    return {
      v: 1,
      alg: 'A256GCM',
      kid: activeKeyId,
      iv: iv.toString('base64url'),
      ct: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
  }

  function openWith(sealed: SealedSecret, integrationId: string): unknown {
    const keyId = sealed.kid;
    const key = ring.get(keyId);
    if (key === undefined) {
      fail(
        `Could not open the sealed secret of integration \`${integrationId}\`: key \`${keyId}\` is not in the vault's key ring`,
        { integrationId, keyId, reason: 'unknown_key' },
      );
    }
    const iv = Buffer.from(sealed.iv, 'base64url');
    const tag = Buffer.from(sealed.tag, 'base64url');
    if (iv.byteLength !== ivLength || tag.byteLength !== tagLength) {
      fail(
        `Could not open the sealed secret of integration \`${integrationId}\`: expected a ${ivLength}-byte iv and a ${tagLength}-byte tag, got ${iv.byteLength} and ${tag.byteLength} bytes`,
        { integrationId, keyId, reason: 'malformed' },
      );
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: tagLength });
      decipher.setAAD(associatedData(keyId, integrationId));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([
        decipher.update(Buffer.from(sealed.ct, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      fail(
        `Could not open the sealed secret of integration \`${integrationId}\` with key \`${keyId}\`: it was altered, or it belongs to another integration`,
        { integrationId, keyId, reason: 'authentication_failed' },
        error,
      );
    }
    try {
      return JSON.parse(plaintext);
    } catch {
      // No cause: a JSON.parse error quotes the text it failed on, which is the plaintext.
      return fail(
        `Could not open the sealed secret of integration \`${integrationId}\` with key \`${keyId}\`: its plaintext is not JSON`,
        { integrationId, keyId, reason: 'malformed' },
      );
    }
  }

  const vault: Vault = {
    activeKeyId,
    keyIds,
    seal(value, binding) {
      return sealWith(value, checkIntegrationId(binding));
    },
    open(sealed, binding) {
      const integrationId = checkIntegrationId(binding);
      return openWith(parseSealed(sealed, integrationId), integrationId);
    },
    needsRotation(sealed) {
      return parseSealed(sealed, undefined).kid !== activeKeyId;
    },
    rotate(sealed, binding) {
      const integrationId = checkIntegrationId(binding);
      const envelope = parseSealed(sealed, integrationId);
      const value = openWith(envelope, integrationId);
      return envelope.kid === activeKeyId ? envelope : sealWith(value, integrationId);
    },
  };
  const summary = (): string =>
    `Vault { activeKeyId: '${activeKeyId}', keyIds: [${keyIds.map((id) => `'${id}'`).join(', ')}] }`;
  Object.defineProperties(vault, {
    toJSON: { value: () => ({ activeKeyId, keyIds: [...keyIds] }), enumerable: false },
    toString: { value: summary, enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: summary, enumerable: false },
  });
  return Object.freeze(vault);
}

/** True when `value` is a sealed secret envelope (it says nothing about whether it opens). */
export function isSealedSecret(value: unknown): value is SealedSecret {
  return SealedSecretSchema.safeParse(value).success;
}

/** Generates a new random 32-byte vault key, as base64 (store it in the host's secret manager). */
export function generateVaultKey(): string {
  return randomBytes(keyLength).toString('base64');
}
