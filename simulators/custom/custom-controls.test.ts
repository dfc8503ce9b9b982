import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../toolkit/simulator-testing.ts';
import { createCustomSimulator } from './custom-simulator.ts';

const closeLater = closeAfterEach();

async function start() {
  const simulator = createCustomSimulator({ contactCount: 40, rateLimits: false });
  const running = await simulator.listen(0);
  closeLater(() => simulator.close());
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${running.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  };
  return { simulator, control };
}

/** The CRM's own `/_sim` routes: what each answers, pinned. */
describe('custom simulator: its own control routes', () => {
  it('enters an activity (201 {id}), moves it on (204), and answers 404 or 400 for what it cannot do', async () => {
    const { simulator, control } = await start();
    const contactId = simulator.contactIds()[0]!;
    const entered = await control('POST', '/activities', { contactId, type: 'offer', amount: 250_000 });
    expect(entered).toEqual({ status: 201, body: { id: expect.stringMatching(/^act_\d+$/) } });
    const id = (entered.body as { id: string }).id;
    expect(await control('POST', `/activities/${id}/status`, { status: 'accepted' })).toEqual({
      status: 204,
      body: null,
    });
    expect(simulator.activities({ contactId }).find((activity) => activity.id === id)).toMatchObject({
      status: 'accepted',
      amount: 250_000,
    });
    expect(await control('POST', '/activities/act_9999999/status', { status: 'accepted' })).toEqual({
      status: 404,
      body: { error: 'activity act_9999999 not found' },
    });
    expect((await control('POST', `/activities/${id}/status`, { status: 'completed' })).status).toBe(404);
    expect((await control('POST', '/activities', { contactId, type: 'party' })).status).toBe(400);
    expect((await control('POST', '/activities', { contactId: 'con_9999999', type: 'call' })).status).toBe(
      404,
    );
  });

  it('lists, revokes and restores API keys by label', async () => {
    const { simulator, control } = await start();
    const demo = { label: 'demo', scopes: simulator.apiKeys[0]!.scopes };
    expect(await control('GET', '/api-keys')).toEqual({ status: 200, body: [{ ...demo, revoked: false }] });
    expect(await control('POST', '/api-keys/demo/revoke')).toEqual({ status: 204, body: null });
    expect((await control('GET', '/api-keys')).body).toEqual([{ ...demo, revoked: true }]);
    expect(await control('POST', '/api-keys/demo/restore')).toEqual({ status: 204, body: null });
    expect(simulator.isApiKeyRevoked()).toBe(false);
    expect(await control('POST', '/api-keys/other/revoke')).toEqual({
      status: 404,
      body: { error: 'unknown API key other' },
    });
  });

  it('shows write-back, subscriptions and planted duplicates', async () => {
    const { simulator, control } = await start();
    const contactId = simulator.contactIds()[2]!;
    expect(await control('GET', `/write-back/${contactId}`)).toEqual({
      status: 200,
      body: { activities: [], nurture: simulator.nurture(contactId) },
    });
    expect(await control('GET', '/write-back/con_9999999')).toEqual({
      status: 404,
      body: { error: 'contact con_9999999 not found' },
    });
    expect(await control('GET', '/webhooks')).toEqual({ status: 200, body: { webhooks: [] } });
    expect(await control('GET', '/planted-duplicates')).toEqual({
      status: 200,
      body: {
        duplicates: JSON.parse(JSON.stringify(simulator.plantedDuplicates())),
        namesakes: JSON.parse(JSON.stringify(simulator.namesakes())),
      },
    });
  });
});
