import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '../db/orm.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { CredentialVault, type CredentialBinding, type EncryptedEnvelope } from './credential-vault.ts';
import { parseKeyring } from './keyring.ts';
import { rotateCredentials } from './rotate-credentials.ts';

const keyA = `key-a:${randomBytes(32).toString('base64')}`;
const keyB = `key-b:${randomBytes(32).toString('base64')}`;
const vaultA = new CredentialVault(parseKeyring(keyA));
const vaultBA = new CredentialVault(parseKeyring(`${keyB},${keyA}`));
const vaultB = new CredentialVault(parseKeyring(keyB));

type Connection = CredentialBinding & { provider: string; secret: string };
type StoredRow = {
  id: string;
  organisation_id: string;
  credentials: EncryptedEnvelope | null;
  updated_at: Date;
};

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.destroy());

/** A fresh EntityManager, as each request or job gets one. */
function freshEm(): EntityManager {
  return database.orm.em.fork();
}

async function createOrganisation(name: string): Promise<string> {
  const [row] = await freshEm().execute<{ id: string }[]>(
    'insert into organisations (name) values (?) returning id',
    [name],
  );
  return row!.id;
}

/** Inserts a connection whose credentials `vault` encrypted for that very row (hence the id chosen here). */
async function createConnection(
  organisationId: string,
  provider: string,
  vault: CredentialVault,
): Promise<Connection> {
  const binding = { organisationId, connectionId: randomUUID() };
  const secret = `secret-${provider}-${randomBytes(8).toString('hex')}`;
  const envelope = vault.encrypt({ apiKey: secret, provider }, binding);
  await freshEm().execute(
    `insert into crm_connections (id, organisation_id, provider, credentials) values (?, ?, ?, ?::jsonb)`,
    [binding.connectionId, organisationId, provider, JSON.stringify(envelope)],
  );
  return { ...binding, provider, secret };
}

async function readRow(connectionId: string): Promise<StoredRow> {
  const [row] = await freshEm().execute<StoredRow[]>(
    'select id, organisation_id, credentials, updated_at from crm_connections where id = ?',
    [connectionId],
  );
  return row!;
}

async function readRawCredentials(connectionId: string): Promise<string | null> {
  const [row] = await freshEm().execute<{ raw: string | null }[]>(
    'select credentials::text as raw from crm_connections where id = ?',
    [connectionId],
  );
  return row!.raw;
}

