/** Shortest wait before a retry, in ms (Postfix's minimal_backoff_time is the same 5 minutes). */
export const DEFAULT_MIN_BACKOFF_MS = 300_000;
/** Longest wait between retries that the relay chooses itself, in ms: one hour. */
export const DEFAULT_MAX_BACKOFF_MS = 3_600_000;
/** Longest wait a server's "come back in N seconds" hint can ask for, in ms: one day. */
export const MAX_HINT_MS = 24 * 3_600_000;

export interface BackoffPolicy {
  /** Wait after the first round, in ms; doubles each round. */
  minMs: number;
  /** Cap on the doubling, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  minMs: DEFAULT_MIN_BACKOFF_MS,
  maxMs: DEFAULT_MAX_BACKOFF_MS,
};

/**
 * When round `attempt + 1` may start after round `attempt` deferred: exponential back-off
 * (minMs, 2 minMs, 4 minMs, … up to maxMs) plus up to a quarter more of jitter, so that
 * messages deferred together do not come back together. The jitter only lengthens the wait,
 * so no retry comes sooner than minMs. A server's hint (`hintMs`, from "try again in 300
 * seconds") is honoured when it asks for longer, up to MAX_HINT_MS.
 */
export function nextAttemptAt(
  attempt: number,
  now: Date,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  hintMs: number | null = null,
  random: () => number = Math.random,
): Date {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  const jittered = base + Math.floor(base * 0.25 * random());
  const hinted = hintMs === null ? 0 : Math.min(hintMs, MAX_HINT_MS);
  return new Date(now.getTime() + Math.max(jittered, hinted));
}

const HINT = /\b(?:in|after|for)\s+(\d{1,6})\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b/i;

/**
 * How long a temporary reply asks the client to wait, in ms, when its text says so, as
 * greylisting servers do: "greylisted, come back in 300 seconds", "try again in 5 minutes".
 * RFC 5321 gives no syntax for it, so this reads the common phrasings only.
 */
export function retryHintMs(lines: readonly string[]): number | null {
  const match = HINT.exec(lines.join(' '));
  if (!match?.[1] || !match[2]) return null;
  const unit = match[2].toLowerCase();
  const scale = unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1_000;
  return Number(match[1]) * scale;
}
