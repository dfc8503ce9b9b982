/**
 * The example hosts, each on its own origin. Propsync allows these two; the same host-html page
 * opened as 127.0.0.1 is another origin, the one embed-examples.spec.ts expects to be refused.
 */
export const HOST_REACT_URL = 'http://localhost:4620';
export const HOST_HTML_URL = 'http://localhost:4630';
export const REFUSED_HOST_URL = 'http://127.0.0.1:4630';
