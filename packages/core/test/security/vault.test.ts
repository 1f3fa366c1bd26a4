import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CredentialError, CrmError, InvalidArgumentError } from '../../src/errors/index.js';
import {
  createVault,
  generateVaultKey,
  isSealedSecret,
  type SealedSecret,
  SealedSecretSchema,
} from '../../src/security/vault.js';

const oldKey = randomBytes(32);
const newKey = generateVaultKey();
const binding = { integrationId: 'integration-1' };
const credentials = { api_key: 'tave-live-8c1f0e2d9b7a', subdomain: 'emma-photo', scopes: ['read', 'write'] };

function flipByte(encoded: string, index = 0): string {
  const bytes = Buffer.from(encoded, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the action to throw');
}

function expectCredentialError(action: () => unknown, reason: string, keyId?: string): CredentialError {
  const error = captureError(action);
  expect(error).toBeInstanceOf(CredentialError);
  const credentialError = error as CredentialError;
  expect(credentialError.code).toBe('credential_invalid');
  expect(credentialError.context.reason).toBe(reason);
  if (keyId !== undefined) expect(credentialError.context.keyId).toBe(keyId);
  return credentialError;
}

describe('createVault: seal and open', () => {
  const vault = createVault({ keys: [{ id: 'k1', key: oldKey }] });

  it('round-trips strings, objects, unicode and other JSON values', () => {
    for (const value of [
      'tave-live-8c1f0e2d9b7a',
      credentials,
      { name: 'Zoë Ødegård 💍 婚礼', nested: { list: [1, 2.5, null, true] } },
      '',
      0,
      false,
      null,
      [],
    ]) {
      const sealed = vault.seal(value, binding);
      expect(vault.open(sealed, binding)).toEqual(value);
    }
  });

  it('seals into a JSON-able envelope without the plaintext', () => {
    const sealed = vault.seal(credentials, binding);
    expect(Object.keys(sealed).sort()).toEqual(['alg', 'ct', 'iv', 'kid', 'tag', 'v']);
    expect(sealed).toMatchObject({ v: 1, alg: 'A256GCM', kid: 'k1' });
    expect(Buffer.from(sealed.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64url')).toHaveLength(16);
    const stored = JSON.stringify(sealed);
    expect(stored).not.toContain('tave-live');
    expect(stored).not.toContain('emma-photo');
    expect(vault.open(JSON.parse(stored), binding)).toEqual(credentials);
    expect(SealedSecretSchema.parse(sealed)).toEqual(sealed);
  });

  it('uses a fresh random IV, so two seals of one value differ', () => {
    const first = vault.seal(credentials, binding);
    const second = vault.seal(credentials, binding);
    expect(first.iv).not.toBe(second.iv);
    expect(first.ct).not.toBe(second.ct);
    expect(vault.open(first, binding)).toEqual(vault.open(second, binding));
  });

  it.each([
    ['ct', 'ct'],
    ['tag', 'tag'],
    ['iv', 'iv'],
  ] as const)('fails with CredentialError when one byte of %s is flipped', (_label, part) => {
    const sealed = vault.seal(credentials, binding);
    const tampered: SealedSecret = { ...sealed, [part]: flipByte(sealed[part], 3) };
    const error = expectCredentialError(() => vault.open(tampered, binding), 'authentication_failed', 'k1');
    expect(error.context.integrationId).toBe('integration-1');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toBe(
      'Could not open the sealed secret of integration `integration-1` with key `k1`: it was altered, or it belongs to another integration',
    );
  });

  it('fails when a ciphertext is moved to another integration', () => {
    const sealed = vault.seal(credentials, binding);
    const error = expectCredentialError(
      () => vault.open(sealed, { integrationId: 'integration-2' }),
      'authentication_failed',
    );
    expect(error.context).toEqual({
      integrationId: 'integration-2',
      keyId: 'k1',
      reason: 'authentication_failed',
    });
  });

  it('fails when the key id of an envelope is swapped for another key in the ring', () => {
    const ring = createVault({
      keys: [
        { id: 'k1', key: oldKey },
        { id: 'k2', key: oldKey },
      ],
      activeKeyId: 'k1',
    });
    // Same key bytes under another id: the key id is bound into the associated data, so it still fails.
    const sealed = ring.seal(credentials, binding);
    expectCredentialError(() => ring.open({ ...sealed, kid: 'k2' }, binding), 'authentication_failed', 'k2');
  });

  it('fails with reason unknown_key when the key is not in the ring', () => {
    const sealed = vault.seal(credentials, binding);
    const other = createVault({ keys: [{ id: 'k9', key: newKey }] });
    const error = expectCredentialError(() => other.open(sealed, binding), 'unknown_key', 'k1');
    expect(error.message).toBe(
      "Could not open the sealed secret of integration `integration-1`: key `k1` is not in the vault's key ring",
    );
  });

  it('fails with the wrong key under the same id', () => {
    const sealed = vault.seal(credentials, binding);
    const impostor = createVault({ keys: [{ id: 'k1', key: newKey }] });
    expectCredentialError(() => impostor.open(sealed, binding), 'authentication_failed', 'k1');
  });

  it('fails with reason malformed on things that are not envelopes', () => {
    const sealed = vault.seal(credentials, binding);
    for (const value of [
      null,
      'a string',
      credentials,
      { ...sealed, v: 2 },
      { ...sealed, alg: 'A128GCM' },
      { ...sealed, ct: 'not base64url!' },
      { ...sealed, extra: 'field' },
      { ...sealed, kid: '' },
    ]) {
      const error = expectCredentialError(() => vault.open(value, binding), 'malformed');
      expect(error.cause).toBeDefined();
      expect(error.message).toBe(
        'Could not open the sealed secret of integration `integration-1`: it is not a sealed secret envelope',
      );
      expect(JSON.stringify(error.cause)).not.toContain('tave-live');
    }
    const withKeyId = expectCredentialError(
      () => vault.open({ ...sealed, v: 2 }, binding),
      'malformed',
      'k1',
    );
    expect(withKeyId.context.integrationId).toBe('integration-1');
  });

  it('fails with reason malformed when the iv or tag has the wrong length (no truncated tags)', () => {
    const sealed = vault.seal(credentials, binding);
    const shortTag = Buffer.from(sealed.tag, 'base64url').subarray(0, 12).toString('base64url');
    const error = expectCredentialError(
      () => vault.open({ ...sealed, tag: shortTag }, binding),
      'malformed',
      'k1',
    );
    expect(error.message).toContain('expected a 12-byte iv and a 16-byte tag, got 12 and 12 bytes');
    const longIv = randomBytes(16).toString('base64url');
    expectCredentialError(() => vault.open({ ...sealed, iv: longIv }, binding), 'malformed', 'k1');
  });

  it('refuses an authentic plaintext that is not JSON, without quoting it', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', oldKey, iv, { authTagLength: 16 });
    cipher.setAAD(
      Buffer.from(JSON.stringify(['wedsync/crm-core/vault', 1, 'A256GCM', 'k1', 'integration-1'])),
    );
    const ct = Buffer.concat([cipher.update('hunter2-not-json', 'utf8'), cipher.final()]);
    const forged = {
      v: 1,
      alg: 'A256GCM',
      kid: 'k1',
      iv: iv.toString('base64url'),
      ct: ct.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
    const error = expectCredentialError(() => vault.open(forged, binding), 'malformed', 'k1');
    expect(error.cause).toBeUndefined();
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects values that are not JSON-able and bad integration ids', () => {
    expect(() => vault.seal(undefined, binding)).toThrow(
      new InvalidArgumentError('Expected the value to seal to be JSON-able, got undefined'),
    );
    expect(() => vault.seal(() => 1, binding)).toThrow(
      'Expected the value to seal to be JSON-able, got function',
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = captureError(() => vault.seal(cyclic, binding));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(() => vault.seal({ big: 1n }, binding)).toThrow(InvalidArgumentError);
    expect(() => vault.seal('x', { integrationId: '' })).toThrow(
      'Expected `integrationId` to be a non-empty string, got `` (string)',
    );
    expect(() => vault.open({}, undefined as never)).toThrow(
      'Expected `integrationId` to be a non-empty string, got `undefined` (undefined)',
    );
    expect(() => vault.seal('x', { integrationId: ['a'] } as never)).toThrow(
      'Expected `integrationId` to be a non-empty string, got `a` (array)',
    );
    expect(() => vault.rotate({}, { integrationId: 7 } as never)).toThrow(
      'Expected `integrationId` to be a non-empty string, got `7` (number)',
    );
  });
});

describe('createVault: rotation', () => {
  it('re-seals a secret of an old key with the active key', () => {
    const before = createVault({ keys: [{ id: 'old', key: oldKey }] });
    const sealedWithOld = before.seal(credentials, binding);
    expect(before.needsRotation(sealedWithOld)).toBe(false);

    const during = createVault({
      keys: [
        { id: 'old', key: oldKey },
        { id: 'new', key: newKey },
      ],
      activeKeyId: 'new',
    });
    expect(during.activeKeyId).toBe('new');
    expect(during.keyIds).toEqual(['old', 'new']);
    expect(during.needsRotation(sealedWithOld)).toBe(true);
    expect(during.open(sealedWithOld, binding)).toEqual(credentials);

    const rotated = during.rotate(sealedWithOld, binding);
    expect(rotated.kid).toBe('new');
    expect(during.needsRotation(rotated)).toBe(false);
    expect(during.open(rotated, binding)).toEqual(credentials);
    // Already on the active key: verified and returned unchanged.
    expect(during.rotate(rotated, binding)).toEqual(rotated);

    const after = createVault({ keys: [{ id: 'new', key: newKey }] });
    expect(after.open(rotated, binding)).toEqual(credentials);
    expectCredentialError(() => after.open(sealedWithOld, binding), 'unknown_key', 'old');
  });

  it('rotate refuses a secret that does not open', () => {
    const vault = createVault({
      keys: [
        { id: 'old', key: oldKey },
        { id: 'new', key: newKey },
      ],
      activeKeyId: 'new',
    });
    const sealed = vault.seal(credentials, binding);
    expectCredentialError(
      () => vault.rotate(sealed, { integrationId: 'integration-2' }),
      'authentication_failed',
    );
    expectCredentialError(
      () => vault.rotate({ ...sealed, tag: flipByte(sealed.tag) }, binding),
      'authentication_failed',
    );
  });

  it('needsRotation rejects things that are not envelopes', () => {
    const vault = createVault({ keys: [{ id: 'k1', key: oldKey }] });
    const error = expectCredentialError(() => vault.needsRotation({ kid: 'k1' }), 'malformed', 'k1');
    expect(error.context.integrationId).toBeUndefined();
    expect(error.message).toBe('Could not open the sealed secret: it is not a sealed secret envelope');
  });
});

describe('createVault: options', () => {
  it.each([
    [
      'a 16-byte Buffer',
      { keys: [{ id: 'k1', key: randomBytes(16) }] },
      'Expected `keys[0].key` to be 32 bytes, got 16 bytes (Buffer)',
    ],
    [
      'a 33-byte Uint8Array',
      { keys: [{ id: 'k1', key: new Uint8Array(33) }] },
      'Expected `keys[0].key` to be 32 bytes, got 33 bytes (Uint8Array)',
    ],
    [
      'a base64 string of 24 bytes',
      {
        keys: [
          { id: 'k1', key: oldKey },
          { id: 'k2', key: randomBytes(24).toString('base64') },
        ],
        activeKeyId: 'k1',
      },
      'Expected `keys[1].key` to be a base64 string of 32 bytes, got a base64 string of 24 bytes',
    ],
    [
      'a string that is not base64',
      { keys: [{ id: 'k1', key: 'correct horse battery staple!' }] },
      'Expected `keys[0].key` to be a base64 string of 32 bytes, got a string of 29 characters that is not base64',
    ],
    [
      'an empty string',
      { keys: [{ id: 'k1', key: '' }] },
      'Expected `keys[0].key` to be a base64 string of 32 bytes, got a string of 0 characters that is not base64',
    ],
    [
      'a number',
      { keys: [{ id: 'k1', key: 42 }] },
      'Expected `keys[0].key` to be 32 bytes (a Buffer, a Uint8Array or a base64 string), got number',
    ],
    ['no keys', { keys: [] }, 'Expected `keys` to be a non-empty array of { id, key }, got an empty array'],
    [
      'keys not an array',
      { keys: 'k1' },
      'Expected `keys` to be a non-empty array of { id, key }, got string',
    ],
    [
      'a key that is not an object',
      { keys: [null] },
      'Expected `keys[0]` to be an object { id, key }, got null',
    ],
    [
      'a bad key id',
      { keys: [{ id: 'has space', key: oldKey }] },
      'Expected `keys[0].id` to be 1 to 128 letters, digits or . _ : -, got `has space` (string)',
    ],
    [
      'a duplicate key id',
      {
        keys: [
          { id: 'k1', key: oldKey },
          { id: 'k1', key: newKey },
        ],
        activeKeyId: 'k1',
      },
      'Expected key ids to be unique, got `k1` twice (at `keys[1]`)',
    ],
    [
      'two keys and no active key id',
      {
        keys: [
          { id: 'k1', key: oldKey },
          { id: 'k2', key: newKey },
        ],
      },
      'Expected `activeKeyId` when more than one key is given, got undefined (keys: k1, k2)',
    ],
    [
      'an active key id not in the ring',
      { keys: [{ id: 'k1', key: oldKey }], activeKeyId: 'k2' },
      'Expected `activeKeyId` to be the id of one of the keys (k1), got `k2` (string)',
    ],
  ])('rejects %s with an exact message', (_label, options, message) => {
    const error = captureError(() => createVault(options as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });

  it('rejects options that are not an object', () => {
    expect(() => createVault(null as never)).toThrow('Expected `options` to be an object, got null');
  });

  it('accepts base64, base64url and Uint8Array keys', () => {
    const bytes = randomBytes(32);
    const fromBase64 = createVault({ keys: [{ id: 'k', key: bytes.toString('base64') }] });
    const fromBase64Url = createVault({ keys: [{ id: 'k', key: bytes.toString('base64url') }] });
    const fromUint8Array = createVault({ keys: [{ id: 'k', key: new Uint8Array(bytes) }] });
    const sealed = fromBase64.seal('secret', binding);
    expect(fromBase64Url.open(sealed, binding)).toBe('secret');
    expect(fromUint8Array.open(sealed, binding)).toBe('secret');
  });

  it('copies the key, so later changes to the host buffer do not affect it', () => {
    const bytes = randomBytes(32);
    const vault = createVault({ keys: [{ id: 'k', key: bytes }] });
    const sealed = vault.seal('secret', binding);
    bytes.fill(0);
    expect(vault.open(sealed, binding)).toBe('secret');
  });

  it('generates distinct 32-byte base64 keys', () => {
    const first = generateVaultKey();
    expect(Buffer.from(first, 'base64')).toHaveLength(32);
    expect(first).not.toBe(generateVaultKey());
  });
});

describe('createVault: keys never leak', () => {
  const keyBytes = randomBytes(32);
  const keyText = keyBytes.toString('base64');
  const vault = createVault({
    keys: [
      { id: 'old', key: keyText },
      { id: 'new', key: newKey },
    ],
    activeKeyId: 'new',
  });
  const forbidden = [keyText, keyBytes.toString('hex'), keyBytes.toString('base64url'), newKey];

  it('shows only key ids in JSON.stringify, toString, String and util.inspect', () => {
    const renderings = [
      JSON.stringify(vault),
      vault.toString(),
      String(vault),
      `${vault}`,
      inspect(vault, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect({ nested: { vault } }, { depth: Number.POSITIVE_INFINITY }),
    ];
    for (const text of renderings) {
      for (const secret of forbidden) expect(text).not.toContain(secret);
    }
    expect(JSON.parse(JSON.stringify(vault))).toEqual({ activeKeyId: 'new', keyIds: ['old', 'new'] });
    expect(inspect(vault)).toBe("Vault { activeKeyId: 'new', keyIds: ['old', 'new'] }");
    expect(Object.keys(vault).sort()).toEqual([
      'activeKeyId',
      'keyIds',
      'needsRotation',
      'open',
      'rotate',
      'seal',
    ]);
  });

  it('keeps keys and plaintext out of every error', () => {
    const sealed = vault.seal(credentials, binding);
    const failures = [
      captureError(() => vault.open({ ...sealed, ct: flipByte(sealed.ct) }, binding)),
      captureError(() => vault.open(sealed, { integrationId: 'other' })),
      captureError(() => vault.open({ ...sealed, kid: 'gone' }, binding)),
      captureError(() => vault.open({ ...sealed, v: 9 }, binding)),
      captureError(() => createVault({ keys: [{ id: 'k', key: keyBytes.subarray(0, 31) }] })),
      captureError(() => createVault({ keys: [{ id: 'k', key: `${keyText}AAAA` }] })),
    ];
    for (const error of failures) {
      expect(CrmError.isInstance(error)).toBe(true);
      const text = [
        inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
        JSON.stringify(error),
        JSON.stringify((error as CrmError).context),
        String(error),
      ].join('\n');
      for (const secret of [...forbidden, 'tave-live-8c1f0e2d9b7a', 'emma-photo']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(vault)).toBe(true);
    expect(Object.isFrozen(vault.keyIds)).toBe(true);
  });
});

describe('isSealedSecret', () => {
  it('recognises envelopes and nothing else', () => {
    const vault = createVault({ keys: [{ id: 'k1', key: oldKey }] });
    const sealed = vault.seal('x', binding);
    expect(isSealedSecret(sealed)).toBe(true);
    expect(isSealedSecret(JSON.parse(JSON.stringify(sealed)))).toBe(true);
    expect(isSealedSecret({ api_key: 'x' })).toBe(false);
    expect(isSealedSecret({ ...sealed, v: 2 })).toBe(false);
    expect(isSealedSecret('sealed')).toBe(false);
    expect(isSealedSecret(null)).toBe(false);
  });
});
