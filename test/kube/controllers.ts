import { CRD_CLEANUP_FINALIZER, establishedStatus, resourceTypeOfCrd } from './crd.ts';
import type { ObjectService, WriteContext } from './object-service.ts';
import { PatchType } from './patch.ts';
import type { Registry } from './registry.ts';
import { typeKey, type ResourceType } from './resource-type.ts';
import type { ObjectStore } from './store.ts';
import { nowTimestamp, type KubeObject } from './types.ts';

/** The in-process stand-ins for kube-controller-manager and the apiextensions controllers. */
export interface Controllers {
  /** Resolves once no reconcile is pending: every consequence of past writes is stored. */
  settle(): Promise<void>;
  /** Errors a reconcile threw; a test fixture should not hide them. */
  readonly errors: Error[];
  stop(): void;
}

/** What the controllers act on. */
export interface ControllerDeps {
  store: ObjectStore;
  registry: Registry;
  objects: ObjectService;
}

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const SYSTEM: WriteContext = { manager: 'kube-controller-manager', version: 'v1' };

interface Located {
  type: ResourceType;
  object: KubeObject;
}

function allObjects(deps: ControllerDeps): Located[] {
  return deps.registry
    .all()
    .flatMap((type) => deps.store.list(typeKey(type)).map((object) => ({ type, object })));
}

function removeFinalizer(deps: ControllerDeps, { type, object }: Located, finalizer: string) {
  const finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  const patch = { metadata: { finalizers } };
  const { name = '', namespace = '' } = object.metadata;
  const version = type.versions[0]!;
  deps.objects.patch(type, namespace, name, PatchType.merge, patch, { ...SYSTEM, version });
}

function deleteObject(deps: ControllerDeps, { type, object }: Located): void {
  const { name = '', namespace = '' } = object.metadata;
  if (!object.metadata.deletionTimestamp) deps.objects.delete(type, namespace, name, {});
}

/** The CRD controller: serves established CRDs, and on deletion removes their objects first. */
function reconcileCrds(deps: ControllerDeps): void {
  const crds = deps.store.list(CRD_KEY);
  for (const crd of crds) {
    const type = resourceTypeOfCrd(crd);
    if (!crd.metadata.deletionTimestamp) {
      deps.registry.register(type);
      if (crd['status'] === undefined || JSON.stringify(crd['status']).indexOf('Established') < 0) {
        deps.store.put(CRD_KEY, { ...crd, status: establishedStatus(crd, nowTimestamp()) });
      }
      continue;
    }
    const remaining = deps.store.list(typeKey(type));
    for (const object of remaining) deleteObject(deps, { type, object });
    const crdType = deps.registry.findByKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    if (remaining.length === 0 && crdType) {
      removeFinalizer(deps, { type: crdType, object: crd }, CRD_CLEANUP_FINALIZER);
    }
  }
  const live = new Set(crds.map((crd) => crd.metadata.name));
  for (const type of deps.registry.all()) {
    if (type.custom && !live.has(type.custom.crdName))
      deps.registry.unregister(type.group, type.plural);
  }
}

/** The namespace controller: a terminating namespace loses its content, then goes itself. */
function reconcileNamespaces(deps: ControllerDeps, everything: Located[]): void {
  for (const namespace of deps.store.list('/namespaces')) {
    if (!namespace.metadata.deletionTimestamp) continue;
    const content = everything.filter(
      ({ type, object }) =>
        type.namespaced && object.metadata.namespace === namespace.metadata.name,
    );
    for (const item of content) deleteObject(deps, item);
    if (content.length === 0) deps.store.remove('/namespaces', namespace);
  }
}

function isDeletingWith(owner: Located | undefined, finalizer: string): boolean {
  const meta = owner?.object.metadata;
  return Boolean(meta?.deletionTimestamp && meta.finalizers?.includes(finalizer));
}

/** One dependent: deleted when its owners are gone (or go Foreground), else refs pruned. */
function reconcileDependent(deps: ControllerDeps, item: Located, byUid: Map<string, Located>) {
  const refs = item.object.metadata.ownerReferences ?? [];
  if (refs.length === 0) return;
  const owners = refs.map((ref) => byUid.get(ref.uid));
  const foreground = owners.some((owner) => isDeletingWith(owner, 'foregroundDeletion'));
  if (owners.every((owner) => owner === undefined) || foreground) {
    deleteObject(deps, item);
    return;
  }
  // Dangling references beside a live owner go, and so do those to an orphaning owner.
  const kept = refs.filter((_ref, i) => owners[i] && !isDeletingWith(owners[i], 'orphan'));
  if (kept.length === refs.length) return;
  const { name = '', namespace = '' } = item.object.metadata;
  const patch = { metadata: { ownerReferences: kept.length > 0 ? kept : null } };
  const ctx = { ...SYSTEM, version: item.type.versions[0]! };
  deps.objects.patch(item.type, namespace, name, PatchType.merge, patch, ctx);
}

/** One owner being deleted: its Foreground or Orphan finalizer goes once no dependent is left. */
function releaseOwner(deps: ControllerDeps, item: Located, everything: Located[]): void {
  const { deletionTimestamp, finalizers = [], uid } = item.object.metadata;
  if (!deletionTimestamp) return;
  const owns = ({ object }: Located) => object.metadata.ownerReferences?.some((r) => r.uid === uid);
  if (everything.some(owns)) return;
  for (const finalizer of ['foregroundDeletion', 'orphan']) {
    if (finalizers.includes(finalizer)) removeFinalizer(deps, item, finalizer);
  }
}

/**
 * The garbage collector: dependents whose owners are all gone are deleted (background
 * propagation); dangling references beside a live owner are dropped; owners deleted with
 * Foreground wait for their dependents, with Orphan release them.
 */
function collectGarbage(deps: ControllerDeps, everything: Located[]): void {
  const byUid = new Map<string, Located>();
  for (const item of everything) byUid.set(item.object.metadata.uid ?? '', item);
  for (const item of everything) reconcileDependent(deps, item, byUid);
  for (const item of everything) releaseOwner(deps, item, everything);
}

/** Starts the controllers; they reconcile after every change, asynchronously like the real ones. */
export function startControllers(deps: ControllerDeps): Controllers {
  let scheduled: NodeJS.Immediate | undefined;
  let waiters: (() => void)[] = [];
  let stopped = false;
  const errors: Error[] = [];

  const run = (): void => {
    scheduled = undefined;
    if (stopped) return;
    try {
      reconcileCrds(deps);
      reconcileNamespaces(deps, allObjects(deps));
      collectGarbage(deps, allObjects(deps));
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
    // The writes above scheduled another run if they changed anything; else we are idle.
    if (!scheduled) {
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    }
  };
  const schedule = (): void => {
    scheduled ??= setImmediate(run);
  };
  const unsubscribe = deps.store.subscribe(schedule);
  schedule();

  return {
    errors,
    settle: () =>
      new Promise((resolve) => {
        waiters.push(resolve);
        schedule();
      }),
    stop() {
      stopped = true;
      unsubscribe();
      if (scheduled) clearImmediate(scheduled);
      for (const resolve of waiters) resolve();
    },
  };
}
