import { randomInt, randomUUID } from 'node:crypto';
import { validateName, type Admission, type AdmissionOptions } from './admission.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  KubeApiError,
  notFound,
  STALE_OBJECT_MESSAGE,
  StatusReason,
  type ErrorTarget,
} from './errors.ts';
import { applyConfig, recordUpdate, type ManagedWrite } from './field-manager.ts';
import { applyJsonPatch, applyMergePatch, PatchType } from './patch.ts';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.ts';
import type { ObjectStore } from './store.ts';
import { clone, isJsonObject, jsonEqual, nowTimestamp, type KubeObject } from './types.ts';

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
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
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

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generateSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i += 1)
    suffix += NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)];
  return suffix;
}

function admissionOptions(ctx: WriteContext): AdmissionOptions {
  return { fieldValidation: ctx.fieldValidation, warnings: ctx.warnings ?? [] };
}

function targetOf(type: ResourceType, name: string): ErrorTarget {
  return { group: type.group, plural: type.plural, name };
}

/** Everything but metadata (and status when it is a subresource): what `generation` tracks. */
function specPart(type: ResourceType, object: KubeObject): Record<string, unknown> {
  const skipped = ['metadata', 'apiVersion', 'kind', ...(type.statusSubresource ? ['status'] : [])];
  return Object.fromEntries(Object.entries(object).filter(([key]) => !skipped.includes(key)));
}

