import type { TenantSpec } from '../api/types.ts';
import { hashOf } from '../kube/hash.ts';
import type { TenantRegistration, TenantRegistry } from '../registry/tenant-registry.ts';

export function registrationOf(id: string, spec: TenantSpec): TenantRegistration {
  return {
    id,
    displayName: spec.displayName,
    signUp: spec.signUp,
    confirmationsDefault: spec.confirmationsDefault,
    retentionDays: spec.transcriptRetentionDays,
    senderDomains: [...spec.senderDomains].sort(),
  };
}

/**
 * Registers tenants with the API only when what the API knows would change.
 *
 * LIMITATION: what was registered is remembered in memory, so each operator start registers
 * every Tenant once more; the API's registerTenant must therefore be idempotent.
 */
export function createRegistration(registry: TenantRegistry) {
  const registered = new Map<string, string>();
  return {
    async ensure(registration: TenantRegistration): Promise<void> {
      const hash = hashOf(registration);
      if (registered.get(registration.id) === hash) return;
      await registry.register(registration);
      registered.set(registration.id, hash);
    },
    async remove(id: string): Promise<void> {
      await registry.deregister(id);
      registered.delete(id);
    },
    forget(id: string): void {
      registered.delete(id);
    },
  };
}
