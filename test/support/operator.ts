import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createLogger } from '#shared';
import { createMetrics, type OperatorMetrics } from '../../operator/src/health/metrics.ts';
import {
  createOperator,
  type Operator,
  type OperatorSettings,
} from '../../operator/src/operator.ts';
import type { TenantStateCleanup } from '../../operator/src/registry/nats-cleanup.ts';
import type {
  TenantRegistration,
  TenantRegistry,
} from '../../operator/src/registry/tenant-registry.ts';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../kube/index.ts';
import { waitFor } from '../../scripts/stack/index.ts';

export { waitFor };

/** Settings that make retries and watch restarts quick enough for tests. */
export const TEST_SETTINGS: OperatorSettings = {
  RELAY_IMAGE: 'ghcr.io/zajoni/relay:test',
  RELAY_NATS_URL: 'nats://nats.zajoni-system.svc:4222',
  NAMESPACE_PREFIX: 'zajoni-',
  LEASE_NAMESPACE: 'zajoni-system',
  LEASE_NAME: 'zajoni-operator',
  POD_NAME: 'operator-a',
  LEASE_DURATION_MS: 3_000,
  LEASE_RENEW_MS: 500,
  RESYNC_MS: 600_000,
  WATCH_IDLE_MS: 60_000,
  RETRY_BASE_MS: 50,
  RETRY_MAX_MS: 500,
};

/** An in-process TenantRegistry that records each call (the API is tested on its own). */
export function createRecordingRegistry() {
  const calls: (
    { call: 'register'; tenant: TenantRegistration } | { call: 'deregister'; id: string }
  )[] = [];
  let failNext: Error | undefined;
  const registry: TenantRegistry = {
    async register(tenant) {
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      calls.push({ call: 'register', tenant });
    },
    async deregister(id) {
      calls.push({ call: 'deregister', id });
    },
  };
  return {
    registry,
    calls,
    failNextWith(error: Error) {
      failNext = error;
    },
  };
}

export interface OperatorInstance {
  operator: Operator;
  metrics: OperatorMetrics;
  /** Keys reconciled so far, as "controller/key", in order. */
  reconciled: string[];
}

/** A fixture API server with Zajoni's CRDs installed and the operator's Lease namespace. */
export async function startCluster(): Promise<{ server: KubeApiServer; kc: KubeConfig }> {
  const server = await startKubeApiServer();
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const file of ['tenants.zajoni.io.yaml', 'quotapolicies.zajoni.io.yaml']) {
    const crd = parse(await readFile(join('crds', file), 'utf8')) as KubernetesObject;
    await api.create(crd);
  }
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'zajoni-system' } });
  return { server, kc };
}

export function startOperator(
  kc: KubeConfig,
  options: {
    registry: TenantRegistry;
    cleanupNats?: TenantStateCleanup;
    settings?: Partial<OperatorSettings>;
  },
): OperatorInstance {
  const metrics = createMetrics({ defaultMetrics: false });
  const reconciled: string[] = [];
  const operator = createOperator({
    kc,
    settings: { ...TEST_SETTINGS, ...options.settings },
    registry: options.registry,
    cleanupNats: options.cleanupNats ?? (async () => {}),
    metrics,
    log: createLogger('operator', process.env.TEST_LOG_LEVEL ?? 'silent'),
    onReconciled: (controller, result) => reconciled.push(`${controller}/${result.key}`),
  });
  return { operator, metrics, reconciled };
}

/** Sum of a counter's values, optionally for one label value. */
export async function counterTotal(
  metrics: OperatorMetrics,
  name: 'writes' | 'reconciles',
): Promise<number> {
  const { values } = await metrics[name].get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Plays the Deployment controller: reports `available` of the Deployment's replicas ready. */
export function setDeploymentAvailable(
  server: KubeApiServer,
  namespace: string,
  available: number,
): KubeObject {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'relay' };
  const live = server.store.get(ref);
  if (!live) throw new Error(`no Deployment ${namespace}/relay`);
  const spec = live['spec'] as { replicas?: number };
  const replicas = spec.replicas ?? 1;
  return server.store.patch(ref, {
    status: {
      observedGeneration: live.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: available,
      availableReplicas: available,
      conditions: [{ type: 'Available', status: available > 0 ? 'True' : 'False', reason: 'Test' }],
    },
  });
}
