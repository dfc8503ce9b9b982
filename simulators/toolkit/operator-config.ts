/**
 * What a deployment configures to use a simulator instead of the real CRM: the CRM's fixed hosts
 * (`PROPSYNC_<CRM>_<HOST>_URL`) and an egress allowance for exactly the simulator's loopback
 * listeners (`PROPSYNC_EGRESS_ALLOW`). Test services, the contract suite and `npm start` pass it on.
 */
export type OperatorConfig = Record<string, string>;

/** Lets outbound calls reach exactly these listeners (host and port), nothing else internal. */
export function allowListeners(...urls: string[]): OperatorConfig {
  return { PROPSYNC_EGRESS_ALLOW: urls.map((url) => new URL(url).host).join(',') };
}

/** Several simulators' configuration together: their egress allowances add up. */
export function mergeOperatorConfig(...configs: OperatorConfig[]): OperatorConfig {
  const merged: OperatorConfig = Object.assign({}, ...configs);
  const allowed = configs.flatMap((config) => config.PROPSYNC_EGRESS_ALLOW?.split(',') ?? []);
  if (allowed.length > 0) merged.PROPSYNC_EGRESS_ALLOW = [...new Set(allowed)].join(',');
  return merged;
}
