import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { PropsyncError } from '../../core/errors.ts';
import { refusalReasonOf, WebhookRefusedError } from '../../core/ports/webhook-refusal.ts';
import {
  assertFresh,
  assertSignatureMatches,
  headerOf,
  hmacSha256,
  verifyStandardWebhook,
  verifyTimestampedHmac,
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
} from './webhook-signature.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const RECEIVED_AT = new Date('2026-03-01T12:00:00.000Z');
const RECEIVED_SECONDS = RECEIVED_AT.getTime() / 1000;
const BODY = Buffer.from('{"type":"contact.updated","data":{"id":"c-1"}}');

/** A delivery signed the way Standard Webhooks senders sign, `offsetSeconds` from its receipt. */
function signed(offsetSeconds = 0, secret = SECRET) {
  const sentAt = new Date((RECEIVED_SECONDS + offsetSeconds) * 1000);
  return {
    headers: {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(RECEIVED_SECONDS + offsetSeconds),
      'webhook-signature': new Webhook(secret).sign('msg_1', sentAt, BODY),
    } as Record<string, string | undefined>,
    rawBody: BODY,
    receivedAt: RECEIVED_AT,
  };
}

function refusalOf(attempt: () => unknown): { code: string; reason: string } {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookRefusedError);
    const refused = error as WebhookRefusedError;
    return { code: refused.code, reason: refused.reason };
  }
  throw new Error('expected a refusal');
}

const verify = (delivery: ReturnType<typeof signed>, secret: string | null = SECRET) =>
  verifyStandardWebhook('Test CRM', secret, delivery, 'register the webhooks again');

describe('Standard Webhooks verification', () => {
  it('accepts a fresh delivery signed with the secret and returns its message id', () => {
    expect(verify(signed())).toBe('msg_1');
    expect(verify(signed(WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS))).toBe('msg_1');
    expect(verify(signed(-WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS))).toBe('msg_1');
  });

  it('accepts any matching signature of a rotation list, and headers in any case', () => {
    const delivery = signed();
    const other = signed(0, `whsec_${randomBytes(24).toString('base64')}`);
    const headers = {
      'Webhook-Id': delivery.headers['webhook-id'],
      'Webhook-Timestamp': delivery.headers['webhook-timestamp'],
      'Webhook-Signature': `${other.headers['webhook-signature']} ${delivery.headers['webhook-signature']}`,
    };
    expect(verify({ ...delivery, headers })).toBe('msg_1');
  });

  it('refuses a delivery signed too long ago or in the future as stale, whatever its signature', () => {
    for (const offset of [
      -WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS - 1,
      WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS + 1,
    ]) {
      expect(refusalOf(() => verify(signed(offset)))).toEqual({
        code: 'WEBHOOK.STALE_TIMESTAMP',
        reason: 'stale_timestamp',
      });
    }
    const malformed = signed();
    malformed.headers['webhook-timestamp'] = '12e3';
    expect(refusalOf(() => verify(malformed)).code).toBe('WEBHOOK.STALE_TIMESTAMP');
  });

  it('refuses a tampered body, another secret, a garbled signature or no stored secret as a bad signature', () => {
    const tampered = { ...signed(), rawBody: Buffer.from(BODY.toString().replace('c-1', 'c-2')) };
    const garbled = signed();
    garbled.headers['webhook-signature'] = `${garbled.headers['webhook-signature']!.slice(0, -4)}AAAA`;
    const unversioned = signed();
    unversioned.headers['webhook-signature'] = unversioned.headers['webhook-signature']!.replace(
      'v1,',
      'v2,',
    );
    for (const attempt of [
      () => verify(tampered),
      () => verify(signed(0, `whsec_${randomBytes(24).toString('base64')}`)),
      () => verify(garbled),
      () => verify(unversioned),
      () => verify(signed(), null),
    ]) {
      expect(refusalOf(attempt)).toEqual({ code: 'WEBHOOK.BAD_SIGNATURE', reason: 'bad_signature' });
    }
  });

  it('refuses a delivery missing any of its three headers as a bad signature', () => {
    for (const missing of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const delivery = signed();
      delete delivery.headers[missing];
      expect(refusalOf(() => verify(delivery)).code).toBe('WEBHOOK.BAD_SIGNATURE');
      delivery.headers[missing] = '  ';
      expect(refusalOf(() => verify(delivery)).code).toBe('WEBHOOK.BAD_SIGNATURE');
    }
  });
});

