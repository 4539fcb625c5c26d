import { commonLabels, ownerReference } from './labels.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/** Metadata of a namespaced object in the tenant's namespace, owned by the Tenant. */
export function baseMetadata(input: DesiredInput, name: string): DesiredObject['metadata'] {
  return {
    name,
    namespace: input.namespace,
    labels: commonLabels(input.tenant.metadata.name),
    annotations: {},
    ownerReferences: [ownerReference(input.tenant)],
  };
}
