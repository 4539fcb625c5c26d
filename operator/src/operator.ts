import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '#shared';
import type { Tenant } from './api/types.ts';
import type { OperatorConfig } from './config.ts';
import type { OperatorMetrics } from './health/metrics.ts';
import { createKubeClient, type KubeClient } from './kube/client.ts';
import { createLeaderElector, type LeaderElector } from './kube/leader.ts';
import { allInformers, createInformers, type Informers } from './kube/resources.ts';
import { createWorkQueue, type WorkQueue, type WorkResult } from './kube/work-queue.ts';
import type { ReconcileOutcome } from './kube/outcome.ts';
import { createTenantsByPolicy } from './quota-policy/index-by-policy.ts';
import { createQuotaPolicyReconciler } from './quota-policy/reconcile.ts';
import type { TenantStateCleanup } from './registry/nats-cleanup.ts';
import type { TenantRegistry } from './registry/tenant-registry.ts';
import { FIELD_MANAGER, MANAGED_SELECTOR, TENANT_LABEL } from './tenant/desired/index.ts';
import { createEventRecorder } from './tenant/events.ts';
import { createTenantReconciler } from './tenant/reconcile.ts';

/** Operator settings used here: the environment's, minus what main.ts handles. */
export type OperatorSettings = Pick<
  OperatorConfig,
  | 'RELAY_IMAGE'
  | 'RELAY_NATS_URL'
  | 'NAMESPACE_PREFIX'
  | 'LEASE_NAMESPACE'
  | 'LEASE_NAME'
  | 'POD_NAME'
  | 'LEASE_DURATION_MS'
  | 'LEASE_RENEW_MS'
  | 'RESYNC_MS'
  | 'WATCH_IDLE_MS'
  | 'RETRY_BASE_MS'
  | 'RETRY_MAX_MS'
>;

export interface OperatorDeps {
  kc: KubeConfig;
  settings: OperatorSettings;
  registry: TenantRegistry;
  cleanupNats: TenantStateCleanup;
  metrics: OperatorMetrics;
  log: Logger;
  /** Told of every finished reconcile (for tests and debugging). */
  onReconciled?(controller: string, result: WorkResult): void;
}

