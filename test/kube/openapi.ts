import type { Registry } from './registry.ts';
import { apiVersionOf, type ResourceType } from './resource-type.ts';
import type { JsonObject } from './types.ts';

/**
 * A minimal OpenAPI v3 surface, only what kubectl reads before it writes: for each served
 * group-version, the PATCH operation of each kind with its `fieldValidation` parameter. That
 * tells kubectl (cli-runtime's queryParamVerifierV3) to leave validation to the server, so
 * `kubectl apply` and `create` work without `--validate=false`.
 *
 * LIMITATION: no schemas (`components`) are served, so kubectl cannot compute a strategic
 * merge patch from OpenAPI for client-side apply of an existing object; it falls back to its
 * compiled-in types for built-ins and to a JSON merge patch for custom resources.
 */
function groupVersions(registry: Registry): Map<string, ResourceType[]> {
  const found = new Map<string, ResourceType[]>();
  for (const type of registry.all()) {
    for (const version of type.versions) {
      const key = type.group ? `apis/${type.group}/${version}` : `api/${version}`;
      found.set(key, [...(found.get(key) ?? []), type]);
    }
  }
  return found;
}

/** `/openapi/v3`: the index of group-version documents. */
export function openApiIndex(registry: Registry, hash: string): JsonObject {
  const paths: JsonObject = {};
  for (const key of groupVersions(registry).keys()) {
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

function patchPath(type: ResourceType, prefix: string, version: string): [string, JsonObject] {
  const scope = type.namespaced ? '/namespaces/{namespace}' : '';
  const path = `/${prefix}${scope}/${type.plural}/{name}`;
  const parameter = (name: string) => ({ name, in: 'query', schema: { type: 'string' } });
  const patch = {
    operationId: `patch${type.kind}`,
    parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map(parameter),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: type.group, version, kind: type.kind },
  };
  return [path, { patch }];
}

/** `/openapi/v3/<api/v1 | apis/group/version>`, or undefined when not served. */
export function openApiDocument(registry: Registry, key: string): JsonObject | undefined {
  const types = groupVersions(registry).get(key);
  if (!types) return undefined;
  const version = key.split('/').pop() ?? '';
  const paths = Object.fromEntries(types.map((type) => patchPath(type, key, version)));
  const title = apiVersionOf(types[0]!.group, version);
  return {
    openapi: '3.0.0',
    info: { title: `Kubernetes fixture ${title}`, version: 'v1.34.0' },
    paths,
    components: { schemas: {} },
  };
}
