/** Condition types of a Tenant's status. */
export const CONDITION = {
  /** The relay accepts mail: at least one replica is available. */
  ready: 'Ready',
  /** A rollout of the relay is under way. */
  progressing: 'Progressing',
  /** Something a person must fix, or a failure being retried; the reason says which. */
  degraded: 'Degraded',
} as const;

/** Reasons, as they appear in conditions and Events. */
export const REASON = {
  relayAvailable: 'RelayAvailable',
  relayUnavailable: 'RelayUnavailable',
  paused: 'Paused',
  rolloutInProgress: 'RolloutInProgress',
  rolloutComplete: 'RolloutComplete',
  rolloutFailed: 'RolloutFailed',
  asExpected: 'AsExpected',
  invalidSpec: 'InvalidSpec',
  quotaPolicyNotFound: 'QuotaPolicyNotFound',
  tlsSecretNotFound: 'TLSSecretNotFound',
  tlsSecretInvalid: 'TLSSecretInvalid',
  registrationFailed: 'RegistrationFailed',
  applyFailed: 'ApplyFailed',
  cleanupFailed: 'CleanupFailed',
} as const;
export type Reason = (typeof REASON)[keyof typeof REASON];
