import { APPLIED_HASH_ANNOTATION, hashOf } from '../../kube/hash.ts';
import { desiredConfigMap } from './config-map.ts';
import { desiredDeployment } from './deployment.ts';
import { desiredNamespace, desiredServiceAccount } from './namespace.ts';
import { desiredNetworkPolicy, desiredPodDisruptionBudget } from './policy.ts';
import { desiredService } from './service.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

export { CONTAINER_PORTS, POLICY_FILE_KEY, relayEnvironment } from './config-map.ts';
export { CONFIG_HASH_ANNOTATION, TLS_HASH_ANNOTATION } from './deployment.ts';
export * from './labels.ts';
export { SERVICE_PORTS } from './service.ts';
export type { DesiredInput, DesiredObject } from './types.ts';

/**
 * The tenant's objects in apply order, each stamped with the hash of its content: the Namespace
 * first (everything else lives in it), the Deployment after its ConfigMap and ServiceAccount.
 */
export function desiredObjects(input: DesiredInput): DesiredObject[] {
  return [
    desiredNamespace(input),
    desiredServiceAccount(input),
    desiredConfigMap(input),
    desiredService(input),
    desiredPodDisruptionBudget(input),
    desiredNetworkPolicy(input),
    desiredDeployment(input),
  ].map(withAppliedHash);
}

/**
 * Adds the hash annotation. A live object carrying the same hash already holds everything the
 * operator would apply, so the apply (a write) can be skipped.
 */
export function withAppliedHash(object: DesiredObject): DesiredObject {
  const hash = hashOf(object);
  const annotations = { ...object.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash };
  return { ...object, metadata: { ...object.metadata, annotations } };
}
