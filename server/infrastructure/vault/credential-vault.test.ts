import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PropsyncError, type ErrorCode } from '../../core/errors.ts';
import {
  CredentialVault,
  isEncryptedEnvelope,
  type CredentialBinding,
  type EncryptedEnvelope,
} from './credential-vault.ts';
import { parseKeyring } from './keyring.ts';
import { thrownBy } from '../../test-support/thrown.ts';

const keyA = `key-a:${randomBytes(32).toString('base64')}`;
const keyB = `key-b:${randomBytes(32).toString('base64')}`;
const vault = new CredentialVault(parseKeyring(keyA));

const secret = 'reapit-client-secret-7f3c9a1e';
const credentials = {
  clientId: 'agency-42',
  clientSecret: secret,
  scopes: ['contacts.read'],
  expiresIn: 3600,
};
const binding: CredentialBinding = { organisationId: randomUUID(), connectionId: randomUUID() };

/** Runs `action` and returns the PropsyncError it throws, failing the test on anything else. */
const vaultError = (action: () => unknown) => thrownBy(PropsyncError, action);

function expectRefused(action: () => unknown, code: ErrorCode): PropsyncError {
  const error = vaultError(action);
  expect(error.code).toBe(code);
  expect(error.message).not.toContain(secret);
  expect(error.cause).toBeUndefined();
  return error;
}

