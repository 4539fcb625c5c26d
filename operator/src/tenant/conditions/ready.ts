import type { ConditionUpdate } from '../../kube/conditions.ts';
import { CONDITION, REASON } from './reasons.ts';
import type { RolloutState } from './rollout.ts';

/** Ready: True once a relay replica is available; paused Tenants are never Ready. */
export function readyCondition(rollout: RolloutState, paused: boolean): ConditionUpdate {
  const type = CONDITION.ready;
  if (paused) {
    const message = 'spec.paused is true: the relay is scaled to zero';
    return { type, status: 'False', reason: REASON.paused, message };
  }
  const counts = `${rollout.availableReplicas} of ${rollout.desiredReplicas} replicas available`;
  if (rollout.availableReplicas > 0) {
    return { type, status: 'True', reason: REASON.relayAvailable, message: counts };
  }
  const message = rollout.exists ? counts : 'the relay Deployment does not exist yet';
  return { type, status: 'False', reason: REASON.relayUnavailable, message };
}
