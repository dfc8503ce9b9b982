import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { thrownBy } from '../../test-support/thrown.ts';
import { createLogger, type Logger } from '../logger.ts';
import {
  addDevelopmentKey,
  developmentKeyFilePath,
  generateKeyEntry,
  KeyringConfigError,
  loadKeyring,
  parseKeyring,
} from './keyring.ts';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void written.push(line) },
  });
  return { logger, lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const parseError = (text: string) => thrownBy(KeyringConfigError, () => parseKeyring(text));

const temporaryDirectories: string[] = [];
function temporaryDataDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'propsync-vault-'));
  temporaryDirectories.push(directory);
  // A not-yet-existing subdirectory, as on a fresh checkout.
  return path.join(directory, 'data');
}
afterEach(() => {
  for (const directory of temporaryDirectories.splice(0))
    fs.rmSync(directory, { recursive: true, force: true });
});

describe('parseKeyring', () => {
  it('makes the first entry the active key and keeps the others for decryption', () => {
    const keyring = parseKeyring(` new:${keyB} , old:${keyA}`);
    expect(keyring.activeKeyId).toBe('new');
    expect(keyring.keyIds).toEqual(['new', 'old']);
    expect(keyring.key('old')?.export().toString('base64')).toBe(keyA);
  });

  it('never shows key material when logged, inspected or serialised', () => {
    const keyring = parseKeyring(`a:${keyA},b:${keyB}`);
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { depth: 10, showHidden: true })}`;
    expect(shown).not.toContain(keyA);
    expect(shown).not.toContain(keyB);
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({ activeKeyId: 'a', keyIds: ['a', 'b'] });
  });

  it.each([
    ['an empty value', '', /PROPSYNC_ENCRYPTION_KEYS is empty/],
    ['only whitespace', '   ', /PROPSYNC_ENCRYPTION_KEYS is empty/],
    ['a trailing comma', `a:${keyA},`, /entry 2 is empty/],
    ['a missing separator', keyA, /entry 1 has no ':'/],
    ['an empty key id', `:${keyA}`, /entry 1 has an empty key id/],
    ['an invalid key id', `bad id!:${keyA}`, /entry 1 has an invalid key id/],
    ['an empty key', 'a:', /entry 1 \(key id "a"\) has an empty key/],
    ['bad base64', `a:${keyA.slice(0, -4)}!!!!`, /entry 1 \(key id "a"\) is not valid base64/],
    ['unpadded base64', `a:${keyA.replace(/=+$/, '')}`, /entry 1 \(key id "a"\) is not valid base64/],
    [
      'a 16-byte key',
      `a:${randomBytes(16).toString('base64')}`,
      /decodes to 16 bytes; AES-256 needs exactly 32/,
    ],
    [
      'a 64-byte key',
      `a:${keyA},b:${randomBytes(64).toString('base64')}`,
      /entry 2 \(key id "b"\) decodes to 64 bytes/,
    ],
    ['a duplicate id', `a:${keyA},a:${keyB}`, /key id "a" appears more than once/],
  ])('rejects %s with a specific message', (_name, text, expected) => {
    expect(parseError(text).message).toMatch(expected);
  });

  it('never echoes key material in its errors', () => {
    const secretLooking = randomBytes(24).toString('base64');
    const cases = [
      `a:${keyA},b:${secretLooking}`, // wrong length
      `a:${keyA},b:${keyB.slice(0, -2)}#`, // bad base64
      `${keyA}`, // no separator: the whole entry could be a key
      `${keyA.slice(0, 10)}?:${keyB}`, // a pasted key fragment where the id goes
      `a:${keyA},a:${keyB}`, // duplicate
    ];
    for (const text of cases) {
      const message = parseError(text).message;
      for (const material of [keyA, keyB, secretLooking, keyA.slice(0, 10), keyB.slice(0, 10)]) {
        expect(message).not.toContain(material);
      }
    }
  });

  it('names the source in errors, so a broken key file is told apart from the variable', () => {
    expect(() => parseKeyring('', '/tmp/keys')).toThrow(/^\/tmp\/keys is empty/);
  });
});