/** Flips one bit of a base64 field, keeping it valid base64 of the same length. */
function flipBit(field: string): string {
  const bytes = Buffer.from(field, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

describe('CredentialVault', () => {
  it('round-trips a JSON value for the same binding', () => {
    const envelope = vault.encrypt(credentials, binding);
    expect(vault.decrypt(envelope, binding)).toEqual(credentials);
    expect(vault.decrypt(vault.encrypt('plain string', binding), binding)).toBe('plain string');
  });

  it('writes a versioned envelope under the active key, with a 96-bit IV and 128-bit tag', () => {
    const envelope = vault.encrypt(credentials, binding);
    expect(Object.keys(envelope).sort()).toEqual(['ct', 'iv', 'kid', 'tag', 'v']);
    expect(envelope).toMatchObject({ v: 1, kid: 'key-a' });
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    expect(isEncryptedEnvelope(envelope)).toBe(true);
    expect(vault.activeKeyId).toBe('key-a');
  });

  it('uses a fresh IV every time, so the same plaintext never gives the same ciphertext', () => {
    const envelopes = Array.from({ length: 50 }, () => vault.encrypt(credentials, binding));
    expect(new Set(envelopes.map((envelope) => envelope.iv)).size).toBe(50);
    expect(new Set(envelopes.map((envelope) => envelope.ct)).size).toBe(50);
  });

  it('keeps the secret out of the stored JSON, in any common encoding', () => {
    const stored = JSON.stringify(vault.encrypt(credentials, binding));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain('clientSecret');
    expect(stored).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16));
    expect(stored).not.toContain(Buffer.from(secret).toString('hex').slice(0, 16));
  });

  it('refuses values that are not JSON-serialisable without quoting them', () => {
    const cyclic: Record<string, unknown> = { clientSecret: secret };
    cyclic.self = cyclic;
    expect(() => vault.encrypt(cyclic, binding)).toThrow(TypeError);
    expect(() => vault.encrypt(undefined, binding)).toThrow(/JSON-serialisable/);
    expect(() => vault.encrypt({ secret: 10n }, binding)).toThrow(/JSON-serialisable/);
  });

  describe('detects tampering', () => {
    const envelope = vault.encrypt(credentials, binding);

    it.each(['ct', 'iv', 'tag'] as const)('of %s', (field) => {
      const tampered = { ...envelope, [field]: flipBit(envelope[field]) };
      expectRefused(() => vault.decrypt(tampered, binding), 'VAULT.DECRYPT_FAILED');
    });

    it('of a truncated ciphertext or tag', () => {
      const shorterCt = {
        ...envelope,
        ct: Buffer.from(envelope.ct, 'base64').subarray(1).toString('base64'),
      };
      expectRefused(() => vault.decrypt(shorterCt, binding), 'VAULT.DECRYPT_FAILED');
      const shorterTag = {
        ...envelope,
        tag: Buffer.from(envelope.tag, 'base64').subarray(4).toString('base64'),
      };
      expectRefused(() => vault.decrypt(shorterTag, binding), 'VAULT.DECRYPT_FAILED');
    });

    it('of the key id: pointed at another known key, or at an unknown one', () => {
      const bothKeys = new CredentialVault(parseKeyring(`${keyA},${keyB}`));
      expect(bothKeys.decrypt(envelope, binding)).toEqual(credentials);
      expectRefused(() => bothKeys.decrypt({ ...envelope, kid: 'key-b' }, binding), 'VAULT.DECRYPT_FAILED');
      const unknown = expectRefused(
        () => bothKeys.decrypt({ ...envelope, kid: 'key-z' }, binding),
        'VAULT.UNKNOWN_KEY',
      );
      expect(unknown.message).toMatch(/key "key-z", which is not in the keyring \(known: key-a, key-b\)/);
    });

    it('of the version or shape, before any decryption', () => {
      for (const bad of [
        { ...envelope, v: 2 },
        { ...envelope, extra: 'field' },
        { kid: envelope.kid, iv: envelope.iv, ct: envelope.ct },
        { ...envelope, ct: 'not base64!' },
        null,
        'a string',
        { clientSecret: secret },
      ]) {
        expectRefused(() => vault.decrypt(bad, binding), 'VAULT.DECRYPT_FAILED');
        expect(isEncryptedEnvelope(bad)).toBe(false);
      }
    });
  });

  describe('binds each ciphertext to its connection and organisation', () => {
    const envelope = vault.encrypt(credentials, binding);

    it('fails when moved to another connection of the same organisation', () => {
      const error = expectRefused(
        () => vault.decrypt(envelope, { ...binding, connectionId: randomUUID() }),
        'VAULT.DECRYPT_FAILED',
      );
      expect(error.message).toMatch(/different connection or organisation/);
      expect(error.message).toMatch(/Reconnect the CRM/);
    });

    it('fails when moved to another organisation with the same connection id', () => {
      expectRefused(
        () => vault.decrypt(envelope, { ...binding, organisationId: randomUUID() }),
        'VAULT.DECRYPT_FAILED',
      );
    });

    it('cannot be fooled by swapping organisation and connection ids', () => {
      const swapped = { organisationId: binding.connectionId, connectionId: binding.organisationId };
      expectRefused(() => vault.decrypt(envelope, swapped), 'VAULT.DECRYPT_FAILED');
    });

    it('treats uuids case-insensitively, as PostgreSQL does', () => {
      const upper = {
        organisationId: binding.organisationId.toUpperCase(),
        connectionId: binding.connectionId.toUpperCase(),
      };
      expect(vault.decrypt(envelope, upper)).toEqual(credentials);
    });

    it('requires both ids', () => {
      expect(() => vault.encrypt(credentials, { ...binding, connectionId: '' })).toThrow(/connectionId/);
    });
  });

  describe('key rotation', () => {
    it('flags envelopes made under an older key', () => {
      const old = vault.encrypt(credentials, binding);
      const rotated = new CredentialVault(parseKeyring(`${keyB},${keyA}`));
      expect(rotated.activeKeyId).toBe('key-b');
      expect(rotated.needsRotation(old)).toBe(true);
      expect(rotated.decrypt(old, binding)).toEqual(credentials);
      const fresh = rotated.encrypt(credentials, binding);
      expect(fresh.kid).toBe('key-b');
      expect(rotated.needsRotation(fresh)).toBe(false);
      expectRefused(() => vault.decrypt(fresh, binding), 'VAULT.UNKNOWN_KEY');
    });

    it('refuses to judge something that is not an envelope', () => {
      expectRefused(() => vault.needsRotation({ clientSecret: secret }), 'VAULT.DECRYPT_FAILED');
    });
  });

  it('never puts key material in errors', () => {
    const material = [keyA.split(':')[1]!, keyB.split(':')[1]!];
    const bothKeys = new CredentialVault(parseKeyring(`${keyA},${keyB}`));
    const envelope: EncryptedEnvelope = bothKeys.encrypt(credentials, binding);
    const errors = [
      vaultError(() => bothKeys.decrypt({ ...envelope, ct: flipBit(envelope.ct) }, binding)),
      vaultError(() => bothKeys.decrypt({ ...envelope, kid: 'key-z' }, binding)),
    ];
    for (const error of errors) {
      for (const key of material) expect(`${error.message} ${error.stack}`).not.toContain(key);
    }
  });
});
