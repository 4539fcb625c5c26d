import type { Condition, TenantStatus } from '../../operator/src/api/types.ts';
import type { KubeApiServer, KubeObject, RequestRecord } from '../kube/index.ts';

export const TENANT_API = { apiVersion: 'zajoni.io/v1alpha1', kind: 'Tenant' } as const;
export const POLICY_API = { apiVersion: 'zajoni.io/v1alpha1', kind: 'QuotaPolicy' } as const;

/** A minimal valid Tenant; `extra` is merged into spec.relay. */
export function tenantManifest(
  name: string,
  options: { policy?: string; relay?: Record<string, unknown> } = {},
) {
  return {
    ...TENANT_API,
    metadata: { name },
    spec: {
      displayName: `${name} Ltd`,
      senderDomains: [`${name}.example`],
      quotaPolicyRef: { name: options.policy ?? 'standard' },
      relay: { hostname: `relay.${name}.example`, replicas: 2, ...options.relay },
    },
  };
}

export function policyManifest(name: string, messagesPerDay: number) {
  return {
    ...POLICY_API,
    metadata: { name },
    spec: {
      messagesPerDay,
      recipientsPerMessage: 20,
      maxMessageSize: 10_485_760,
      connectionsPerUser: 5,
    },
  };
}

export function tenantStatus(server: KubeApiServer, name: string): TenantStatus | undefined {
  return server.store.get({ ...TENANT_API, name })?.['status'] as TenantStatus | undefined;
}

export function conditionOf(
  server: KubeApiServer,
  name: string,
  type: string,
): Condition | undefined {
  return tenantStatus(server, name)?.conditions?.find((c) => c.type === type);
}

export function object(
  server: KubeApiServer,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): KubeObject | undefined {
  return server.store.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });
}

/** Events recorded about one Tenant, as [type, reason]. */
export function tenantEvents(server: KubeApiServer, name: string): [string, string][] {
  return server.store
    .list('v1', 'Event', 'default')
    .filter((e) => (e['involvedObject'] as { name?: string }).name === name)
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => [String(e['type']), String(e['reason'])]);
}

/** The operator's writes in the log, as "verb resource[/subresource] name". */
export function describeWrites(records: readonly RequestRecord[]): string[] {
  return records
    .filter((r) => r.resource !== 'leases')
    .map((r) => {
      const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
      const kind = r.patchType ? `${r.verb}(${r.patchType})` : r.verb;
      return `${kind} ${resource} ${r.name ?? ''}`.trim();
    });
}
