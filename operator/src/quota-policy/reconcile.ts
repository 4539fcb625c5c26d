import type { Logger } from '#shared';
import { QUOTA_POLICIES } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { canonicalJson } from '../kube/hash.ts';
import { done, type ReconcileOutcome } from '../kube/outcome.ts';
import type { Informers } from '../kube/resources.ts';
import type { TenantsByPolicy } from './index-by-policy.ts';

/**
 * Keeps a QuotaPolicy's status.tenantCount. Tenants that use a policy are re-reconciled by the
 * Tenant controller (see operator.ts), which carries the new limits to their relays.
 */
export function createQuotaPolicyReconciler(deps: {
  informers: Informers;
  index: TenantsByPolicy;
  kube: KubeClient;
  log: Logger;
  onWrite(kind: string, verb: string): void;
}) {
  return async function reconcileQuotaPolicy(name: string): Promise<ReconcileOutcome> {
    const policy = deps.informers.quotaPolicies.get(name);
    // Deleted: its Tenants report QuotaPolicyNotFound; nothing to write here.
    if (!policy) return done();

    const status = {
      observedGeneration: policy.metadata?.generation ?? 0,
      tenantCount: deps.index.tenantsOf(name).length,
    };
    if (canonicalJson(policy.status ?? {}) === canonicalJson(status)) return done();

    await deps.kube.applyStatus(QUOTA_POLICIES, 'QuotaPolicy', name, status);
    deps.onWrite('QuotaPolicy', 'status');
    return done();
  };
}
