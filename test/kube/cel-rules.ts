import { Environment } from '@marcbachmann/cel-js';
import type { StatusCause } from './errors.ts';
import { isJsonObject, type JsonObject } from './types.ts';

type Program = (context: Record<string, unknown>) => unknown;

const environment = new Environment({ unlistedVariablesAreDyn: true });
const programs = new Map<string, Program>();

function compile(expression: string): Program {
  let program = programs.get(expression);
  if (!program) {
    const parsed = environment.parse(expression);
    program = (context) => parsed(context) as unknown;
    programs.set(expression, program);
  }
  return program;
}

/** A JSON value as CEL sees it under `schema`: integer fields become CEL ints (BigInt). */
function toCel(schema: JsonObject | undefined, value: unknown): unknown {
  if (typeof value === 'number' && schema?.['type'] === 'integer') return BigInt(value);
  if (Array.isArray(value)) {
    const items = isJsonObject(schema?.['items']) ? schema['items'] : undefined;
    return value.map((item) => toCel(items, item));
  }
  if (isJsonObject(value)) {
    const properties = isJsonObject(schema?.['properties']) ? schema['properties'] : {};
    const additional = isJsonObject(schema?.['additionalProperties'])
      ? schema['additionalProperties']
      : undefined;
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => {
        const childSchema = properties[key];
        return [key, toCel(isJsonObject(childSchema) ? childSchema : additional, child)];
      }),
    );
  }
  return value;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'number'
    ? Number.isInteger(value)
      ? 'integer'
      : 'number'
    : typeof value;
}

function ruleCause(
  rule: JsonObject,
  path: string,
  value: unknown,
  context: Record<string, unknown>,
) {
  const expression = String(rule['rule']);
  let message =
    typeof rule['message'] === 'string' ? rule['message'] : `failed rule: ${expression}`;
  if (typeof rule['messageExpression'] === 'string') {
    const computed = compile(rule['messageExpression'])(context);
    if (typeof computed === 'string' && computed !== '') message = computed;
  }
  const fieldPath = typeof rule['fieldPath'] === 'string' ? rule['fieldPath'] : '';
  const field = `${path}${fieldPath}`;
  const reason = typeof rule['reason'] === 'string' ? rule['reason'] : 'FieldValueInvalid';
  const shownType = JSON.stringify(typeName(value));
  return { reason, message: `Invalid value: ${shownType}: ${message}`, field };
}

function evaluateRules(
  schema: JsonObject,
  value: unknown,
  old: unknown,
  path: string,
): StatusCause[] {
  const rules = Array.isArray(schema['x-kubernetes-validations'])
    ? schema['x-kubernetes-validations'].filter(isJsonObject)
    : [];
  const causes: StatusCause[] = [];
  for (const rule of rules) {
    const expression = String(rule['rule'] ?? '');
    const transition = /\boldSelf\b/.test(expression);
    // Transition rules only run on updates where the old value exists, as the real server does.
    if (transition && old === undefined) continue;
    if (transition && rule['optionalOldSelf'] === true) continue;
    const context = { self: toCel(schema, value), oldSelf: toCel(schema, old) };
    try {
      if (compile(expression)(context) !== true) causes.push(ruleCause(rule, path, value, context));
    } catch (error) {
      const message = `Invalid value: ${JSON.stringify(typeName(value))}: ${expression}: ${String(error)}`;
      causes.push({ reason: 'FieldValueInvalid', message, field: path });
    }
  }
  return causes;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Evaluates every `x-kubernetes-validations` rule on the (defaulted, pruned) object, with
 * `self` the node's value and `oldSelf` the value at the same path before the update. Old
 * values are matched through object properties only, not through list items.
 */
export function checkCelRules(
  schema: JsonObject,
  value: unknown,
  old: unknown,
  path = '',
): StatusCause[] {
  if (value === undefined || value === null) return [];
  const causes: StatusCause[] = [];
  if (isJsonObject(value)) {
    const properties = isJsonObject(schema['properties']) ? schema['properties'] : {};
    const additional = isJsonObject(schema['additionalProperties'])
      ? schema['additionalProperties']
      : undefined;
    for (const [key, child] of Object.entries(value)) {
      const childSchema = properties[key];
      const node = isJsonObject(childSchema) ? childSchema : additional;
      const oldChild = isJsonObject(old) ? old[key] : undefined;
      if (node) causes.push(...checkCelRules(node, child, oldChild, join(path, key)));
    }
  }
  const items = schema['items'];
  if (Array.isArray(value) && isJsonObject(items)) {
    value.forEach((item, i) =>
      causes.push(...checkCelRules(items, item, undefined, `${path}[${i}]`)),
    );
  }
  return [...causes, ...evaluateRules(schema, value, old, path)];
}
