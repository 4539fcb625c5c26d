import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startKubeApiServer, Verb, type KubeApiServer } from './kube/index.ts';
import { loadConfig, rejection } from './support/kube-client.ts';

describe('kube fixture: CRUD through client-node', () => {
  let api: KubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let objects: KubernetesObjectApi;

  before(async () => {
    api = await startKubeApiServer();
    const config = loadConfig(api.kubeconfigPath);
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
    objects = KubernetesObjectApi.makeApiClient(config);
  });
  after(() => api.close());

  it('creates with server-set metadata and reads it back', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'cm-' }, data: { a: '1' } },
    });
    assert.match(created.metadata!.name!, /^cm-[a-z0-9]{5}$/);
    assert.ok(created.metadata!.uid);
    assert.ok(created.metadata!.resourceVersion);
    assert.ok(created.metadata!.creationTimestamp);
    const read = await core.readNamespacedConfigMap({
      namespace: 'default',
      name: created.metadata!.name!,
    });
    assert.deepEqual(read.data, { a: '1' });
    assert.equal(read.metadata!.uid, created.metadata!.uid);
  });

  it('answers AlreadyExists, NotFound and a stale-update Conflict as Status objects', async () => {
    const body: V1ConfigMap = { metadata: { name: 'conflicts' }, data: { v: '1' } };
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body });
    const exists = await rejection(core.createNamespacedConfigMap({ namespace: 'default', body }));
    assert.equal(exists.code, 409);
    assert.equal(exists.reason, 'AlreadyExists');
    const missing = await rejection(
      core.readNamespacedConfigMap({ namespace: 'default', name: 'nope' }),
    );
    assert.equal(missing.reason, 'NotFound');
    assert.equal(missing.message, 'configmaps "nope" not found');
    await core.replaceNamespacedConfigMap({
      namespace: 'default',
      name: 'conflicts',
      body: { ...first, data: { v: '2' } },
    });
    const stale = await rejection(
      core.replaceNamespacedConfigMap({
        namespace: 'default',
        name: 'conflicts',
        body: { ...first, data: { v: '3' } },
      }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'conflicts' });
    assert.deepEqual(read.data, { v: '2' });
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const error = await rejection(
      core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }),
    );
    assert.equal(error.code, 404);
    assert.equal(error.message, 'namespaces "ghost" not found');
  });

  it('lists with label and field selectors', async () => {
    for (const [name, tier] of [
      ['web-1', 'web'],
      ['web-2', 'web'],
      ['db-1', 'db'],
    ] as const) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name, labels: { tier } } },
      });
    }
    const web = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier=web',
    });
    assert.deepEqual(
      web.items.map((item) => item.metadata!.name),
      ['web-1', 'web-2'],
    );
    const notWeb = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier,tier!=web',
    });
    assert.deepEqual(
      notWeb.items.map((item) => item.metadata!.name),
      ['db-1'],
    );
    const byName = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.name=web-2',
    });
    assert.deepEqual(
      byName.items.map((item) => item.metadata!.name),
      ['web-2'],
    );
  });

  it('applies a JSON merge patch and a JSON patch', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'patched' }, data: { a: '1', b: '2' } },
    });
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'patched', body: { data: { a: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const merged = await core.patchNamespacedConfigMap(
      {
        namespace: 'default',
        name: 'patched',
        body: [{ op: 'replace', path: '/data/b', value: '20' }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.deepEqual(merged.data, { b: '20', c: '3' });
    const kinds = api
      .writes()
      .filter((r) => r.name === 'patched')
      .map((r) => r.patchType ?? r.verb);
    assert.deepEqual(kinds, ['merge', 'json']);
  });

  it('server-side apply creates, then a repeat apply is a no-op with no new resourceVersion', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: 'default', labels: { app: 'zajoni' } },
      data: { key: 'value' },
    };
    const first: KubernetesObject = await objects.patch(
      manifest,
      undefined,
      undefined,
      'zajoni-operator',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    const second: KubernetesObject = await objects.patch(
      manifest,
      undefined,
      undefined,
      'zajoni-operator',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    assert.equal(second.metadata!.resourceVersion, first.metadata!.resourceVersion);
    const managers = second.metadata!.managedFields?.map(
      (entry) => `${entry.manager}:${entry.operation}`,
    );
    assert.deepEqual(managers, ['zajoni-operator:Apply']);
    const applies = api.writes().filter((r) => r.name === 'applied');
    assert.deepEqual(
      applies.map((r) => [r.verb, r.patchType, r.fieldManager, r.status]),
      [
        [Verb.patch, 'apply', 'zajoni-operator', 201],
        [Verb.patch, 'apply', 'zajoni-operator', 200],
      ],
    );
  });

  it('server-side apply removes fields the manager stops applying and reports conflicts', async () => {
    const base = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owned', namespace: 'default' },
    };
    await objects.patch(
      { ...base, data: { a: '1', b: '2' } },
      undefined,
      undefined,
      'one',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    const shrunk = await objects.patch(
      { ...base, data: { a: '1' } },
      undefined,
      undefined,
      'one',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    assert.deepEqual((shrunk as V1ConfigMap).data, { a: '1' });
    const error = await rejection(
      objects.patch(
        { ...base, data: { a: 'other' } },
        undefined,
        undefined,
        'two',
        undefined,
        PatchStrategy.ServerSideApply,
      ),
    );
    assert.equal(error.code, 409);
    assert.equal(error.details?.causes?.[0]?.field, '.data.a');
    const forced = await objects.patch(
      { ...base, data: { a: 'other' } },
      undefined,
      undefined,
      'two',
      true,
      PatchStrategy.ServerSideApply,
    );
    assert.deepEqual((forced as V1ConfigMap).data, { a: 'other' });
  });

  it('keeps status and spec apart on a Deployment and bumps generation on spec changes only', async () => {
    const body = {
      metadata: { name: 'relay' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'relay' } },
        template: {
          metadata: { labels: { app: 'relay' } },
          spec: { containers: [{ name: 'relay', image: 'zajoni:1' }] },
        },
      },
      status: { availableReplicas: 9 },
    };
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body });
    assert.equal(created.metadata!.generation, 1);
    assert.equal(created.status, undefined);
    const status = await apps.patchNamespacedDeploymentStatus(
      {
        namespace: 'default',
        name: 'relay',
        body: { status: { availableReplicas: 1 }, spec: { replicas: 5 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(status.status!.availableReplicas, 1);
    assert.equal(status.spec!.replicas, 1);
    assert.equal(status.metadata!.generation, 1);
    const labelled = await apps.patchNamespacedDeployment(
      {
        namespace: 'default',
        name: 'relay',
        body: { metadata: { labels: { a: 'b' } }, status: { availableReplicas: 0 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(labelled.metadata!.generation, 1);
    assert.equal(labelled.status!.availableReplicas, 1);
    const scaled = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'relay', body: { spec: { replicas: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(scaled.metadata!.generation, 2);
  });

  it('lets a test play a controller through the direct store', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'direct' }, spec: { selector: {}, template: {} } },
    });
    api.clearRequests();
    api.store.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'direct' },
      { status: { availableReplicas: 3 } },
    );
    const read = await apps.readNamespacedDeployment({ namespace: 'default', name: 'direct' });
    assert.equal(read.status!.availableReplicas, 3);
    assert.deepEqual(api.writes(), []);
  });

  it('holds an object with finalizers until they are removed, then deletes it', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'held', finalizers: ['zajoni.io/cleanup'] } },
    });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'held' });
    const held = await core.readNamespacedConfigMap({ namespace: 'default', name: 'held' });
    assert.ok(held.metadata!.deletionTimestamp);
    const refused = await rejection(
      core.patchNamespacedConfigMap(
        {
          namespace: 'default',
          name: 'held',
          body: { metadata: { finalizers: ['zajoni.io/cleanup', 'other'] } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(refused.code, 422);
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'held', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const gone = await rejection(
      core.readNamespacedConfigMap({ namespace: 'default', name: 'held' }),
    );
    assert.equal(gone.code, 404);
  });

  it('garbage-collects dependents of a deleted owner, across scopes and recursively', async () => {
    const owner = await core.createNamespace({ body: { metadata: { name: 'owner-ns' } } });
    const ref = (
      o: { metadata?: { name?: string; uid?: string } },
      kind: string,
      apiVersion = 'v1',
    ) => [{ apiVersion, kind, name: o.metadata!.name!, uid: o.metadata!.uid!, controller: true }];
    const configMap = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owned-by-ns', ownerReferences: ref(owner, 'Namespace') } },
    });
    await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 'owned-by-cm', ownerReferences: ref(configMap, 'ConfigMap') } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'owner-ns',
      body: { metadata: { name: 'inside' } },
    });
    await core.deleteNamespace({ name: 'owner-ns' });
    await api.settle();
    for (const read of [
      core.readNamespace({ name: 'owner-ns' }),
      core.readNamespacedConfigMap({ namespace: 'default', name: 'owned-by-ns' }),
      core.readNamespacedSecret({ namespace: 'default', name: 'owned-by-cm' }),
      core.readNamespacedConfigMap({ namespace: 'owner-ns', name: 'inside' }),
    ]) {
      assert.equal((await rejection(read)).code, 404);
    }
    assert.deepEqual(api.controllerErrors, []);
  });
});

describe('kube fixture: leases', () => {
  let api: KubeApiServer;
  let leases: CoordinationV1Api;

  before(async () => {
    api = await startKubeApiServer();
    const config = loadConfig(api.kubeconfigPath);
    leases = config.makeApiClient(CoordinationV1Api);
  });
  after(() => api.close());

  it('serves coordination.k8s.io leases with optimistic concurrency', async () => {
    const lease = await leases.createNamespacedLease({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'zajoni-operator' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
      },
    });
    await leases.replaceNamespacedLease({
      namespace: 'kube-system',
      name: 'zajoni-operator',
      body: { ...lease, spec: { holderIdentity: 'b' } },
    });
    const lost = await rejection(
      leases.replaceNamespacedLease({
        namespace: 'kube-system',
        name: 'zajoni-operator',
        body: { ...lease, spec: { holderIdentity: 'c' } },
      }),
    );
    assert.equal(lost.reason, 'Conflict');
  });
});
