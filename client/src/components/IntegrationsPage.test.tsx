// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONNECTIONS_REFRESH_INTERVAL_MS } from '../hooks/useConnections.ts';
import type { FixtureAnswers } from '../web-component/fixture-api.ts';
import {
  useFixtureApiPerTest,
  WithPropsync,
  type InstalledFixtureApi,
} from '../web-component/fixture-api-test.tsx';
import { IntegrationsPage, type IntegrationsPageProps } from './IntegrationsPage.tsx';
import { sampleHistory, sampleSyncRuns, webhookAlert } from './audit.fixtures.ts';
import {
  activeReapitConnection,
  erroredStreetConnection,
  importingAgentosConnection,
} from './connection.fixtures.ts';
import { unconfirmedFieldMapping } from './field-mapping.fixtures.ts';
import {
  agentosProvider,
  altoProvider,
  providerListing,
  reapitProvider,
  streetProvider,
} from './provider.fixtures.ts';

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
    <WithPropsync baseUrl={PROPSYNC}>
      <IntegrationsPage />
    </WithPropsync>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});
const installApi = useFixtureApiPerTest();
/** The running test's fixture API, to count the calls it answered. */
let fixtureApi: InstalledFixtureApi | null = null;

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

const ANSWERS: FixtureAnswers = {
  'connections.list': [activeReapitConnection, importingAgentosConnection, erroredStreetConnection],
  'providers.list': [
    providerListing(agentosProvider, 'Agent OS'),
    providerListing(reapitProvider, 'Reapit'),
    providerListing(streetProvider, 'Street'),
    providerListing(altoProvider, 'Alto'),
  ],
  'alerts.list': { items: [webhookAlert], nextCursor: null, totalCount: 1 },
  'syncRuns.list': { items: sampleSyncRuns.slice(0, 20), nextCursor: null, totalCount: 20 },
  'syncRuns.history': sampleHistory,
  'connections.fieldMapping': unconfirmedFieldMapping,
  'connections.syncNow': { queued: true },
  'connections.disconnect': {
    ...activeReapitConnection,
    status: 'disconnected',
    accessAtProvider: 'revoked',
  },
  'connections.setSchedule': { ...activeReapitConnection, syncIntervalMinutes: 60 },
};

/** The page against an API that answers from fixtures; resolves once the cards are in. */
async function renderAnsweredPage(props: IntegrationsPageProps = {}, answers: FixtureAnswers = ANSWERS) {
  fixtureApi = installApi(answers);
  render(
    <WithPropsync baseUrl={PROPSYNC}>
      <IntegrationsPage {...props} />
    </WithPropsync>,
  );
  await screen.findAllByRole('article');
}

function card(providerName: string): HTMLElement {
  return screen.getByRole('article', { name: providerName });
}

/** The page's notice line: the result of the last action. */
function notice(): HTMLElement {
  return document.querySelector<HTMLElement>('.propsync-page-notice')!;
}

function calls(procedure: string): number {
  return fixtureApi!.requests.filter((request) => request.url.includes(`/trpc/${procedure}`)).length;
}

