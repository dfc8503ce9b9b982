import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

/** AES-256 needs exactly this many key bytes. */
export const KEY_LENGTH_BYTES = 32;

/** Name of the development key file inside `config.dataDirectory` (the default `.data/` is git-ignored). */
export const DEVELOPMENT_KEY_FILE_NAME = 'encryption-keys';

const VARIABLE_NAME = 'PROPSYNC_ENCRYPTION_KEYS';
// Key ids travel in every envelope and in error messages, so they are kept short and plain.
const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A keyring definition that cannot be used. The message names the problem, never the key material. */
export class KeyringConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringConfigError';
  }
}

/**
 * The AES-256 keys Propsync can decrypt with, in order: the first is the active key that all new
 * encryption uses. Key bytes are held as KeyObjects in a private field so that logging, inspecting or
 * serialising a keyring shows only key ids.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #activeKeyId: string;

  /** Entries in priority order; the first becomes the active key. Ids must be unique. */
  constructor(entries: ReadonlyArray<{ id: string; key: Buffer }>) {
    const first = entries[0];
    if (first === undefined) throw new KeyringConfigError('A keyring needs at least one key.');
    const keys = new Map<string, KeyObject>();
    for (const [index, entry] of entries.entries()) {
      if (!KEY_ID_PATTERN.test(entry.id)) {
        throw new KeyringConfigError(`Key ${index + 1} has an invalid key id (${describeKeyIdRule()}).`);
      }
      if (entry.key.length !== KEY_LENGTH_BYTES) {
        throw new KeyringConfigError(
          `Key "${entry.id}" is ${entry.key.length} bytes; AES-256 needs exactly ${KEY_LENGTH_BYTES}.`,
        );
      }
      if (keys.has(entry.id)) throw new KeyringConfigError(`Key id "${entry.id}" appears more than once.`);
      keys.set(entry.id, createSecretKey(Buffer.from(entry.key)));
    }
    this.#keys = keys;
    this.#activeKeyId = first.id;
  }

  /** The key id new ciphertext is written under. */
  get activeKeyId(): string {
    return this.#activeKeyId;
  }

  /** Every key id, active first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** The key for an id, or undefined when this keyring does not hold it. */
  key(keyId: string): KeyObject | undefined {
    return this.#keys.get(keyId);
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.#activeKeyId, keyIds: this.keyIds };
  }
}

/**
 * Parses the `keyId:base64key,keyId:base64key` format. `source` names where the text came from so
 * errors point at the right place. Errors identify entries by position (and by id once the id is
 * known to be well formed) and never include key material.
 */
export function parseKeyring(text: string, source: string = VARIABLE_NAME): Keyring {
  if (text.trim() === '') {
    throw new KeyringConfigError(
      `${source} is empty. Give one or more comma-separated keyId:base64key entries (first = active key).`,
    );
  }
  const entries = text.split(',').map((raw, index) => parseEntry(raw.trim(), index + 1, source));
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.id)) {
      throw new KeyringConfigError(
        `${source}: key id "${entry.id}" appears more than once; key ids must be unique.`,
      );
    }
    seen.add(entry.id);
  }
  return new Keyring(entries);
}

