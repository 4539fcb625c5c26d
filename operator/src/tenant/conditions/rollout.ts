import type { V1Deployment } from '@kubernetes/client-node';

/** What the relay Deployment's status says, reduced to what the Tenant's conditions need. */
export interface RolloutState {
  /** The Deployment exists. */
  exists: boolean;
  desiredReplicas: number;
  availableReplicas: number;
  readyReplicas: number;
  /** Every replica runs the latest template and is available. */
  complete: boolean;
  /** The Deployment controller gave up (Progressing=False, ProgressDeadlineExceeded). */
  failedMessage?: string;
}

export function rolloutStateOf(deployment: V1Deployment | undefined): RolloutState {
  if (!deployment) {
    return {
      exists: false,
      desiredReplicas: 0,
      availableReplicas: 0,
      readyReplicas: 0,
      complete: false,
    };
  }
  const status = deployment.status ?? {};
  const desiredReplicas = deployment.spec?.replicas ?? 1;
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;
  const availableReplicas = status.availableReplicas ?? 0;
  const complete =
    observed >= generation &&
    (status.updatedReplicas ?? 0) >= desiredReplicas &&
    availableReplicas >= desiredReplicas &&
    (status.replicas ?? 0) <= desiredReplicas;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const failed =
    progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
  const state: RolloutState = {
    exists: true,
    desiredReplicas,
    availableReplicas,
    readyReplicas: status.readyReplicas ?? 0,
    complete,
  };
  if (failed) state.failedMessage = progressing.message ?? 'progress deadline exceeded';
  return state;
}
