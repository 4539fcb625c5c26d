import type { Pool } from 'pg';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';

/** Table holding the counters; created by migration 1764892800100_accounts. */
const TABLE = 'auth_failures';

/** Limits on failed password checks, shared by GraphQL sign-in, Basic auth and SMTP AUTH. */
export interface AuthLimitSettings {
  /** Failures allowed per account within the window. */
  readonly perAccount: number;
  /** Failures allowed per client IP address within the window. */
  readonly perAddress: number;
  /** Window in seconds; a locked account or address is free again when it ends. */
  readonly windowSeconds: number;
}

/** Who is trying: the account named (tenant may be unknown) and the client's IP, if known. */
export interface AttemptKey {
  readonly tenant: string | undefined;
  /** The username as given (unknown names count too, so a limit reveals nothing). */
  readonly username: string;
  readonly remoteAddress: string | undefined;
}

export interface AuthLimiter {
  /** Seconds to wait when the account or the address has used up its failures, else null. */
  blockedFor(key: AttemptKey): Promise<number | null>;
  /** Counts one failed attempt against the account and the address. */
  recordFailure(key: AttemptKey): Promise<void>;
  /** Clears the account's count after a correct password (the address's stays). */
  recordSuccess(key: AttemptKey): Promise<void>;
}

/**
 * Fixed-window counters in PostgreSQL (rate-limiter-flexible's RateLimiterPostgres), so every
 * API replica sees the same counts. A lockout only lasts until the window ends: never permanent.
 */
export function createAuthLimiter(pool: Pool, settings: AuthLimitSettings): AuthLimiter {
  const perAccount = createCounter(pool, 'account', settings.perAccount, settings.windowSeconds);
  const perAddress = createCounter(pool, 'address', settings.perAddress, settings.windowSeconds);
  const accountKey = (key: AttemptKey) => `${key.tenant ?? '*'}:${key.username.toLowerCase()}`;

  return {
    async blockedFor(key) {
      const checks = [perAccount.get(accountKey(key))];
      if (key.remoteAddress) checks.push(perAddress.get(key.remoteAddress));
      const [account, address] = await Promise.all(checks);
      const waits = [
        exhausted(account, settings.perAccount),
        exhausted(address, settings.perAddress),
      ].filter((wait): wait is number => wait !== null);
      return waits.length > 0 ? Math.max(...waits) : null;
    },

    async recordFailure(key) {
      const consumed = [perAccount.penalty(accountKey(key), 1)];
      if (key.remoteAddress) consumed.push(perAddress.penalty(key.remoteAddress, 1));
      await Promise.all(consumed);
    },

    async recordSuccess(key) {
      await perAccount.delete(accountKey(key));
    },
  };
}

/**
 * A fixed-window counter of `points` per `windowSeconds` in the failed-attempt table, under its
 * own key prefix: shared by every API replica, and deleted by the retention job once expired.
 */
export function createCounter(
  pool: Pool,
  keyPrefix: string,
  points: number,
  windowSeconds: number,
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: pool,
    // Named, not guessed from the client's constructor name, which a wrapped pool does not keep.
    storeType: 'pool',
    tableName: TABLE,
    tableCreated: true,
    // Expired rows are overwritten on the next attempt; no timer keeps the process alive.
    clearExpiredByTimeout: false,
    keyPrefix,
    points,
    duration: windowSeconds,
  });
}

/** Whole seconds until a counter's window ends, at least 1. */
export function secondsToWait(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Seconds until the window ends when all points are used, else null. */
function exhausted(res: RateLimiterRes | null | undefined, points: number): number | null {
  if (!res || res.consumedPoints < points) return null;
  return secondsToWait(res);
}

/** The configuration defaults (see config.ts): 10 per account, 50 per address, 15 minutes. */
export const DEFAULT_AUTH_LIMITS: AuthLimitSettings = {
  perAccount: 10,
  perAddress: 50,
  windowSeconds: 900,
};
