import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import type { Tenant } from '../operator/src/api/types.ts';
import type { KubeApiServer, KubeObject } from './kube/index.ts';
import {
  createRecordingRegistry,
  setDeploymentAvailable,
  startCluster,
  startOperator,
  waitFor,
  type OperatorInstance,
} from './support/operator.ts';

const TENANT_API = { apiVersion: 'zajoni.io/v1alpha1', kind: 'Tenant' } as const;

function tenantManifest(name: string, policy = 'standard') {
  return {
    ...TENANT_API,
    metadata: { name },
    spec: {
      displayName: `${name} Ltd`,
      senderDomains: [`${name}.example`],
      quotaPolicyRef: { name: policy },
      relay: { hostname: `relay.${name}.example`, replicas: 2 },
    },
  };
}

function policyManifest(name: string, messagesPerDay: number) {
  return {
    apiVersion: 'zajoni.io/v1alpha1',
    kind: 'QuotaPolicy',
    metadata: { name },
    spec: { messagesPerDay, recipientsPerMessage: 20, maxMessageSize: 10_485_760 },
  };
}

function condition(tenant: KubeObject | undefined, type: string) {
  const status = tenant?.['status'] as Tenant['status'];
  return status?.conditions?.find((c) => c.type === type);
}

describe('operator: a Tenant becomes a running relay', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let api: KubernetesObjectApi;
  let instance: OperatorInstance;
  const recording = createRecordingRegistry();

  before(async () => {
    ({ server, kc } = await startCluster());
    api = KubernetesObjectApi.makeApiClient(kc);
    await api.create(policyManifest('standard', 50));
    instance = startOperator(kc, { registry: recording.registry });
    await instance.operator.start();
    await waitFor('leadership', () => instance.operator.isLeader());
  });

  after(async () => {
    await instance.operator.stop();
    await server.close();
  });

  it('creates the namespace and relay objects, then reports Ready once replicas are available', async () => {
    await api.create(tenantManifest('acme'));
    const ns = 'zajoni-acme';
    const deploymentRef = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: ns,
      name: 'relay',
    };
    await waitFor('the relay Deployment', () => server.store.get(deploymentRef) !== undefined);

    const tenantRef = { ...TENANT_API, name: 'acme' };
    await waitFor('Ready=False while no replica is available', () => {
      const ready = condition(server.store.get(tenantRef), 'Ready');
      return ready?.status === 'False' && ready.reason === 'RelayUnavailable';
    });

    setDeploymentAvailable(server, ns, 2);
    await waitFor(
      'Ready=True',
      () => condition(server.store.get(tenantRef), 'Ready')?.status === 'True',
    );
    const tenant = server.store.get(tenantRef)!;
    console.log(JSON.stringify(tenant, null, 1));
    assert.ok(tenant);
  });
});
