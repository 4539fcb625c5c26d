import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { EffectiveQuota, Tenant } from '../api/types.ts';
import { TENANTS } from '../api/types.ts';
import { findCondition } from '../kube/conditions.ts';
import { canonicalJson } from '../kube/hash.ts';
import type { KubeClient } from '../kube/client.ts';
import type { StepFailure } from './conditions/degraded.ts';
import { CONDITION } from './conditions/reasons.ts';
import type { EventRecorder } from './events.ts';
import { computeStatus, statusChanged } from './status.ts';

export interface StatusFacts {
  tenant: Tenant;
  namespace: string;
  paused: boolean;
  quota?: EffectiveQuota;
  deployment: V1Deployment | undefined;
  service: V1Service | undefined;
  failure: StepFailure | undefined;
}

/**
 * Writes a Tenant's status when it differs from the stored one, and raises an Event when it
 * turns Degraded (or changes why) and when it becomes Ready. A Degraded state that persists
 * across retries raises no further Events.
 */
export function createStatusWriter(deps: {
  kube: KubeClient;
  events: EventRecorder;
  onWrite(kind: string, verb: string): void;
  now?(): Date;
}) {
  // The last status written per Tenant uid: until the watch brings it back, the cached Tenant
  // shows the older one, and the same status must not be written twice.
  const written = new Map<string, string>();
  return {
    forget(uid: string): void {
      written.delete(uid);
    },
    async write(facts: StatusFacts): Promise<void> {
      const { tenant } = facts;
      const uid = tenant.metadata?.uid ?? '';
      const next = computeStatus({ ...facts, quota: facts.quota, now: deps.now?.() ?? new Date() });
      if (!statusChanged(tenant.status, next)) return;
      if (written.get(uid) === canonicalJson(next)) return;
      await deps.kube.applyStatus(TENANTS, 'Tenant', tenant.metadata?.name ?? '', next);
      deps.onWrite('Tenant', 'status');
      written.set(uid, canonicalJson(next));

      const before = tenant.status?.conditions;
      const degraded = findCondition(next.conditions, CONDITION.degraded);
      const wasDegraded = findCondition(before, CONDITION.degraded);
      const newProblem =
        degraded?.status === 'True' &&
        (wasDegraded?.status !== 'True' || wasDegraded.reason !== degraded.reason);
      if (degraded && newProblem) {
        await deps.events.warning(tenant, degraded.reason, degraded.message);
      }
      const ready = findCondition(next.conditions, CONDITION.ready);
      if (ready?.status === 'True' && findCondition(before, CONDITION.ready)?.status !== 'True') {
        await deps.events.normal(tenant, ready.reason, ready.message);
      }
    },
  };
}
