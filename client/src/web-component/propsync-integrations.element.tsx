import { createRoot, type Root } from 'react-dom/client';
import { IntegrationsPage } from '../components/IntegrationsPage.tsx';
import { PropsyncProvider } from '../lib/PropsyncProvider.tsx';
import { PropsyncRoot } from '../lib/PropsyncRoot.tsx';
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

/** Said in the console and on the page when a host connects the element without a token source. */
export const MISSING_GET_TOKEN_MESSAGE =
  '<propsync-integrations> has no getToken: set element.getToken = async () => token (see README "Embedding")';

/**
 * The stylesheet for a shadow root. A constructed sheet is not inline style, so a host page whose
 * Content-Security-Policy lacks `style-src 'unsafe-inline'` still applies it; a `<style>` element
 * is only the fallback for browsers without constructable stylesheets.
 */
function adoptStyles(shadow: ShadowRoot): HTMLStyleElement | null {
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(SHADOW_CSS);
      shadow.adoptedStyleSheets = [sheet];
      return null;
    } catch {
      // A CSSStyleSheet that cannot be constructed: fall through to the element.
    }
  }
  const style = document.createElement('style');
  style.textContent = SHADOW_CSS;
  return style;
}

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
  /** Set once the host had a macrotask after connecting and still gave no `getToken`. */
  #missingToken = false;
  #missingTokenCheck: ReturnType<typeof setTimeout> | null = null;

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
      const style = adoptStyles(shadow);
      this.#mount = document.createElement('div');
      shadow.replaceChildren(...(style ? [style] : []), this.#mount);
    }
    // Hosts usually set getToken right after appending the element: give them until the next
    // macrotask before saying it is missing, rather than staying blank without a word.
    if (!this.#getToken && !this.#missingToken && this.#missingTokenCheck === null) {
      this.#missingTokenCheck = setTimeout(() => {
        this.#missingTokenCheck = null;
        if (!this.isConnected || this.#getToken) return;
        this.#missingToken = true;
        console.warn(MISSING_GET_TOKEN_MESSAGE);
        this.#render();
      }, 0);
    }
    this.#render();
  }

  disconnectedCallback(): void {
    if (this.#missingTokenCheck !== null) clearTimeout(this.#missingTokenCheck);
    this.#missingTokenCheck = null;
    this.#root?.unmount();
    this.#root = null;
  }

  attributeChangedCallback(name: string, previous: string | null, next: string | null): void {
    if (previous === next) return;
    if (name === 'base-url') this.#generation++;
    this.#render();
  }

  /**
   * Nothing is requested until the element is in a page and has a token source; without one it
   * shows, once the host has had its chance, a notice saying what to set.
   */
  #render(): void {
    if (!this.isConnected || !this.#mount) return;
    if (!this.#getToken) {
      if (!this.#missingToken) return;
      this.#root ??= createRoot(this.#mount);
      this.#root.render(
        <PropsyncRoot>
          <div className="propsync-notice propsync-notice--error" role="alert">
            <p>
              Propsync cannot load: this page has not given it a way to sign in. The developer embedding it
              needs to set <code>element.getToken = async () =&gt; token</code> (see the README section
              &ldquo;Embedding&rdquo;).
            </p>
          </div>
        </PropsyncRoot>,
      );
      return;
    }
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
    if (!source)
      throw new Error(
        '<propsync-integrations> has no getToken: set element.getToken to a function returning an embed token',
      );
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

declare global {
  interface HTMLElementTagNameMap {
    'propsync-integrations': PropsyncIntegrationsElement;
  }
}

/**
 * Registers the element under `tagName` unless something is registered there already. A registry
 * takes each class once, so another tag gets a subclass of its own.
 */
export function definePropsyncIntegrations(tagName: string = PROPSYNC_INTEGRATIONS_TAG): void {
  if (customElements.get(tagName)) return;
  const alreadyDefined = customElements.getName?.(PropsyncIntegrationsElement) != null;
  customElements.define(
    tagName,
    alreadyDefined ? class extends PropsyncIntegrationsElement {} : PropsyncIntegrationsElement,
  );
}
