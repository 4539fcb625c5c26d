import type { ConditionUpdate } from '../../kube/conditions.ts';
import { CONDITION, REASON } from './reasons.ts';
import type { RolloutState } from './rollout.ts';

/** Progressing: True while the relay Deployment rolls out a new template or scale. */
export function progressingCondition(rollout: RolloutState, paused: boolean): ConditionUpdate {
  const type = CONDITION.progressing;
  if (paused) {
    return { type, status: 'False', reason: REASON.paused, message: 'spec.paused is true' };
  }
  if (rollout.complete) {
    const message = `${rollout.desiredReplicas} replicas run the current configuration`;
    return { type, status: 'False', reason: REASON.rolloutComplete, message };
  }
  const message = rollout.exists
    ? `${rollout.availableReplicas} of ${rollout.desiredReplicas} replicas available`
    : 'creating the relay Deployment';
  return { type, status: 'True', reason: REASON.rolloutInProgress, message };
}
