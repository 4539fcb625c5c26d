import type { Admission, AdmissionOptions } from './admission.ts';
import { checkPreconditions, markDeleting, type PropagationPolicy } from './delete-rules.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  KubeApiError,
  notFound,
  STALE_OBJECT_MESSAGE,
  StatusReason,
} from './errors.ts';
import { applyConfig, recordUpdate, type ManagedWrite } from './field-manager.ts';
import { applyJsonPatch, applyMergePatch, PatchType } from './patch.ts';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.ts';
import type { ObjectStore } from './store.ts';
import { isJsonObject, jsonEqual, type KubeObject } from './types.ts';
import {
  bumpGeneration,
  carryServerFields,
  checkBodyName,
  checkNoNewFinalizers,
  checkUpdateVersion,
  prepareCreate,
  targetOf,
} from './write-rules.ts';

/** Who writes and how: the field manager, the served version, the subresource. */
export interface WriteContext {
  /** Field manager: the `fieldManager` parameter, else the user agent's program name. */
  manager: string;
  /** Served version the request used (`v1`, `v1alpha1`). */
  version: string;
  /** `status` for the status subresource, else undefined. */
  subresource?: string | undefined;
  /** `?dryRun=All`: validate and answer, but store nothing. */
  dryRun?: boolean;
  /** Server-side apply's `force`. */
  force?: boolean;
  /** The `fieldValidation` parameter: Strict, Warn (the default) or Ignore. */
  fieldValidation?: string | undefined;
  /** Collects warnings for `Warning` response headers. */
  warnings?: string[];
}

/** The outcome of a write: the object as stored, and whether it was created. */
export interface WriteResult {
  object: KubeObject;
  created: boolean;
}

/** DeleteOptions the fixture honours. */
export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** The outcome of a delete: `deleted` false means finalizers keep the object. */
export interface DeleteResult {
  object: KubeObject;
  deleted: boolean;
}

/** Create, update, patch and delete with the API server's object rules, HTTP aside. */
export interface ObjectService {
  get(type: ResourceType, namespace: string, name: string): KubeObject;
  create(type: ResourceType, namespace: string, body: KubeObject, ctx: WriteContext): WriteResult;
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: KubeObject,
    ctx: WriteContext,
  ): WriteResult;
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    ctx: WriteContext,
  ): WriteResult;
  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions): DeleteResult;
}

function admissionOptions(ctx: WriteContext): AdmissionOptions {
  return { fieldValidation: ctx.fieldValidation, warnings: ctx.warnings ?? [] };
}

/** The options of `createObjectService`. */
export interface ObjectServiceOptions {
  store: ObjectStore;
  admission: Admission;
  /** Whether a namespace exists and accepts new objects; throws NotFound or Forbidden. */
  checkNamespace: (namespace: string) => void;
}