describe('IntegrationsPage with Propsync answering', () => {
  it('fills every section from the API: alerts, cards, connect, field mapping, history and the audit log', async () => {
    await renderAnsweredPage();
    expect(screen.getAllByRole('article')).toHaveLength(3);
    expect(await screen.findByText(webhookAlert.message)).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Connect a CRM' })).toBeTruthy();
    const picker = await screen.findByRole('combobox', { name: 'Review the field mapping of' });
    expect((picker as HTMLSelectElement).value).toBe(activeReapitConnection.id);
    expect(await screen.findByRole('img', { name: /Sync history/ })).toBeTruthy();
    await waitFor(() =>
      expect(screen.getByTestId('audit-log-summary').textContent).toBe('Showing 20 of 20 cycles'),
    );
    expect(notice().textContent).toBe('');
  });

  it("announces a card's sync", async () => {
    await renderAnsweredPage();
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(notice().textContent).toBe('Sync queued for Reapit'));
    expect(calls('connections.syncNow')).toBe(1);
  });

  it("says why a card's action failed", async () => {
    await renderAnsweredPage({}, { ...ANSWERS, 'connections.syncNow': undefined });
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(notice().textContent).toBe('No fixture answers connections.syncNow'));
    expect(notice().querySelector('.propsync-notice--error')).not.toBeNull();
  });

  it('disconnects and says what became of access at the CRM', async () => {
    await renderAnsweredPage();
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Disconnect' }));
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Disconnect Reapit' }));
    await waitFor(() =>
      expect(notice().textContent).toBe(
        "Reapit disconnected. Its contacts and the audit trail are kept. Propsync's access was revoked at Reapit.",
      ),
    );
  });

  it("changes a connection's schedule and says the new one", async () => {
    await renderAnsweredPage();
    await userEvent.selectOptions(within(card('Reapit')).getByLabelText('Schedule'), '60');
    await waitFor(() => expect(notice().textContent).toBe('Reapit now syncs every hour'));
    expect(calls('connections.setSchedule')).toBe(1);
  });

  it('opens the reconnect form from a card and from an alert', async () => {
    await renderAnsweredPage();
    await userEvent.click(within(card('Street')).getByRole('button', { name: 'Reconnect' }));
    expect(screen.getByRole('form', { name: 'Reconnect Street' })).toBeTruthy();
    await userEvent.click(await screen.findByRole('button', { name: 'Reconnect to re-register webhooks' }));
    expect(screen.getByRole('form', { name: 'Reconnect Reapit' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Reconnect Street' })).toBeNull();
  });

  it("leaves disconnect and reconnect to the host's own, when it gives them", async () => {
    const onDisconnect = vi.fn(async () => {});
    const onReconnect = vi.fn(async () => {});
    await renderAnsweredPage({ onDisconnect, onReconnect });
    await userEvent.click(within(card('Street')).getByRole('button', { name: 'Reconnect' }));
    expect(onReconnect).toHaveBeenCalledWith(erroredStreetConnection);
    await waitFor(() => expect(notice().textContent).toBe('Street reconnected'));
    expect(screen.queryByTestId('connect-form')).toBeNull();

    const listCalls = calls('connections.list');
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Disconnect' }));
    await userEvent.click(within(card('Reapit')).getByRole('button', { name: 'Disconnect Reapit' }));
    await waitFor(() =>
      expect(notice().textContent).toBe('Reapit disconnected. Its contacts and the audit trail are kept.'),
    );
    expect(onDisconnect).toHaveBeenCalledWith(activeReapitConnection);
    // Propsync did not disconnect it: the list is asked again to show what the host did.
    expect(calls('connections.list')).toBeGreaterThan(listCalls);
    expect(calls('connections.disconnect')).toBe(0);
  });

  it('shows a sign-in return at once, then what finishing it did', async () => {
    window.history.replaceState(null, '', '/?propsync_oauth=returned&propsync_sign_in=sign-in-1');
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    fixtureApi = installApi({
      ...ANSWERS,
      'connections.finishOAuth': { connection: activeReapitConnection, reconnected: false },
    });
    const answer = window.fetch;
    // Holds the finish back, so the notice that comes first can be read.
    window.fetch = async (input, init) => {
      if (String(input).includes('connections.finishOAuth')) await finished;
      return answer(input, init);
    };
    render(
      <WithPropsync baseUrl={PROPSYNC}>
        <IntegrationsPage />
      </WithPropsync>,
    );
    expect(notice().textContent).toBe('Finishing the sign-in…');
    finish();
    await waitFor(() =>
      expect(notice().textContent).toBe('Signed in: Reapit is connected and its first import has started.'),
    );
  });

  it('offers no action to a viewer', async () => {
    await renderAnsweredPage({ readOnly: true });
    await screen.findByText(webhookAlert.message);
    await screen.findByTestId('mapping-unconfirmed');
    for (const name of ['Sync now', 'Reconnect', 'Disconnect', 'Connect a CRM', 'Acknowledge']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    expect(screen.queryByRole('button', { name: 'Confirm mapping and categories' })).toBeNull();
    expect(within(card('Reapit')).queryByLabelText('Schedule')).toBeNull();
  });
});
