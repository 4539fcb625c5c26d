/** Exponential backoff settings, in ms. */
export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Longest delay, reached after enough consecutive failures. */
  maxMs: number;
}

/**
 * Delay before retry number `failures` (1 = first failure): base doubled per failure, capped.
 * Deterministic on purpose: keys retry independently, so there is no thundering herd to jitter.
 */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 30);
  return Math.min(options.maxMs, options.baseMs * 2 ** exponent);
}
