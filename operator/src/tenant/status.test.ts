import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Deployment, V1DeploymentSpec } from '@kubernetes/client-node';
import type { Tenant } from '../api/types.ts';
import { computeStatus, statusChanged } from './status.ts';

const tenant: Tenant = {
  metadata: { name: 'acme', generation: 4 },
  spec: {} as Tenant['spec'],
};

function deployment(status: NonNullable<V1Deployment['status']>): V1Deployment {
  return { metadata: { generation: 2 }, spec: { replicas: 2 } as V1DeploymentSpec, status };
}

const base = {
  tenant,
  namespace: 'zajoni-acme',
  paused: false,
  service: undefined,
  quota: undefined,
  failure: undefined,
  now: new Date('2026-01-01T00:00:00Z'),
};

describe('computeStatus', () => {
  it('is Ready but Progressing while a rollout has one of two replicas available', () => {
    const status = computeStatus({
      ...base,
      deployment: deployment({ observedGeneration: 2, availableReplicas: 1, updatedReplicas: 1 }),
    });
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
      [
        ['Degraded', 'False', 'AsExpected', 4],
        ['Progressing', 'True', 'RolloutInProgress', 4],
        ['Ready', 'True', 'RelayAvailable', 4],
      ],
    );
  });

  it('puts a step failure in Degraded ahead of the rollout state', () => {
    const status = computeStatus({
      ...base,
      deployment: undefined,
      failure: { reason: 'QuotaPolicyNotFound', message: 'QuotaPolicy gold does not exist' },
    });
    const degraded = status.conditions?.find((c) => c.type === 'Degraded');
    assert.equal(degraded?.reason, 'QuotaPolicyNotFound');
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.reason, 'RelayUnavailable');
  });

  it('reads the load balancer address as the endpoint', () => {
    const status = computeStatus({
      ...base,
      deployment: undefined,
      service: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } },
    });
    assert.equal(status.endpoint, '203.0.113.7:587');
  });

  it('finds no change when recomputed from its own output', () => {
    const first = computeStatus({ ...base, deployment: deployment({ availableReplicas: 2 }) });
    const later = { ...base, now: new Date('2026-01-02T00:00:00Z') };
    const again = computeStatus({
      ...later,
      tenant: { ...tenant, status: first },
      deployment: deployment({ availableReplicas: 2 }),
    });
    assert.equal(statusChanged(first, again), false);
  });
});
