import { randomInt, randomUUID } from 'node:crypto';
import { validateName } from './admission.ts';
import { badRequest, invalid, type ErrorTarget, type StatusCause } from './errors.ts';
import { apiVersionOf, type ResourceType } from './resource-type.ts';
import { clone, isJsonObject, jsonEqual, nowTimestamp, type KubeObject } from './types.ts';

/** The object rules of create and update, each a small step of the object service. */

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

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

/** Where errors about the object `name` of `type` point. */
export function targetOf(type: ResourceType, name: string): ErrorTarget {
  return { group: type.group, plural: type.plural, name };
}

/** One-cause 422 Invalid for the object `name` of `type`. */
export function invalidField(type: ResourceType, name: string, cause: StatusCause) {
  return invalid(targetOf(type, name), type.kind, [cause]);
}

/** Sets the storage apiVersion and the kind, whatever the client sent. */
export function stamp(type: ResourceType, object: KubeObject): KubeObject {
  object.apiVersion = apiVersionOf(type.group, type.versions[0]!);
  object.kind = type.kind;
  return object;
}

/** `name` from `generateName` plus five random characters of the real alphabet. */
function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i += 1) {
    suffix += NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)];
  }
  return prefix + suffix;
}

/**
 * A create body made into a new object: name (or generated name), namespace from the URL,
 * uid, creationTimestamp, generation 1; client-sent server fields and a subresource status
 * dropped.
 */
export function prepareCreate(type: ResourceType, namespace: string, body: KubeObject): KubeObject {
  if (!isJsonObject(body) || !isJsonObject(body.metadata)) {
    throw badRequest('the object has no metadata');
  }
  const object = stamp(type, clone(body));
  const metadata = object.metadata;
  if (!metadata.name && metadata.generateName) metadata.name = generatedName(metadata.generateName);
  if (!metadata.name) {
    const message = 'Required value: name or generateName is required';
    throw invalidField(type, '', { reason: 'FieldValueRequired', message, field: 'metadata.name' });
  }
  if (type.namespaced && metadata.namespace && metadata.namespace !== namespace) {
    const message =
      'the namespace of the provided object does not match the namespace sent on the request';
    throw badRequest(message);
  }
  if (type.namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  validateName(type, object);
  for (const field of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    Reflect.deleteProperty(metadata, field);
  }
  metadata.uid = randomUUID();
  metadata.creationTimestamp = nowTimestamp();
  if (type.hasGeneration) metadata.generation = 1;
  else delete metadata.generation;
  if (type.statusSubresource) delete object['status'];
  return object;
}

/**
 * The proposed new state with what the client may not change put back: on `/status` only
 * status (and managedFields) comes from the client; on the main resource of a kind with a
 * status subresource, status stays as stored; server metadata always stays.
 */
export function carryServerFields(
  type: ResourceType,
  old: KubeObject,
  proposed: KubeObject,
  subresource: string | undefined,
): KubeObject {
  let next = stamp(type, clone(proposed));
  if (!isJsonObject(next.metadata)) next.metadata = {};
  if (subresource === 'status') {
    const managedFields = next.metadata.managedFields;
    const metadata = { ...clone(old.metadata), ...(managedFields ? { managedFields } : {}) };
    next = { ...clone(old), metadata, status: next['status'] };
  } else if (type.statusSubresource) {
    if (old['status'] === undefined) delete next['status'];
    else next['status'] = clone(old['status']);
  }
  const metadata: Record<string, unknown> = next.metadata;
  for (const field of IMMUTABLE_METADATA) {
    if (old.metadata[field] === undefined) Reflect.deleteProperty(metadata, field);
    else metadata[field] = old.metadata[field];
  }
  return next;
}

/** No finalizer may be added once an object is being deleted. */
export function checkNoNewFinalizers(type: ResourceType, old: KubeObject, next: KubeObject): void {
  if (!old.metadata.deletionTimestamp) return;
  const before = old.metadata.finalizers ?? [];
  const added = (next.metadata.finalizers ?? []).filter((f) => !before.includes(f));
  if (added.length === 0) return;
  const message = `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`;
  const cause = { reason: 'FieldValueForbidden', message, field: 'metadata.finalizers' };
  throw invalidField(type, old.metadata.name ?? '', cause);
}

/** Everything but metadata (and status when it is a subresource): what `generation` tracks. */
function specPart(type: ResourceType, object: KubeObject): Record<string, unknown> {
  const skipped = ['metadata', 'apiVersion', 'kind', ...(type.statusSubresource ? ['status'] : [])];
  return Object.fromEntries(Object.entries(object).filter(([key]) => !skipped.includes(key)));
}

/** `metadata.generation` + 1 when the spec part changed, for kinds that track generation. */
export function bumpGeneration(type: ResourceType, old: KubeObject, next: KubeObject): void {
  if (type.hasGeneration && !jsonEqual(specPart(type, old), specPart(type, next))) {
    next.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
}

/** Custom resources refuse an update without `metadata.resourceVersion`. */
export function checkUpdateVersion(type: ResourceType, name: string, body: KubeObject): void {
  if (!type.requiresResourceVersionOnUpdate || body.metadata.resourceVersion) return;
  const message = 'Invalid value: 0x0: must be specified for an update';
  const cause = { reason: 'FieldValueInvalid', message, field: 'metadata.resourceVersion' };
  throw invalidField(type, name, cause);
}

/** The body's name must be the URL's, when the body names one. */
export function checkBodyName(body: KubeObject, name: string): void {
  const sent = body.metadata.name;
  if (sent === undefined || sent === name) return;
  throw badRequest(
    `the name of the object (${String(sent)}) does not match the name on the URL (${name})`,
  );
}
