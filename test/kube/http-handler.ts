import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, coreVersions, groupList, resourceList, SERVER_VERSION } from './discovery.ts';
import { KubeApiError, StatusReason } from './errors.ts';
import { openApiDocument, openApiIndex } from './openapi.ts';
import type { Registry } from './registry.ts';
import { Verb, type RequestRecord } from './request-log.ts';
import { handleResource, sendJson, type ResourceHandlerDeps } from './resource-handler.ts';
import { parseResourcePath } from './routes.ts';

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

/** Discovery and health endpoints; false when `path` is none of them. */
function serveDiscovery(deps: HttpHandlerDeps, path: string, res: ServerResponse): boolean {
  const parts = path.split('/').filter(Boolean);
  const openApiKey = parts.slice(2).join('/');
  const found =
    path === '/openapi/v3'
      ? openApiIndex(deps.registry, String(deps.store.currentResourceVersion()))
      : path.startsWith('/openapi/v3/')
        ? openApiDocument(deps.registry, openApiKey)
        : path === '/version'
          ? SERVER_VERSION
          : path === '/api'
            ? coreVersions(deps.serverAddress())
            : path === '/apis'
              ? groupList(deps.registry)
              : parts[0] === 'api' && parts.length === 2
                ? resourceList(deps.registry, '', parts[1]!)
                : parts[0] === 'apis' && parts.length === 2
                  ? apiGroup(deps.registry, parts[1]!)
                  : parts[0] === 'apis' && parts.length === 3
                    ? resourceList(deps.registry, parts[1]!, parts[2]!)
                    : null;
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