/** Server-owned metadata a client cannot change through update or patch. */
const IMMUTABLE_METADATA = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'namespace',
  'name',
] as const;

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

  const stamp = (type: ResourceType, object: KubeObject): KubeObject => {
    object.apiVersion = apiVersionOf(type.group, type.versions[0]!);
    object.kind = type.kind;
    return object;
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
    if (!isJsonObject(body) || !isJsonObject(body.metadata)) {
      throw badRequest('the object has no metadata');
    }
    const object = stamp(type, clone(body));
    const metadata = object.metadata;
    if (!metadata.name && metadata.generateName)
      metadata.name = metadata.generateName + generateSuffix();
    if (!metadata.name) {
      throw new KubeApiError(
        422,
        StatusReason.Invalid,
        `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
        {
          kind: type.kind,
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: name or generateName is required',
              field: 'metadata.name',
            },
          ],
        },
      );
    }
    if (type.namespaced) {
      if (metadata.namespace && metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      metadata.namespace = namespace;
      checkNamespace(namespace);
    } else {
      delete metadata.namespace;
    }
    validateName(type, object);
    if (store.get(typeKey(type), metadata.namespace ?? '', metadata.name)) {
      throw alreadyExists(targetOf(type, metadata.name));
    }
    for (const field of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
      Reflect.deleteProperty(metadata, field);
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = nowTimestamp();
    if (type.hasGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (type.statusSubresource) delete object['status'];
    const admitted = admission(type, ctx.version, object, undefined, admissionOptions(ctx));
    const managed = applied
      ? admitted
      : recordUpdate(undefined, admitted, managedWrite(type, metadata.name, ctx));
    return { object: commit(type, managed, ctx), created: true };
  };

  /** Stores `next` as the new state of `old`, applying every update rule. */
  const replace = (
    type: ResourceType,
    old: KubeObject,
    proposed: KubeObject,
    ctx: WriteContext,
    applied: boolean,
  ): WriteResult => {
    const name = old.metadata.name ?? '';
    const sent = proposed.metadata.resourceVersion;
    if (sent && sent !== old.metadata.resourceVersion)
      throw conflict(targetOf(type, name), STALE_OBJECT_MESSAGE);
    let next = stamp(type, clone(proposed));
    if (!isJsonObject(next.metadata)) next.metadata = {};
    if (ctx.subresource === 'status') {
      // The status subresource changes status only: spec and metadata stay as stored.
      const managedFields = next.metadata.managedFields;
      const metadata = { ...clone(old.metadata), ...(managedFields ? { managedFields } : {}) };
      next = { ...clone(old), metadata, status: next['status'] };
    } else if (type.statusSubresource) {
      // The main resource ignores status changes when status is a subresource.
      if (old['status'] === undefined) delete next['status'];
      else next['status'] = clone(old['status']);
    }
    const metadata: Record<string, unknown> = next.metadata;
    for (const field of IMMUTABLE_METADATA) {
      if (old.metadata[field] === undefined) Reflect.deleteProperty(metadata, field);
      else metadata[field] = old.metadata[field];
    }
    const added = (next.metadata.finalizers ?? []).filter(
      (f) => !(old.metadata.finalizers ?? []).includes(f),
    );
    if (old.metadata.deletionTimestamp && added.length > 0) {
      throw new KubeApiError(
        422,
        StatusReason.Invalid,
        `${type.kind} "${name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        {
          name,
          kind: type.kind,
          causes: [
            {
              reason: 'FieldValueForbidden',
              message: 'Forbidden: no new finalizers can be added if the object is being deleted',
              field: 'metadata.finalizers',
            },
          ],
        },
      );
    }
    next = admission(type, ctx.version, next, old, admissionOptions(ctx));
    if (type.hasGeneration && !jsonEqual(specPart(type, old), specPart(type, next))) {
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion!;
    if (!applied) next = recordUpdate(old, next, managedWrite(type, name, ctx));
    // A write that changes nothing is a no-op: no new resourceVersion, no watch event.
    if (jsonEqual(old, next)) return { object: old, created: false };
    const finalizersDone = (next.metadata.finalizers ?? []).length === 0;
    if (next.metadata.deletionTimestamp && finalizersDone) {
      const gone = ctx.dryRun ? next : store.put(typeKey(type), next);
      return { object: ctx.dryRun ? gone : store.remove(typeKey(type), gone), created: false };
    }
    return { object: commit(type, next, ctx), created: false };
  };

  const update: ObjectService['update'] = (type, namespace, name, body, ctx) => {
    if (!isJsonObject(body) || !isJsonObject(body.metadata))
      throw badRequest('the object has no metadata');
    if (body.metadata.name !== undefined && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const old = load(type, namespace, name);
    if (type.requiresResourceVersionOnUpdate && !body.metadata.resourceVersion) {
      throw new KubeApiError(
        422,
        StatusReason.Invalid,
        `${type.kind}.${type.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
        {
          name,
          group: type.group,
          kind: type.kind,
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: 0x0: must be specified for an update',
              field: 'metadata.resourceVersion',
            },
          ],
        },
      );
    }
    return replace(type, old, body, ctx, false);
  };

  const patch: ObjectService['patch'] = (type, namespace, name, patchType, body, ctx) => {
    if (patchType === PatchType.apply) {
      if (!isJsonObject(body)) throw badRequest('apply patch must be an object');
      const config = body as KubeObject;
      if (!isJsonObject(config.metadata)) config.metadata = {};
      if (config.metadata.name !== undefined && config.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${name})`,
        );
      }
      if (ctx.subresource !== 'status' && type.statusSubresource) delete config['status'];
      const found = store.get(typeKey(type), type.namespaced ? namespace : '', name);
      const write = managedWrite(type, name, ctx);
      if (!found) {
        const applied = applyConfig(
          undefined,
          { ...config, metadata: { ...config.metadata, name } },
          write,
        );
        return create(type, namespace, applied, ctx, true);
      }
      return replace(type, found, applyConfig(found, config, write), ctx, true);
    }
    const old = load(type, namespace, name);
    if (patchType === PatchType.strategic && type.custom) {
      throw new KubeApiError(
        415,
        StatusReason.UnsupportedMediaType,
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
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
    const target = targetOf(type, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        target,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        target,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const next = clone(old);
    const finalizers = [...(next.metadata.finalizers ?? [])];
    const policyFinalizer =
      opts.propagationPolicy === 'Foreground'
        ? 'foregroundDeletion'
        : opts.propagationPolicy === 'Orphan'
          ? 'orphan'
          : undefined;
    if (policyFinalizer && !finalizers.includes(policyFinalizer)) finalizers.push(policyFinalizer);
    const isNamespace = type.group === '' && type.plural === 'namespaces';
    if (finalizers.length === 0 && !isNamespace) {
      return { object: opts.dryRun ? old : store.remove(typeKey(type), old), deleted: true };
    }
    if (finalizers.length > 0) next.metadata.finalizers = finalizers;
    next.metadata.deletionTimestamp ??= nowTimestamp();
    next.metadata.deletionGracePeriodSeconds ??= 0;
    if (isNamespace)
      next['status'] = {
        ...(isJsonObject(next['status']) ? next['status'] : {}),
        phase: 'Terminating',
      };
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
