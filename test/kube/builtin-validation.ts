import type { StatusCause } from './errors.ts';
import { isJsonObject, jsonEqual, type KubeObject } from './types.ts';

function immutable(field: string, value: unknown): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: field is immutable`,
    field,
  };
}

function specOf(object: KubeObject | undefined): Record<string, unknown> {
  const spec = object?.['spec'];
  return isJsonObject(spec) ? spec : {};
}

/** Core v1 Events: the legacy rule tying an event's namespace to its object's. */
function eventCauses(event: KubeObject): StatusCause[] {
  const involved = isJsonObject(event['involvedObject']) ? event['involvedObject'] : {};
  const objectNamespace = typeof involved['namespace'] === 'string' ? involved['namespace'] : '';
  const namespace = event.metadata.namespace ?? '';
  // A cluster-scoped object's events live in "default" (or no namespace).
  const ok =
    objectNamespace === '' ? ['', 'default'].includes(namespace) : objectNamespace === namespace;
  if (ok) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(objectNamespace)}: does not match event.namespace`,
      field: 'involvedObject.namespace',
    },
  ];
}

/** events.k8s.io/v1 Events: the fields the real validation requires. */
function newEventCauses(event: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const field of [
    'eventTime',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
  ]) {
    if (!event[field])
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  }
  if (event['type'] !== 'Normal' && event['type'] !== 'Warning') {
    const message = `Unsupported value: ${JSON.stringify(event['type'] ?? '')}: supported values: "Normal", "Warning"`;
    causes.push({ reason: 'FieldValueNotSupported', message, field: 'type' });
  }
  return causes;
}

/**
 * The validation rules of built-ins that an operator can trip over: immutable selectors and
 * Secret data, Event namespaces and required fields. Not the full validation of each kind.
 */
export function builtinCauses(
  group: string,
  plural: string,
  object: KubeObject,
  old: KubeObject | undefined,
): StatusCause[] {
  const spec = specOf(object);
  const oldSpec = specOf(old);
  if (group === 'apps' && plural === 'deployments' && old) {
    if (!jsonEqual(spec['selector'], oldSpec['selector']))
      return [immutable('spec.selector', spec['selector'])];
  }
  if (group === '' && plural === 'services' && oldSpec['clusterIP'] !== undefined) {
    if (spec['clusterIP'] !== oldSpec['clusterIP'])
      return [immutable('spec.clusterIP', spec['clusterIP'])];
  }
  if (group === '' && plural === 'secrets' && old?.['immutable'] === true) {
    if (!jsonEqual(object['data'], old['data'])) return [immutable('data', object['data'])];
  }
  if (group === '' && plural === 'events') return eventCauses(object);
  if (group === 'events.k8s.io' && plural === 'events') return newEventCauses(object);
  return [];
}