function parseEntry(entry: string, position: number, source: string): { id: string; key: Buffer } {
  const where = `${source} entry ${position}`;
  if (entry === '') {
    throw new KeyringConfigError(`${where} is empty (check for a stray or trailing comma).`);
  }
  const separator = entry.indexOf(':');
  if (separator === -1) {
    // Without a separator the whole entry might be a key, so none of it is repeated back.
    throw new KeyringConfigError(`${where} has no ':'; expected keyId:base64key.`);
  }
  const id = entry.slice(0, separator).trim();
  const encoded = entry.slice(separator + 1).trim();
  if (id === '') throw new KeyringConfigError(`${where} has an empty key id; expected keyId:base64key.`);
  if (!KEY_ID_PATTERN.test(id)) {
    // Not echoed: a malformed id may be a pasted key.
    throw new KeyringConfigError(`${where} has an invalid key id (${describeKeyIdRule()}).`);
  }
  if (encoded === '') throw new KeyringConfigError(`${where} (key id "${id}") has an empty key.`);
  if (!BASE64_PATTERN.test(encoded)) {
    throw new KeyringConfigError(
      `${where} (key id "${id}") is not valid base64; use standard base64 with padding, e.g. the output of \`openssl rand -base64 32\`.`,
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_LENGTH_BYTES) {
    throw new KeyringConfigError(
      `${where} (key id "${id}") decodes to ${key.length} bytes; AES-256 needs exactly ${KEY_LENGTH_BYTES}.`,
    );
  }
  return { id, key };
}

function describeKeyIdRule(): string {
  return 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
}

/** Serialises entries back into the `keyId:base64key,…` format. */
function formatEntries(entries: ReadonlyArray<string>): string {
  return `${entries.join(',')}\n`;
}

/**
 * A fresh random key as a `keyId:base64key` entry, with an id like `k-20261123-ab12` (date of
 * creation plus a random suffix, so keys made on the same day differ).
 */
export function generateKeyEntry(now: Date = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  const id = `k-${date}-${randomBytes(2).toString('hex')}`;
  return `${id}:${randomBytes(KEY_LENGTH_BYTES).toString('base64')}`;
}

/** Where the development key file lives for a given configuration. */
export function developmentKeyFilePath(config: Pick<AppConfig, 'dataDirectory'>): string {
  return path.join(config.dataDirectory, DEVELOPMENT_KEY_FILE_NAME);
}

/**
 * The keyring for this process. `PROPSYNC_ENCRYPTION_KEYS` wins when set. Production refuses to
 * start without it; development and test fall back to a key file under the data directory,
 * generated on first use and reused afterwards, so local credentials survive restarts.
 */
export function loadKeyring(
  config: Pick<AppConfig, 'environment' | 'dataDirectory' | 'encryptionKeys'>,
  logger: Logger,
): Keyring {
  if (config.encryptionKeys !== undefined) return parseKeyring(config.encryptionKeys, VARIABLE_NAME);
  if (config.environment === 'production') {
    throw new KeyringConfigError(
      `${VARIABLE_NAME} is required in production. Set it to comma-separated keyId:base64key entries ` +
        '(32-byte keys, first = active); `openssl rand -base64 32` makes a key.',
    );
  }
  const file = developmentKeyFilePath(config);
  const created = ensureDevelopmentKeyFile(file);
  const keyring = readKeyFile(file);
  warnIfReadableByOthers(file, logger);
  logger.warn(
    { keyFile: file, activeKeyId: keyring.activeKeyId, created },
    `Using a development encryption key from ${file}; set ${VARIABLE_NAME} for any shared or production deployment.`,
  );
  return keyring;
}

/**
 * Puts a newly generated key in front of the development key file (creating the file if needed),
 * keeping the old keys so existing credentials still decrypt; `rotateCredentials` can then move
 * them onto the new key. Refused when keys come from the environment, where the file is not used.
 */
export function addDevelopmentKey(
  config: Pick<AppConfig, 'environment' | 'dataDirectory' | 'encryptionKeys'>,
): { keyFile: string; activeKeyId: string; keyIds: string[] } {
  if (config.encryptionKeys !== undefined || config.environment === 'production') {
    throw new KeyringConfigError(
      `Keys come from ${VARIABLE_NAME} here, not the development key file. To rotate, put a new ` +
        'keyId:base64key entry first in the variable, keep the old ones after it, restart, then re-encrypt credentials.',
    );
  }
  const file = developmentKeyFilePath(config);
  ensureDevelopmentKeyFile(file);
  const existing = readKeyFile(file);
  let entry = generateKeyEntry();
  // A same-day id collision is unlikely but would make the file unusable, so draw again.
  while (existing.has(entryId(entry))) entry = generateKeyEntry();
  const lines = fs.readFileSync(file, 'utf8').trim();
  writeFileAtomically(file, formatEntries([entry, lines]));
  const updated = readKeyFile(file);
  return { keyFile: file, activeKeyId: updated.activeKeyId, keyIds: updated.keyIds };
}

function entryId(entry: string): string {
  return entry.slice(0, entry.indexOf(':'));
}

function readKeyFile(file: string): Keyring {
  return parseKeyring(fs.readFileSync(file, 'utf8'), file);
}

/** Creates the key file with one fresh key unless it exists. Returns whether it created it. */
function ensureDevelopmentKeyFile(file: string): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, formatEntries([generateKeyEntry()]), { mode: 0o600, flag: 'wx' });
  try {
    // link() fails if the file appeared meanwhile (e.g. a worker starting alongside the server),
    // so exactly one complete key file wins and everyone else reads it.
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function writeFileAtomically(file: string, contents: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, contents, { mode: 0o600, flag: 'wx' });
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

function warnIfReadableByOthers(file: string, logger: Logger): void {
  if (process.platform === 'win32') return;
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn(
      { keyFile: file, mode: mode.toString(8) },
      'The development key file is readable by other users; chmod 600 it.',
    );
  }
}
