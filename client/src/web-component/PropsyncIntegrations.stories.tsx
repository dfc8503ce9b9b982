import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useRef, type CSSProperties } from 'react';
import { expect, waitFor, within } from 'storybook/test';
import { sampleHistory, sampleSyncRuns, webhookAlert } from '../components/audit.fixtures.ts';
import {
  activeReapitConnection,
  erroredStreetConnection,
  importingAgentosConnection,
} from '../components/connection.fixtures.ts';
import { agentosProvider, providerListing, reapitProvider } from '../components/provider.fixtures.ts';
import { installFixtureApi, type FixtureRequest } from './fixture-api.ts';
import {
  definePropsyncIntegrations,
  PROPSYNC_INTEGRATIONS_TAG,
  type PropsyncIntegrationsElement,
} from './propsync-integrations.element.tsx';

const BASE_URL = 'https://propsync.example.test';
const TOKEN = 'story-embed-token';

const ANSWERS = {
  'connections.list': [activeReapitConnection, importingAgentosConnection, erroredStreetConnection],
  'providers.list': [providerListing(agentosProvider, 'Agent OS'), providerListing(reapitProvider, 'Reapit')],
  'alerts.list': { items: [webhookAlert], nextCursor: null, totalCount: 1 },
  'syncRuns.list': { items: sampleSyncRuns.slice(0, 20), nextCursor: null, totalCount: 20 },
  'syncRuns.history': sampleHistory,
};

let requests: FixtureRequest[] = [];

/** A host page's theme: set on an ancestor, inherited into the element's shadow root. */
const HOST_THEME = {
  '--propsync-color-accent': '#6d28d9',
  '--propsync-radius': '4px',
  '--propsync-font-family': 'Georgia, serif',
} as CSSProperties;

/**
 * What a host without React writes: create the element, give it Propsync's address and a token
 * callback. `tag` and `defineAfterCreating` let a story load the definition after the host has
 * already set `getToken` on the plain element (a late script tag).
 */
function HostPage({
  tag,
  defineAfterCreating,
  withGetToken = true,
}: {
  tag: string;
  defineAfterCreating: boolean;
  withGetToken?: boolean;
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!defineAfterCreating) definePropsyncIntegrations(tag);
    const element = document.createElement(tag) as PropsyncIntegrationsElement;
    element.setAttribute('base-url', BASE_URL);
    if (withGetToken) element.getToken = async () => TOKEN;
    container.current!.append(element);
    if (defineAfterCreating) definePropsyncIntegrations(tag);
    return () => element.remove();
  }, [tag, defineAfterCreating, withGetToken]);
  return <div ref={container} style={HOST_THEME} />;
}

const meta = {
  title: 'Integrations/Web component',
  component: HostPage,
  parameters: { layout: 'fullscreen' },
  args: { tag: PROPSYNC_INTEGRATIONS_TAG, defineAfterCreating: false },
  beforeEach: () => {
    const api = installFixtureApi(ANSWERS);
    requests = api.requests;
    return api.restore;
  },
} satisfies Meta<typeof HostPage>;

export default meta;
type Story = StoryObj<typeof meta>;

async function renderedPage(canvasElement: HTMLElement, tag: string) {
  const element = await waitFor(() => {
    const found = canvasElement.querySelector<PropsyncIntegrationsElement>(tag);
    expect(found?.shadowRoot?.querySelector('.propsync-root')).toBeTruthy();
    return found!;
  });
  const shadow = within(element.shadowRoot as unknown as HTMLElement);
  await waitFor(() => expect(shadow.getAllByRole('article')).toHaveLength(3), { timeout: 5_000 });
  return { element, shadow };
}

/** The whole integrations page in a shadow root, its data from the API with the host's token. */
export const ThemedByTheHostPage: Story = {
  play: async ({ canvasElement }) => {
    const { element, shadow } = await renderedPage(canvasElement, PROPSYNC_INTEGRATIONS_TAG);
    await expect(shadow.getByRole('heading', { level: 1, name: 'Integrations' })).toBeTruthy();
    // Its styles are its own: inside the shadow root, none in the host document.
    // A constructed stylesheet, not a <style> element, so a strict host CSP does not block it.
    const shadowCss = element.shadowRoot!.adoptedStyleSheets.flatMap((sheet) =>
      Array.from(sheet.cssRules, (rule) => rule.cssText),
    );
    await expect(shadowCss.some((rule) => rule.startsWith('.propsync-root'))).toBe(true);
    await expect(canvasElement.querySelector('.propsync-integrations-page')).toBeNull();
    // Every request went to base-url with the token getToken gave.
    await expect(requests.length).toBeGreaterThan(0);
    await expect(requests.filter((request) => !request.url.startsWith(`${BASE_URL}/trpc/`))).toEqual([]);
    await expect(requests.filter((request) => request.authorization !== `Bearer ${TOKEN}`)).toEqual([]);
  },
};

/** A host that sets `getToken` before the element's script has loaded still gets its page. */
export const TokenSetBeforeTheScriptLoaded: Story = {
  args: { tag: 'propsync-integrations-late', defineAfterCreating: true },
  play: async ({ canvasElement }) => {
    await renderedPage(canvasElement, 'propsync-integrations-late');
    await expect(requests.filter((request) => request.authorization !== `Bearer ${TOKEN}`)).toEqual([]);
  },
};

/** A host that forgot `getToken` is told so on the page (and in the console), not left blank. */
export const WithoutGetToken: Story = {
  args: { withGetToken: false },
  play: async ({ canvasElement }) => {
    const element = canvasElement.querySelector<PropsyncIntegrationsElement>(PROPSYNC_INTEGRATIONS_TAG)!;
    const shadow = within(element.shadowRoot as unknown as HTMLElement);
    const notice = await waitFor(() => shadow.getByRole('alert'));
    await expect(notice.textContent).toContain('element.getToken = async () => token');
    await expect(requests).toEqual([]);
  },
};
