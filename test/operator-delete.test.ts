import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  deliveryConsumer,
  ensureQueueStream,
  ensureTranscriptStream,
  QUEUE_STREAM,
  queueSubject,
  TRANSCRIPT_STREAM,
  transcriptSubject,
} from '#shared';
import { NatsCleanupError } from '../operator/src/errors.ts';
import { createNatsCleanup } from '../operator/src/registry/nats-cleanup.ts';
import { startNats, type NatsInstance } from '../scripts/stack/index.ts';
import type { KubeApiServer, RequestRecord } from './kube/index.ts';
import {
  createRecordingRegistry,
  startCluster,
  startOperator,
  waitFor,
  type OperatorInstance,
} from './support/operator.ts';
import { deniedRequests, loadOperatorRules } from './support/rbac.ts';
import {
  conditionOf,
  object,
  policyManifest,
  TENANT_API,
  tenantEvents,
  tenantManifest,
} from './support/tenants.ts';

describe('operator: deleting a Tenant', () => {
  let dir: string;
  let nats: NatsInstance;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let server: KubeApiServer;
  let kc: KubeConfig;
  let api: KubernetesObjectApi;
  let instance: OperatorInstance;
  const recording = createRecordingRegistry();
  let failCleanups = 0;
  /** Whether the relay Deployment still existed at each cleanup call. */
  const relayAtCleanup: boolean[] = [];

  /** Puts a tenant's state in NATS as a running relay and the API would leave it. */
  async function seed(tenant: string) {
    await jsm.consumers.add(QUEUE_STREAM, {
      durable_name: deliveryConsumer(tenant),
      ack_policy: AckPolicy.Explicit,
      filter_subject: queueSubject(tenant),
    });
    const js = jetstream(nc);
    await js.publish(queueSubject(tenant), '{}');
    await js.publish(queueSubject(tenant), '{}');
    await js.publish(transcriptSubject(tenant), '{}');
  }

  async function subjectCounts(stream: string): Promise<Record<string, number>> {
    const info = await jsm.streams.info(stream, { subjects_filter: '>' });
    return info.state.subjects ?? {};
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-operator-'));
    nats = await startNats({ dir });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureQueueStream(jsm);
    await ensureTranscriptStream(jsm);
    await seed('gone');
    await seed('stays');

    ({ server, kc } = await startCluster());
    api = KubernetesObjectApi.makeApiClient(kc);
    await api.create(policyManifest('standard', 50));
    const cleanup = createNatsCleanup(async () => jsm);
    instance = startOperator(kc, {
      registry: recording.registry,
      async cleanupNats(tenant) {
        const relay = object(server, 'apps/v1', 'Deployment', `zajoni-${tenant}`, 'relay');
        relayAtCleanup.push(relay !== undefined);
        if (failCleanups > 0) {
          failCleanups -= 1;
          throw new NatsCleanupError(`cannot delete consumer of ${tenant}: NATS unavailable`);
        }
        await cleanup(tenant);
      },
    });
    await instance.operator.start();
    await waitFor('leadership', () => instance.operator.isLeader());
  });

  after(async () => {
    await instance.operator.stop();
    await server.close();
    await nc.close();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('deregisters it, removes its NATS state, and lets its objects be collected', async () => {
    await api.create(tenantManifest('gone'));
    await api.create(tenantManifest('stays'));
    const relayOf = (t: string) => object(server, 'apps/v1', 'Deployment', `zajoni-${t}`, 'relay');
    await waitFor(
      'both relays',
      () => relayOf('gone') !== undefined && relayOf('stays') !== undefined,
    );

    failCleanups = 1;
    await api.delete({ ...TENANT_API, metadata: { name: 'gone' } });
    await waitFor(
      'the Tenant to go',
      () => server.store.get({ ...TENANT_API, name: 'gone' }) === undefined,
    );

    assert.deepEqual(
      recording.calls.filter((c) => c.call === 'deregister'),
      [
        { call: 'deregister', id: 'gone' },
        { call: 'deregister', id: 'gone' },
      ],
      'deregistered again on the retry after the failed NATS cleanup',
    );
    assert.deepEqual(tenantEvents(server, 'gone').at(-1), ['Warning', 'CleanupFailed']);
    assert.deepEqual(relayAtCleanup, [false, false], 'the relay was stopped before any cleanup');
    const deletes = server
      .writes()
      .filter((r) => r.verb === 'delete' && r.resource === 'deployments');
    assert.deepEqual(
      deletes.map((r) => [r.namespace, r.name, r.query['propagationPolicy']]),
      [['zajoni-gone', 'relay', 'Foreground']],
    );
    const consumers = [];
    for await (const consumer of jsm.consumers.list(QUEUE_STREAM)) consumers.push(consumer.name);
    assert.deepEqual(consumers, [deliveryConsumer('stays')]);
    assert.deepEqual(await subjectCounts(QUEUE_STREAM), { [queueSubject('stays')]: 2 });
    assert.deepEqual(await subjectCounts(TRANSCRIPT_STREAM), { [transcriptSubject('stays')]: 1 });

    await server.settle();
    await waitFor('the namespace collected', () => {
      return object(server, 'v1', 'Namespace', undefined, 'zajoni-gone') === undefined;
    });
    assert.equal(relayOf('gone'), undefined);
    assert.ok(relayOf('stays'), 'the other tenant keeps its relay');
    assert.equal(conditionOf(server, 'stays', 'Degraded')?.status, 'False');
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