describe('rotateCredentials against PostgreSQL', () => {
  const connections: Connection[] = [];
  const before = new Map<string, EncryptedEnvelope>();
  let emptyConnectionId: string;
  let otherOrganisationId: string;

  beforeAll(async () => {
    const first = await createOrganisation('Rotation Lettings');
    otherOrganisationId = await createOrganisation('Other Estates');
    for (const provider of ['reapit', 'alto', 'street', 'loop', 'agentos']) {
      connections.push(await createConnection(first, provider, vaultA));
    }
    connections.push(await createConnection(otherOrganisationId, 'reapit', vaultA));
    // A connection without credentials (e.g. disconnected) is not something to rotate.
    const [empty] = await freshEm().execute<{ id: string }[]>(
      `insert into crm_connections (organisation_id, provider, credentials) values (?, 'custom', ?::jsonb) returning id`,
      [first, null],
    );
    emptyConnectionId = empty!.id;
    for (const connection of connections)
      before.set(connection.connectionId, (await readRow(connection.connectionId)).credentials!);
  });

  it('starts with every row under key A, with no secret visible in the stored JSON', async () => {
    for (const connection of connections) {
      expect(before.get(connection.connectionId)?.kid).toBe('key-a');
      expect(await readRawCredentials(connection.connectionId)).not.toContain(connection.secret);
    }
  });

  it('re-encrypts every row under the new active key, in batches, without logging secrets', async () => {
    const logged: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => void logged.push(line) },
    });
    // A batch size smaller than the row count exercises the pagination.
    const result = await rotateCredentials(freshEm(), vaultBA, logger, { batchSize: 2 });
    expect(result).toEqual({ rotated: connections.length, alreadyCurrent: 0, failed: [] });

    for (const connection of connections) {
      const row = await readRow(connection.connectionId);
      expect(row.credentials?.kid).toBe('key-b');
      expect(row.credentials?.iv).not.toBe(before.get(connection.connectionId)?.iv);
      expect(vaultBA.decrypt(row.credentials, connection)).toEqual({
        apiKey: connection.secret,
        provider: connection.provider,
      });
      const raw = await readRawCredentials(connection.connectionId);
      expect(raw).not.toContain(connection.secret);
      expect(raw).not.toContain('apiKey');
    }
    expect(await readRow(emptyConnectionId)).toMatchObject({ credentials: null });

    const output = logged.join('');
    expect(output).toMatch(/Credential rotation finished/);
    for (const connection of connections) expect(output).not.toContain(connection.secret);
    expect(output).not.toContain(keyA.split(':')[1]);
    expect(output).not.toContain(keyB.split(':')[1]);
  });

  it('leaves key A behind: a keyring with only key B reads every row', async () => {
    for (const connection of connections) {
      const row = await readRow(connection.connectionId);
      expect(vaultB.decrypt<{ apiKey: string }>(row.credentials, connection).apiKey).toBe(connection.secret);
    }
  });

  it('keeps the ciphertext saved before rotation readable with keys A+B (and refused without A)', () => {
    for (const connection of connections) {
      const old = before.get(connection.connectionId)!;
      expect(vaultBA.decrypt<{ apiKey: string }>(old, connection).apiKey).toBe(connection.secret);
      expect(() => vaultB.decrypt(old, connection)).toThrow(
        expect.objectContaining({ code: 'VAULT.UNKNOWN_KEY' }),
      );
    }
  });

  it('is idempotent: a second run finds everything current and changes nothing', async () => {
    const snapshot = await Promise.all(
      connections.map((connection) => readRawCredentials(connection.connectionId)),
    );
    const result = await rotateCredentials(freshEm(), vaultBA);
    expect(result).toEqual({ rotated: 0, alreadyCurrent: connections.length, failed: [] });
    expect(
      await Promise.all(connections.map((connection) => readRawCredentials(connection.connectionId))),
    ).toEqual(snapshot);
  });

  it('waits for a concurrent writer holding the row, then rotates what that writer committed', async () => {
    const organisationId = await createOrganisation('Concurrent Reconnect Ltd');
    const connection = await createConnection(organisationId, 'reapit', vaultA);
    const newSecret = `reconnected-${randomBytes(8).toString('hex')}`;
    let rotation: Promise<unknown> | undefined;

    await freshEm().transactional(async (tx) => {
      // Plays a server request that is mid-way through reconnecting this CRM.
      await tx.execute('select id from crm_connections where id = ? for update', [connection.connectionId]);
      rotation = rotateCredentials(freshEm(), vaultBA);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await readRow(connection.connectionId)).credentials?.kid).toBe('key-a');
      const reconnected = vaultA.encrypt({ apiKey: newSecret, provider: 'reapit' }, connection);
      await tx.execute('update crm_connections set credentials = ?::jsonb where id = ?', [
        JSON.stringify(reconnected),
        connection.connectionId,
      ]);
    });
    await rotation;

    const row = await readRow(connection.connectionId);
    expect(row.credentials?.kid).toBe('key-b');
    // Rotation re-read the row under its lock, so the reconnect was kept rather than overwritten.
    expect(vaultB.decrypt<{ apiKey: string }>(row.credentials, connection).apiKey).toBe(newSecret);
  });

  it('reports rows it cannot decrypt and leaves them untouched, while still rotating the rest', async () => {
    const organisationId = await createOrganisation('Broken Rows Ltd');
    const good = await createConnection(organisationId, 'reapit', vaultA);
    // Credentials copied from another organisation's connection: the binding no longer matches.
    const moved = await createConnection(organisationId, 'alto', vaultA);
    const foreign = vaultA.encrypt(
      { apiKey: 'foreign-secret' },
      { organisationId: otherOrganisationId, connectionId: moved.connectionId },
    );
    // Written under a key nobody has any more.
    const orphaned = await createConnection(
      organisationId,
      'street',
      new CredentialVault(parseKeyring(`key-lost:${randomBytes(32).toString('base64')}`)),
    );
    const em = freshEm();
    await em.execute('update crm_connections set credentials = ?::jsonb where id = ?', [
      JSON.stringify(foreign),
      moved.connectionId,
    ]);
    // Not an envelope at all, such as a plaintext left behind by a bad import.
    const plain = await createConnection(organisationId, 'loop', vaultA);
    await em.execute('update crm_connections set credentials = ?::jsonb where id = ?', [
      JSON.stringify({ apiKey: plain.secret }),
      plain.connectionId,
    ]);
    const untouched = new Map<string, string | null>();
    for (const id of [moved.connectionId, orphaned.connectionId, plain.connectionId])
      untouched.set(id, await readRawCredentials(id));

    const [{ current } = { current: -1 }] = await freshEm().execute<{ current: number }[]>(
      `select count(*)::int as current from crm_connections where credentials->>'kid' = 'key-b'`,
    );

    const result = await rotateCredentials(freshEm(), vaultBA);

    expect(result.rotated).toBe(1);
    expect(result.alreadyCurrent).toBe(current);
    expect(result.failed.map((failure) => failure.connectionId).sort()).toEqual(
      [moved.connectionId, orphaned.connectionId, plain.connectionId].sort(),
    );
    const byId = new Map(result.failed.map((failure) => [failure.connectionId, failure.error]));
    expect(byId.get(moved.connectionId)).toMatch(/different connection or organisation/);
    expect(byId.get(orphaned.connectionId)).toMatch(/key "key-lost", which is not in the keyring/);
    expect(byId.get(plain.connectionId)).toMatch(/not a vault envelope/);
    for (const failure of result.failed) {
      expect(failure.error).not.toContain(plain.secret);
      expect(failure.error).not.toContain('foreign-secret');
    }
    for (const [id, raw] of untouched) expect(await readRawCredentials(id)).toBe(raw);
    expect((await readRow(good.connectionId)).credentials?.kid).toBe('key-b');
  });
});

