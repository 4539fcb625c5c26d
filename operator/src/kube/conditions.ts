import type { Condition } from '../api/types.ts';

/** What a reconcile decides for one condition; times are filled in by `setCondition`. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * Returns `conditions` with `update` applied. lastTransitionTime moves only when the status
 * changes, as metav1.Condition requires; reason and message may change without a transition.
 */
export function setCondition(
  conditions: readonly Condition[],
  update: ConditionUpdate,
  generation: number,
  now: Date,
): Condition[] {
  const previous = conditions.find((c) => c.type === update.type);
  const lastTransitionTime =
    previous && previous.status === update.status
      ? previous.lastTransitionTime
      : rfc3339Seconds(now);
  const next: Condition = { ...update, observedGeneration: generation, lastTransitionTime };
  const others = conditions.filter((c) => c.type !== update.type);
  return [...others, next].sort((a, b) => a.type.localeCompare(b.type));
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the condition `type` is True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string) {
  return findCondition(conditions, type)?.status === 'True';
}

/** metav1.Time as the API server stores it: RFC 3339 at second precision. */
export function rfc3339Seconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
