import { describe, expect, it } from 'vitest';
import { PropsyncError } from '../errors.ts';
import { toRunError, UNEXPECTED_RUN_ERROR } from './sync-cycle.ts';

/** What a failed cycle records is what the admin reads on the card and in the audit log. */
describe('the error a failed cycle records', () => {
  it("never carries a driver's text: an error that is not ours is recorded as a generic message", () => {
    const driverError = Object.assign(
      new Error(
        'insert into "contacts" ("first_name") values ($1) - invalid byte sequence for encoding "UTF8": 0x00',
      ),
      {
        code: '22021',
      },
    );
    const recorded = toRunError(driverError);
    expect(recorded).toMatchObject({ code: 'SYNC.UNEXPECTED', message: UNEXPECTED_RUN_ERROR });
    expect(JSON.stringify(recorded)).not.toMatch(/contacts|UTF8|first_name/);
  });

  it('keeps our own errors as they are: their messages are written for the admin', () => {
    const ours = new PropsyncError(
      'ADAPTER.AUTH_INVALID',
      'Reapit rejected the credentials: reconnect Reapit',
      {
        statusCode: 401,
      },
    );
    expect(toRunError(ours)).toMatchObject({
      code: 'ADAPTER.AUTH_INVALID',
      message: 'Reapit rejected the credentials: reconnect Reapit',
      statusCode: 401,
      retryState: 'needs_reconnect',
    });
  });
});
