import { afterEach, describe, expect, it } from 'vitest';
import { crmTimeIso, parseCrmTime } from './crm-time.ts';

const serverZone = process.env.TZ;
afterEach(() => {
  if (serverZone === undefined) delete process.env.TZ;
  else process.env.TZ = serverZone;
});

const iso = (text: string) => {
  const ms = parseCrmTime(text);
  return Number.isNaN(ms) ? 'unreadable' : new Date(ms).toISOString();
};

describe('CRM times', () => {
  it('reads a time without a zone as UTC on a server in any zone (as a delta key, it must not move with the server)', () => {
    for (const zone of ['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata']) {
      process.env.TZ = zone;
      expect(iso('2025-07-01T10:00:00'), zone).toBe('2025-07-01T10:00:00.000Z');
      expect(iso('2025-07-01 10:00:00.25'), zone).toBe('2025-07-01T10:00:00.250Z');
      expect(iso('2025-07-01T10:00'), zone).toBe('2025-07-01T10:00:00.000Z');
      expect(iso('2025-07-01'), zone).toBe('2025-07-01T00:00:00.000Z');
    }
  });

  it('reads odd offsets, seven fractional digits and lower-case designators', () => {
    expect(iso('2025-07-01T10:00:00+0100')).toBe('2025-07-01T09:00:00.000Z');
    expect(iso('2025-07-01T10:00:00+01')).toBe('2025-07-01T09:00:00.000Z');
    expect(iso('2025-07-01T10:00:00-05:30')).toBe('2025-07-01T15:30:00.000Z');
    expect(iso('2025-07-01T10:00:00.1234567+00:00')).toBe('2025-07-01T10:00:00.123Z');
    expect(iso(' 2025-07-01t10:00:00z ')).toBe('2025-07-01T10:00:00.000Z');
    expect(iso('Tue, 01 Jul 2025 10:00:00 GMT')).toBe('2025-07-01T10:00:00.000Z');
  });

  it('finds no instant in text that does not say one, rather than guessing in the server zone', () => {
    process.env.TZ = 'America/New_York';
    for (const text of ['July 1, 2025', 'yesterday', '', '1751364000', '2025-07-01T10:00:00+1', '2025-13-01'])
      expect(iso(text), text).toBe('unreadable');
    expect(parseCrmTime(null)).toBeNaN();
    expect(crmTimeIso('yesterday', '2025-01-01T00:00:00.000Z')).toBe('2025-01-01T00:00:00.000Z');
  });
});
