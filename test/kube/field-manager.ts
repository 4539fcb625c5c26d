import { conflict, KubeApiError, StatusReason, type ErrorTarget } from './errors.ts';
import {
  clone,
  isJsonObject,
  jsonEqual,
  nowTimestamp,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
} from './types.ts';

/**
 * LIMITATION: field ownership for server-side apply is approximated, so tests that depend on
 * merging associative lists between managers see whole-list replacement instead. A field is a path to a leaf, where a
 * leaf is a scalar, a list (every list is atomic, also the real server's associative lists
 * such as `containers`) or an empty object. Ownership lives in `metadata.managedFields` as
 * FieldsV1, so it survives in the object like the real one.
 */
type FieldPath = string[];

const METADATA_FIELDS = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

function walkLeaves(value: unknown, prefix: FieldPath, out: FieldPath[]): void {
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) walkLeaves(child, [...prefix, key], out);
  } else {
    out.push(prefix);
  }
}

/** The owned leaf paths of an object: everything but identity and server-set metadata. */
export function leafPaths(object: JsonObject): FieldPath[] {
  const out: FieldPath[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      if (!isJsonObject(value)) continue;
      for (const field of METADATA_FIELDS) {
        if (value[field] !== undefined) walkLeaves(value[field], ['metadata', field], out);
      }
      continue;
    }
    walkLeaves(value, [key], out);
  }
  return out;
}

function toFieldsV1(paths: FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const part of path) {
      const key = `f:${part}`;
      const next = node[key];
      node[key] = isJsonObject(next) ? next : {};
      node = node[key] as JsonObject;
    }
  }
  return root;
}

function fromFieldsV1(fields: JsonObject, prefix: FieldPath = []): FieldPath[] {
  const children = Object.entries(fields).filter(([key]) => key.startsWith('f:'));
  if (children.length === 0) return prefix.length > 0 ? [prefix] : [];
  return children.flatMap(([key, child]) =>
    fromFieldsV1(isJsonObject(child) ? child : {}, [...prefix, key.slice(2)]),
  );
}

