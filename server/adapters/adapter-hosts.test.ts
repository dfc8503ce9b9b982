import { describe, expect, it } from 'vitest';
import { loadConfig } from '../infrastructure/config.ts';
import { createLogger } from '../infrastructure/logger.ts';
import { hostVariable } from './adapter-definition.ts';
import { AdapterResolver } from './adapter-resolver.ts';
import { CRMS } from '../test-support/crms.ts';

const logger = createLogger({ level: 'silent' });

describe("CRMs' fixed hosts come from operator configuration", () => {
  it('default to the real hosts, and the form has no address field where the hosts are fixed', () => {
    const resolver = new AdapterResolver(logger);
    expect(resolver.addressesOf('reapit', { customerId: 'SBOX' }).sort()).toEqual([
      'https://connect.reapit.cloud',
      'https://platform.reapit.cloud',
    ]);
    expect(resolver.addressesOf('agentos', { shortName: 'acme' })).toContain('https://live-api.letmc.com');
    for (const { adapter } of CRMS) {
      if (!adapter.hosts) continue;
      const fields = adapter.info.connectFields.settings.map((field) => field.name);
      expect(fields, adapter.info.id).not.toContain('baseUrl');
    }
  });

  it('take PROPSYNC_<CRM>_<HOST>_URL over the defaults, and ignore addresses in the settings', () => {
    const resolver = new AdapterResolver(logger, {
      hostConfig: loadConfig({
        PROPSYNC_REAPIT_API_URL: 'https://api.reapit.example/',
        PROPSYNC_REAPIT_CONNECT_URL: 'https://connect.reapit.example',
      } as NodeJS.ProcessEnv).crmHosts,
    });
    const addresses = resolver.addressesOf('reapit', {
      customerId: 'SBOX',
      baseUrl: 'http://127.0.0.1:9',
      tokenUrl: 'http://127.0.0.1:9',
    });
    expect(addresses.sort()).toEqual(['https://api.reapit.example', 'https://connect.reapit.example']);
    expect(hostVariable('reapit', 'connect')).toBe('PROPSYNC_REAPIT_CONNECT_URL');
  });

  it('refuse to connect a CRM without a published host until the operator configures it', () => {
    expect(() => new AdapterResolver(logger).addressesOf('loop', {})).toThrow(/PROPSYNC_LOOP_API_URL/);
    const configured = new AdapterResolver(logger, {
      hostConfig: { PROPSYNC_LOOP_API_URL: 'https://loop.example/api' },
    });
    expect(configured.addressesOf('loop', {})).toEqual(['https://loop.example/api']);
  });

  it('stop start-up on a host variable that is not an http(s) address', () => {
    expect(() =>
      loadConfig({ PROPSYNC_ALTO_TOKEN_URL: 'ftp://alto.example/token' } as NodeJS.ProcessEnv),
    ).toThrow(/PROPSYNC_ALTO_TOKEN_URL/);
  });
});
