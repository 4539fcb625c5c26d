export { createLivePolicy, parsePolicy } from './live-policy.ts';
export type { LivePolicy, LivePolicyOptions, RelayLimits } from './live-policy.ts';