describe('generateKeyEntry', () => {
  it('makes a dated key id and a fresh 32-byte key that parses', () => {
    const entry = generateKeyEntry(new Date('2026-11-23T10:00:00Z'));
    expect(entry).toMatch(/^k-20261123-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$/);
    const keyring = parseKeyring(entry);
    expect(keyring.key(keyring.activeKeyId)?.symmetricKeySize).toBe(32);
    expect(generateKeyEntry()).not.toBe(generateKeyEntry());
  });
});

describe('loadKeyring', () => {
  it('uses PROPSYNC_ENCRYPTION_KEYS when set, in any environment, without touching the data directory', () => {
    const dataDirectory = temporaryDataDirectory();
    const { logger, lines } = capturingLogger();
    const keyring = loadKeyring(
      { environment: 'production', dataDirectory, encryptionKeys: `prod:${keyA}` },
      logger,
    );
    expect(keyring.activeKeyId).toBe('prod');
    expect(fs.existsSync(dataDirectory)).toBe(false);
    expect(lines()).toEqual([]);
  });

  it('refuses to start in production without keys, and does not fall back to a key file', () => {
    const dataDirectory = temporaryDataDirectory();
    const { logger } = capturingLogger();
    expect(() =>
      loadKeyring({ environment: 'production', dataDirectory, encryptionKeys: undefined }, logger),
    ).toThrow(/PROPSYNC_ENCRYPTION_KEYS is required in production/);
    expect(fs.existsSync(developmentKeyFilePath({ dataDirectory }))).toBe(false);
  });

  it('rejects a malformed variable rather than falling back to the development key', () => {
    const { logger } = capturingLogger();
    expect(() =>
      loadKeyring(
        { environment: 'development', dataDirectory: temporaryDataDirectory(), encryptionKeys: 'a:short' },
        logger,
      ),
    ).toThrow(KeyringConfigError);
  });

  it('in development generates a private key file once, reuses it, and warns each time', () => {
    const dataDirectory = temporaryDataDirectory();
    const config = { environment: 'development' as const, dataDirectory, encryptionKeys: undefined };
    const first = capturingLogger();
    const keyring = loadKeyring(config, first.logger);

    const file = developmentKeyFilePath(config);
    expect(file).toBe(path.join(dataDirectory, 'encryption-keys'));
    const contents = fs.readFileSync(file, 'utf8');
    expect(contents.trim()).toMatch(/^k-\d{8}-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$/);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDirectory)).toEqual(['encryption-keys']); // no temporary files left behind

    const second = capturingLogger();
    const again = loadKeyring(config, second.logger);
    expect(again.activeKeyId).toBe(keyring.activeKeyId);
    expect(again.key(again.activeKeyId)?.equals(keyring.key(keyring.activeKeyId)!)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(contents);

    for (const { lines } of [first, second]) {
      const warnings = lines().filter((line) => line.level === 40);
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]?.msg)).toMatch(/development encryption key/);
      expect(JSON.stringify(lines())).not.toContain(contents.trim().split(':')[1]);
    }
  });
});

describe('addDevelopmentKey', () => {
  it('puts a new active key in front of the development file and keeps the old ones', () => {
    const dataDirectory = temporaryDataDirectory();
    const config = { environment: 'development' as const, dataDirectory, encryptionKeys: undefined };
    const { logger } = capturingLogger();
    const before = loadKeyring(config, logger);

    const added = addDevelopmentKey(config);
    expect(added.activeKeyId).not.toBe(before.activeKeyId);
    expect(added.keyIds).toEqual([added.activeKeyId, before.activeKeyId]);

    const after = loadKeyring(config, logger);
    expect(after.activeKeyId).toBe(added.activeKeyId);
    expect(after.key(before.activeKeyId)?.equals(before.key(before.activeKeyId)!)).toBe(true);
    if (process.platform !== 'win32') expect(fs.statSync(added.keyFile).mode & 0o777).toBe(0o600);
  });

  it('refuses when keys come from the environment, where the file would have no effect', () => {
    expect(() =>
      addDevelopmentKey({
        environment: 'development',
        dataDirectory: temporaryDataDirectory(),
        encryptionKeys: `a:${keyA}`,
      }),
    ).toThrow(/PROPSYNC_ENCRYPTION_KEYS/);
  });
});
