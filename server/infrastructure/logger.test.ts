import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../test-support/captured-logger.ts';

describe('logging', () => {
  it('never prints credential material, wherever it sits in a log object', () => {
    const { logger, output } = capturedLogger();
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
