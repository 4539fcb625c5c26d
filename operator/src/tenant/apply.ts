import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '#shared';
import type { KubeClient } from '../kube/client.ts';
import { APPLIED_HASH_ANNOTATION } from '../kube/hash.ts';
import type { Informer } from '../kube/informer.ts';
import type { Informers } from '../kube/resources.ts';
import type { DesiredObject } from './desired/index.ts';

/**
 * Applies desired objects that differ from the live ones. An apply of an unchanged object is
 * still a write (and, on a real API server, an etcd round-trip and a watch event for every
 * informer), so the live object's applied-hash annotation is compared first.
 *
 * LIMITATION: an edit by someone else to a field the operator owns, leaving the annotation,
 * is not reverted until the Tenant's desired objects change. Deleting an object is noticed
 * (it leaves the cache) and it is re-created.
 */
export function createApplier(deps: {
  informers: Informers;
  kube: KubeClient;
  log: Logger;
  onWrite(kind: string, verb: string): void;
}) {
  const caches: Record<string, Informer<KubernetesObject>> = {
    Namespace: deps.informers.namespaces,
    ServiceAccount: deps.informers.serviceAccounts,
    ConfigMap: deps.informers.configMaps,
    Service: deps.informers.services,
    Deployment: deps.informers.deployments,
    PodDisruptionBudget: deps.informers.podDisruptionBudgets,
    NetworkPolicy: deps.informers.networkPolicies,
  };

  function isUpToDate(object: DesiredObject): boolean {
    const cache = caches[object.kind];
    if (!cache) return false;
    const live = cache.get(object.metadata.name, object.metadata.namespace);
    const liveHash = live?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
    return (
      liveHash !== undefined && liveHash === object.metadata.annotations[APPLIED_HASH_ANNOTATION]
    );
  }

  return {
    /** Applies, in order, each object whose live copy lacks its current hash. */
    async ensure(objects: DesiredObject[]): Promise<void> {
      for (const object of objects) {
        if (isUpToDate(object)) continue;
        await deps.kube.apply(object);
        deps.onWrite(object.kind, 'apply');
        deps.log.info(
          { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name },
          'applied',
        );
      }
    },
  };
}
