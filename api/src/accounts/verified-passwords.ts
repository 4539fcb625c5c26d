import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Default lifetime of a remembered successful check, in seconds (AUTH_CACHE_SECONDS). */
export const DEFAULT_AUTH_CACHE_SECONDS = 300;

/** Most successful checks remembered at once. */
const MAX_ENTRIES = 10_000;

/**
 * Successful password checks remembered for a while, so that a mail client that logs in for
 * every message (one SMTP AUTH per connection) costs one argon2 verify per `ttlSeconds`, not one
 * per message: the same trade as Dovecot's authentication cache. Only successes are kept;
 * a wrong password always costs a full verify and counts against the failed-attempt limits.
 *
 * An entry is an HMAC, under a key made at start and kept in memory only, of the account id,
 * its stored hash and the password: a changed password (a new stored hash) or another account
 * never matches, and nothing here reveals a password without the key. A ttl of 0 turns it off.
 */
export interface VerifiedPasswords {
  /** Whether `password` was found right for this account and stored hash within the ttl. */
  has(userId: string, storedHash: string, password: string): boolean;
  /** Remembers that `password` is right for this account and stored hash. */
  add(userId: string, storedHash: string, password: string): void;
}

export function createVerifiedPasswords(ttlSeconds: number): VerifiedPasswords {
  if (ttlSeconds <= 0) return { has: () => false, add: () => undefined };
  const key = randomBytes(32);
  const cache = new LRUCache<string, true>({ max: MAX_ENTRIES, ttl: ttlSeconds * 1000 });
  const entry = (userId: string, storedHash: string, password: string) =>
    createHmac('sha256', key)
      .update(userId)
      .update('\0')
      .update(storedHash)
      .update('\0')
      .update(password)
      .digest('base64');
  return {
    has: (userId, storedHash, password) => cache.has(entry(userId, storedHash, password)),
    add: (userId, storedHash, password) =>
      void cache.set(entry(userId, storedHash, password), true),
  };
}
