// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import { CONNECTIONS_REFRESH_INTERVAL_MS } from '../hooks/useConnections.ts';
import { IntegrationsPage } from './IntegrationsPage.tsx';

const PROPSYNC = 'http://propsync.example.test';
const HOST = 'http://host.example.test';

/** A browser's view of a Propsync that refuses this page's origin, or of one that is down. */
function stubFetch(propsync: 'refuses-origin' | 'down') {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(url);
    if (propsync === 'refuses-origin' && url === `${PROPSYNC}/embed/origin`) {
      return new Response(JSON.stringify({ origin: HOST, allowed: false }), {
        headers: { 'content-type': 'application/json' },
      });
    }
    // What fetch does when the preflight is refused, or nothing answers.
    throw new TypeError('Failed to fetch');
  });
  return { trpcCalls: () => calls.filter((url) => url.startsWith(`${PROPSYNC}/trpc`)).length };
}

function renderPage() {
  render(
    <PropsyncProvider baseUrl={PROPSYNC} getToken={() => 'token'}>
      <IntegrationsPage />
    </PropsyncProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('IntegrationsPage when Propsync cannot be called', () => {
  it('says the origin was refused and how to fix it, once, and stops polling', async () => {
    const fetchStub = stubFetch('refuses-origin');
    renderPage();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      `Could not load your connections: Propsync at ${PROPSYNC} refused this origin (${HOST}): add it to PROPSYNC_ALLOWED_ORIGINS`,
    );
    expect(screen.queryByText('Loading connections…')).toBeNull();
    // The panels would repeat the same reason: the page says it once.
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    const callsWhenRefused = fetchStub.trpcCalls();
    await new Promise((resolve) => setTimeout(resolve, CONNECTIONS_REFRESH_INTERVAL_MS + 500));
    expect(fetchStub.trpcCalls()).toBe(callsWhenRefused);
  });

  it('tells a Propsync that does not answer apart from a refused origin', async () => {
    stubFetch('down');
    renderPage();
    const alert = await screen.findByRole('alert', {}, { timeout: 15_000 });
    expect(alert.textContent).toContain(
      `Propsync at ${PROPSYNC} cannot be reached: check the baseUrl given to PropsyncProvider, that the server is running, and that your page's Content-Security-Policy connect-src lists it`,
    );
  });
});
