import type { StatusCause } from './errors.ts';
import { clone, isJsonObject, type JsonObject } from './types.ts';
import { checkValue, shown } from './value-checks.ts';

/** An OpenAPI v3 structural schema node, as in a CRD's `openAPIV3Schema`. */
export type SchemaNode = JsonObject;

/** What a schema pass found: failing fields, and unknown fields it pruned. */
export interface SchemaReport {
  causes: StatusCause[];
  pruned: string[];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function typeMatches(schema: SchemaNode, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
  const type = schema['type'];
  if (type === undefined) return true;
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  if (type === 'number') return typeof value === 'number';
  if (type === 'array') return Array.isArray(value);
  return typeName(value) === type || (type === 'object' && isJsonObject(value));
}

function subSchemas(schema: SchemaNode, key: string): SchemaNode[] {
  const list = schema[key];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

/** allOf/anyOf/oneOf/not: value validations only in structural schemas. */
function checkCombinators(schema: SchemaNode, value: unknown, path: string): StatusCause[] {
  const failures = (node: SchemaNode) =>
    walk(node, clone(value), path, { causes: [], pruned: [] }, false);
  const causes = subSchemas(schema, 'allOf').flatMap(failures);
  const anyOf = subSchemas(schema, 'anyOf');
  if (anyOf.length > 0 && anyOf.every((node) => failures(node).length > 0)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${shown(value)}: ${path} in body must match at least one schema in anyOf`,
      field: path,
    });
  }
  const oneOf = subSchemas(schema, 'oneOf');
  if (oneOf.length > 0 && oneOf.filter((node) => failures(node).length === 0).length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${shown(value)}: ${path} in body must match exactly one schema in oneOf`,
      field: path,
    });
  }
  const not = schema['not'];
  if (isJsonObject(not) && failures(not).length === 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${shown(value)}: ${path} in body must not match the schema in not`,
      field: path,
    });
  }
  return causes;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Applies defaults and prunes unknown fields of an object node, in place. */
function shapeObject(
  schema: SchemaNode,
  value: JsonObject,
  path: string,
  report: SchemaReport,
  root: boolean,
): void {
  const properties = isJsonObject(schema['properties']) ? schema['properties'] : {};
  for (const [key, property] of Object.entries(properties)) {
    const child = value[key];
    if (!isJsonObject(property)) continue;
    if (child === null && property['nullable'] !== true) Reflect.deleteProperty(value, key);
    if (value[key] === undefined && property['default'] !== undefined)
      value[key] = clone(property['default']);
  }
  const keep =
    schema['x-kubernetes-preserve-unknown-fields'] === true ||
    schema['additionalProperties'] !== undefined;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    if (key in properties || keep) continue;
    if (embedded && ['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    report.pruned.push(join(path, key));
    Reflect.deleteProperty(value, key);
  }
}

/**
 * Validates `value` against `schema` at `path`, applying defaults and pruning (when `shape`),
 * and returns the causes of this subtree. Children are shaped before they are checked, as the
 * real server defaults and prunes before it validates.
 */
export function walk(
  schema: SchemaNode,
  value: unknown,
  path: string,
  report: SchemaReport,
  shape: boolean,
  root = false,
): StatusCause[] {
  if (value === null && schema['nullable'] === true) return [];
  if (!typeMatches(schema, value)) {
    const type = String(schema['type'] ?? 'object');
    const message = `Invalid value: ${JSON.stringify(typeName(value))}: ${path} in body must be of type ${type}: ${JSON.stringify(typeName(value))}`;
    return [{ reason: 'FieldValueTypeInvalid', message, field: path }];
  }
  const causes = [...checkValue(schema, value, path), ...checkCombinators(schema, value, path)];
  if (isJsonObject(value)) {
    if (shape) shapeObject(schema, value, path, report, root);
    const properties = isJsonObject(schema['properties']) ? schema['properties'] : {};
    for (const name of Array.isArray(schema['required']) ? schema['required'] : []) {
      if (typeof name === 'string' && value[name] === undefined) {
        causes.push({
          reason: 'FieldValueRequired',
          message: 'Required value',
          field: join(path, name),
        });
      }
    }
    const additional = schema['additionalProperties'];
    for (const [key, child] of Object.entries(value)) {
      const childSchema = properties[key] ?? (isJsonObject(additional) ? additional : undefined);
      if (isJsonObject(childSchema) && !(root && key === 'metadata')) {
        causes.push(...walk(childSchema, child, join(path, key), report, shape));
      }
    }
  }
  const items = schema['items'];
  if (Array.isArray(value) && isJsonObject(items)) {
    value.forEach((item, i) => causes.push(...walk(items, item, `${path}[${i}]`, report, shape)));
  }
  return causes;
}
