import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../infrastructure/config.ts';
import type { Logger } from '../../infrastructure/logger.ts';

/**
 * The secret host applications sign embed tokens with. Production must set it; development keeps
 * a generated one in the git-ignored data folder, so the demo host can mint tokens.
 */
export function loadTokenSecret(config: AppConfig, logger: Logger): string {
  if (config.tokenSecret) return config.tokenSecret;
  if (config.environment === 'production') {
    throw new Error(
      'PROPSYNC_TOKEN_SECRET is required in production (at least 32 characters, shared with the host application)',
    );
  }
  const file = path.join(config.dataDirectory, 'embed-token-secret');
  fs.mkdirSync(config.dataDirectory, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
    logger.warn(
      { file },
      'generated a development embed-token secret; set PROPSYNC_TOKEN_SECRET for shared deployments',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
