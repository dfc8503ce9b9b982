// @vitest-environment jsdom
import { waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  definePropsyncIntegrations,
  MISSING_GET_TOKEN_MESSAGE,
  PROPSYNC_INTEGRATIONS_TAG,
  type PropsyncIntegrationsElement,
} from './propsync-integrations.element.tsx';

const nextMacrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

function connect(): PropsyncIntegrationsElement {
  const element = document.createElement(PROPSYNC_INTEGRATIONS_TAG);
  document.body.append(element);
  return element;
}

beforeAll(() => definePropsyncIntegrations());

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('<propsync-integrations> styles', () => {
  it('adopts a constructed stylesheet, which a CSP without unsafe-inline does not block', () => {
    const shadow = connect().shadowRoot!;
    expect(shadow.querySelector('style')).toBeNull();
    expect(shadow.adoptedStyleSheets).toHaveLength(1);
    const selectors = Array.from(shadow.adoptedStyleSheets[0]!.cssRules, (rule) => rule.cssText);
    expect(selectors.some((text) => text.startsWith(':host'))).toBe(true);
    expect(selectors.some((text) => text.startsWith('.propsync-root'))).toBe(true);
  });

  it('falls back to a <style> element where stylesheets cannot be constructed', () => {
    vi.spyOn(CSSStyleSheet.prototype, 'replaceSync').mockImplementation(() => {
      throw new TypeError('Illegal constructor');
    });
    const shadow = connect().shadowRoot!;
    expect(shadow.adoptedStyleSheets).toHaveLength(0);
    expect(shadow.querySelector('style')!.textContent).toContain('.propsync-root');
  });
});

describe('<propsync-integrations> without getToken', () => {
  it('warns once and shows a notice when the host has set no getToken by the next macrotask', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const element = connect();
    expect(warn).not.toHaveBeenCalled();
    const shadow = within(element.shadowRoot as unknown as HTMLElement);
    const notice = await waitFor(() => shadow.getByRole('alert'));
    expect(notice.textContent).toMatch(/has not given it a way to sign in/);
    expect(notice.textContent).toContain('element.getToken = async () => token');
    expect(notice.closest('.propsync-root')).not.toBeNull();
    expect(warn).toHaveBeenCalledExactlyOnceWith(MISSING_GET_TOKEN_MESSAGE);
    expect(MISSING_GET_TOKEN_MESSAGE).toBe(
      '<propsync-integrations> has no getToken: set element.getToken = async () => token (see README "Embedding")',
    );

    // Moved in the page: still no token, but it has said so already.
    element.remove();
    document.body.append(element);
    await nextMacrotask();
    await nextMacrotask();
    expect(warn).toHaveBeenCalledOnce();
    expect(shadow.getByRole('alert')).toBeTruthy();
  });

  it('says nothing when the host sets getToken right after appending the element', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('fetch', () => new Promise<Response>(() => {}));
    const element = connect();
    element.getToken = async () => 'embed-token';
    await nextMacrotask();
    await nextMacrotask();
    expect(warn).not.toHaveBeenCalled();
    expect(element.shadowRoot!.querySelector('[role="alert"]')).toBeNull();
  });

  it('replaces the notice with the page once a getToken arrives', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('fetch', () => new Promise<Response>(() => {}));
    const element = connect();
    const shadow = within(element.shadowRoot as unknown as HTMLElement);
    await waitFor(() => shadow.getByRole('alert'));
    element.getToken = async () => 'embed-token';
    await waitFor(() => expect(shadow.getByRole('heading', { level: 1, name: 'Integrations' })).toBeTruthy());
    expect(shadow.queryByText(/has not given it a way to sign in/)).toBeNull();
  });
});
