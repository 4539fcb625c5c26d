import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { StatusCause } from './errors.ts';
import { clone, isJsonObject, jsonEqual, type JsonObject } from './types.ts';

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

/** Go's `%#v`-like rendering the real server uses in messages: quoted strings, bare numbers. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(typeName(value));
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

function formatValid(format: unknown, value: string): boolean {
  if (typeof format !== 'string') return true;
  const check: unknown = (fullFormats as Record<string, unknown>)[format];
  if (check instanceof RegExp) return check.test(value);
  if (typeof check === 'function') return Boolean((check as (v: string) => unknown)(value));
  if (isJsonObject(check) && typeof check['validate'] === 'function') {
    return Boolean((check['validate'] as (v: string) => unknown)(value));
  }
  return true;
}

/** The value checks of one node (not its children), as causes at `path`. */
function checkValue(schema: SchemaNode, value: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const invalid = (message: string) =>
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${shown(value)}: ${path} in body ${message}`,
      field: path,
    });
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && !enumValues.some((allowed) => jsonEqual(allowed, value))) {
    const supported = enumValues.map((allowed) => JSON.stringify(allowed)).join(', ');
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${shown(value)}: supported values: ${supported}`,
      field: path,
    });
  }
  if (typeof value === 'string') {
    const { maxLength, minLength, pattern, format } = schema;
    if (typeof maxLength === 'number' && value.length > maxLength) {
      causes.push({
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${maxLength} bytes`,
        field: path,
      });
    }
    if (typeof minLength === 'number' && value.length < minLength)
      invalid(`should be at least ${minLength} chars long`);
    if (typeof pattern === 'string' && !new RegExp(pattern).test(value))
      invalid(`should match '${pattern}'`);
    if (!formatValid(format, value))
      invalid(`must be of type ${String(format)}: ${JSON.stringify(value)}`);
  }
  if (typeof value === 'number') {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
    if (typeof minimum === 'number') {
      if (exclusiveMinimum === true ? value <= minimum : value < minimum) {
        invalid(
          `should be greater than ${exclusiveMinimum === true ? '' : 'or equal to '}${minimum}`,
        );
      }
    }
    if (typeof maximum === 'number') {
      if (exclusiveMaximum === true ? value >= maximum : value > maximum) {
        invalid(`should be less than ${exclusiveMaximum === true ? '' : 'or equal to '}${maximum}`);
      }
    }
    if (typeof multipleOf === 'number' && value % multipleOf !== 0)
      invalid(`should be a multiple of ${multipleOf}`);
  }
  if (Array.isArray(value)) {
    const { maxItems, minItems } = schema;
    if (typeof maxItems === 'number' && value.length > maxItems) {
      causes.push({
        reason: 'FieldValueTooMany',
        message: `Too many: ${value.length}: must have at most ${maxItems} items`,
        field: path,
      });
    }
    if (typeof minItems === 'number' && value.length < minItems)
      invalid(`should have at least ${minItems} items`);
    const unique = schema['uniqueItems'] === true || schema['x-kubernetes-list-type'] === 'set';
    const duplicate = value.find(
      (item, i) => value.findIndex((other) => jsonEqual(other, item)) !== i,
    );
    if (unique && duplicate !== undefined) {
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify(duplicate)}`,
        field: `${path}[${value.indexOf(duplicate)}]`,
      });
    }
  }
  if (isJsonObject(value)) {
    const count = Object.keys(value).length;
    if (typeof schema['maxProperties'] === 'number' && count > schema['maxProperties']) {
      causes.push({
        reason: 'FieldValueTooMany',
        message: `Too many: ${count}: must have at most ${schema['maxProperties']} items`,
        field: path,
      });
    }
    if (typeof schema['minProperties'] === 'number' && count < schema['minProperties'])
      invalid(`should have at least ${schema['minProperties']} properties`);
  }
  return causes;
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
