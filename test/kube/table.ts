import { JSONPath } from 'jsonpath-plus';
import type { PrinterColumn, ResourceType } from './resource-type.ts';
import { AGE_COLUMN } from './builtins.ts';
import type { JsonObject, KubeObject } from './types.ts';

/** True when an Accept header asks for a `meta.k8s.io/v1` Table (as `kubectl get` does). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      (part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part) && /v=v1(;|$|\s)/.test(part),
    );
}

/** kubectl's short human duration: `45s`, `3m12s`, `5h`, `2d3h`, `30d`. */
export function humanDuration(seconds: number): string {
  if (seconds < 0) return '<invalid>';
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  return `${days}d`;
}

function columnsFor(type: ResourceType, version: string): PrinterColumn[] {
  if (!type.custom) return type.printerColumns;
  const columns = type.custom.versions.find((v) => v.name === version)?.printerColumns ?? [];
  // A CRD without printer columns gets the default Age column.
  return columns.length > 0 ? columns : [AGE_COLUMN];
}

function cellOf(column: PrinterColumn, object: KubeObject, now: number): unknown {
  const raw = column.cell
    ? column.cell(object)
    : (JSONPath({ path: `$${column.jsonPath ?? ''}`, json: object, wrap: true }) as unknown[])[0];
  if (raw === undefined || raw === null) return null;
  if (column.type === 'date' && typeof raw === 'string') {
    return humanDuration(Math.max(0, Math.floor((now - Date.parse(raw)) / 1000)));
  }
  return raw;
}

/** How much of each object a row carries: `?includeObject=None|Metadata|Object`. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(object: KubeObject, include: IncludeObject): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** The Table row of one object. */
export function tableRow(
  type: ResourceType,
  version: string,
  object: KubeObject,
  include: IncludeObject,
): JsonObject {
  const now = Date.now();
  const cells = [
    object.metadata.name,
    ...columnsFor(type, version).map((c) => cellOf(c, object, now)),
  ];
  const embedded = rowObject(object, include);
  return { cells, ...(embedded ? { object: embedded } : {}) };
}

/** A `meta.k8s.io/v1` Table: Name, then the printer columns, one row per object. */
export function buildTable(
  type: ResourceType,
  version: string,
  objects: KubeObject[],
  resourceVersion: string,
  include: IncludeObject,
): JsonObject {
  const name = {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
  };
  const columnDefinitions = [
    name,
    ...columnsFor(type, version).map((column) => ({
      name: column.name,
      type: column.type === 'date' ? 'date' : column.type,
      format: column.format ?? '',
      description: column.description ?? '',
      priority: column.priority ?? 0,
    })),
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions,
    rows: objects.map((object) => tableRow(type, version, object, include)),
  };
}
