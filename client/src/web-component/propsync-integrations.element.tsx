import { createRoot, type Root } from 'react-dom/client';
import { IntegrationsPage } from '../components/IntegrationsPage.tsx';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import propsyncCss from '../styles/propsync.css?inline';

/** The tag the script-tag build registers; the ES module build registers it too, once. */
export const PROPSYNC_INTEGRATIONS_TAG = 'propsync-integrations';

/** Fired (bubbling, composed) when a hot-lead alert asks to open a contact in the host application. */
export const VIEW_CONTACT_EVENT = 'propsync-view-contact';
export type ViewContactEventDetail = { contactId: string };

export type TokenSource = () => Promise<string> | string;

// `:host` keeps the element a block like a div; the theme's --propsync-* variables are inherited
// from the host page through the shadow boundary, and nothing else of the host's CSS gets in.
const SHADOW_CSS = `:host { display: block; }\n:host([hidden]) { display: none; }\n${propsyncCss}`;

/**
 * `<propsync-integrations>`: the whole integrations page for hosts that do not use React. It
 * renders in its own shadow root with React bundled, so it neither needs nor meets the host's.
 * The host sets `element.getToken = async () => token` (called before every request batch);
 * attributes: `base-url` (Propsync's origin; the page's own by default) and `read-only`.
 */
export class PropsyncIntegrationsElement extends HTMLElement {
  static observedAttributes = ['base-url', 'read-only'];

  #getToken: TokenSource | null = null;
  #root: Root | null = null;
  #mount: HTMLDivElement | null = null;
  /** Bumped when `base-url` changes: the provider reads it once, so a new one needs a new tree. */
  #generation = 0;

  get getToken(): TokenSource | null {
    return this.#getToken;
  }

  set getToken(source: TokenSource | null) {
    this.#getToken = typeof source === 'function' ? source : null;
    this.#render();
  }

  connectedCallback(): void {
    // A host may set `getToken` before this class was defined (script loaded late): that set an
    // own property on the plain element, which would hide the accessor. Take it over.
    if (Object.hasOwn(this, 'getToken')) {
      const early = (this as { getToken?: TokenSource | null }).getToken ?? null;
      delete (this as { getToken?: unknown }).getToken;
      this.getToken = early;
    }
    if (!this.#mount) {
      const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = SHADOW_CSS;
      this.#mount = document.createElement('div');
      shadow.replaceChildren(style, this.#mount);
    }
    this.#render();
  }

  disconnectedCallback(): void {
    this.#root?.unmount();
    this.#root = null;
  }

  attributeChangedCallback(name: string, previous: string | null, next: string | null): void {
    if (previous === next) return;
    if (name === 'base-url') this.#generation++;
    this.#render();
  }

  /** Nothing renders (and nothing is requested) until the element is in a page and has a token source. */
  #render(): void {
    if (!this.isConnected || !this.#mount || !this.#getToken) return;
    this.#root ??= createRoot(this.#mount);
    this.#root.render(
      <PropsyncProvider
        key={this.#generation}
        baseUrl={this.getAttribute('base-url') ?? ''}
        getToken={() => this.#tokenFromHost()}
      >
        <IntegrationsPage readOnly={this.hasAttribute('read-only')} onViewContact={this.#viewContact} />
      </PropsyncProvider>,
    );
  }

  async #tokenFromHost(): Promise<string> {
    const source = this.#getToken;
    if (!source) throw new Error('<propsync-integrations> has no getToken: set element.getToken to a function returning an embed token');
    return source();
  }

  #viewContact = (contactId: string): void => {
    this.dispatchEvent(
      new CustomEvent<ViewContactEventDetail>(VIEW_CONTACT_EVENT, {
        detail: { contactId },
        bubbles: true,
        composed: true,
      }),
    );
  };
}

/** Registers the element under `tagName` unless something is registered there already. */
export function definePropsyncIntegrations(tagName: string = PROPSYNC_INTEGRATIONS_TAG): void {
  if (!customElements.get(tagName)) customElements.define(tagName, PropsyncIntegrationsElement);
}