describe('rotating webhook secrets with the credentials', () => {
  it('re-encrypts the webhook secret agreed with the CRM, which then reads under the new key alone', async () => {
    const organisationId = await createOrganisation('Webhook Secret Rotation');
    const connection = await createConnection(organisationId, 'agentos', vaultA);
    const webhookSecret = `whsec_${randomBytes(12).toString('hex')}`;
    await freshEm().execute(`update crm_connections set webhook_secret = ?::jsonb where id = ?`, [
      JSON.stringify(vaultA.encrypt(webhookSecret, connection)),
      connection.connectionId,
    ]);
    const result = await rotateCredentials(freshEm(), vaultBA);
    expect(result.failed.map((failure) => failure.connectionId)).not.toContain(connection.connectionId);
    const [row] = await freshEm().execute<{ webhook_secret: EncryptedEnvelope }[]>(
      `select webhook_secret from crm_connections where id = ?`,
      [connection.connectionId],
    );
    expect(row!.webhook_secret.kid).toBe('key-b');
    expect(JSON.stringify(row)).not.toContain(webhookSecret);
    expect(vaultB.decrypt<string>(row!.webhook_secret, connection)).toBe(webhookSecret);
  });
});

describe('rotating the shared access grant with the credentials', () => {
  it('re-encrypts the grant, whose refresh token may be the only live one, so it reads under the new key alone', async () => {
    const organisationId = await createOrganisation('Grant Rotation');
    const connection = await createConnection(organisationId, 'reapit', vaultA);
    const grant = {
      credentialsFingerprint: 'fp',
      grant: { accessToken: 'at', expiresAt: null, refreshToken: 'rt-live' },
    };
    await freshEm().execute(`update crm_connections set access_grant = ?::jsonb where id = ?`, [
      JSON.stringify(vaultA.encrypt(grant, connection)),
      connection.connectionId,
    ]);
    await rotateCredentials(freshEm(), vaultBA);
    const [row] = await freshEm().execute<{ access_grant: EncryptedEnvelope }[]>(
      `select access_grant from crm_connections where id = ?`,
      [connection.connectionId],
    );
    expect(row!.access_grant.kid).toBe('key-b');
    expect(JSON.stringify(row)).not.toContain('rt-live');
    expect(vaultB.decrypt(row!.access_grant, connection)).toEqual(grant);
  });
});
