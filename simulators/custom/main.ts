/** Standalone Propsync open CRM API simulator on PORT 4106 (WEBHOOK_RETRY_SCALE 1 = the real 5 s … 10 h schedule). */
import { runStandalone } from '../toolkit/simulator-main.ts';
import { CUSTOM_API_BASE_PATH } from './custom-constants.ts';
import { createCustomSimulator } from './custom-simulator.ts';

await runStandalone({
  name: 'Custom CRM (Propsync open API) simulator',
  defaultPort: 4106,
  create: createCustomSimulator,
  // The base URL and the key's label only: never the key itself (it is CUSTOM_DEMO_API_KEY in the code).
  describe: (simulator, running) => ({
    baseUrl: `${running.url}${CUSTOM_API_BASE_PATH}`,
    apiKeys: simulator.apiKeys.map((key) => key.label),
    account: simulator.account.name,
    openApi: `${running.url}${CUSTOM_API_BASE_PATH}/openapi.yaml`,
  }),
});
