import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), output: () => lines.join('') };
}

describe('logging', () => {
  it('never prints credential material, wherever it sits in a log object', () => {
    const { logger, output } = capture();
    logger.info({ credentials: { clientId: 'client-1', clientSecret: 'very-secret-1' } }, 'connecting');
    logger.info({ connection: { clientSecret: 'very-secret-2', apiKey: 'very-secret-3' } }, 'nested');
    logger.info({ request: { headers: { authorization: 'Bearer very-secret-4' } } }, 'request');
    logger.info(
      { accessToken: 'very-secret-5', refreshToken: 'very-secret-6', token: 'very-secret-7' },
      'tokens',
    );
    const text = output();
    expect(text).toContain('connecting');
    expect(text).toContain('[redacted]');
    for (let index = 1; index <= 7; index++) expect(text).not.toContain(`very-secret-${index}`);
  });
});
