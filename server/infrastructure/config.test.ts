import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('HTTP configuration', () => {
  it('binds to loopback outside production unless PROPSYNC_HOST says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production' }).host).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'development', PROPSYNC_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'production', PROPSYNC_HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
  });

  it("reads PROPSYNC_FRAME_ANCESTORS as CSP sources ('self' by default) and refuses anything else", () => {
    expect(loadConfig({}).frameAncestors).toEqual(["'self'"]);
    expect(
      loadConfig({
        PROPSYNC_FRAME_ANCESTORS: 'self, https://crm.example.co.uk https://*.agency.example:8443/',
      }).frameAncestors,
    ).toEqual(["'self'", 'https://crm.example.co.uk', 'https://*.agency.example:8443']);
    expect(loadConfig({ PROPSYNC_FRAME_ANCESTORS: "'none'" }).frameAncestors).toEqual(["'none'"]);
    for (const bad of [
      'https://x.example; script-src *',
      'javascript:alert(1)',
      '*',
      "'none' https://a.example",
    ]) {
      expect(() => loadConfig({ PROPSYNC_FRAME_ANCESTORS: bad }), bad).toThrow(/PROPSYNC_FRAME_ANCESTORS/);
    }
  });

  it('reads PROPSYNC_TRUST_PROXY as Express reads trust proxy (off by default)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ PROPSYNC_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ PROPSYNC_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ PROPSYNC_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe(
      'loopback, 10.0.0.0/8',
    );
  });
});

describe('retention configuration', () => {
  it('keeps the log 90 days, runs 180, deliveries and host events 30 unless told otherwise, and refuses nonsense', () => {
    expect(loadConfig({}).retention).toEqual({
      syncLogDays: 90,
      syncRunsDays: 180,
      webhookDeliveriesDays: 30,
      hostEventsDays: 30,
    });
    expect(
      loadConfig({
        PROPSYNC_RETENTION_SYNC_LOG_DAYS: '400',
        PROPSYNC_RETENTION_SYNC_RUNS_DAYS: '500',
        PROPSYNC_RETENTION_WEBHOOK_DELIVERIES_DAYS: '7',
        PROPSYNC_RETENTION_HOST_EVENTS_DAYS: '14',
      }).retention,
    ).toEqual({ syncLogDays: 400, syncRunsDays: 500, webhookDeliveriesDays: 7, hostEventsDays: 14 });
    for (const bad of ['0', '-3', '1.5', 'forever']) {
      expect(() => loadConfig({ PROPSYNC_RETENTION_SYNC_LOG_DAYS: bad }), bad).toThrow(
        /PROPSYNC_RETENTION_SYNC_LOG_DAYS/,
      );
    }
  });
});