describe('HMAC schemes', () => {
  const key = 'a-shared-secret-of-some-length';
  const expected = hmacSha256(key, `${RECEIVED_SECONDS}.`, BODY);

  it('judges freshness against the receipt, not the clock now', () => {
    expect(assertFresh('Test CRM', String(RECEIVED_SECONDS - 60), RECEIVED_AT)).toBe(RECEIVED_SECONDS - 60);
    expect(refusalOf(() => assertFresh('Test CRM', String(RECEIVED_SECONDS + 301), RECEIVED_AT)).code).toBe(
      'WEBHOOK.STALE_TIMESTAMP',
    );
    expect(refusalOf(() => assertFresh('Test CRM', '-5', RECEIVED_AT)).code).toBe('WEBHOOK.STALE_TIMESTAMP');
  });

  it('matches any candidate of the right bytes, refusing shorter, longer or different ones', () => {
    const other = hmacSha256('another-secret', `${RECEIVED_SECONDS}.`, BODY);
    expect(() => assertSignatureMatches('Test CRM', expected, [other, expected])).not.toThrow();
    for (const candidates of [
      [other],
      [expected.subarray(1)],
      [Buffer.concat([expected, Buffer.from([0])])],
      [],
    ]) {
      expect(refusalOf(() => assertSignatureMatches('Test CRM', expected, candidates)).code).toBe(
        'WEBHOOK.BAD_SIGNATURE',
      );
    }
  });

  it('verifies hex HMAC-SHA256 over "<timestamp>.<raw body>", refusing stale before comparing', () => {
    const delivery = { headers: {}, rawBody: BODY, receivedAt: RECEIVED_AT };
    const timestamp = String(RECEIVED_SECONDS);
    const good = expected.toString('hex');
    expect(() =>
      verifyTimestampedHmac('Test CRM', key, { timestamp, hexSignatures: ['00', good] }, delivery),
    ).not.toThrow();
    expect(
      refusalOf(() =>
        verifyTimestampedHmac('Test CRM', 'other', { timestamp, hexSignatures: [good] }, delivery),
      ).code,
    ).toBe('WEBHOOK.BAD_SIGNATURE');
    const late = { ...delivery, receivedAt: new Date(RECEIVED_AT.getTime() + 301_000) };
    expect(
      refusalOf(() => verifyTimestampedHmac('Test CRM', key, { timestamp, hexSignatures: [good] }, late))
        .code,
    ).toBe('WEBHOOK.STALE_TIMESTAMP');
  });

  it('reads headers whatever their case, blank as absent', () => {
    expect(headerOf({ 'X-Signature': ' s:k:1:x ' }, 'x-signature')).toBe('s:k:1:x');
    expect(headerOf({ 'x-signature': ' ' }, 'X-Signature')).toBeUndefined();
    expect(headerOf({}, 'x-signature')).toBeUndefined();
  });
});

describe('refusal codes', () => {
  it('maps every adapter refusal code back to its reason, an unknown key id included, and nothing else', () => {
    expect(refusalReasonOf(new WebhookRefusedError('unknown_key', 'no key k-1').code)).toBe('unknown_key');
    expect(refusalReasonOf('WEBHOOK.STALE_TIMESTAMP')).toBe('stale_timestamp');
    expect(refusalReasonOf('WEBHOOK.BAD_SIGNATURE')).toBe('bad_signature');
    expect(refusalReasonOf('WEBHOOK.KEY_LOOKUP_LIMITED')).toBe('key_lookup_limited');
    expect(refusalReasonOf('WEBHOOK.FOREIGN_TENANT')).toBe('foreign_tenant');
    expect(refusalReasonOf('ADAPTER.AUTH_INVALID')).toBeNull();
    expect(new PropsyncError('WEBHOOK.STALE_TIMESTAMP', 'old').transient).toBe(false);
  });
});
