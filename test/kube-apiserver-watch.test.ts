import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startKubeApiServer, Verb, type KubeApiServer } from './kube/index.ts';
import { loadConfig, until } from './support/kube-client.ts';

interface Seen {
  type: string;
  name: string | undefined;
  code: number | undefined;
  resourceVersion: string | undefined;
}

const PATH = '/api/v1/namespaces/default/configmaps';

describe('kube fixture: watches', () => {
  let api: KubeApiServer;
  let core: CoreV1Api;
  let watch: Watch;

  before(async () => {
    api = await startKubeApiServer({ bookmarkIntervalMs: 50 });
    const config = loadConfig(api.kubeconfigPath);
    core = config.makeApiClient(CoreV1Api);
    watch = new Watch(config);
  });
  after(() => api.close());

  function open(query: Record<string, string>) {
    const events = until<Seen>();
    const closed = until<Error | null>();
    const controller = watch.watch(
      PATH,
      query,
      (type, object: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) =>
        events.signal({
          type,
          name: object.metadata?.name,
          code: object.code,
          resourceVersion: object.metadata?.resourceVersion,
        }),
      (error: Error | null) => closed.signal(error),
    );
    return { events, closed, controller };
  }

  it('streams ADDED, MODIFIED, DELETED and bookmarks after a resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const stream = open({
      resourceVersion: list.metadata!.resourceVersion!,
      allowWatchBookmarks: 'true',
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'w1' } },
    });
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'w1', body: { data: { a: 'b' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w1' });
    const seen = await stream.events.reached(
      (all) => all.some((e) => e.type === 'DELETED') && all.some((e) => e.type === 'BOOKMARK'),
    );
    const changes = seen.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.name}`);
    assert.deepEqual(changes, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    const versions = seen.map((e) => Number(e.resourceVersion));
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
      'resourceVersions only grow',
    );
    (await stream.controller).abort();
  });

  it('replays history from an old resourceVersion, and answers 410 once it has expired', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const old = list.metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'h1' } },
    });
    const replay = open({ resourceVersion: old });
    await replay.events.reached((all) => all.some((e) => e.name === 'h1'));
    api.expireWatches();
    const expired = await replay.events.reached((all) => all.some((e) => e.type === 'ERROR'));
    assert.equal(expired.find((e) => e.type === 'ERROR')?.code, 410);
    await replay.closed.reached((all) => all.length > 0);
    const late = open({ resourceVersion: old });
    const refused = await late.events.reached((all) => all.length > 0);
    assert.deepEqual(
      refused.map((e) => [e.type, e.code]),
      [['ERROR', 410]],
    );
  });

  it('keeps a silenced watch open but sends it nothing', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const rv = list.metadata!.resourceVersion!;
    const silenced = open({ resourceVersion: rv });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 's0' } },
    });
    await silenced.events.reached((all) => all.some((e) => e.name === 's0'));
    api.silenceWatches();
    const witness = open({ resourceVersion: rv });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 's1' } },
    });
    // The witness opened after the silence sees s1; the silenced one, written in the same tick, does not.
    await witness.events.reached((all) => all.some((e) => e.name === 's1'));
    const heard = await silenced.events.reached(() => true);
    assert.deepEqual(
      heard.map((e) => e.name),
      ['s0'],
    );
    assert.equal(api.openWatches(), 2);
    (await silenced.controller).abort();
    (await witness.controller).abort();
  });

  it('lets an informer recover from 410 by listing again, and reports a dropped watch', async () => {
    const config = loadConfig(api.kubeconfigPath);
    const list = () => core.listNamespacedConfigMap({ namespace: 'default' });
    const informer = makeInformer<V1ConfigMap>(config, PATH, list);
    const added = until<string>();
    const errors = until<unknown>();
    informer.on('add', (object) => added.signal(object.metadata!.name!));
    informer.on('error', (error) => errors.signal(error));
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'i1' } },
    });
    await added.reached((names) => names.includes('i1'));
    api.clearRequests();
    api.expireWatches();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'i2' } },
    });
    await added.reached((names) => names.includes('i2'));
    // i2 may arrive through the new list; i3 then proves the new watch runs.
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'i3' } },
    });
    await added.reached((names) => names.includes('i3'));
    const verbs = api.requests.filter((r) => r.path === PATH).map((r) => r.verb);
    assert.deepEqual(
      verbs.filter((v) => v !== Verb.create),
      [Verb.list, Verb.watch],
    );
    api.dropWatches();
    await errors.reached((all) => all.length > 0);
    await informer.stop();
  });

  it('reports an object leaving a label selector as DELETED, on the legacy /watch/ path too', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const rv = list.metadata!.resourceVersion!;
    const events = until<string>();
    const controller = watch.watch(
      '/api/v1/watch/namespaces/default/configmaps',
      { resourceVersion: rv, labelSelector: 'tier=web' },
      (type, object: { metadata?: { name?: string } }) =>
        events.signal(`${type} ${object.metadata?.name}`),
      () => undefined,
    );
    const body = { metadata: { name: 'sel', labels: { tier: 'web' } } };
    await core.createNamespacedConfigMap({ namespace: 'default', body });
    await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'sel', body: { metadata: { labels: { tier: 'db' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'sel-2', labels: { tier: 'web' } } },
    });
    const seen = await events.reached((all) => all.includes('ADDED sel-2'));
    assert.deepEqual(seen, ['ADDED sel', 'DELETED sel', 'ADDED sel-2']);
    (await controller).abort();
  });

  it('ends a watch after timeoutSeconds, cleanly', { timeout: 20_000 }, async () => {
    const stream = open({ timeoutSeconds: '1' });
    const [error] = await stream.closed.reached((all) => all.length > 0);
    assert.equal(error, null);
    assert.equal(
      api.requests.filter((r) => r.verb === Verb.watch).at(-1)?.query['timeoutSeconds'],
      '1',
    );
  });
});
