/**
 * What a reconcile asks of the work queue. A thrown error is treated as `retry`.
 *
 * - `done`: the resource matches its spec; the next change or resync triggers the next run.
 * - `requeue`: waiting for something that does not raise a watch event (a rollout, a Secret
 *   someone must create); look again after `afterMs`, without counting a failure.
 * - `retry`: a transient failure (API server, NATS); try again with per-key exponential backoff.
 * - `doNotRetry`: the user must fix the resource; its status says how, and the edit triggers
 *   the next run.
 */
export type ReconcileOutcome =
  | { kind: 'done' }
  | { kind: 'requeue'; afterMs: number; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'doNotRetry'; reason: string };

export const done = (): ReconcileOutcome => ({ kind: 'done' });

export const requeueAfter = (afterMs: number, reason: string): ReconcileOutcome => ({
  kind: 'requeue',
  afterMs,
  reason,
});

export const retry = (reason: string): ReconcileOutcome => ({ kind: 'retry', reason });

export const doNotRetry = (reason: string): ReconcileOutcome => ({ kind: 'doNotRetry', reason });
