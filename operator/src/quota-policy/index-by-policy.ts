import type { Tenant } from '../api/types.ts';

/** Which Tenants name which QuotaPolicy, kept current from Tenant events. */
export interface TenantsByPolicy {
  /**
   * Records a Tenant's current reference (undefined when deleted) and returns the policies
   * whose Tenant list changed.
   */
  update(tenant: Tenant, deleted: boolean): string[];
  /** Names of the live Tenants that reference `policy`. */
  tenantsOf(policy: string): string[];
}

export function createTenantsByPolicy(): TenantsByPolicy {
  const policyOf = new Map<string, string>();
  const tenantsOf = new Map<string, Set<string>>();

  return {
    update(tenant, deleted) {
      const name = tenant.metadata?.name ?? '';
      const before = policyOf.get(name);
      const after = deleted ? undefined : tenant.spec?.quotaPolicyRef?.name;
      if (before === after) return [];
      if (before !== undefined) tenantsOf.get(before)?.delete(name);
      if (after === undefined) {
        policyOf.delete(name);
      } else {
        policyOf.set(name, after);
        tenantsOf.set(after, (tenantsOf.get(after) ?? new Set()).add(name));
      }
      return [before, after].filter((p): p is string => p !== undefined);
    },
    tenantsOf: (policy) => [...(tenantsOf.get(policy) ?? [])].sort(),
  };
}
