import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import type { KubeApiServer } from './kube/index.ts';
import {
  counterTotal,
  createRecordingRegistry,
  setDeploymentAvailable,
  startCluster,
  startOperator,
  waitFor,
  type OperatorInstance,
} from './support/operator.ts';
import {
  conditionOf,
  describeWrites,
  object,
  policyManifest,
  tenantEvents,
  tenantManifest,
} from './support/tenants.ts';

describe('operator: watches that fail, replicas that compete, restarts', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let api: KubernetesObjectApi;
  const running: OperatorInstance[] = [];
  const recording = createRecordingRegistry();

  const hasRelay = (tenant: string) =>
    object(server, 'apps/v1', 'Deployment', `zajoni-${tenant}`, 'relay') !== undefined;

  async function launch(identity: string): Promise<OperatorInstance> {
    const instance = startOperator(kc, {
      registry: recording.registry,
      // A quiet watch is restarted after a second, so a silenced one is noticed quickly.
      settings: { POD_NAME: identity, WATCH_IDLE_MS: 1_000 },
    });
    running.push(instance);
    await instance.operator.start();
    return instance;
  }

  function leaseHolder(): string | undefined {
    const ref = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'zajoni-system',
      name: 'zajoni-operator',
    };
    const spec = server.store.get(ref)?.['spec'] as { holderIdentity?: string } | undefined;
    return spec?.holderIdentity;
  }

  before(async () => {
    ({ server, kc } = await startCluster());
    api = KubernetesObjectApi.makeApiClient(kc);
    await api.create(policyManifest('standard', 50));
  });

  after(async () => {
    for (const instance of running) await instance.operator.stop();
    await server.close();
  });

  it('two replicas: one takes the Lease, and only it writes', async () => {
    const a = await launch('operator-a');
    await waitFor('a leader', () => a.operator.isLeader());
    const b = await launch('operator-b');
    assert.equal(b.operator.isReady(), true, 'the standby fills its caches too');

    await api.create(tenantManifest('duo'));
    await waitFor('the relay of duo', () => hasRelay('duo'));
    setDeploymentAvailable(server, 'zajoni-duo', 2);
    await waitFor('duo Ready', () => conditionOf(server, 'duo', 'Ready')?.status === 'True');

    await waitFor('the Ready Event', () => tenantEvents(server, 'duo').length === 1);

    assert.equal(leaseHolder(), 'operator-a');
    assert.equal(b.operator.isLeader(), false);
    assert.equal(await counterTotal(b.metrics, 'writes'), 0);
    assert.equal(b.reconciled.length, 0);
    // Every write the server saw, but the test's own creates, is one the leader made. The
    // leader counts a write when its response arrives, a moment after the server logs it.
    const ownCreates = /^create (customresourcedefinitions|namespaces|quotapolicies|tenants)\b/;
    const operatorWrites = () => describeWrites(server.writes()).filter((w) => !ownCreates.test(w));
    await waitFor('the leader counted every operator write', async () => {
      return (await counterTotal(a.metrics, 'writes')) === operatorWrites().length;
    });
    assert.ok(operatorWrites().includes('patch(apply) deployments relay'));
  });

  it('the standby takes over when the leader stops, and a new Tenant is served', async () => {
    const [a, b] = running as [OperatorInstance, OperatorInstance];
    await a.operator.stop();
    await waitFor('b leads', () => b.operator.isLeader());
    assert.equal(leaseHolder(), 'operator-b');

    await api.create(tenantManifest('after'));
    await waitFor('the relay of after', () => hasRelay('after'));
    assert.ok((await counterTotal(b.metrics, 'writes')) > 0);
  });

  it('catches up after its watches expire with 410 Gone', async () => {
    server.expireWatches();
    await api.create(tenantManifest('expired'));
    await waitFor('the relay of expired', () => hasRelay('expired'));
  });

  it('catches up after its watch connections drop', async () => {
    server.dropWatches();
    await api.create(tenantManifest('dropped'));
    await waitFor('the relay of dropped', () => hasRelay('dropped'));
  });

  it('restarts watches that go silent', async () => {
    const before = server.requests.filter((r) => r.verb === 'watch').length;
    server.silenceWatches();
    await api.create(tenantManifest('silent'));
    await waitFor('the relay of silent', () => hasRelay('silent'));
    const after = server.requests.filter((r) => r.verb === 'watch').length;
    assert.ok(after > before, 'the silent watches were opened again');
  });

  it('a restarted operator reconciles every Tenant and writes nothing in a steady state', async () => {
    for (const tenant of ['after', 'expired', 'dropped', 'silent']) {
      // Steady: the status reflects the Deployment the operator made.
      await waitFor(`${tenant} steady`, () => {
        return conditionOf(server, tenant, 'Ready')?.message === '0 of 2 replicas available';
      });
    }
    const b = running[1]!;
    await b.operator.stop();
    server.clearRequests();

    const c = await launch('operator-c');
    await waitFor('c leads', () => c.operator.isLeader());
    const tenants = ['after', 'dropped', 'duo', 'expired', 'silent'].map((t) => `tenant/${t}`);
    await waitFor('every Tenant reconciled', () => tenants.every((t) => c.reconciled.includes(t)));
    await waitFor('the policy reconciled', () => c.reconciled.includes('quotapolicy/standard'));

    assert.deepEqual(describeWrites(server.writes()), []);
    assert.equal(await counterTotal(c.metrics, 'writes'), 0);
  });

  it('a leader that finds its Lease taken stops acting', async () => {
    const c = running[2]!;
    const ref = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'zajoni-system',
      name: 'zajoni-operator',
    };
    const lease = server.store.get(ref)!;
    // Another replica's write, as after a network partition healed: a fresh renewal by it.
    server.store.put({
      ...lease,
      spec: {
        ...(lease['spec'] as object),
        holderIdentity: 'intruder',
        renewTime: new Date().toISOString().replace('Z', '000Z'),
        leaseDurationSeconds: 3600,
      },
    });
    await waitFor('c steps down', () => !c.operator.isLeader());
    const { values } = await c.metrics.leader.get();
    assert.deepEqual(
      values.map((v) => v.value),
      [0],
    );
  });
});