function valueAt(object: unknown, path: FieldPath): unknown {
  let current = object;
  for (const part of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

function removeAt(object: JsonObject, path: FieldPath): void {
  const parent = valueAt(object, path.slice(0, -1));
  if (isJsonObject(parent)) Reflect.deleteProperty(parent, path[path.length - 1]!);
}

const same = (a: FieldPath, b: FieldPath): boolean =>
  a.length === b.length && a.every((part, i) => part === b[i]);

/** A merge for apply: objects merge recursively, lists and scalars replace. */
function mergeApplied(base: unknown, config: unknown): unknown {
  if (!isJsonObject(config) || !isJsonObject(base)) return clone(config);
  const result = clone(base);
  for (const [key, value] of Object.entries(config)) result[key] = mergeApplied(result[key], value);
  return result;
}

/** What an apply or update is made of: who makes it, on which version and subresource. */
export interface ManagedWrite {
  manager: string;
  apiVersion: string;
  subresource: string | undefined;
  force: boolean;
  target: ErrorTarget;
}

/** An entry is one manager's, for one operation, on one subresource (or the main resource). */
function isEntryOf(
  entry: ManagedFieldsEntry,
  write: ManagedWrite,
  operation: 'Apply' | 'Update',
): boolean {
  return (
    entry.manager === write.manager &&
    entry.operation === operation &&
    entry.subresource === write.subresource
  );
}

function entriesOf(object: KubeObject | undefined): ManagedFieldsEntry[] {
  return clone(object?.metadata.managedFields ?? []);
}

function upsertEntry(
  entries: ManagedFieldsEntry[],
  write: ManagedWrite,
  operation: 'Apply' | 'Update',
  paths: FieldPath[],
): ManagedFieldsEntry[] {
  const fieldsV1 = toFieldsV1(paths);
  const index = entries.findIndex((entry) => isEntryOf(entry, write, operation));
  const existing = index >= 0 ? entries[index] : undefined;
  if (existing && jsonEqual(existing.fieldsV1, fieldsV1)) return entries;
  const entry: ManagedFieldsEntry = {
    manager: write.manager,
    operation,
    apiVersion: write.apiVersion,
    time: nowTimestamp(),
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...(write.subresource ? { subresource: write.subresource } : {}),
  };
  if (paths.length === 0) return entries.filter((_, i) => i !== index);
  if (index < 0) return [...entries, entry];
  return entries.map((existingEntry, i) => (i === index ? entry : existingEntry));
}

function withoutPaths(entries: ManagedFieldsEntry[], taken: FieldPath[]): ManagedFieldsEntry[] {
  return entries.flatMap((entry) => {
    const kept = fromFieldsV1(entry.fieldsV1).filter((path) => !taken.some((t) => same(t, path)));
    return kept.length > 0 ? [{ ...entry, fieldsV1: toFieldsV1(kept) }] : [];
  });
}

interface FieldConflict {
  manager: string;
  apiVersion: string;
  path: FieldPath;
}

/** 409 in the real wording: `Apply failed with 1 conflict: conflict with "m" using v1: .a`. */
function conflictError(write: ManagedWrite, found: FieldConflict[]) {
  const causes = found.map(({ manager, apiVersion, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${manager}" using ${apiVersion}`,
    field: `.${path.join('.')}`,
  }));
  const summary =
    causes.length === 1
      ? `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`
      : `Apply failed with ${causes.length} conflicts: ${causes.map((c) => `${c.message}: ${c.field}`).join(', ')}`;
  // The real message is the summary alone, without "Operation cannot be fulfilled".
  const details = { ...conflict(write.target, summary).details, causes };
  return new KubeApiError(409, StatusReason.Conflict, summary, details);
}

/**
 * Server-side apply of `config` onto `live` (undefined on create). Fails with 409 when another
 * manager owns a field the config sets to a different value, unless `force`. Fields this
 * manager applied before and no longer applies are removed unless someone else owns them.
 */
export function applyConfig(
  live: KubeObject | undefined,
  config: KubeObject,
  write: ManagedWrite,
): KubeObject {
  const configPaths = leafPaths(config);
  const entries = entriesOf(live);
  const others = entries.filter((entry) => !isEntryOf(entry, write, 'Apply'));
  const conflicts = others.flatMap((entry) =>
    fromFieldsV1(entry.fieldsV1)
      .filter((path) => configPaths.some((own) => same(own, path)))
      .filter((path) => !jsonEqual(valueAt(live, path), valueAt(config, path)))
      .map((path) => ({ manager: entry.manager, apiVersion: entry.apiVersion, path })),
  );
  if (conflicts.length > 0 && !write.force) throw conflictError(write, conflicts);

  const base = clone(live ?? { metadata: {} });
  const mine = entries.find((entry) => isEntryOf(entry, write, 'Apply'));
  const owners = others.flatMap((entry) => fromFieldsV1(entry.fieldsV1));
  for (const path of fromFieldsV1(mine?.fieldsV1 ?? {})) {
    const stillApplied = configPaths.some((own) => same(own, path));
    if (!stillApplied && !owners.some((owned) => same(owned, path))) removeAt(base, path);
  }
  const merged = mergeApplied(base, config) as KubeObject;
  // With force, the applier takes the fields from everyone else; entry order stays stable.
  const stripped = write.force
    ? entries.flatMap((e) => (isEntryOf(e, write, 'Apply') ? [e] : withoutPaths([e], configPaths)))
    : entries;
  merged.metadata.managedFields = upsertEntry(stripped, write, 'Apply', configPaths);
  return merged;
}

/** The leaf paths whose value differs between two versions of an object. */
function changedPaths(before: KubeObject | undefined, after: KubeObject): FieldPath[] {
  const afterPaths = leafPaths(after);
  return afterPaths.filter((path) => !jsonEqual(valueAt(before, path), valueAt(after, path)));
}

/**
 * Records an ordinary write (create, update, patch) in managedFields: the writer takes the
 * fields it changed, and they leave other managers' sets, as the real server does.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  write: ManagedWrite,
): KubeObject {
  const changed = changedPaths(before, after);
  const result = clone(after);
  const entries = withoutPaths(entriesOf(before), changed);
  const previous = entriesOf(before).find((entry) => isEntryOf(entry, write, 'Update'));
  const owned = [...fromFieldsV1(previous?.fieldsV1 ?? {}), ...changed].filter(
    (path, i, all) => all.findIndex((other) => same(other, path)) === i,
  );
  const present = owned.filter((path) => valueAt(after, path) !== undefined);
  result.metadata.managedFields = upsertEntry(entries, write, 'Update', present);
  if (result.metadata.managedFields.length === 0) delete result.metadata.managedFields;
  return result;
}
