// The store lives in shared/ because the API's test messages take a slot too.
export { createQuota } from '#shared';
export type { Quota, QuotaDecision, QuotaPolicy } from '#shared';
