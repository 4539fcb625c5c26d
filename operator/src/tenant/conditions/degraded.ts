import type { ConditionUpdate } from '../../kube/conditions.ts';
import { CONDITION, REASON, type Reason } from './reasons.ts';
import type { RolloutState } from './rollout.ts';

/** A reconcile step that failed: why, in words a person can act on. */
export interface StepFailure {
  reason: Reason;
  message: string;
}

/**
 * Degraded: True when a step failed (the first failure wins) or the relay's rollout exceeded its
 * progress deadline; False otherwise.
 */
export function degradedCondition(
  failure: StepFailure | undefined,
  rollout: RolloutState,
): ConditionUpdate {
  const type = CONDITION.degraded;
  if (failure) return { type, status: 'True', ...failure };
  if (rollout.failedMessage) {
    return { type, status: 'True', reason: REASON.rolloutFailed, message: rollout.failedMessage };
  }
  return { type, status: 'False', reason: REASON.asExpected, message: 'no problems found' };
}
