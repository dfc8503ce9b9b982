#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { provideDatabase } from '../db/database.ts';
import { applyMigrations, createOrm } from '../db/orm.ts';
import { registerProviders } from '../db/provider-table.ts';
import { PROVIDER_INFOS } from '../adapters/registry.ts';
import { pino } from 'pino';
import { createLogger } from '../logger.ts';
import { createServices } from '../services.ts';
import { addDevelopmentKey } from '../vault/keyring.ts';
import { createCredentialVault } from '../vault/credential-vault.ts';
import { rotateCredentials } from '../vault/rotate-credentials.ts';
import { connectionStatusRows, formatStatusTable, resolveConnection } from './cli-queries.ts';

const USAGE = `Usage: propsync <command>

  status [--json]          every connection: agency, provider, status, contacts, last sync, last error
  sync <connection>        run one sync cycle now (connection id, or provider name when unambiguous)
  keys rotate [--new-key]  re-encrypt every stored credential under the newest key
                           (--new-key first adds a key to the development key file)
  migrate                  apply pending database migrations

Configuration comes from the environment (see README): DATABASE_URL, PROPSYNC_DATA_DIR,
PROPSYNC_ENCRYPTION_KEYS, LOG_LEVEL.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'new-key': { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  const [command, argument] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // Operator output goes to stdout; logs go to stderr so `status --json` stays parseable.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
