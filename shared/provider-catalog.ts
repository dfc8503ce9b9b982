// What Propsync knows about one CRM: each adapter folder declares its own, and the providers
// router serves them to the UI. The types live with the API's shapes, which the embed package publishes.
export type { ConnectField, ProviderInfo, RateLimits } from './api/provider.dto.ts';