export interface Operator {
  /** Fills the caches, then campaigns for the Lease; controllers run only while leading. */
  start(): Promise<void>;
  /** Caches filled (a standby is ready too: it takes over without a cold start). */
  isReady(): boolean;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Keys the work queues use for the two controllers. */
const CONTROLLERS = { tenant: 'tenant', quotaPolicy: 'quotapolicy' } as const;

export function createOperator(deps: OperatorDeps): Operator {
  const { settings, metrics } = deps;
  const log = deps.log.child({ identity: settings.POD_NAME });
  const backoff = { baseMs: settings.RETRY_BASE_MS, maxMs: settings.RETRY_MAX_MS };
  const informers = createInformers(deps.kc, {
    managedSelector: MANAGED_SELECTOR,
    idleMs: settings.WATCH_IDLE_MS,
    backoff,
    log,
    onRestart: (resource, reason) => metrics.watchRestarts.inc({ resource, reason }),
  });
  const kube: KubeClient = createKubeClient(deps.kc, FIELD_MANAGER);
  const onWrite = (kind: string, verb: string) => metrics.writes.inc({ kind, verb });
  const events = createEventRecorder(kube, settings.POD_NAME, log, onWrite);
  const index = createTenantsByPolicy();
  const tenantReconciler = createTenantReconciler({
    informers,
    kube,
    registry: deps.registry,
    cleanupNats: deps.cleanupNats,
    events,
    settings: {
      namespacePrefix: settings.NAMESPACE_PREFIX,
      relayImage: settings.RELAY_IMAGE,
      relayNatsUrl: settings.RELAY_NATS_URL,
    },
    log: log.child({ controller: CONTROLLERS.tenant }),
    onWrite,
  });
  const reconcilePolicy = createQuotaPolicyReconciler({
    informers,
    index,
    kube,
    log: log.child({ controller: CONTROLLERS.quotaPolicy }),
    onWrite,
  });

  let ready = false;
  let queues: { tenants: WorkQueue; policies: WorkQueue } | undefined;
  let resync: NodeJS.Timeout | undefined;

  function measured(controller: string, reconcile: (key: string) => Promise<ReconcileOutcome>) {
    return async (key: string) => {
      const end = metrics.reconcileSeconds.startTimer({ controller });
      try {
        const outcome = await reconcile(key);
        metrics.reconciles.inc({ controller, outcome: outcome.kind });
        return outcome;
      } finally {
        end();
      }
    };
  }

  function startControllers() {
    const queueLog = log.child({ component: 'work-queue' });
    queues = {
      tenants: createWorkQueue({
        handle: measured(CONTROLLERS.tenant, tenantReconciler.reconcile),
        concurrency: 4,
        backoff,
        log: queueLog,
        onResult: (result) => deps.onReconciled?.(CONTROLLERS.tenant, result),
      }),
      policies: createWorkQueue({
        handle: measured(CONTROLLERS.quotaPolicy, reconcilePolicy),
        concurrency: 1,
        backoff,
        log: queueLog,
        onResult: (result) => deps.onReconciled?.(CONTROLLERS.quotaPolicy, result),
      }),
    };
    enqueueAll();
    resync = setInterval(enqueueAll, settings.RESYNC_MS);
    metrics.leader.set(1);
  }

  async function stopControllers() {
    clearInterval(resync);
    const running = queues;
    queues = undefined;
    metrics.leader.set(0);
    await Promise.all([running?.tenants.shutdown(), running?.policies.shutdown()]);
  }

  /** Level-triggered: every Tenant and QuotaPolicy gets a run, whatever changed. */
  function enqueueAll() {
    for (const tenant of informers.tenants.list()) queues?.tenants.add(nameOf(tenant));
    for (const policy of informers.quotaPolicies.list()) queues?.policies.add(nameOf(policy));
  }

  wireEvents(informers, {
    tenantChanged(tenant, deleted) {
      for (const policy of index.update(tenant, deleted)) queues?.policies.add(policy);
      if (deleted) tenantReconciler.forget(tenant);
      queues?.tenants.add(nameOf(tenant));
    },
    policyChanged(name) {
      queues?.policies.add(name);
      for (const tenant of index.tenantsOf(name)) queues?.tenants.add(tenant);
    },
    childChanged(tenant) {
      queues?.tenants.add(tenant);
    },
  });

  const elector: LeaderElector = createLeaderElector({
    kc: deps.kc,
    namespace: settings.LEASE_NAMESPACE,
    name: settings.LEASE_NAME,
    identity: settings.POD_NAME,
    leaseDurationMs: settings.LEASE_DURATION_MS,
    renewMs: settings.LEASE_RENEW_MS,
    log,
    onStartedLeading: startControllers,
    onStoppedLeading: () => void stopControllers(),
  });

  return {
    async start() {
      await Promise.all(allInformers(informers).map((i) => i.start()));
      // The index must be complete before the first run, or tenantCount starts low.
      for (const tenant of informers.tenants.list()) index.update(tenant, false);
      ready = true;
      log.info('caches synced');
      elector.start();
    },
    isReady: () => ready,
    isLeader: () => elector.isLeader(),
    async stop() {
      await stopControllers();
      await elector.stop();
      await Promise.all(allInformers(informers).map((i) => i.stop()));
    },
  };
}

function wireEvents(
  informers: Informers,
  handlers: {
    tenantChanged(tenant: Tenant, deleted: boolean): void;
    policyChanged(name: string): void;
    childChanged(tenant: string): void;
  },
) {
  informers.tenants.onChange((tenant) => {
    const deleted = informers.tenants.get(nameOf(tenant)) === undefined;
    handlers.tenantChanged(tenant, deleted);
  });
  informers.quotaPolicies.onChange((policy) => handlers.policyChanged(nameOf(policy)));
  const children = allInformers(informers).filter(
    (i) => i !== informers.tenants && i !== informers.quotaPolicies,
  );
  for (const informer of children) {
    informer.onChange((object: KubernetesObject) => {
      const tenant = object.metadata?.labels?.[TENANT_LABEL];
      if (tenant) handlers.childChanged(tenant);
    });
  }
}

function nameOf(object: KubernetesObject): string {
  return object.metadata?.name ?? '';
}
