import type { CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from '#shared';
import { API_VERSION, type Tenant } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { FIELD_MANAGER } from './desired/index.ts';

/** Records Events on Tenants, shown by `kubectl describe tenant`. */
export interface EventRecorder {
  normal(tenant: Tenant, reason: string, message: string): Promise<void>;
  warning(tenant: Tenant, reason: string, message: string): Promise<void>;
}

/**
 * Events of cluster-scoped objects live in the "default" namespace, as client-go's recorder
 * puts them. A failed Event write is logged, never fails the reconcile.
 */
export function createEventRecorder(
  kube: KubeClient,
  instance: string,
  log: Logger,
  onWrite: (kind: string, verb: string) => void,
) {
  async function record(
    tenant: Tenant,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ) {
    const name = tenant.metadata?.name ?? '';
    const now = new Date();
    const event: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${name}.`, namespace: 'default' },
      involvedObject: {
        apiVersion: API_VERSION,
        kind: 'Tenant',
        name,
        uid: tenant.metadata?.uid ?? '',
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: FIELD_MANAGER },
      reportingComponent: FIELD_MANAGER,
      reportingInstance: instance,
    };
    try {
      await kube.createEvent(event);
      onWrite('Event', 'create');
    } catch (error) {
      log.warn({ err: error, tenant: name, reason }, 'cannot record event');
    }
  }
  return {
    normal: (tenant, reason, message) => record(tenant, 'Normal', reason, message),
    warning: (tenant, reason, message) => record(tenant, 'Warning', reason, message),
  } satisfies EventRecorder;
}
