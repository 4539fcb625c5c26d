import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, KubeApiError, StatusReason } from './errors.ts';
import type { DeleteOptions, ObjectService, WriteContext } from './object-service.ts';
import { patchTypeOf, PatchType } from './patch.ts';
import { Verb, type RequestRecord } from './request-log.ts';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.ts';
import type { ResourceRoute } from './routes.ts';
import { parseFieldSelector, parseLabelSelector, type Selector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { buildTable, tableRow, wantsTable, type IncludeObject } from './table.ts';
import { isJsonObject, type KubeObject } from './types.ts';
import type { WatchHub } from './watch.ts';

/** What the resource handler works with. */
export interface ResourceHandlerDeps {
  store: ObjectStore;
  objects: ObjectService;
  watches: WatchHub;
}

/** One request to a resource path, its type resolved and its body read. */
export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  route: ResourceRoute;
  type: ResourceType;
  query: URLSearchParams;
  body: string;
  record: RequestRecord;
  /** Warnings for `Warning` headers, filled by admission. */
  warnings: string[];
}

/** Sends a JSON body with `status`, and each warning as a `Warning: 299` header. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  warnings: string[] = [],
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(warnings.length > 0
      ? { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') }
      : {}),
  });
  res.end(text);
}

function parseBody(text: string, yaml: boolean): unknown {
  if (text.trim() === '') return undefined;
  try {
    return yaml ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new KubeApiError(
      400,
      StatusReason.BadRequest,
      `the body of the request could not be decoded: ${String(error)}`,
      undefined,
      { cause: error },
    );
  }
}

const BODY_TYPES = ['application/json', 'application/yaml', ''];

/**
 * The body of a create or update.
 * LIMITATION: protobuf and CBOR are refused with 415, so kubectl commands that use the typed
 * client (`kubectl create configmap ...`) fail; `kubectl create -f` and `apply` send JSON.
 */
function objectBody(text: string, contentType: string | undefined): KubeObject {
  const bare = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!BODY_TYPES.includes(bare)) {
    const message = `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`;
    throw new KubeApiError(415, StatusReason.UnsupportedMediaType, message);
  }
  const body = parseBody(text, bare === 'application/yaml');
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  if (!isJsonObject(body['metadata'])) body['metadata'] = {};
  return body as KubeObject;
}

function served(type: ResourceType, version: string, object: KubeObject): KubeObject {
  return { ...object, apiVersion: apiVersionOf(type.group, version), kind: type.kind };
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function selectorOf(query: URLSearchParams): Selector {
  const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
  return (object) => labels(object) && fields(object);
}

function deleteOptions(query: URLSearchParams, body: string): DeleteOptions {
  const parsed = parseBody(body, false);
  const options: DeleteOptions = {};
  const fromBody = isJsonObject(parsed) ? parsed : {};
  const policy = query.get('propagationPolicy') ?? fromBody['propagationPolicy'];
  if (policy === 'Background' || policy === 'Foreground' || policy === 'Orphan') {
    options.propagationPolicy = policy;
  } else if (policy !== undefined) {
    throw badRequest(`unsupported propagationPolicy: ${String(policy)}`);
  }
  const pre = fromBody['preconditions'];
  if (isJsonObject(pre)) {
    options.preconditions = {
      ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
      ...(typeof pre['resourceVersion'] === 'string'
        ? { resourceVersion: pre['resourceVersion'] }
        : {}),
    };
  }
  const dryRun = query.get('dryRun') ?? (Array.isArray(fromBody['dryRun']) ? 'All' : undefined);
  if (dryRun === 'All') options.dryRun = true;
  return options;
}

function writeContext(request: ResourceRequest, manager: string): WriteContext {
  const { route, query } = request;
  return {
    manager,
    version: route.version,
    subresource: route.subresource,
    dryRun: query.get('dryRun') === 'All',
    force: query.get('force') === 'true',
    fieldValidation: query.get('fieldValidation') ?? undefined,
    warnings: request.warnings,
  };
}

function managerOf(request: ResourceRequest): string {
  const sent = request.query.get('fieldManager');
  if (sent) return sent;
  // Like the real server: the program name part of the User-Agent.
  return (request.req.headers['user-agent'] ?? 'unknown').split('/')[0]!.slice(0, 128);
}

function namespaceOf(request: ResourceRequest): string | undefined {
  return request.type.namespaced ? request.route.namespace : undefined;
}

/** GET of one object, as JSON or as a one-row Table. */
function readOne(deps: ResourceHandlerDeps, request: ResourceRequest, name: string): void {
  const { route, type, query, req, res } = request;
  const stored = deps.objects.get(type, namespaceOf(request) ?? '', name);
  const object = served(type, route.version, stored);
  const rv = object.metadata.resourceVersion ?? '';
  const table = wantsTable(req.headers.accept);
  const body = table ? buildTable(type, route.version, [object], rv, includeObject(query)) : object;
  sendJson(res, 200, body);
}

/** A watch: events as JSON objects, or as one-row Tables for `kubectl get -w`. */
function watchCollection(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { route, type, query, req, res } = request;
  const tableEvent = (object: KubeObject) => ({
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: object.metadata.resourceVersion },
    columnDefinitions: [],
    rows: [tableRow(type, route.version, object, includeObject(query))],
  });
  const timeout = query.get('timeoutSeconds');
  deps.watches.serve(req, res, {
    type,
    version: route.version,
    namespace: namespaceOf(request),
    selector: selectorOf(query),
    resourceVersion: query.get('resourceVersion') ?? undefined,
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    timeoutSeconds: timeout ? Number(timeout) : undefined,
    render: wantsTable(req.headers.accept) ? tableEvent : (object) => object,
  });
}

