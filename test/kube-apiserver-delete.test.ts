import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubeApiServer, Verb, type KubeApiServer } from './kube/index.ts';
import { loadConfig, rejection } from './support/kube-client.ts';

describe('kube fixture: deletion propagation', () => {
  let api: KubeApiServer;
  let core: CoreV1Api;

  before(async () => {
    api = await startKubeApiServer();
    core = loadConfig(api.kubeconfigPath).makeApiClient(CoreV1Api);
  });
  after(() => api.close());

  async function ownerWithDependent(name: string) {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name } },
    });
    const ownerReferences = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name,
        uid: owner.metadata!.uid!,
        blockOwnerDeletion: true,
      },
    ];
    await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: `${name}-dep`, ownerReferences, finalizers: ['test/hold'] } },
    });
  }
  const release = (name: string) =>
    core.patchNamespacedSecret(
      { namespace: 'default', name, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  it('Foreground keeps the owner, with a deletionTimestamp, until its dependents are gone', async () => {
    await ownerWithDependent('fg');
    await core.deleteNamespacedConfigMap({
      namespace: 'default',
      name: 'fg',
      propagationPolicy: 'Foreground',
    });
    await api.settle();
    const waiting = await core.readNamespacedConfigMap({ namespace: 'default', name: 'fg' });
    assert.deepEqual(waiting.metadata!.finalizers, ['foregroundDeletion']);
    const dependent = await core.readNamespacedSecret({ namespace: 'default', name: 'fg-dep' });
    assert.ok(dependent.metadata!.deletionTimestamp);
    await release('fg-dep');
    await api.settle();
    assert.equal(
      (await rejection(core.readNamespacedConfigMap({ namespace: 'default', name: 'fg' }))).code,
      404,
    );
  });

  it('Orphan deletes the owner and leaves dependents without the reference', async () => {
    await ownerWithDependent('orph');
    await core.deleteNamespacedConfigMap({
      namespace: 'default',
      name: 'orph',
      propagationPolicy: 'Orphan',
    });
    await api.settle();
    assert.equal(
      (await rejection(core.readNamespacedConfigMap({ namespace: 'default', name: 'orph' }))).code,
      404,
    );
    const dependent = await core.readNamespacedSecret({ namespace: 'default', name: 'orph-dep' });
    assert.equal(dependent.metadata!.ownerReferences, undefined);
    assert.equal(dependent.metadata!.deletionTimestamp, undefined);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['c1', 'c2', 'keep']) {
      const labels = { batch: name === 'keep' ? 'no' : 'yes' };
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name, labels } },
      });
    }
    await core.deleteCollectionNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'batch=yes',
    });
    const left = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'batch',
    });
    assert.deepEqual(
      left.items.map((item) => item.metadata!.name),
      ['keep'],
    );
    assert.deepEqual(
      api
        .writes()
        .map((r) => r.verb)
        .slice(-1),
      [Verb.deletecollection],
    );
  });
});
