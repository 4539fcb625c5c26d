import type { Registry } from './registry.ts';
import { apiVersionOf, RESOURCE_VERBS, type ResourceType } from './resource-type.ts';
import type { JsonObject } from './types.ts';

/** The Kubernetes version the fixture claims to be (kubectl 1.34 is the bundled client). */
export const SERVER_VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0-zajoni-fixture',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function groups(registry: Registry): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const type of registry.all()) {
    if (type.group === '') continue;
    const versions = found.get(type.group) ?? [];
    for (const version of type.versions) if (!versions.includes(version)) versions.push(version);
    found.set(type.group, versions);
  }
  return found;
}

function groupBody(name: string, versions: string[]): JsonObject {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** `/api`: the legacy core group's versions. */
export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis`: every named group with its served versions, the preferred one first. */
export function groupList(registry: Registry): JsonObject {
  const list = [...groups(registry)].map(([name, versions]) => groupBody(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

/** `/apis/<group>`: one group, or undefined when nothing serves it. */
export function apiGroup(registry: Registry, group: string): JsonObject | undefined {
  const versions = groups(registry).get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(group, versions) };
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: RESOURCE_VERBS,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
  };
  if (!type.statusSubresource) return [main];
  const status = {
    name: `${type.plural}/status`,
    singularName: '',
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ['get', 'patch', 'update'],
  };
  return [main, status];
}

/** `/api/v1` or `/apis/<group>/<version>`: the resources served there, or undefined. */
export function resourceList(
  registry: Registry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources: types.flatMap(resourceEntries),
  };
}
