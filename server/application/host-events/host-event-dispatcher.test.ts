import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createTestServices, type TestServices } from '../../test-support/test-services.ts';
import { waitFor } from '../../test-support/worker-process.ts';
import { HOST_WEBHOOK_BINDING } from './host-event-dispatcher.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let services: TestServices;
let host: Server;
let hostUrl: string;
let allowedUrl: string;
const hits: string[] = [];

/** A host application's receiver on loopback, which the policy of these services does not allow. */
beforeAll(async () => {
  host = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.end();
  }).listen(0, 'localhost');
  await new Promise((resolve) => host.once('listening', resolve));
  const { port, address, family } = host.address() as { port: number; address: string; family: string };
  hostUrl = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}/internal/hooks`;
  // The same receiver under a name the operator allow-listed.
  allowedUrl = `http://localhost:${port}/hooks`;
  services = await createTestServices({ env: { PROPSYNC_EGRESS_ALLOW: `localhost:${port}` } });
});

afterAll(async () => {
  host?.close();
  await services?.destroy();
});

/** Points an agency's host webhook at `url` directly, as a row saved before the policy existed. */
async function agencyWithHostWebhook(url: string): Promise<string> {
  const organisationId = await createOrganisation(services, `Host ${url}`);
  const envelope = services.vault.encrypt(SECRET, { organisationId, connectionId: HOST_WEBHOOK_BINDING });
  await services.orm.em
    .fork()
    .execute(`update organisations set host_webhook_url = ?, host_webhook_secret = ?::jsonb where id = ?`, [
      url,
      JSON.stringify(envelope),
      organisationId,
    ]);
  await services.orm.em
    .fork()
    .execute(
      `insert into host_events (organisation_id, type, payload) values (?, 'contact.hot_lead', '{}')`,
      [organisationId],
    );
  return organisationId;
}

const eventOf = (organisationId: string) =>
  services.orm.em
    .fork()
    .execute<{ status: string; last_error: string | null; attempts: number }[]>(
      `select status, last_error, attempts from host_events where organisation_id = ?`,
      [organisationId],
    )
    .then((rows) => rows[0]);

describe('host webhook dispatcher under the egress policy', () => {
  it('never posts a signed event to an internal address, and records why', async () => {
    const organisationId = await agencyWithHostWebhook(hostUrl);
    await services.hostEvents.deliverDue();
    const event = await waitFor(async () => {
      const row = await eventOf(organisationId);
      return row && row.attempts > 0 ? row : null;
    });
    expect(event.status).toBe('failed');
    expect(event.last_error).toMatch(/^refused: Propsync does not call internal addresses/);
    expect(hits).toEqual([]);
  });

  it('delivers to an address the operator allowed', async () => {
    const organisationId = await agencyWithHostWebhook(allowedUrl);
    await services.hostEvents.deliverDue();
    const event = await waitFor(async () => {
      const row = await eventOf(organisationId);
      return row?.status === 'delivered' ? row : null;
    });
    expect(event.last_error).toBeNull();
    expect(hits).toEqual(['POST /hooks']);
  });

  it('refuses to save an internal address, and saves an allowed one', async () => {
    const organisationId = await createOrganisation(services, 'Saving Lettings');
    await expect(
      services.hostWebhooks.configure(organisationId, { url: hostUrl, secret: SECRET }),
    ).rejects.toMatchObject({ code: 'EGRESS.REFUSED', message: expect.stringMatching(/loopback/) });
    await expect(
      services.hostWebhooks.configure(organisationId, { url: allowedUrl, secret: SECRET }),
    ).resolves.toEqual({ url: allowedUrl, configured: true });
  });
});
