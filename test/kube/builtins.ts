import type { PrinterColumn, ResourceType } from './resource-type.ts';
import type { KubeObject } from './types.ts';
import { isJsonObject } from './types.ts';

interface BuiltinSpec {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  shortNames?: string[];
  categories?: string[];
  namespaced?: boolean;
  status?: boolean;
  generation?: boolean;
  columns?: PrinterColumn[];
  /** The real CRD printer shows `CREATED AT` instead of `AGE`. */
  noAge?: boolean;
}

/** The `AGE` column every built-in printer ends with. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

function countOf(field: string): (object: KubeObject) => number {
  return (object) => {
    const value = object[field];
    return isJsonObject(value) ? Object.keys(value).length : 0;
  };
}

function builtin(spec: BuiltinSpec): ResourceType {
  return {
    group: spec.group ?? '',
    versions: [spec.version ?? 'v1'],
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    namespaced: spec.namespaced ?? true,
    statusSubresource: spec.status ?? false,
    hasGeneration: spec.generation ?? false,
    requiresResourceVersionOnUpdate: false,
    printerColumns: [...(spec.columns ?? []), ...(spec.noAge ? [] : [AGE_COLUMN])],
  };
}

/**
 * The built-in resources an operator needs. Printer columns follow the real printers where
 * they are plain fields.
 */
export function createBuiltinTypes(): ResourceType[] {
  return [
    builtin({
      plural: 'namespaces',
      kind: 'Namespace',
      shortNames: ['ns'],
      namespaced: false,
      status: true,
      columns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }],
    }),
    builtin({
      plural: 'configmaps',
      kind: 'ConfigMap',
      shortNames: ['cm'],
      columns: [{ name: 'Data', type: 'integer', cell: countOf('data') }],
    }),
    builtin({
      plural: 'secrets',
      kind: 'Secret',
      columns: [
        { name: 'Type', type: 'string', jsonPath: '.type' },
        { name: 'Data', type: 'integer', cell: countOf('data') },
      ],
    }),
    builtin({
      plural: 'services',
      kind: 'Service',
      shortNames: ['svc'],
      categories: ['all'],
      status: true,
      columns: [
        { name: 'Type', type: 'string', jsonPath: '.spec.type' },
        { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
      ],
    }),
    builtin({ plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] }),
    builtin({
      plural: 'events',
      kind: 'Event',
      shortNames: ['ev'],
      columns: [
        { name: 'Type', type: 'string', jsonPath: '.type' },
        { name: 'Reason', type: 'string', jsonPath: '.reason' },
        { name: 'Message', type: 'string', jsonPath: '.message' },
      ],
    }),
    // LIMITATION: events.k8s.io Events are a separate store, where the real server serves the
    // same objects as core v1 Events; an Event written through one is not seen through the other.
    builtin({ group: 'events.k8s.io', plural: 'events', kind: 'Event', shortNames: ['ev'] }),
    builtin({
      group: 'apps',
      plural: 'deployments',
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      status: true,
      generation: true,
      columns: [
        { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas' },
        { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      ],
    }),
    builtin({
      group: 'policy',
      plural: 'poddisruptionbudgets',
      kind: 'PodDisruptionBudget',
      shortNames: ['pdb'],
      status: true,
      generation: true,
    }),
    builtin({
      group: 'networking.k8s.io',
      plural: 'networkpolicies',
      kind: 'NetworkPolicy',
      shortNames: ['netpol'],
      generation: true,
    }),
    builtin({
      group: 'coordination.k8s.io',
      plural: 'leases',
      kind: 'Lease',
      columns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }],
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      plural: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      shortNames: ['crd', 'crds'],
      namespaced: false,
      status: true,
      generation: true,
      noAge: true,
      columns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    }),
  ];
}
