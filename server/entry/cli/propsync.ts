#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../../infrastructure/config.ts';
import { provideDatabase } from '../../infrastructure/db/database.ts';
import { applyMigrations, createOrm } from '../../infrastructure/db/orm.ts';
import { registerProviders } from '../../infrastructure/db/provider-table.ts';
import { PROVIDER_INFOS } from '../../adapters/registry.ts';
import { pino } from 'pino';
import { createLogger } from '../../infrastructure/logger.ts';
import { createServices } from '../services.ts';
import { addDevelopmentKey } from '../../infrastructure/vault/keyring.ts';
import { EmbedTokens } from '../../application/auth/embed-token.ts';
import { loadTokenSecret } from '../../application/auth/token-secret.ts';
import { createCredentialVault } from '../../infrastructure/vault/credential-vault.ts';
import { rotateCredentials } from '../../infrastructure/vault/rotate-credentials.ts';
import { connectionStatusRows, formatStatusTable, resolveConnection } from './cli-queries.ts';

const USAGE = `Usage: propsync <command>

  status [--json]          every connection: agency, provider, status, contacts, last sync, last error
  sync <connection>        run one sync cycle now (connection id, or provider name when unambiguous)
  keys rotate [--new-key]  re-encrypt every stored credential under the newest key
                           (--new-key first adds a key to the development key file)
  migrate                  apply pending database migrations
  token host [--lifetime <s>]
                           print a host token (agencies.*) signed with this deployment's secret
  token embed <agency id> [--role admin|viewer] [--lifetime <s>]
                           print an embed token for the agency (default role admin)

Configuration comes from the environment (see README): DATABASE_URL, PROPSYNC_DATA_DIR,
PROPSYNC_ENCRYPTION_KEYS, PROPSYNC_TOKEN_SECRET, PROPSYNC_TOKEN_MAX_LIFETIME_SECONDS, LOG_LEVEL.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'new-key': { type: 'boolean', default: false },
      role: { type: 'string', default: 'admin' },
      lifetime: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, argument, agency] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // Operator output goes to stdout; logs go to stderr so `status --json` stays parseable.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
  // Tokens need only the secret, not the database.
  if (command === 'token') return printToken(config, logger, argument, agency, values);
  const database = await provideDatabase(config, logger);
  try {
    switch (command) {
      case 'migrate': {
        const orm = await createOrm(database.url);
        try {
          const applied = await applyMigrations(orm);
          await registerProviders(orm.em.fork(), PROVIDER_INFOS);
          console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
        } finally {
          await orm.close();
        }
        return 0;
      }
      case 'status': {
        const services = await createServices(config, logger, database.url);
        try {
          const rows = await connectionStatusRows(services.orm.em);
          console.log(values.json ? JSON.stringify(rows, null, 2) : formatStatusTable(rows));
        } finally {
          await services.close();
        }
        return 0;
      }
      case 'sync': {
        if (!argument) {
          console.error('sync needs a connection: propsync sync <connection id | provider>');
          return 2;
        }
        const services = await createServices(config, logger, database.url);
        try {
          const connectionId = await resolveConnection(services.orm.em, argument);
          const result = await services.runSyncCycle(connectionId, 'manual');
          console.log(JSON.stringify(result, null, 2));
          return result.status === 'failed' ? 1 : 0;
        } finally {
          await services.close();
        }
      }
      case 'keys': {
        if (argument !== 'rotate') {
          console.error(`Unknown keys command "${argument ?? ''}": try "propsync keys rotate"`);
          return 2;
        }
        if (values['new-key']) {
          const added = addDevelopmentKey(config);
          console.log(`Added key ${added.activeKeyId} to ${added.keyFile}`);
        }
        const orm = await createOrm(database.url);
        try {
          await applyMigrations(orm);
          const result = await rotateCredentials(orm.em, createCredentialVault(config, logger), logger);
          console.log(JSON.stringify(result, null, 2));
          return result.failed.length > 0 ? 1 : 0;
        } finally {
          await orm.close();
        }
      }
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await database.stop();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** For operators and scripts: a token on stdout (the only output), problems on stderr. */
async function printToken(
  config: ReturnType<typeof loadConfig>,
  logger: ReturnType<typeof createLogger>,
  kind: string | undefined,
  agency: string | undefined,
  options: { role?: string | undefined; lifetime?: string | undefined },
): Promise<number> {
  const tokens = new EmbedTokens(loadTokenSecret(config, logger), {
    maxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
  });
  const lifetime = options.lifetime === undefined ? undefined : Number(options.lifetime);
  if (
    lifetime !== undefined &&
    !(Number.isInteger(lifetime) && lifetime > 0 && lifetime <= tokens.maxLifetimeSeconds)
  ) {
    console.error(`--lifetime must be a whole number of seconds from 1 to ${tokens.maxLifetimeSeconds}`);
    return 2;
  }
  if (kind === 'host') {
    console.log(await tokens.mintHost(lifetime));
    return 0;
  }
  if (kind === 'embed') {
    if (!agency || !UUID.test(agency)) {
      console.error(
        'token embed needs the agency id (a uuid, as agencies.create answered): propsync token embed <agency id>',
      );
      return 2;
    }
    if (options.role !== 'admin' && options.role !== 'viewer') {
      console.error('--role must be admin or viewer');
      return 2;
    }
    console.log(await tokens.mint({ organisationId: agency, role: options.role }, lifetime));
    return 0;
  }
  console.error('token needs a kind: propsync token host | propsync token embed <agency id>');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
