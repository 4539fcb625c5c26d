import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { EffectiveQuota, Tenant, TenantStatus } from '../api/types.ts';
import { setCondition } from '../kube/conditions.ts';
import { canonicalJson } from '../kube/hash.ts';
import { degradedCondition, type StepFailure } from './conditions/degraded.ts';
import { progressingCondition } from './conditions/progressing.ts';
import { readyCondition } from './conditions/ready.ts';
import { rolloutStateOf } from './conditions/rollout.ts';
import { RELAY_NAME, SERVICE_PORTS } from './desired/index.ts';

export interface StatusInput {
  tenant: Tenant;
  namespace: string;
  paused: boolean;
  deployment: V1Deployment | undefined;
  service: V1Service | undefined;
  /** The quota now in the ConfigMap; undefined keeps the previous status's. */
  quota: EffectiveQuota | undefined;
  failure: StepFailure | undefined;
  now: Date;
}

/** The Tenant's status as observed now; times of unchanged conditions are kept. */
export function computeStatus(input: StatusInput): TenantStatus {
  const { tenant, now } = input;
  const previous = tenant.status ?? {};
  const generation = tenant.metadata?.generation ?? 0;
  const rollout = rolloutStateOf(input.deployment);
  let conditions = previous.conditions ?? [];
  for (const update of [
    readyCondition(rollout, input.paused),
    progressingCondition(rollout, input.paused),
    degradedCondition(input.failure, rollout),
  ]) {
    conditions = setCondition(conditions, update, generation, now);
  }
  const status: TenantStatus = {
    observedGeneration: generation,
    conditions,
    readyReplicas: rollout.readyReplicas,
  };
  const endpoint = endpointOf(input.service, input.namespace);
  if (endpoint) status.endpoint = endpoint;
  const quota = input.quota ?? previous.effectiveQuota;
  if (quota) status.effectiveQuota = quota;
  return status;
}

/** Whether writing `next` would change what is stored; a steady state writes nothing. */
export function statusChanged(current: TenantStatus | undefined, next: TenantStatus): boolean {
  return canonicalJson(current ?? {}) !== canonicalJson(next);
}

/**
 * Where mail clients connect: the load balancer's address once it has one, otherwise the
 * Service's cluster DNS name.
 */
export function endpointOf(service: V1Service | undefined, namespace: string): string | undefined {
  if (!service) return undefined;
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.hostname ?? ingress?.ip ?? `${RELAY_NAME}.${namespace}.svc`;
  return `${host}:${SERVICE_PORTS.submission}`;
}
