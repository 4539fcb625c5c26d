import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { QuotaStoreError } from './errors.ts';
import {
  decideQuota,
  quotaKey,
  readQuotaTimes,
  type QuotaDecision,
  type QuotaPolicy,
} from './quota.ts';

/** Conflicting updates retried before giving up; each loses only to a concurrent reservation. */
const MAX_CAS_ATTEMPTS = 20;

/**
 * A per-user rolling-window message counter in JetStream KV. Each key holds the send times in the
 * window; updates use the entry's revision (compare-and-set), so replicas never over-count or
 * let two messages take the last slot.
 */
export interface Quota {
  /** Reports whether one more message would fit now, without taking a slot. */
  check(userKey: string, now?: Date): Promise<QuotaDecision>;
  /** Takes a slot at `now` when one is free. */
  reserve(userKey: string, now?: Date): Promise<QuotaDecision>;
  /** Gives back the slot taken at `at`, for a message that could not be queued after all. */
  release(userKey: string, at: Date): Promise<void>;
}

export function createQuota(kv: KV, policy: () => QuotaPolicy): Quota {
  const read = (key: string) => readQuotaTimes(kv, key);
  const decide = (times: number[], now: number) => decideQuota(times, now, policy());

  async function write(key: string, times: number[], revision: number): Promise<boolean> {
    const data = JSON.stringify(times);
    try {
      if (revision === 0) await kv.create(key, data);
      else await kv.update(key, data, revision);
      return true;
    } catch (error) {
      if (isWrongRevision(error)) return false;
      throw new QuotaStoreError(`cannot update quota of ${key}`, { cause: error });
    }
  }

  async function modify(key: string, change: (times: number[]) => number[] | null) {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { times, revision } = await read(key);
      const next = change(times);
      if (next === null || (await write(key, next, revision))) return;
    }
    throw new QuotaStoreError(`cannot update quota of ${key}: too many concurrent updates`);
  }

  return {
    async check(userKey, now = new Date()) {
      const { times } = await read(quotaKey(userKey));
      return decide(times, now.getTime());
    },

    async reserve(userKey, now = new Date()) {
      const key = quotaKey(userKey);
      const { windowMs } = policy();
      let decision: QuotaDecision | undefined;
      await modify(key, (times) => {
        decision = decide(times, now.getTime());
        if (!decision.allowed) return null;
        const live = times.filter((t) => t > now.getTime() - windowMs);
        return [...live, now.getTime()];
      });
      if (!decision) throw new QuotaStoreError(`cannot read quota of ${key}`);
      return decision.allowed ? { ...decision, used: decision.used + 1 } : decision;
    },

    async release(userKey, at) {
      await modify(quotaKey(userKey), (times) => {
        const index = times.indexOf(at.getTime());
        return index === -1 ? null : times.toSpliced(index, 1);
      });
    },
  };
}

function isWrongRevision(error: unknown): boolean {
  // A failed compare-and-set is a JetStream "wrong last sequence" error; create() on a key that
  // exists reports the same. The client may wrap it, so the cause chain is searched.
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence) {
      return true;
    }
  }
  return false;
}
