import { API_VERSION, type Tenant } from '../../api/types.ts';

/** Field manager of every server-side apply the operator makes. */
export const FIELD_MANAGER = 'zajoni-operator';

/** Label naming the Tenant an object belongs to. */
export const TENANT_LABEL = 'zajoni.io/tenant';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** Selects every object the operator manages; its informers watch only these. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${FIELD_MANAGER}`;

/** Name of every per-tenant object inside the tenant's namespace. */
export const RELAY_NAME = 'relay';

/** Labels selecting a tenant's relay Pods. Never change them: a Deployment selector is fixed. */
export function selectorLabels(tenant: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'zajoni-relay', 'app.kubernetes.io/instance': tenant };
}

export function commonLabels(tenant: string): Record<string, string> {
  return {
    ...selectorLabels(tenant),
    'app.kubernetes.io/component': 'relay',
    'app.kubernetes.io/part-of': 'zajoni',
    [MANAGED_BY_LABEL]: FIELD_MANAGER,
    [TENANT_LABEL]: tenant,
  };
}

/**
 * Makes the Tenant the controlling owner, so the garbage collector deletes the object with it.
 * A cluster-scoped owner may own both cluster-scoped and namespaced objects.
 */
export function ownerReference(tenant: Tenant) {
  return {
    apiVersion: API_VERSION,
    kind: 'Tenant',
    name: tenant.metadata?.name ?? '',
    uid: tenant.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The tenant's namespace: <prefix><tenant name>. */
export function tenantNamespace(prefix: string, tenant: string): string {
  return `${prefix}${tenant}`;
}
