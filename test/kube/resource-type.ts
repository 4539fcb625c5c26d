import type { JsonObject, KubeObject } from './types.ts';

/** A column of a `meta.k8s.io/v1` Table, as in a CRD's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** JSONPath of the cell, relative to the object (`.spec.replicas`). */
  jsonPath?: string;
  /** For built-ins whose real printer computes a cell (ConfigMap `DATA`). */
  cell?: (object: KubeObject) => unknown;
}

/** What one served version of a custom resource declares. */
export interface CustomVersion {
  name: string;
  schema: JsonObject | undefined;
  statusSubresource: boolean;
  printerColumns: PrinterColumn[];
}

/** A resource the server serves: a built-in, or one registered by a CRD. */
export interface ResourceType {
  /** API group, `''` for the core group. */
  group: string;
  /** Served versions; the first is the storage and preferred version. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  statusSubresource: boolean;
  /** Whether `metadata.generation` is kept (set to 1, bumped on spec changes). */
  hasGeneration: boolean;
  /** Whether an update must carry `metadata.resourceVersion` (true for custom resources). */
  requiresResourceVersionOnUpdate: boolean;
  /** Set for custom resources: the CRD's name and per-version schema and columns. */
  custom?: { crdName: string; versions: CustomVersion[] };
  /** Built-in printer columns after Name; custom resources use their version's columns. */
  printerColumns: PrinterColumn[];
}

/** Verbs every resource supports; the fixture serves them all for all resources. */
export const RESOURCE_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** `group/plural`, the key under which objects of a type are stored. */
export function typeKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Splits `apps/v1` into group and version (`v1` is the core group). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
