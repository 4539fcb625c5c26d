import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './kube/index.ts';
import { loadConfig, rejection } from './support/kube-client.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('kube fixture: built-in defaults and rules', () => {
  let api: KubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    api = await startKubeApiServer();
    const config = loadConfig(api.kubeconfigPath);
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
  });
  after(() => api.close());

  it('defaults a Deployment like the real server and keeps its selector immutable', async () => {
    const labels = { app: 'relay' };
    const created = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'relay' },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                { name: 'relay', image: 'zajoni/relay:1.0', ports: [{ containerPort: 587 }] },
              ],
            },
          },
        },
      },
    });
    const spec = created.spec!;
    assert.deepEqual(
      [spec.replicas, spec.revisionHistoryLimit, spec.progressDeadlineSeconds, spec.strategy?.type],
      [1, 10, 600, 'RollingUpdate'],
    );
    const container = spec.template.spec!.containers[0]!;
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.equal(container.ports![0]!.protocol, 'TCP');
    assert.equal(spec.template.spec!.restartPolicy, 'Always');
    const moved = await rejection(
      apps.patchNamespacedDeployment(
        {
          namespace: 'default',
          name: 'relay',
          body: { spec: { selector: { matchLabels: { app: 'other' } } } },
        },
        merge,
      ),
    );
    assert.equal(moved.code, 422);
    assert.equal(moved.details?.causes?.[0]?.field, 'spec.selector');
  });

  it('allocates a Service clusterIP once, keeps it across updates, and refuses to change it', async () => {
    const created = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'relay' },
        spec: { selector: { app: 'relay' }, ports: [{ port: 587 }] },
      },
    });
    const ip = created.spec!.clusterIP!;
    assert.match(ip, /^10\.96\.\d+\.\d+$/);
    assert.equal(created.spec!.type, 'ClusterIP');
    assert.deepEqual(
      [created.spec!.ports![0]!.targetPort, created.spec!.ports![0]!.protocol],
      [587, 'TCP'],
    );
    const withoutIp = { ...created.spec! };
    delete withoutIp.clusterIP;
    delete withoutIp.clusterIPs;
    const replaced = await core.replaceNamespacedService({
      namespace: 'default',
      name: 'relay',
      body: { ...created, spec: { ...withoutIp, ports: [{ port: 2587 }] } },
    });
    assert.equal(replaced.spec!.clusterIP, ip);
    const changed = await rejection(
      core.patchNamespacedService(
        { namespace: 'default', name: 'relay', body: { spec: { clusterIP: '10.0.0.1' } } },
        merge,
      ),
    );
    assert.equal(changed.details?.causes?.[0]?.field, 'spec.clusterIP');
  });

  it("refuses an Event whose namespace is not its object's", async () => {
    const event = (namespace: string, objectNamespace: string | undefined) =>
      core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: 'tenant.' },
          involvedObject: {
            kind: 'Tenant',
            name: 'acme',
            ...(objectNamespace ? { namespace: objectNamespace } : {}),
          },
          reason: 'Test',
          type: 'Normal',
        },
      });
    await event('default', undefined);
    await core.createNamespace({ body: { metadata: { name: 'zajoni-acme' } } });
    await event('zajoni-acme', 'zajoni-acme');
    const wrong = await rejection(event('zajoni-acme', undefined));
    assert.equal(wrong.code, 422);
    assert.equal(wrong.details?.causes?.[0]?.field, 'involvedObject.namespace');
  });

  it('makes an apply conflict with a field another writer changed since', async () => {
    const url = `${api.url}/apis/apps/v1/namespaces/default/deployments/scaled`;
    const labels = { app: 'scaled' };
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled' },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels } } },
    };
    const apply = (force: boolean) =>
      fetch(`${url}?fieldManager=zajoni-operator${force ? '&force=true' : ''}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify(manifest),
      });
    assert.equal((await apply(false)).status, 201);
    await apps.patchNamespacedDeployment(
      {
        namespace: 'default',
        name: 'scaled',
        fieldManager: 'kubectl-scale',
        body: { spec: { replicas: 5 } },
      },
      merge,
    );
    const refused = await apply(false);
    assert.equal(refused.status, 409);
    const status = (await refused.json()) as {
      message: string;
      details: { causes: { field: string; message: string }[] };
    };
    assert.equal(
      status.message,
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
    assert.deepEqual(status.details.causes, [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-scale" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
    const forced = await apply(true);
    assert.equal(forced.status, 200);
    const live = await apps.readNamespacedDeployment({ namespace: 'default', name: 'scaled' });
    assert.equal(live.spec!.replicas, 2);
  });

  it('answers a dry-run create without storing anything', async () => {
    const body = { metadata: { name: 'dry' }, data: { a: 'b' } };
    const answered = await core.createNamespacedConfigMap({
      namespace: 'default',
      body,
      dryRun: 'All',
    });
    assert.equal(answered.metadata!.name, 'dry');
    assert.equal(
      (await rejection(core.readNamespacedConfigMap({ namespace: 'default', name: 'dry' }))).code,
      404,
    );
  });
});
