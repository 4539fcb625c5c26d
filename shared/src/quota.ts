import type { KV } from '@nats-io/kv';

/**
 * How the relay's per-user rolling quota is stored in the KV bucket QUOTA_BUCKET: one key per
 * user (quotaKey of the API's user id), holding a JSON array of send times (epoch ms) in the
 * window. The relay writes it (relay/src/quota, by compare-and-set); the API only reads it.
 */

/** Settings of the rolling quota. */
export interface QuotaPolicy {
  /** Messages allowed per window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
}

export type QuotaDecision =
  | { allowed: true; used: number; limit: number }
  | { allowed: false; used: number; limit: number; nextSlot: Date };

/** KV keys allow letters, digits and `-/_=.`; anything else in a user key is hex-escaped. */
export function quotaKey(userKey: string): string {
  return userKey.replace(/[^A-Za-z0-9_=-]/g, (c) => `.${c.charCodeAt(0).toString(16)}`);
}

/** A quota entry's send times and revision (0 when the key has none). */
export async function readQuotaTimes(
  kv: KV,
  key: string,
): Promise<{ times: number[]; revision: number }> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') return { times: [], revision: entry?.revision ?? 0 };
  const parsed: unknown = entry.json();
  const times = Array.isArray(parsed) ? parsed.filter((t) => typeof t === 'number') : [];
  return { times, revision: entry.revision };
}

/** Whether one more message fits at `now` (epoch ms), given the send times in the window. */
export function decideQuota(times: number[], now: number, policy: QuotaPolicy): QuotaDecision {
  const { limit, windowMs } = policy;
  const live = times.filter((t) => t > now - windowMs).sort((a, b) => a - b);
  if (live.length < limit) return { allowed: true, used: live.length, limit };
  // The slot frees when the oldest send that keeps the count at the limit leaves the window.
  const oldest = live[live.length - limit] ?? now;
  return { allowed: false, used: live.length, limit, nextSlot: new Date(oldest + windowMs) };
}
