import type { Pool } from 'pg';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { tryNormalizeAddress } from './addresses.ts';
import { createCounter, secondsToWait } from './rate-limit.ts';

/** Limits on the mails anyone may make the API send (reset, username, verification). */
export interface MailLimitSettings {
  /** Mails allowed to one address within the window, whatever their kind. */
  readonly perAddress: number;
  /** Mail requests allowed from one client IP address within the window. */
  readonly perClient: number;
  /** Window in seconds. */
  readonly windowSeconds: number;
}

/** The configuration defaults (see config.ts): 5 per address, 20 per client, one hour. */
export const DEFAULT_MAIL_LIMITS: MailLimitSettings = {
  perAddress: 5,
  perClient: 20,
  windowSeconds: 3600,
};

export interface MailLimiter {
  /**
   * Counts one mail request for `address` (whether or not it has an account, so the limit
   * reveals nothing) and from the client. Returns the seconds to wait when either has used up
   * its allowance, else null.
   */
  consume(request: { address: string; remoteAddress: string | undefined }): Promise<number | null>;
}

/**
 * Fixed-window counters in PostgreSQL, in the failed-attempt table (`auth_failures`) under their
 * own key prefixes, so every replica shares them and the retention job deletes them once expired.
 */
export function createMailLimiter(pool: Pool, settings: MailLimitSettings): MailLimiter {
  const perAddress = createCounter(pool, 'mail-to', settings.perAddress, settings.windowSeconds);
  const perClient = createCounter(pool, 'mail-from', settings.perClient, settings.windowSeconds);

  return {
    async consume(request) {
      // A malformed address is counted as typed (lowercase): it gets no mail, but asking for it
      // still costs the client.
      const address = tryNormalizeAddress(request.address) ?? request.address.toLowerCase();
      const counted = [perAddress.consume(address)];
      if (request.remoteAddress) counted.push(perClient.consume(request.remoteAddress));
      const waits = await Promise.all(counted.map(waitOf));
      const limited = waits.filter((wait): wait is number => wait !== null);
      return limited.length > 0 ? Math.max(...limited) : null;
    },
  };
}

/** Seconds to wait when the consume was refused (rejected with a RateLimiterRes), else null. */
async function waitOf(consumed: Promise<RateLimiterRes>): Promise<number | null> {
  try {
    await consumed;
    return null;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return secondsToWait(error);
  }
}
