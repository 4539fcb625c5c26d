/** Delays before each retry round, in ms: 1, 5, 15, 30 minutes, then hourly. */
export const DEFAULT_RETRY_DELAYS_MS = [60_000, 300_000, 900_000, 1_800_000, 3_600_000] as const;

/**
 * When round `attempt + 1` may start after round `attempt` deferred. Jitter of up to a fifth
 * spreads retries of messages deferred together.
 */
export function nextAttemptAt(
  attempt: number,
  now: Date,
  delays: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
  random: () => number = Math.random,
): Date {
  const base = delays[Math.min(attempt, delays.length) - 1] ?? delays[delays.length - 1] ?? 60_000;
  return new Date(now.getTime() + base + Math.floor(base * 0.2 * random()));
}
