import { randomUUID } from 'node:crypto';
import { badRequest } from './errors.ts';
import { applyMergePatch } from './patch.ts';
import type { Registry } from './registry.ts';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.ts';
import type { ObjectStore } from './store.ts';
import { clone, isJsonObject, nowTimestamp, type KubeObject } from './types.ts';

/** Names one object: its apiVersion and kind, namespace (for namespaced kinds) and name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Direct access to the stored objects, bypassing HTTP, validation and the subresource rules:
 * for a test that plays a controller (writes a Deployment's status) or sets up state. Writes
 * still get a new resourceVersion and reach watchers as events. Not in the request log.
 */
export interface FixtureStore {
  get(ref: ObjectRef): KubeObject | undefined;
  /** Objects of a kind, in `namespace` or in all namespaces. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Stores the object as given; fills uid, creationTimestamp (and generation 1) when new. */
  put(object: KubeObject): KubeObject;
  /** JSON merge patch of anything, status included; throws when the object does not exist. */
  patch(ref: ObjectRef, patch: Record<string, unknown>): KubeObject;
  /** Removes the object at once, ignoring finalizers (a DELETED event is still sent). */
  remove(ref: ObjectRef): void;
}

/** A FixtureStore over the server's store. */
export function createFixtureStore(store: ObjectStore, registry: Registry): FixtureStore {
  const locate = (ref: ObjectRef): { type: ResourceType; namespace: string } => {
    const type = registry.requireByKind(ref.apiVersion, ref.kind);
    return { type, namespace: type.namespaced ? (ref.namespace ?? 'default') : '' };
  };
  const get = (ref: ObjectRef): KubeObject | undefined => {
    const { type, namespace } = locate(ref);
    const found = store.get(typeKey(type), namespace, ref.name);
    return found ? { ...found, apiVersion: ref.apiVersion } : undefined;
  };
  const put = (object: KubeObject): KubeObject => {
    if (!isJsonObject(object.metadata) || !object.metadata.name) {
      throw badRequest('put: the object needs metadata.name');
    }
    const type = registry.requireByKind(object.apiVersion ?? '', object.kind ?? '');
    const next = clone(object);
    next.apiVersion = apiVersionOf(type.group, type.versions[0]!);
    const meta = next.metadata;
    if (type.namespaced) meta.namespace ??= 'default';
    else delete meta.namespace;
    const old = store.get(typeKey(type), meta.namespace ?? '', meta.name ?? '');
    meta.uid ??= old?.metadata.uid ?? randomUUID();
    meta.creationTimestamp ??= old?.metadata.creationTimestamp ?? nowTimestamp();
    if (type.hasGeneration) meta.generation ??= old?.metadata.generation ?? 1;
    return store.put(typeKey(type), next);
  };
  return {
    get,
    list(apiVersion, kind, namespace) {
      const type = registry.requireByKind(apiVersion, kind);
      return store.list(typeKey(type), namespace).map((item) => ({ ...item, apiVersion }));
    },
    put,
    patch(ref, patch) {
      const found = get(ref);
      if (!found)
        throw badRequest(`patch: ${ref.kind} ${ref.namespace ?? ''}/${ref.name} not found`);
      return put(applyMergePatch(found, patch) as KubeObject);
    },
    remove(ref) {
      const found = get(ref);
      const { type } = locate(ref);
      if (found) store.remove(typeKey(type), found);
    },
  };
}
