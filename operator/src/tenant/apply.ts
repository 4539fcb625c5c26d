import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '#shared';
import type { KubeClient } from '../kube/client.ts';
import { APPLIED_HASH_ANNOTATION } from '../kube/hash.ts';
import type { Informer } from '../kube/informer.ts';
import type { Informers } from '../kube/resources.ts';
import type { DesiredObject } from './desired/index.ts';

/**
 * How long an apply is trusted to reach the cache. Past it, an object still missing from the
 * cache is applied again.
 */
const EXPECTATION_TTL_MS = 30_000;

/**
 * Applies desired objects that differ from the live ones. An apply of an unchanged object is
 * still a write (and, on a real API server, an etcd round-trip and a watch event for every
 * informer), so the live object's applied-hash annotation is compared first.
 *
 * An apply reaches the cache a moment later, through the watch. Until it does, the next
 * reconcile would see the old object and apply again; so each apply leaves an expectation
 * (as client-go's ReplicaSet controller does) that the watch event for that object clears.
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
  const expected = new Map<string, { hash: string; at: number }>();

  for (const [kind, cache] of Object.entries(caches)) {
    cache.onChange((object) => {
      const key = keyOf(kind, object.metadata?.namespace, object.metadata?.name ?? '');
      // Any event for the object after our apply reflects it, or a later change (a delete
      // included): either way the cache is again the truth.
      expected.delete(key);
    });
  }

  function isUpToDate(object: DesiredObject): boolean {
    const hash = object.metadata.annotations[APPLIED_HASH_ANNOTATION];
    const { namespace, name } = object.metadata;
    const pending = expected.get(keyOf(object.kind, namespace, name));
    if (pending && pending.hash === hash && Date.now() - pending.at < EXPECTATION_TTL_MS)
      return true;
    const live = caches[object.kind]?.get(name, namespace);
    return live?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash;
  }

  return {
    /** Applies, in order, each object whose live copy lacks its current hash. */
    async ensure(objects: DesiredObject[]): Promise<void> {
      for (const object of objects) {
        if (isUpToDate(object)) continue;
        await deps.kube.apply(object);
        deps.onWrite(object.kind, 'apply');
        const { namespace, name } = object.metadata;
        const hash = object.metadata.annotations[APPLIED_HASH_ANNOTATION] ?? '';
        expected.set(keyOf(object.kind, namespace, name), { hash, at: Date.now() });
        deps.log.info({ kind: object.kind, namespace, name }, 'applied');
      }
    },
  };
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
