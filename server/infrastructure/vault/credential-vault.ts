import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../config.ts';
import { PropsyncError } from '../../core/errors.ts';
import type { Logger } from '../logger.ts';
import { loadKeyring, type Keyring } from './keyring.ts';

/**
 * How credentials are stored (e.g. `crm_connections.credentials`): AES-256-GCM ciphertext with the
 * id of the key that made it. `iv`, `ct` and `tag` are base64.
 */
export type EncryptedEnvelope = { v: 1; kid: string; iv: string; ct: string; tag: string };

/** What a ciphertext belongs to. It is authenticated with the ciphertext, so it must match to decrypt. */
export type CredentialBinding = { organisationId: string; connectionId: string };

const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** Shape check for envelopes read from storage; anything else is refused before any crypto runs. */
export const EncryptedEnvelopeSchema = z
  .object({
    v: z.literal(1),
    kid: z.string().min(1).max(64),
    iv: base64,
    ct: base64,
    tag: base64,
  })
  .strict();

/** True when a value has the envelope shape (says nothing about whether it decrypts). */
export function isEncryptedEnvelope(value: unknown): value is EncryptedEnvelope {
  return EncryptedEnvelopeSchema.safeParse(value).success;
}

/**
 * Encrypts and decrypts CRM credentials. Each value gets a fresh random IV; the organisation and
 * connection (plus format version and key id) are additional authenticated data, so an envelope
 * copied to another connection or organisation fails to decrypt instead of leaking credentials
 * across tenants.
 */
export class CredentialVault {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** The key id new envelopes are written under. */
  get activeKeyId(): string {
    return this.#keyring.activeKeyId;
  }

  /** Encrypts a JSON-serialisable value for one connection under the active key. */
  encrypt(value: unknown, binding: CredentialBinding): EncryptedEnvelope {
    const plaintext = serialise(value);
    const kid = this.#keyring.activeKeyId;
    const key = this.#keyring.key(kid);
    // The constructor guarantees the active key exists; this keeps the type checker honest.
    if (key === undefined) throw new Error('The active key is missing from the keyring.');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(kid, binding));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    plaintext.fill(0);
    return {
      v: 1,
      kid,
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /**
   * Decrypts an envelope for the connection it was made for. Takes `unknown` because envelopes come
   * back from storage; the shape is checked first.
   * @throws PropsyncError `VAULT.UNKNOWN_KEY` when the envelope's key is not in the keyring,
   *   `VAULT.DECRYPT_FAILED` when it is malformed, altered, or bound to another connection.
   */
  decrypt<T>(envelope: unknown, binding: CredentialBinding): T {
    const parsed = parseEnvelope(envelope, binding);
    const key = this.#keyring.key(parsed.kid);
    if (key === undefined) {
      throw new PropsyncError(
        'VAULT.UNKNOWN_KEY',
        `Credentials for connection ${binding.connectionId} were encrypted with key "${parsed.kid}", which is not ` +
          `in the keyring (known: ${this.#keyring.keyIds.join(', ')}). Add that key back to PROPSYNC_ENCRYPTION_KEYS ` +
          'after the active key, or reconnect the CRM to store fresh credentials.',
      );
    }
    const iv = Buffer.from(parsed.iv, 'base64');
    const tag = Buffer.from(parsed.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw decryptFailed(binding, 'is malformed');
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(parsed.kid, binding));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(Buffer.from(parsed.ct, 'base64')), decipher.final()]);
    } catch {
      // The crypto error carries nothing useful and must not be chained; the message says what to do.
      throw decryptFailed(
        binding,
        'failed authentication: it was altered, or belongs to a different connection or organisation',
      );
    }
    try {
      return JSON.parse(plaintext.toString('utf8')) as T;
    } catch {
      throw decryptFailed(binding, 'did not contain JSON');
    } finally {
      plaintext.fill(0);
    }
  }

  /** True when the envelope was written under a key other than the active one. */
  needsRotation(envelope: unknown): boolean {
    const result = EncryptedEnvelopeSchema.safeParse(envelope);
    if (!result.success) {
      throw new PropsyncError(
        'VAULT.DECRYPT_FAILED',
        'Stored credentials are not a vault envelope, so cannot be rotated.',
      );
    }
    return result.data.kid !== this.#keyring.activeKeyId;
  }
}

/** The vault for this process, with the keyring from configuration (see `loadKeyring`). */
export function createCredentialVault(
  config: Pick<AppConfig, 'environment' | 'dataDirectory' | 'encryptionKeys'>,
  logger: Logger,
): CredentialVault {
  return new CredentialVault(loadKeyring(config, logger));
}

function serialise(value: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // The original error can quote parts of the value, so it is not passed on.
    throw new TypeError('Credentials must be JSON-serialisable (no cycles or BigInt values).');
  }
  if (json === undefined)
    throw new TypeError('Credentials must be JSON-serialisable (got undefined or a function).');
  return Buffer.from(json, 'utf8');
}

function additionalData(kid: string, binding: CredentialBinding): Buffer {
  const organisationId = bindingPart(binding.organisationId, 'organisationId');
  const connectionId = bindingPart(binding.connectionId, 'connectionId');
  // A JSON array is an unambiguous encoding: no choice of ids can collide with another binding.
  return Buffer.from(JSON.stringify(['propsync.credentials', 1, kid, organisationId, connectionId]), 'utf8');
}

function bindingPart(value: string, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`A credential binding needs a non-empty ${name}.`);
  }
  // Ids are uuids, which compare case-insensitively; lower-casing stops "same id, other case" failing.
  return value.trim().toLowerCase();
}

function parseEnvelope(envelope: unknown, binding: CredentialBinding): EncryptedEnvelope {
  const result = EncryptedEnvelopeSchema.safeParse(envelope);
  if (!result.success) throw decryptFailed(binding, 'is malformed (not a vault envelope)');
  return result.data;
}

function decryptFailed(binding: CredentialBinding, problem: string): PropsyncError {
  return new PropsyncError(
    'VAULT.DECRYPT_FAILED',
    `Stored credentials for connection ${binding.connectionId} (organisation ${binding.organisationId}) could not be ` +
      `decrypted: the envelope ${problem}. Reconnect the CRM to store fresh credentials.`,
  );
}
