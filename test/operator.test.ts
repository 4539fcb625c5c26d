import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { createSelfSignedCertificate } from '../scripts/stack/index.ts';
import type { KubeApiServer, RequestRecord } from './kube/index.ts';
import {
  createRecordingRegistry,
  setDeploymentAvailable,
  startCluster,
  startOperator,
  waitFor,
  type OperatorInstance,
} from './support/operator.ts';
import { deniedRequests, loadOperatorRules } from './support/rbac.ts';
import {
  conditionOf,
  describeWrites,
  object,
  policyManifest,
  POLICY_API,
  TENANT_API,
  tenantEvents,
  tenantManifest,
  tenantStatus,
} from './support/tenants.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('operator: Tenants become relays', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let api: KubernetesObjectApi;
  let instance: OperatorInstance;
  const recording = createRecordingRegistry();

  const deployment = (ns: string) => object(server, 'apps/v1', 'Deployment', ns, 'relay') as Json;
  const configMap = (ns: string) => object(server, 'v1', 'ConfigMap', ns, 'relay-config') as Json;

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

  it('applies the namespace and relay objects once each, then reports Ready when replicas are available', async () => {
    server.clearRequests();
    await api.create(tenantManifest('acme'));
    const ns = 'zajoni-acme';
    await waitFor('Ready=False, no replica yet', () => {
      const ready = conditionOf(server, 'acme', 'Ready');
      return ready?.status === 'False' && ready.reason === 'RelayUnavailable';
    });

    const applies = server.writes().filter((r) => r.patchType === 'apply' && !r.subresource);
    assert.deepEqual(
      applies.map((r) => `${r.resource} ${r.namespace ?? ''}/${r.name}`),
      [
        'namespaces /zajoni-acme',
        `serviceaccounts ${ns}/relay`,
        `configmaps ${ns}/relay-config`,
        `services ${ns}/relay`,
        `poddisruptionbudgets ${ns}/relay`,
        `networkpolicies ${ns}/relay`,
        `deployments ${ns}/relay`,
      ],
    );
    for (const apply of applies) {
      assert.equal(apply.fieldManager, 'zajoni-operator');
      assert.equal(apply.query['force'], 'true');
    }
    assert.deepEqual(recording.calls, [
      {
        call: 'register',
        tenant: {
          id: 'acme',
          displayName: 'acme Ltd',
          signUp: 'invite',
          confirmationsDefault: true,
          retentionDays: 365,
          senderDomains: ['acme.example'],
        },
      },
    ]);

    const tenant = server.store.get({ ...TENANT_API, name: 'acme' })!;
    assert.deepEqual(tenant.metadata.finalizers, ['zajoni.io/cleanup']);
    const owner = {
      apiVersion: 'zajoni.io/v1alpha1',
      kind: 'Tenant',
      name: 'acme',
      uid: tenant.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
    const namespace = object(server, 'v1', 'Namespace', undefined, ns)!;
    assert.deepEqual(namespace.metadata.ownerReferences, [owner]);
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');

    const data = configMap(ns).data as Record<string, string>;
    assert.equal(data['TENANT'], 'acme');
    assert.equal(data['RELAY_HOSTNAME'], 'relay.acme.example');
    assert.equal(data['NATS_URL'], 'nats://nats.zajoni-system.svc:4222');
    assert.equal(data['RELAY_SELF_SIGNED'], 'true');
    assert.equal(data['RELAY_POLICY_FILE'], '/etc/zajoni/policy/policy.json');
    assert.deepEqual(JSON.parse(data['policy.json']!), {
      messagesPerDay: 50,
      recipientsPerMessage: 20,
      maxMessageSize: 10_485_760,
      connectionsPerUser: 5,
    });

    const relay = deployment(ns);
    assert.deepEqual(relay.metadata.ownerReferences, [owner]);
    assert.equal(relay.spec.replicas, 2);
    const pod = relay.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    const [container] = pod.containers;
    assert.equal(container.image, 'ghcr.io/zajoni/relay:test');
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'relay-config' } }]);
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(
      pod.volumes.map((v: Json) => v.name),
      ['policy', 'tmp'],
    );

    const service = object(server, 'v1', 'Service', ns, 'relay') as Json;
    assert.equal(service.spec.type, 'LoadBalancer');
    assert.deepEqual(
      service.spec.ports.map((p: Json) => [p.name, p.port, p.targetPort]),
      [
        ['submission', 587, 2587],
        ['submissions', 465, 2465],
      ],
    );
    const policy = object(server, 'networking.k8s.io/v1', 'NetworkPolicy', ns, 'relay') as Json;
    assert.deepEqual(
      policy.spec.egress.map((rule: Json) => rule.ports.map((p: Json) => p.port)),
      [[53, 53], [25], [4222]],
    );

    setDeploymentAvailable(server, ns, 2);
    await waitFor('Ready=True', () => conditionOf(server, 'acme', 'Ready')?.status === 'True');
    const status = tenantStatus(server, 'acme')!;
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.endpoint, 'relay.zajoni-acme.svc:587');
    assert.equal(status.readyReplicas, 2);
    assert.deepEqual(status.effectiveQuota, {
      policy: 'standard',
      messagesPerDay: 50,
      recipientsPerMessage: 20,
      maxMessageSize: 10_485_760,
      connectionsPerUser: 5,
    });
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['Degraded', 'False', 'AsExpected'],
        ['Progressing', 'False', 'RolloutComplete'],
        ['Ready', 'True', 'RelayAvailable'],
      ],
    );
    await waitFor('the Ready Event', () => tenantEvents(server, 'acme').length > 0);
    assert.deepEqual(tenantEvents(server, 'acme'), [['Normal', 'RelayAvailable']]);
  });

  it('carries a QuotaPolicy edit to the ConfigMap and status without touching the Deployment', async () => {
    const ns = 'zajoni-acme';
    const templateBefore = deployment(ns).spec.template;
    server.clearRequests();
    server.store.patch({ ...POLICY_API, name: 'standard' }, { spec: { messagesPerDay: 10 } });

    await waitFor('the new limit in the status', () => {
      return tenantStatus(server, 'acme')?.effectiveQuota?.messagesPerDay === 10;
    });
    const data = configMap(ns).data as Record<string, string>;
    assert.equal(JSON.parse(data['policy.json']!).messagesPerDay, 10);
    assert.equal(data['DAILY_LIMIT'], '10');
    assert.deepEqual(deployment(ns).spec.template, templateBefore);
    assert.deepEqual(describeWrites(server.writes()), [
      'patch(apply) configmaps relay-config',
      'patch(apply) tenants/status acme',
    ]);
    await waitFor('tenantCount', () => {
      const policy = server.store.get({ ...POLICY_API, name: 'standard' });
      return (policy?.['status'] as Json | undefined)?.tenantCount === 1;
    });
  });

  it('reports a missing QuotaPolicy as Degraded with one Warning, and recovers when it appears', async () => {
    await api.create(tenantManifest('orphan', { policy: 'premium' }));
    await waitFor(
      'Degraded=True',
      () => conditionOf(server, 'orphan', 'Degraded')?.status === 'True',
    );
    const degraded = conditionOf(server, 'orphan', 'Degraded')!;
    assert.equal(degraded.reason, 'QuotaPolicyNotFound');
    assert.equal(degraded.message, 'QuotaPolicy premium does not exist');
    assert.equal(conditionOf(server, 'orphan', 'Ready')?.status, 'False');
    assert.equal(deployment('zajoni-orphan'), undefined);

    await api.create(policyManifest('premium', 200));
    await waitFor(
      'Degraded=False',
      () => conditionOf(server, 'orphan', 'Degraded')?.status === 'False',
    );
    assert.equal(deployment('zajoni-orphan')?.spec.replicas, 2);
    assert.equal(JSON.parse(configMap('zajoni-orphan').data['policy.json']).messagesPerDay, 200);
    await waitFor('the Warning Event', () => tenantEvents(server, 'orphan').length > 0);
    assert.deepEqual(tenantEvents(server, 'orphan'), [['Warning', 'QuotaPolicyNotFound']]);
  });

  it('waits for a usable TLS Secret before starting the relay, naming what is wrong', async () => {
    const ns = 'zajoni-secure';
    const relay = { tlsSecretRef: { name: 'relay-tls' } };
    await api.create(tenantManifest('secure', { relay }));
    await waitFor('TLSSecretNotFound', () => {
      return conditionOf(server, 'secure', 'Degraded')?.reason === 'TLSSecretNotFound';
    });
    assert.equal(deployment(ns), undefined, 'no relay without its certificate');

    const certificate = await createSelfSignedCertificate({ commonName: 'relay.secure.example' });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'relay-tls', namespace: ns },
      data: { 'tls.crt': Buffer.from(certificate.cert).toString('base64') },
    };
    await api.create(secret);
    await waitFor('TLSSecretInvalid', () => {
      return conditionOf(server, 'secure', 'Degraded')?.reason === 'TLSSecretInvalid';
    });
    assert.equal(
      conditionOf(server, 'secure', 'Degraded')?.message,
      'Secret zajoni-secure/relay-tls lacks tls.key',
    );

    const key = Buffer.from(certificate.key).toString('base64');
    await api.replace({ ...secret, data: { ...secret.data, 'tls.key': key } });
    await waitFor('the relay Deployment', () => deployment(ns) !== undefined);
    const pod = deployment(ns).spec.template;
    assert.ok(pod.metadata.annotations['zajoni.io/tls-hash']);
    assert.deepEqual(
      pod.spec.volumes.find((v: Json) => v.name === 'tls'),
      { name: 'tls', secret: { secretName: 'relay-tls' } },
    );
    const data = configMap(ns).data;
    assert.equal(data['TLS_CERT_FILE'], '/etc/zajoni/tls/tls.crt');
    assert.equal(data['RELAY_SELF_SIGNED'], undefined);
    await waitFor(
      'Degraded=False',
      () => conditionOf(server, 'secure', 'Degraded')?.status === 'False',
    );
    assert.deepEqual(tenantEvents(server, 'secure'), [
      ['Warning', 'TLSSecretNotFound'],
      ['Warning', 'TLSSecretInvalid'],
    ]);
  });

  it('reports a rollout past its deadline as Degraded RolloutFailed', async () => {
    const ref = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'zajoni-acme',
      name: 'relay',
    };
    const message = 'ReplicaSet "relay-5d4" has timed out progressing.';
    const status = deployment('zajoni-acme').status;
    server.store.patch(ref, {
      status: {
        ...status,
        conditions: [
          ...status.conditions,
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message },
        ],
      },
    });
    await waitFor(
      'RolloutFailed',
      () => conditionOf(server, 'acme', 'Degraded')?.reason === 'RolloutFailed',
    );
    assert.equal(conditionOf(server, 'acme', 'Degraded')?.message, message);
    await waitFor('the Warning Event', () => tenantEvents(server, 'acme').length === 2);
    assert.deepEqual(tenantEvents(server, 'acme')[1], ['Warning', 'RolloutFailed']);
  });

  it('scales a paused Tenant to zero and says so', async () => {
    const tenant = server.store.get({ ...TENANT_API, name: 'acme' })!;
    server.store.put({ ...tenant, spec: { ...(tenant['spec'] as Json), paused: true } });
    await waitFor('replicas 0', () => deployment('zajoni-acme').spec.replicas === 0);
    await waitFor(
      'Ready=False Paused',
      () => conditionOf(server, 'acme', 'Ready')?.reason === 'Paused',
    );
    assert.equal(conditionOf(server, 'acme', 'Progressing')?.reason, 'Paused');
  });

  it('makes only requests that operator/rbac.yaml allows', async () => {
    // The test's own requests: it creates, replaces and deletes Tenants; the operator only
    // creates Events and its Lease, updates only the Lease, and deletes only Deployments.
    const isOperator = (r: RequestRecord) =>
      (r.verb !== 'create' && r.verb !== 'update' && r.verb !== 'delete') ||
      r.resource === 'events' ||
      r.resource === 'leases' ||
      (r.verb === 'delete' && r.resource === 'deployments');
    assert.ok(server.requests.some((r) => r.verb === 'patch' && isOperator(r)));
    assert.deepEqual(deniedRequests(await loadOperatorRules(), server.requests, isOperator), []);
  });
});