/** The object rules of the API server on top of a store. */
export function createObjectService(options: ObjectServiceOptions): ObjectService {
  const { store, admission, checkNamespace } = options;

  const load = (type: ResourceType, namespace: string, name: string): KubeObject => {
    const found = store.get(typeKey(type), type.namespaced ? namespace : '', name);
    if (!found) throw notFound(targetOf(type, name));
    return found;
  };

  const managedWrite = (type: ResourceType, name: string, ctx: WriteContext): ManagedWrite => ({
    manager: ctx.manager,
    apiVersion: apiVersionOf(type.group, ctx.version),
    subresource: ctx.subresource,
    force: ctx.force ?? false,
    target: targetOf(type, name),
  });

  const commit = (type: ResourceType, object: KubeObject, ctx: WriteContext): KubeObject =>
    ctx.dryRun ? object : store.put(typeKey(type), object);

  const create = (
    type: ResourceType,
    namespace: string,
    body: KubeObject,
    ctx: WriteContext,
    applied = false,
  ): WriteResult => {
    const object = prepareCreate(type, namespace, body);
    const { name = '' } = object.metadata;
    if (type.namespaced) checkNamespace(namespace);
    if (store.get(typeKey(type), object.metadata.namespace ?? '', name)) {
      throw alreadyExists(targetOf(type, name));
    }
    const admitted = admission(type, ctx.version, object, undefined, admissionOptions(ctx));
    const managed = applied
      ? admitted
      : recordUpdate(undefined, admitted, managedWrite(type, name, ctx));
    return { object: commit(type, managed, ctx), created: true };
  };

  /** Stores `proposed` as the new state of `old`, applying every update rule. */
  const replace = (
    type: ResourceType,
    old: KubeObject,
    proposed: KubeObject,
    ctx: WriteContext,
    applied: boolean,
  ): WriteResult => {
    const name = old.metadata.name ?? '';
    const sent = proposed.metadata.resourceVersion;
    if (sent && sent !== old.metadata.resourceVersion) {
      throw conflict(targetOf(type, name), STALE_OBJECT_MESSAGE);
    }
    let next = carryServerFields(type, old, proposed, ctx.subresource);
    checkNoNewFinalizers(type, old, next);
    next = admission(type, ctx.version, next, old, admissionOptions(ctx));
    bumpGeneration(type, old, next);
    next.metadata.resourceVersion = old.metadata.resourceVersion!;
    if (!applied) next = recordUpdate(old, next, managedWrite(type, name, ctx));
    // A write that changes nothing is a no-op: no new resourceVersion, no watch event.
    if (jsonEqual(old, next)) return { object: old, created: false };
    const finalizersDone = (next.metadata.finalizers ?? []).length === 0;
    if (next.metadata.deletionTimestamp && finalizersDone && !ctx.dryRun) {
      // The last finalizer is gone: the update that removed it also deletes the object.
      const gone = store.put(typeKey(type), next);
      return { object: store.remove(typeKey(type), gone), created: false };
    }
    return { object: commit(type, next, ctx), created: false };
  };

  const update: ObjectService['update'] = (type, namespace, name, body, ctx) => {
    if (!isJsonObject(body) || !isJsonObject(body.metadata)) {
      throw badRequest('the object has no metadata');
    }
    checkBodyName(body, name);
    const old = load(type, namespace, name);
    checkUpdateVersion(type, name, body);
    return replace(type, old, body, ctx, false);
  };

  const apply = (
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    ctx: WriteContext,
  ): WriteResult => {
    if (!isJsonObject(body)) throw badRequest('apply patch must be an object');
    const config = body as KubeObject;
    if (!isJsonObject(config.metadata)) config.metadata = {};
    checkBodyName(config, name);
    if (ctx.subresource !== 'status' && type.statusSubresource) delete config['status'];
    const found = store.get(typeKey(type), type.namespaced ? namespace : '', name);
    const write = managedWrite(type, name, ctx);
    if (found) return replace(type, found, applyConfig(found, config, write), ctx, true);
    const named = { ...config, metadata: { ...config.metadata, name } };
    return create(type, namespace, applyConfig(undefined, named, write), ctx, true);
  };

  const patch: ObjectService['patch'] = (type, namespace, name, patchType, body, ctx) => {
    if (patchType === PatchType.apply) return apply(type, namespace, name, body, ctx);
    const old = load(type, namespace, name);
    if (patchType === PatchType.strategic && type.custom) {
      const message = `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`;
      throw new KubeApiError(415, StatusReason.UnsupportedMediaType, message);
    }
    // LIMITATION: strategic merge patch is a JSON merge patch here: lists are replaced whole
    // rather than merged by key, and $patch directives are not understood.
    const patched =
      patchType === PatchType.json ? applyJsonPatch(old, body) : applyMergePatch(old, body);
    if (!isJsonObject(patched)) throw badRequest('the patch does not produce an object');
    return replace(type, old, patched as KubeObject, ctx, false);
  };

  const remove: ObjectService['delete'] = (type, namespace, name, opts) => {
    const old = load(type, namespace, name);
    checkPreconditions(type, old, opts.preconditions);
    const next = markDeleting(type, old, opts.propagationPolicy);
    if (!next)
      return { object: opts.dryRun ? old : store.remove(typeKey(type), old), deleted: true };
    if (jsonEqual(old, next) || opts.dryRun) return { object: old, deleted: false };
    return { object: store.put(typeKey(type), next), deleted: false };
  };

  return {
    get: load,
    create: (type, namespace, body, ctx) => create(type, namespace, body, ctx),
    update,
    patch,
    delete: remove,
  };
}
