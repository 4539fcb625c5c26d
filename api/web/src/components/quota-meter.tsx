import { formatTime, formatUntil } from '../format.ts';
import type { Quota } from '../operations.ts';

/** Messages used in the rolling window against the limit, and when the next slot frees. */
export function QuotaMeter({ quota }: { readonly quota: Quota | null }) {
  if (!quota) return null;
  const full = quota.used >= quota.limit;
  return (
    <section className="quota" aria-labelledby="quota-heading">
      <h2 id="quota-heading">Daily limit</h2>
      <label htmlFor="quota-meter">
        {quota.used} of {quota.limit} messages sent in the last 24 hours
      </label>
      <meter
        id="quota-meter"
        min={0}
        max={quota.limit}
        value={quota.used}
        high={Math.floor(quota.limit * 0.8)}
        optimum={0}
      />
      <p>
        {full
          ? `Limit reached. Next message possible ${formatUntil(quota.nextFreeSlot)} (${formatTime(quota.nextFreeSlot)}).`
          : 'You can send now.'}
      </p>
    </section>
  );
}
