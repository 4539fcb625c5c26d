export { createQuota } from './quota.ts';
export type { Quota, QuotaDecision, QuotaPolicy } from './quota.ts';
