import { commonLabels, ownerReference, RELAY_NAME } from './labels.ts';
import { baseMetadata } from './metadata.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/**
 * The tenant's namespace, owned by the Tenant: deleting the Tenant deletes it and all inside.
 * Pod Security "restricted" is enforced, which the relay's Pod spec satisfies.
 */
export function desiredNamespace(input: DesiredInput): DesiredObject {
  const name = input.tenant.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: input.namespace,
      labels: {
        ...commonLabels(name),
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      annotations: {},
      ownerReferences: [ownerReference(input.tenant)],
    },
  };
}

/** The relay's identity; it needs no API access, so no Role is bound to it. */
export function desiredServiceAccount(input: DesiredInput): DesiredObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: baseMetadata(input, RELAY_NAME),
    automountServiceAccountToken: false,
  };
}
