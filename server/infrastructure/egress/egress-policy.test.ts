import { describe, expect, it } from 'vitest';
import { EgressPolicy, EgressRefusedError, parseEgressAllow } from './egress-policy.ts';
import { thrownBy } from '../../test-support/thrown.ts';

const refusing = new EgressPolicy({ httpsOnly: false, allow: [], lookup: async () => [] });

const refusal = (action: () => unknown) => thrownBy(EgressRefusedError, action);

describe('egress policy: internal ranges, in every notation', () => {
  // [address as an admin might type it, the words the refusal must use]
  const internal: Array<[string, string]> = [
    ['http://127.0.0.1:5432/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.0.0.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.255.255.254/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[::ffff:192.168.1.1]/', 'private'],
    ['http://[fc00::1]/', 'private'],
    ['http://[fd00:ec2::254]/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://2852039166/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://100.100.100.200/', 'carrier-grade NAT'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://[64:ff9b::7f00:1]/', 'reserved'],
    ['http://[2002:7f00:1::]/', 'reserved'],
    ['http://192.0.2.10/', 'reserved'],
    // IPv4-compatible IPv6: loopback and cloud metadata inside.
    ['http://[::127.0.0.1]/', 'reserved'],
    ['http://[::a9fe:a9fe]/', 'reserved'],
  ];

  it.each(internal)('refuses %s as %s', (url, words) => {
    const error = refusal(() => refusing.checkUrl(url));
    expect(error.message).toContain(words);
    expect(error.message).toContain('PROPSYNC_EGRESS_ALLOW');
  });

  it('lets public addresses through, IPv4 and IPv6', () => {
    for (const url of [
      'https://93.184.215.14/',
      'https://[2606:4700:4700::1111]/',
      'https://crm.example.co.uk/v1',
    ]) {
      expect(refusing.checkUrl(url).href).toBe(new URL(url).href);
    }
  });

  it('refuses other schemes, and plain http in production', () => {
    expect(refusal(() => refusing.checkUrl('file:///etc/passwd')).message).toContain('http(s)');
    expect(refusal(() => refusing.checkUrl('gopher://93.184.215.14/')).message).toContain('http(s)');
    const production = new EgressPolicy({ httpsOnly: true, allow: [] });
    expect(refusal(() => production.checkUrl('http://93.184.215.14/')).message).toContain('https');
    expect(production.checkUrl('https://93.184.215.14/').protocol).toBe('https:');
  });
});

describe('egress policy: the operator allow-list', () => {
  it('allows exactly what is listed: an address and port, a CIDR range, a host name', () => {
    const policy = new EgressPolicy({
      httpsOnly: false,
      allow: parseEgressAllow('127.0.0.1:4101, 10.20.0.0/16, crm.internal, [::1]:8080'),
    });
    expect(policy.checkUrl('http://127.0.0.1:4101/token').port).toBe('4101');
    expect(() => policy.checkUrl('http://127.0.0.1:54329/')).toThrow(EgressRefusedError);
    expect(policy.checkUrl('http://10.20.3.4/').hostname).toBe('10.20.3.4');
    expect(() => policy.checkUrl('http://10.21.0.1/')).toThrow(EgressRefusedError);
    expect(policy.checkUrl('http://[::1]:8080/').port).toBe('8080');
    expect(() => policy.checkUrl('http://[::1]:8081/')).toThrow(EgressRefusedError);
  });

  it('refuses entries it cannot read, naming them', () => {
    expect(() => parseEgressAllow('127.0.0.1:99999')).toThrow(/PROPSYNC_EGRESS_ALLOW has "127.0.0.1:99999"/);
    expect(() => parseEgressAllow('10.0.0.0/99')).toThrow(/10\.0\.0\.0\/99/);
    expect(() => parseEgressAllow('http://crm.internal')).toThrow(/PROPSYNC_EGRESS_ALLOW/);
  });
});

describe('egress policy: when an address is saved', () => {
  const resolvingTo = (addresses: Record<string, string[]>) =>
    new EgressPolicy({ httpsOnly: false, allow: [], lookup: async (name) => addresses[name] ?? [] });

  it('refuses a name that resolves to an internal address, and one that does not resolve', async () => {
    const policy = resolvingTo({
      'metadata.example': ['169.254.169.254'],
      'mixed.example': ['93.184.215.14', '10.0.0.7'],
    });
    await expect(policy.vetUrl('https://metadata.example/latest')).rejects.toThrow(/link-local/);
    await expect(policy.vetUrl('https://mixed.example/')).rejects.toThrow(/private-network/);
    await expect(policy.vetUrl('https://nowhere.example/')).rejects.toThrow(/could not be found/);
  });

  it('accepts a name that resolves only to public addresses', async () => {
    const policy = resolvingTo({ 'crm.example': ['93.184.215.14', '2606:4700:4700::1111'] });
    await expect(policy.vetUrl('https://crm.example/v1')).resolves.toBeInstanceOf(URL);
  });
});
