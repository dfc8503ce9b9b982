/**
 * Entry of the framework-free build (`web-component.js` as an ES module, `propsync-embed.iife.js`
 * for a script tag): React is bundled in, and loading it registers `<propsync-integrations>`.
 */
import { definePropsyncIntegrations } from './propsync-integrations.element.tsx';

export {
  definePropsyncIntegrations,
  PropsyncIntegrationsElement,
  PROPSYNC_INTEGRATIONS_TAG,
  VIEW_CONTACT_EVENT,
  type TokenSource,
  type ViewContactEventDetail,
} from './propsync-integrations.element.tsx';

definePropsyncIntegrations();
