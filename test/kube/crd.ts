import { invalid, type StatusCause } from './errors.ts';
import type { CustomVersion, PrinterColumn, ResourceType } from './resource-type.ts';
import { isJsonObject, type JsonObject, type KubeObject } from './types.ts';

/** The finalizer the real CRD controller puts on every CRD to delete its objects first. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

function record(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

function printerColumns(version: JsonObject): PrinterColumn[] {
  const columns = Array.isArray(version['additionalPrinterColumns'])
    ? version['additionalPrinterColumns']
    : [];
  return columns.filter(isJsonObject).map((column) => ({
    name: String(column['name'] ?? ''),
    type: String(column['type'] ?? 'string'),
    jsonPath: String(column['jsonPath'] ?? ''),
    ...(typeof column['format'] === 'string' ? { format: column['format'] } : {}),
    ...(typeof column['description'] === 'string' ? { description: column['description'] } : {}),
    ...(typeof column['priority'] === 'number' ? { priority: column['priority'] } : {}),
  }));
}

function customVersion(version: JsonObject): CustomVersion {
  const schema = record(version['schema'])['openAPIV3Schema'];
  return {
    name: String(version['name'] ?? ''),
    schema: isJsonObject(schema) ? schema : undefined,
    statusSubresource: isJsonObject(record(version['subresources'])['status']),
    printerColumns: printerColumns(version),
  };
}

/**
 * The resource a CRD defines: served versions (storage version first), names, scope.
 * LIMITATION: versions share one store without conversion (only `apiVersion` changes), and the
 * status subresource of the storage version applies to all versions.
 */
export function resourceTypeOfCrd(crd: KubeObject): ResourceType {
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const all = (Array.isArray(spec['versions']) ? spec['versions'] : []).filter(isJsonObject);
  const served = all.filter((version) => version['served'] !== false);
  served.sort((a, b) => Number(b['storage'] === true) - Number(a['storage'] === true));
  const versions = served.map(customVersion);
  const kind = String(names['kind'] ?? '');
  return {
    group: String(spec['group'] ?? ''),
    versions: versions.map((version) => version.name),
    plural: String(names['plural'] ?? ''),
    singular: String(names['singular'] ?? kind.toLowerCase()),
    kind,
    shortNames: strings(names['shortNames']),
    categories: strings(names['categories']),
    namespaced: spec['scope'] !== 'Cluster',
    statusSubresource: versions[0]?.statusSubresource ?? false,
    hasGeneration: true,
    requiresResourceVersionOnUpdate: true,
    custom: { crdName: crd.metadata.name ?? '', versions },
    printerColumns: [],
  };
}

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', message: 'Required value', field };
}

/**
 * The CRD checks that matter to a test: names, group, scope, one storage version, and the
 * object name `<plural>.<group>`. Also applies the defaults the real server sets
 * (`singular`, `listKind`, `conversion`).
 */
export function admitCrd(crd: KubeObject): KubeObject {
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const versions = (Array.isArray(spec['versions']) ? spec['versions'] : []).filter(isJsonObject);
  const causes: StatusCause[] = [];
  const group = String(spec['group'] ?? '');
  const plural = String(names['plural'] ?? '');
  if (!group) causes.push(required('spec.group'));
  if (!plural) causes.push(required('spec.names.plural'));
  if (!names['kind']) causes.push(required('spec.names.kind'));
  if (spec['scope'] !== 'Namespaced' && spec['scope'] !== 'Cluster') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: "${String(spec['scope'] ?? '')}": supported values: "Cluster", "Namespaced"`,
      field: 'spec.scope',
    });
  }
  if (versions.filter((version) => version['storage'] === true).length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(versions.map((v) => v['name']))}: must have exactly one version marked as storage version`,
      field: 'spec.versions',
    });
  }
  const name = crd.metadata.name ?? '';
  if (plural && group && name !== `${plural}.${group}`) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
      field: 'metadata.name',
    });
  }
  const target = { group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions', name };
  if (causes.length > 0) throw invalid(target, 'CustomResourceDefinition', causes);
  const kind = String(names['kind']);
  spec['names'] = { singular: kind.toLowerCase(), listKind: `${kind}List`, ...names };
  spec['conversion'] ??= { strategy: 'None' };
  crd['spec'] = spec;
  return crd;
}

/** The status the real CRD controller writes once names are accepted and the API is served. */
export function establishedStatus(crd: KubeObject, now: string): JsonObject {
  const spec = record(crd['spec']);
  const versions = (Array.isArray(spec['versions']) ? spec['versions'] : []).filter(isJsonObject);
  const storage = versions.find((version) => version['storage'] === true);
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: spec['names'],
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: storage ? [storage['name']] : [],
  };
}
