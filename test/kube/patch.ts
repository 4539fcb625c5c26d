import { badRequest, KubeApiError, StatusReason } from './errors.ts';
import { clone, isJsonObject, jsonEqual, type JsonObject } from './types.ts';

/** The patch kinds, named as the request log names them. */
export const PatchType = {
  merge: 'merge',
  json: 'json',
  strategic: 'strategic',
  apply: 'apply',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** The content types of PATCH requests and the patch type each selects. */
export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': PatchType.merge,
  'application/json-patch+json': PatchType.json,
  'application/strategic-merge-patch+json': PatchType.strategic,
  'application/apply-patch+yaml': PatchType.apply,
  'application/apply-patch+cbor': PatchType.apply,
};

/** The patch type of a PATCH request's content type, or a 415 UnsupportedMediaType. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const bare = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const type = PATCH_CONTENT_TYPES[bare];
  if (!type) {
    const message = `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`;
    throw new KubeApiError(415, StatusReason.UnsupportedMediaType, message);
  }
  return type;
}

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  const result: JsonObject = isJsonObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function containerAt(document: unknown, path: string[]): unknown {
  let current = document;
  for (const part of path) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isJsonObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

function valueAt(document: unknown, pointer: string): unknown {
  const value = containerAt(document, parsePointer(pointer));
  if (value === undefined) throw badRequest(`json patch: path ${pointer} does not exist`);
  return value;
}

function removeAt(document: unknown, pointer: string): void {
  const path = parsePointer(pointer);
  const parent = containerAt(document, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent) && Number(last) < parent.length) parent.splice(Number(last), 1);
  else if (isJsonObject(parent) && last in parent) Reflect.deleteProperty(parent, last);
  else throw badRequest(`json patch: unable to remove nonexistent key: ${pointer}`);
}

function addAt(document: unknown, pointer: string, value: unknown, replace: boolean): void {
  const path = parsePointer(pointer);
  const parent = containerAt(document, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!(index >= 0 && index <= parent.length)) throw badRequest(`json patch: bad index ${last}`);
    parent.splice(index, replace ? 1 : 0, clone(value));
  } else if (isJsonObject(parent)) {
    if (replace && !(last in parent)) {
      throw badRequest(
        `json patch: replace operation does not apply: doc is missing key: ${pointer}`,
      );
    }
    parent[last] = clone(value);
  } else {
    throw badRequest(`json patch: doc is missing path: ${pointer}`);
  }
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy and test. */
export function applyJsonPatch(target: JsonObject, operations: unknown): JsonObject {
  if (!Array.isArray(operations)) throw badRequest('json patch must be a list of operations');
  const document = clone(target);
  for (const operation of operations) {
    if (!isJsonObject(operation) || typeof operation['path'] !== 'string') {
      throw badRequest('json patch: operation without a path');
    }
    const path = operation['path'];
    const from = typeof operation['from'] === 'string' ? operation['from'] : '';
    switch (operation['op']) {
      case 'add':
        addAt(document, path, operation['value'], false);
        break;
      case 'replace':
        addAt(document, path, operation['value'], true);
        break;
      case 'remove':
        removeAt(document, path);
        break;
      case 'move': {
        const value = valueAt(document, from);
        removeAt(document, from);
        addAt(document, path, value, false);
        break;
      }
      case 'copy':
        addAt(document, path, valueAt(document, from), false);
        break;
      case 'test':
        if (!jsonEqual(valueAt(document, path), operation['value'])) {
          throw new KubeApiError(
            422,
            StatusReason.Invalid,
            `json patch: testing value ${path} failed`,
          );
        }
        break;
      default:
        throw badRequest(`json patch: unknown operation ${String(operation['op'])}`);
    }
  }
  return document;
}
