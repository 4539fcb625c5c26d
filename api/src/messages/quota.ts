import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { QUOTA_BUCKET, decideQuota, quotaKey, readQuotaTimes, type QuotaPolicy } from '#shared';

/** A user's standing in the relay's rolling quota. */
export interface QuotaStatus {
  /** Messages sent within the current window. */
  readonly used: number;
  readonly limit: number;
  /** When the user may send the next message: `now` when a slot is free. */
  readonly nextFreeSlot: Date;
}

/**
 * Reads the relay's quota bucket (never writes it; the relay alone takes slots). The bucket is
 * opened on first use; until a relay has created it, every user has used nothing.
 */
export function createQuotaReader(nc: NatsConnection, policy: QuotaPolicy) {
  let bucket: Promise<KV | null> | undefined;
  const open = async () => {
    try {
      return await new Kvm(nc).open(QUOTA_BUCKET);
    } catch {
      bucket = undefined;
      return null;
    }
  };
  return async (userId: string, now = new Date()): Promise<QuotaStatus> => {
    const kv = await (bucket ??= open());
    const { times } = kv ? await readQuotaTimes(kv, quotaKey(userId)) : { times: [] };
    const decision = decideQuota(times, now.getTime(), policy);
    const nextFreeSlot = decision.allowed ? now : decision.nextSlot;
    return { used: decision.used, limit: decision.limit, nextFreeSlot };
  };
}
