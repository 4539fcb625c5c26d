import { clone, type KubeObject } from './types.ts';

/** The watch event types the store produces (BOOKMARK and ERROR come from the watch layer). */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, kept in the event history for watches to resume from. */
export interface StoreEvent {
  type: ChangeType;
  resourceVersion: number;
  /** `group/plural` of the object. */
  typeKey: string;
  object: KubeObject;
  /** The object before the change, for MODIFIED and DELETED. */
  previous: KubeObject | undefined;
}

/** Options of the store; all optional. */
export interface StoreOptions {
  /** Events kept for watches to resume from. Default 1000. */
  historySize?: number;
}

/**
 * Objects by type, one global resourceVersion counter (as etcd's revision), and a bounded
 * history of changes. Objects go in and out as copies.
 */
export interface ObjectStore {
  /** The resourceVersion of the last change. */
  currentResourceVersion(): number;
  get(typeKey: string, namespace: string, name: string): KubeObject | undefined;
  /** Objects of a type, in one namespace or all, sorted by namespace and name. */
  list(typeKey: string, namespace?: string): KubeObject[];
  /** Stores the object with a new resourceVersion and records an ADDED or MODIFIED event. */
  put(typeKey: string, object: KubeObject): KubeObject;
  /** Removes the object, recording a DELETED event that carries a new resourceVersion. */
  remove(typeKey: string, object: KubeObject): KubeObject;
  /** Events after `resourceVersion`, or undefined when that version is older than the history. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined;
  /** The oldest resourceVersion a watch can still resume from. */
  oldestResourceVersion(): number;
  /** Calls `listener` with every committed change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Forgets the history: every resourceVersion before now becomes "too old". */
  compact(): void;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** An empty store. */
export function createObjectStore(options: StoreOptions = {}): ObjectStore {
  const historySize = options.historySize ?? 1000;
  const objects = new Map<string, Map<string, KubeObject>>();
  const history: StoreEvent[] = [];
  const listeners = new Set<(event: StoreEvent) => void>();
  let resourceVersion = 0;
  let compactedAt = 0;

  const bucket = (typeKey: string): Map<string, KubeObject> => {
    let found = objects.get(typeKey);
    if (!found) {
      found = new Map();
      objects.set(typeKey, found);
    }
    return found;
  };

  const record = (event: StoreEvent): void => {
    history.push(event);
    while (history.length > historySize) {
      const dropped = history.shift();
      if (dropped) compactedAt = dropped.resourceVersion;
    }
    for (const listener of [...listeners]) listener(event);
  };

  return {
    currentResourceVersion: () => resourceVersion,
    get(typeKey, namespace, name) {
      const found = objects.get(typeKey)?.get(objectKey(namespace, name));
      return found ? clone(found) : undefined;
    },
    list(typeKey, namespace) {
      const all = [...(objects.get(typeKey)?.entries() ?? [])];
      all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const items = all.map(([, object]) => object);
      const inNamespace =
        namespace === undefined
          ? items
          : items.filter((object) => (object.metadata.namespace ?? '') === namespace);
      return inNamespace.map(clone);
    },
    put(typeKey, object) {
      const key = objectKey(object.metadata.namespace ?? '', object.metadata.name ?? '');
      const previous = bucket(typeKey).get(key);
      resourceVersion += 1;
      const stored = clone(object);
      stored.metadata.resourceVersion = String(resourceVersion);
      bucket(typeKey).set(key, stored);
      record({
        type: previous ? 'MODIFIED' : 'ADDED',
        resourceVersion,
        typeKey,
        object: clone(stored),
        previous: previous ? clone(previous) : undefined,
      });
      return clone(stored);
    },
    remove(typeKey, object) {
      const key = objectKey(object.metadata.namespace ?? '', object.metadata.name ?? '');
      const previous = bucket(typeKey).get(key);
      if (!previous) return clone(object);
      bucket(typeKey).delete(key);
      resourceVersion += 1;
      const gone = clone(previous);
      gone.metadata.resourceVersion = String(resourceVersion);
      record({ type: 'DELETED', resourceVersion, typeKey, object: gone, previous });
      return clone(gone);
    },
    eventsSince(since) {
      if (since < compactedAt) return undefined;
      return history.filter((event) => event.resourceVersion > since);
    },
    oldestResourceVersion: () => compactedAt,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    compact() {
      history.length = 0;
      compactedAt = resourceVersion;
    },
  };
}
