import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { StatusCause } from './errors.ts';
import { isJsonObject, jsonEqual, type JsonObject } from './types.ts';

/**
 * The value constraints of one structural-schema node, with the real server's messages
 * (k8s.io/kube-openapi validation errors as the apiextensions server words them).
 */
interface Reporter {
  schema: JsonObject;
  path: string;
  /** `Invalid value: <v>: <path> in body <message>`, reason FieldValueInvalid. */
  invalid(message: string): void;
  add(reason: string, message: string, field?: string): void;
}

/** How the real server shows an invalid value: quoted strings, bare numbers, else the type. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '"null"';
  return JSON.stringify(Array.isArray(value) ? 'array' : typeof value);
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

function checkEnum(r: Reporter, value: unknown): void {
  const allowed = r.schema['enum'];
  if (!Array.isArray(allowed) || allowed.some((option) => jsonEqual(option, value))) return;
  const supported = allowed.map((option) => JSON.stringify(option)).join(', ');
  r.add(
    'FieldValueNotSupported',
    `Unsupported value: ${shown(value)}: supported values: ${supported}`,
  );
}

function checkString(r: Reporter, value: string): void {
  const { maxLength, minLength, pattern, format } = r.schema;
  if (typeof maxLength === 'number' && value.length > maxLength) {
    r.add('FieldValueTooLong', `Too long: may not be more than ${maxLength} bytes`);
  }
  if (typeof minLength === 'number' && value.length < minLength) {
    r.invalid(`should be at least ${minLength} chars long`);
  }
  // LIMITATION: patterns run as JavaScript regular expressions, not Go RE2; the common
  // subset behaves the same, RE2-only syntax fails to compile.
  if (typeof pattern === 'string' && !new RegExp(pattern).test(value)) {
    r.invalid(`should match '${pattern}'`);
  }
  if (!formatValid(format, value))
    r.invalid(`must be of type ${String(format)}: ${JSON.stringify(value)}`);
}

function checkNumber(r: Reporter, value: number): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = r.schema;
  const strictMin = exclusiveMinimum === true;
  const strictMax = exclusiveMaximum === true;
  if (typeof minimum === 'number' && (strictMin ? value <= minimum : value < minimum)) {
    r.invalid(`should be greater than ${strictMin ? '' : 'or equal to '}${minimum}`);
  }
  if (typeof maximum === 'number' && (strictMax ? value >= maximum : value > maximum)) {
    r.invalid(`should be less than ${strictMax ? '' : 'or equal to '}${maximum}`);
  }
  if (typeof multipleOf === 'number' && value % multipleOf !== 0) {
    r.invalid(`should be a multiple of ${multipleOf}`);
  }
}

function checkArray(r: Reporter, value: unknown[]): void {
  const { maxItems, minItems } = r.schema;
  if (typeof maxItems === 'number' && value.length > maxItems) {
    r.add('FieldValueTooMany', `Too many: ${value.length}: must have at most ${maxItems} items`);
  }
  if (typeof minItems === 'number' && value.length < minItems) {
    r.invalid(`should have at least ${minItems} items`);
  }
  const unique = r.schema['uniqueItems'] === true || r.schema['x-kubernetes-list-type'] === 'set';
  const index = value.findIndex((item, i) => value.findIndex((o) => jsonEqual(o, item)) !== i);
  if (unique && index >= 0) {
    r.add(
      'FieldValueDuplicate',
      `Duplicate value: ${JSON.stringify(value[index])}`,
      `${r.path}[${index}]`,
    );
  }
}

function checkObject(r: Reporter, value: JsonObject): void {
  const count = Object.keys(value).length;
  const { maxProperties, minProperties } = r.schema;
  if (typeof maxProperties === 'number' && count > maxProperties) {
    r.add('FieldValueTooMany', `Too many: ${count}: must have at most ${maxProperties} items`);
  }
  if (typeof minProperties === 'number' && count < minProperties) {
    r.invalid(`should have at least ${minProperties} properties`);
  }
}

/** The value checks of one node (not its children), as causes at `path`. */
export function checkValue(schema: JsonObject, value: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const reporter: Reporter = {
    schema,
    path,
    invalid: (message) =>
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown(value)}: ${path} in body ${message}`,
        field: path,
      }),
    add: (reason, message, field = path) => causes.push({ reason, message, field }),
  };
  checkEnum(reporter, value);
  if (typeof value === 'string') checkString(reporter, value);
  if (typeof value === 'number') checkNumber(reporter, value);
  if (Array.isArray(value)) checkArray(reporter, value);
  if (isJsonObject(value)) checkObject(reporter, value);
  return causes;
}
