import { createBuiltinTypes } from './builtins.ts';
import { badRequest } from './errors.ts';
import { splitApiVersion, typeKey, type ResourceType } from './resource-type.ts';

/** The set of served resources: built-ins plus those of established CRDs. */
export interface Registry {
  /** All types, built-ins first, in registration order. */
  all(): ResourceType[];
  /** The type served at `/apis/<group>/<version>/<plural>`, if any. */
  find(group: string, version: string, plural: string): ResourceType | undefined;
  /** The type of objects with this apiVersion and kind, if served. */
  findByKind(apiVersion: string, kind: string): ResourceType | undefined;
  /** Same as `findByKind`, but a 400 BadRequest when nothing serves it. */
  requireByKind(apiVersion: string, kind: string): ResourceType;
  /** Adds or replaces the type with the same group and plural. */
  register(type: ResourceType): void;
  /** Removes the type with this group and plural. */
  unregister(group: string, plural: string): void;
}

/** A registry holding the built-in resources. */
export function createRegistry(): Registry {
  const types = new Map<string, ResourceType>();
  for (const type of createBuiltinTypes()) types.set(typeKey(type), type);

  const findByKind = (apiVersion: string, kind: string): ResourceType | undefined => {
    const { group, version } = splitApiVersion(apiVersion);
    for (const type of types.values()) {
      if (type.group === group && type.kind === kind && type.versions.includes(version)) {
        return type;
      }
    }
    return undefined;
  };

  return {
    all: () => [...types.values()],
    find(group, version, plural) {
      const type = types.get(`${group}/${plural}`);
      return type?.versions.includes(version) ? type : undefined;
    },
    findByKind,
    requireByKind(apiVersion, kind) {
      const type = findByKind(apiVersion, kind);
      if (!type) throw badRequest(`no matches for kind "${kind}" in version "${apiVersion}"`);
      return type;
    },
    register(type) {
      types.set(typeKey(type), type);
    },
    unregister(group, plural) {
      types.delete(`${group}/${plural}`);
    },
  };
}
