import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PolicyV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Deployment,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from '#shared';
import {
  GROUP,
  QUOTA_POLICIES,
  TENANTS,
  VERSION,
  type QuotaPolicy,
  type Tenant,
} from '../api/types.ts';
import type { BackoffOptions } from './backoff.ts';
import { createInformer, type Informer } from './informer.ts';

/** The informers the operator runs: its own resources, and the objects it manages. */
export interface Informers {
  tenants: Informer<Tenant>;
  quotaPolicies: Informer<QuotaPolicy>;
  /** Managed objects only (selected by the managed-by label), in every namespace. */
  namespaces: Informer<KubernetesObject>;
  serviceAccounts: Informer<KubernetesObject>;
  configMaps: Informer<KubernetesObject>;
  services: Informer<V1Service>;
  deployments: Informer<V1Deployment>;
  podDisruptionBudgets: Informer<KubernetesObject>;
  networkPolicies: Informer<KubernetesObject>;
}

export interface InformerSettings {
  /** Label selector of the managed objects. */
  managedSelector: string;
  idleMs: number;
  backoff: BackoffOptions;
  log: Logger;
  onRestart?(resource: string, reason: string): void;
}

type Lister = () => Promise<KubernetesListObject<KubernetesObject>>;

export function createInformers(kc: KubeConfig, settings: InformerSettings): Informers {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);

  function informer<T extends KubernetesObject>(
    resource: string,
    path: string,
    list: Lister,
    labelSelector?: string,
  ): Informer<T> {
    return createInformer<T>({
      kc,
      resource,
      path,
      list: () => list() as Promise<KubernetesListObject<T>>,
      ...(labelSelector === undefined ? {} : { labelSelector }),
      idleMs: settings.idleMs,
      backoff: settings.backoff,
      log: settings.log,
      ...(settings.onRestart ? { onRestart: settings.onRestart } : {}),
    });
  }

  const customList =
    (plural: string): Lister =>
    () =>
      custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
  const selector = settings.managedSelector;
  return {
    tenants: informer(TENANTS, `/apis/${GROUP}/${VERSION}/${TENANTS}`, customList(TENANTS)),
    quotaPolicies: informer(
      QUOTA_POLICIES,
      `/apis/${GROUP}/${VERSION}/${QUOTA_POLICIES}`,
      customList(QUOTA_POLICIES),
    ),
    namespaces: informer(
      'namespaces',
      '/api/v1/namespaces',
      () => core.listNamespace({ labelSelector: selector }),
      selector,
    ),
    serviceAccounts: informer(
      'serviceaccounts',
      '/api/v1/serviceaccounts',
      () => core.listServiceAccountForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
    configMaps: informer(
      'configmaps',
      '/api/v1/configmaps',
      () => core.listConfigMapForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
    services: informer(
      'services',
      '/api/v1/services',
      () => core.listServiceForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
    deployments: informer(
      'deployments',
      '/apis/apps/v1/deployments',
      () => apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
    podDisruptionBudgets: informer(
      'poddisruptionbudgets',
      '/apis/policy/v1/poddisruptionbudgets',
      () => policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
    networkPolicies: informer(
      'networkpolicies',
      '/apis/networking.k8s.io/v1/networkpolicies',
      () => networking.listNetworkPolicyForAllNamespaces({ labelSelector: selector }),
      selector,
    ),
  };
}

/** Every informer, for starting and stopping them together. */
export function allInformers(informers: Informers): Informer<KubernetesObject>[] {
  return Object.values(informers) as Informer<KubernetesObject>[];
}
