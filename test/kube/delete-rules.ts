import { conflict } from './errors.ts';
import type { ResourceType } from './resource-type.ts';
import { clone, isJsonObject, nowTimestamp, type KubeObject } from './types.ts';
import { targetOf } from './write-rules.ts';

/** How dependents are treated when their owner is deleted. */
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** The finalizer each propagation policy puts on the owner, as the real server does. */
const POLICY_FINALIZERS: Record<PropagationPolicy, string | undefined> = {
  Background: undefined,
  Foreground: 'foregroundDeletion',
  Orphan: 'orphan',
};

/** DeleteOptions.preconditions: 409 Conflict when the stored object is not the one meant. */
export function checkPreconditions(
  type: ResourceType,
  old: KubeObject,
  pre: { uid?: string; resourceVersion?: string } | undefined,
): void {
  const target = targetOf(type, old.metadata.name ?? '');
  const { uid, resourceVersion } = old.metadata;
  if (pre?.uid && pre.uid !== uid) {
    const why = `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`;
    throw conflict(target, why);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== resourceVersion) {
    const why = `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${resourceVersion}`;
    throw conflict(target, why);
  }
}

/**
 * The object as a delete leaves it when it cannot go at once, or undefined when it can:
 * finalizers (plus the policy's) keep it with a deletionTimestamp; a namespace always waits
 * for its controller and turns Terminating.
 */
export function markDeleting(
  type: ResourceType,
  old: KubeObject,
  policy: PropagationPolicy | undefined,
): KubeObject | undefined {
  const next = clone(old);
  const finalizers = [...(next.metadata.finalizers ?? [])];
  const policyFinalizer = policy ? POLICY_FINALIZERS[policy] : undefined;
  if (policyFinalizer && !finalizers.includes(policyFinalizer)) finalizers.push(policyFinalizer);
  const isNamespace = type.group === '' && type.plural === 'namespaces';
  if (finalizers.length === 0 && !isNamespace) return undefined;
  if (finalizers.length > 0) next.metadata.finalizers = finalizers;
  next.metadata.deletionTimestamp ??= nowTimestamp();
  next.metadata.deletionGracePeriodSeconds ??= 0;
  if (isNamespace) {
    const status = isJsonObject(next['status']) ? next['status'] : {};
    next['status'] = { ...status, phase: 'Terminating' };
  }
  return next;
}
