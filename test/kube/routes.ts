/** A request path resolved to an API resource. */
export interface ResourceRoute {
  group: string;
  version: string;
  plural: string;
  /** Namespace from the path; undefined for cluster-wide requests. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The legacy `/watch/` path prefix was used. */
  legacyWatch: boolean;
}

/**
 * Parses `/api/v1/...` and `/apis/<group>/<version>/...` resource paths. Returns undefined for
 * paths that are not resource paths (discovery, unknown). `/api/v1/namespaces/x` is the
 * namespace `x`, `/api/v1/namespaces/x/configmaps` is a list in it.
 */
export function parseResourcePath(pathname: string): ResourceRoute | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  const legacyWatch = rest[0] === 'watch';
  if (legacyWatch) rest = rest.slice(1);
  let namespace: string | undefined;
  const namespaceSubresource =
    rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (!plural || rest.length > 3) return undefined;
  return { group, version, plural, namespace, name, subresource, legacyWatch };
}