/**
 * A list at the current resourceVersion.
 * LIMITATION: lists are always served from the latest state; `limit`/`continue` paging and
 * resourceVersionMatch are ignored, so a list never answers 410 itself.
 */
function listCollection(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { route, type, query, req, res } = request;
  const items = deps.store
    .list(typeKey(type), namespaceOf(request))
    .filter(selectorOf(query))
    .map((object) => served(type, route.version, object));
  const resourceVersion = String(deps.store.currentResourceVersion());
  if (wantsTable(req.headers.accept)) {
    sendJson(
      res,
      200,
      buildTable(type, route.version, items, resourceVersion, includeObject(query)),
    );
    return;
  }
  const apiVersion = apiVersionOf(type.group, route.version);
  sendJson(res, 200, {
    kind: `${type.kind}List`,
    apiVersion,
    metadata: { resourceVersion },
    items,
  });
}

/** GET of one object, a list, or a watch. */
function handleRead(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { route, query, record } = request;
  if (route.name !== undefined) {
    record.verb = Verb.get;
    return readOne(deps, request, route.name);
  }
  const watch = route.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  record.verb = watch ? Verb.watch : Verb.list;
  return watch ? watchCollection(deps, request) : listCollection(deps, request);
}

function deleteCollection(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { type, route, query, body, res } = request;
  const namespace = type.namespaced ? route.namespace : undefined;
  const options = deleteOptions(query, body);
  const items = deps.store.list(typeKey(type), namespace).filter(selectorOf(query));
  const results = items.map((item) => {
    const ns = item.metadata.namespace ?? '';
    return deps.objects.delete(type, ns, item.metadata.name ?? '', options).object;
  });
  sendJson(res, 200, {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type.group, route.version),
    metadata: { resourceVersion: String(deps.store.currentResourceVersion()) },
    items: results.map((object) => served(type, route.version, object)),
  });
}

function handleDelete(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { type, route, query, body, res } = request;
  const result = deps.objects.delete(
    type,
    route.namespace ?? '',
    route.name!,
    deleteOptions(query, body),
  );
  const object = served(type, route.version, result.object);
  if (!result.deleted || type.custom) {
    sendJson(res, 200, object);
    return;
  }
  // Built-ins answer an immediate delete with a Success Status, custom resources with the object.
  sendJson(res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: route.name, group: type.group, kind: type.plural, uid: object.metadata.uid },
  });
}

function handlePatch(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { type, route, req, body, res, record } = request;
  const patchType = patchTypeOf(req.headers['content-type']);
  record.patchType = patchType;
  const manager = managerOf(request);
  if (patchType === PatchType.apply && !request.query.get('fieldManager')) {
    throw new KubeApiError(
      422,
      StatusReason.Invalid,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      {
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
    );
  }
  const patch = parseBody(body, patchType === PatchType.apply);
  const namespace = route.namespace ?? '';
  const ctx = writeContext(request, manager);
  const result = deps.objects.patch(type, namespace, route.name!, patchType, patch, ctx);
  sendJson(
    res,
    result.created ? 201 : 200,
    served(type, route.version, result.object),
    request.warnings,
  );
}

/** Serves one request to a resource path. Throws KubeApiError for the caller to answer. */
export function handleResource(deps: ResourceHandlerDeps, request: ResourceRequest): void {
  const { route, type, req, res, record, body } = request;
  const named = route.name !== undefined;
  const namespace = route.namespace ?? '';
  const method = req.method ?? 'GET';
  if (
    route.subresource !== undefined &&
    !(route.subresource === 'status' && type.statusSubresource)
  ) {
    throw new KubeApiError(
      404,
      StatusReason.NotFound,
      'the server could not find the requested resource',
    );
  }
  if (method === 'GET') return handleRead(deps, request);
  if (method === 'POST' && !named) {
    record.verb = Verb.create;
    const ctx = writeContext(request, managerOf(request));
    const result = deps.objects.create(
      type,
      namespace,
      objectBody(body, req.headers['content-type']),
      ctx,
    );
    return sendJson(res, 201, served(type, route.version, result.object), request.warnings);
  }
  if (method === 'PUT' && named) {
    record.verb = Verb.update;
    const ctx = writeContext(request, managerOf(request));
    const result = deps.objects.update(
      type,
      namespace,
      route.name!,
      objectBody(body, req.headers['content-type']),
      ctx,
    );
    return sendJson(res, 200, served(type, route.version, result.object), request.warnings);
  }
  if (method === 'PATCH' && named) {
    record.verb = Verb.patch;
    return handlePatch(deps, request);
  }
  if (method === 'DELETE') {
    record.verb = named ? Verb.delete : Verb.deletecollection;
    return named ? handleDelete(deps, request) : deleteCollection(deps, request);
  }
  throw new KubeApiError(
    405,
    StatusReason.MethodNotAllowed,
    `the server does not allow this method on the requested resource`,
  );
}
