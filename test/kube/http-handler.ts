import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, coreVersions, groupList, resourceList, SERVER_VERSION } from './discovery.ts';
import { KubeApiError, StatusReason } from './errors.ts';
import { openApiDocument, openApiIndex } from './openapi.ts';
import type { Registry } from './registry.ts';
import { Verb, type RequestRecord } from './request-log.ts';
import { handleResource, sendJson, type ResourceHandlerDeps } from './resource-handler.ts';
import { parseResourcePath } from './routes.ts';
import type { JsonObject } from './types.ts';

/** Everything the HTTP front needs. */
export interface HttpHandlerDeps extends ResourceHandlerDeps {
  registry: Registry;
  requests: RequestRecord[];
  /** `host:port` the server listens on, for `/api`'s serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

const NOT_FOUND = (): KubeApiError =>
  new KubeApiError(404, StatusReason.NotFound, 'the server could not find the requested resource');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The discovery document at `path`: a JSON body, undefined when the path is a discovery path
 * that serves nothing (404), or null when it is not a discovery path at all.
 */
function discoveryBody(deps: HttpHandlerDeps, path: string): JsonObject | undefined | null {
  const parts = path.split('/').filter(Boolean);
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') return coreVersions(deps.serverAddress());
  if (path === '/apis') return groupList(deps.registry);
  if (path === '/openapi/v3') {
    return openApiIndex(deps.registry, String(deps.store.currentResourceVersion()));
  }
  if (path.startsWith('/openapi/v3/'))
    return openApiDocument(deps.registry, parts.slice(2).join('/'));
  if (parts[0] === 'api' && parts.length === 2) return resourceList(deps.registry, '', parts[1]!);
  if (parts[0] === 'apis' && parts.length === 2) return apiGroup(deps.registry, parts[1]!);
  if (parts[0] === 'apis' && parts.length === 3) {
    return resourceList(deps.registry, parts[1]!, parts[2]!);
  }
  return null;
}

/** Serves a discovery GET; false when `path` is not a discovery path. */
function serveDiscovery(deps: HttpHandlerDeps, path: string, res: ServerResponse): boolean {
  const found = discoveryBody(deps, path);
  if (found === null) return false;
  if (found === undefined) throw NOT_FOUND();
  sendJson(res, 200, found);
  return true;
}

function recordOf(req: IncomingMessage, url: URL): RequestRecord {
  const record: RequestRecord = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    verb: Verb.other,
    userAgent: req.headers['user-agent'] ?? '',
    status: 0,
  };
  const fieldManager = url.searchParams.get('fieldManager');
  if (fieldManager) record.fieldManager = fieldManager;
  return record;
}

async function serve(
  deps: HttpHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  url: URL,
): Promise<void> {
  const body = await readBody(req);
  if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (req.method === 'GET' && serveDiscovery(deps, url.pathname, res)) {
    record.verb = Verb.discovery;
    return;
  }
  const route = parseResourcePath(url.pathname);
  if (!route) throw NOT_FOUND();
  Object.assign(record, {
    group: route.group,
    version: route.version,
    resource: route.plural,
    ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
    ...(route.name !== undefined ? { name: route.name } : {}),
    ...(route.subresource !== undefined ? { subresource: route.subresource } : {}),
  });
  const type = deps.registry.find(route.group, route.version, route.plural);
  if (!type) throw NOT_FOUND();
  const query = url.searchParams;
  handleResource(deps, { req, res, route, type, query, body, record, warnings: [] });
}

/**
 * The request listener: logs every request, serves discovery and resources, and maps every
 * failure to a `Status` body at this one boundary.
 */
export function createHttpHandler(deps: HttpHandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const record = recordOf(req, url);
    deps.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    res.on('close', () => (record.status ||= res.statusCode));
    serve(deps, req, res, record, url).catch((error: unknown) => {
      const failure =
        error instanceof KubeApiError
          ? error
          : new KubeApiError(500, StatusReason.InternalError, String(error), undefined, {
              cause: error,
            });
      if (res.headersSent) res.destroy();
      else sendJson(res, failure.code, failure.toStatus());
    });
  };
}
