import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../test-support/test-services.ts';
import { call, databaseChecksum, fakeCrms, services } from './bad-input.fixtures.ts';
import { startBadInputServer, stopBadInputServer } from './bad-input.fixtures.ts';

/**
 * The bad-input corpus for the outbound addresses an admin can steer: the egress policy (see
 * bad-input.fixtures.ts).
 */

/** Internal addresses in the notations an admin might try; the policy refuses every one. */
const INTERNAL_ADDRESSES = [
  'http://127.0.0.1:9/propsync/v1',
  'http://127.1/',
  'http://2130706433/',
  'http://0x7f.0.0.1/',
  'http://0177.0.0.1/',
  'http://localhost/',
  'http://[::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.0.1/',
  'http://[fd00::1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fe80::1]/',
  'http://100.64.0.1/',
  'http://224.0.0.1/',
  'http://[ff02::1]/',
  'http://0.0.0.0/',
];

beforeAll(startBadInputServer, 120_000);
afterAll(stopBadInputServer);

describe('outbound addresses an admin can steer', () => {
  let egressToken: string;

  beforeAll(async () => {
    const egressOrganisation = await createOrganisation(services, 'Egress Lettings');
    egressToken = await services.tokens.mint({ organisationId: egressOrganisation, role: 'admin' });
  });

  const connectCustom = (baseUrl: string) =>
    call(
      'connections.connect',
      'mutation',
      JSON.stringify({ provider: 'custom', credentials: { apiKey: 'key' }, settings: { baseUrl } }),
      egressToken,
    );

  async function refusal(response: Response): Promise<string> {
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status, body.error.message).toBe(400);
    return body.error.message;
  }

  it('refuses every internal range, in every notation, for a CRM address and a host webhook, storing nothing', async () => {
    const before = await databaseChecksum();
    for (const address of INTERNAL_ADDRESSES) {
      expect(await refusal(await connectCustom(address)), address).toMatch(
        /address is refused: Propsync does not call internal addresses/,
      );
      const configured = await call(
        'hostWebhooks.configure',
        'mutation',
        JSON.stringify({ url: address, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
        egressToken,
      );
      expect(await refusal(configured), address).toMatch(/internal addresses/);
    }
    expect(await databaseChecksum()).toEqual(before);
  });

  it('answers an open internal port (the database) exactly as a closed one', async () => {
    const databasePort = new URL(services.url).port;
    const open = await refusal(await connectCustom(`http://127.0.0.1:${databasePort}/v1`));
    const closed = await refusal(await connectCustom('http://127.0.0.1:9/v1'));
    expect(open).toBe(closed);
  });

  it('refuses a redirect to another origin, never calling it', async () => {
    const before = await databaseChecksum();
    const message = await refusal(await connectCustom(`${fakeCrms.redirecting.url}/v1`));
    expect(message).toMatch(/redirected to another address.*same origin/);
    expect(fakeCrms.redirecting.hits.length).toBeGreaterThan(0);
    expect(fakeCrms.elsewhere.hits).toEqual([]);
    expect(await databaseChecksum()).toEqual(before);
  });

  it("summarises a CRM's error answer without echoing its text", async () => {
    const message = await refusal(await connectCustom(`${fakeCrms.chatty.url}/v1`));
    expect(fakeCrms.chatty.hits.length).toBeGreaterThan(0);
    expect(message).toContain('HTTP 400');
    expect(message).not.toContain('INTERNAL-ONLY');
  });
});
