import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tenant } from '../../api/types.ts';
import { APPLIED_HASH_ANNOTATION } from '../../kube/hash.ts';
import { CONFIG_HASH_ANNOTATION, desiredObjects, type DesiredInput } from './index.ts';
import { natsPorts } from './policy.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function input(overrides: { paused?: boolean; messagesPerDay?: number; hostname?: string } = {}) {
  const tenant = {
    apiVersion: 'zajoni.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', uid: 'uid-1' },
    spec: {
      displayName: 'Acme',
      senderDomains: ['acme.example'],
      quotaPolicyRef: { name: 'standard' },
      signUp: 'invite',
      confirmationsDefault: true,
      transcriptRetentionDays: 365,
      paused: overrides.paused ?? false,
      relay: {
        replicas: 3,
        hostname: overrides.hostname ?? 'relay.acme.example',
        service: { type: 'ClusterIP' },
      },
    },
  } satisfies Tenant;
  const value: DesiredInput = {
    tenant,
    namespace: 'zajoni-acme',
    quota: {
      policy: 'standard',
      messagesPerDay: overrides.messagesPerDay ?? 50,
      recipientsPerMessage: 50,
      maxMessageSize: 1_000_000,
      connectionsPerUser: 5,
    },
    image: 'relay:1',
    natsUrl: 'nats://a:4222,nats://b:4223',
  };
  return value;
}

function byKind(objects: ReturnType<typeof desiredObjects>, kind: string): Json {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind}`);
  return found;
}

describe('desired objects', () => {
  it('are stable: the same input gives the same objects and hashes', () => {
    assert.deepEqual(desiredObjects(input()), desiredObjects(input()));
  });

  it('give every object its own applied hash, changing only the objects a change touches', () => {
    const before = desiredObjects(input());
    const after = desiredObjects(input({ messagesPerDay: 10 }));
    const changed = before
      .filter((o, i) => {
        const hash = (x: Json) => x.metadata.annotations[APPLIED_HASH_ANNOTATION];
        return hash(o) !== hash(after[i]!);
      })
      .map((o) => o.kind);
    assert.deepEqual(changed, ['ConfigMap'], 'a quota change must not roll the relay Pods');
  });

  it('roll the Pods when a start-up setting changes', () => {
    const template = (i: DesiredInput) =>
      byKind(desiredObjects(i), 'Deployment').spec.template.metadata.annotations;
    assert.notEqual(
      template(input())[CONFIG_HASH_ANNOTATION],
      template(input({ hostname: 'mx.acme.example' }))[CONFIG_HASH_ANNOTATION],
    );
  });

  it('scale the relay to zero while paused', () => {
    assert.equal(byKind(desiredObjects(input()), 'Deployment').spec.replicas, 3);
    assert.equal(byKind(desiredObjects(input({ paused: true })), 'Deployment').spec.replicas, 0);
  });

  it('run the relay unprivileged on unprivileged ports behind the SMTP Service ports', () => {
    const objects = desiredObjects(input());
    const pod = byKind(objects, 'Deployment').spec.template.spec;
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const ports = pod.containers[0].ports.map((p: Json) => p.containerPort);
    assert.ok(ports.every((p: number) => p > 1024));
    const service = byKind(objects, 'Service').spec;
    assert.equal(service.type, 'ClusterIP');
    assert.equal(service.externalTrafficPolicy, undefined);
  });

  it('open egress to every NATS port named', () => {
    const egress = byKind(desiredObjects(input()), 'NetworkPolicy').spec.egress;
    assert.deepEqual(egress[2].ports, [
      { protocol: 'TCP', port: 4222 },
      { protocol: 'TCP', port: 4223 },
    ]);
    assert.deepEqual(natsPorts('nats://n1, tls://n2:7422/'), [4222, 7422]);
  });
});
