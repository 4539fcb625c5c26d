import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../api/types.ts';
import { setCondition, type ConditionUpdate } from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('setCondition', () => {
  const ready: Condition = {
    type: 'Ready',
    status: 'False',
    reason: 'RolloutInProgress',
    message: '0 of 2 replicas available',
    observedGeneration: 1,
    lastTransitionTime: t0.toISOString(),
  };

  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const update: ConditionUpdate = {
      type: 'Ready',
      status: 'False',
      reason: 'QuotaPolicyNotFound',
      message: 'x',
    };
    const [next] = setCondition([ready], update, 2, t1);
    assert.equal(next?.lastTransitionTime, t0.toISOString());
    assert.equal(next?.reason, 'QuotaPolicyNotFound');
    assert.equal(next?.observedGeneration, 2);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const update: ConditionUpdate = {
      type: 'Ready',
      status: 'True',
      reason: 'RelayAvailable',
      message: 'ok',
    };
    const [next] = setCondition([ready], update, 1, t1);
    assert.equal(next?.lastTransitionTime, '2026-01-01T00:05:00Z');
  });

  it('adds a missing condition and keeps the list in a stable order', () => {
    const update: ConditionUpdate = {
      type: 'Degraded',
      status: 'False',
      reason: 'AsExpected',
      message: '',
    };
    const next = setCondition([ready], update, 1, t1);
    assert.deepEqual(
      next.map((c) => c.type),
      ['Degraded', 'Ready'],
    );
  });
});
