import type { Db } from '../db/pool.ts';
import { tryNormalizeAddress } from './addresses.ts';
import { upgradedHash, verifyPassword } from './passwords.ts';
import type { AuthLimiter } from './rate-limit.ts';
import { findUsersByAddress, type User } from './users.ts';
import type { VerifiedPasswords } from './verified-passwords.ts';

/** What a client presents: SMTP AUTH, GraphQL signIn, or HTTP Basic auth. */
export interface Credentials {
  /** The tenant, when the caller names it; otherwise the address must be unique across tenants. */
  readonly tenant?: string | undefined;
  readonly address: string;
  readonly password: string;
}

/**
 * Returns the account when the credentials match, null otherwise. Exactly one argon2 verify runs
 * whatever the outcome (unknown address, ambiguous address, wrong password), so response time
 * does not reveal which accounts exist; a right password whose hash has old parameters is hashed
 * again and stored (see rehashPassword). With `verified`, a password found right for this
 * account and stored hash within its ttl needs no verify (see VerifiedPasswords); wrong ones
 * always get one. Database failures are thrown to the caller.
 */
export async function checkCredentials(
  db: Db,
  credentials: Credentials,
  verified?: VerifiedPasswords,
): Promise<User | null> {
  const address = tryNormalizeAddress(credentials.address);
  const candidates = address ? await findUsersByAddress(db, address, credentials.tenant) : [];
  // An address in several tenants without a tenant named is refused like an unknown one.
  const user = candidates.length === 1 ? candidates[0] : undefined;
  const { password } = credentials;
  if (user && verified?.has(user.id, user.passwordHash, password)) return accountOf(user);
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!ok || !user) return null;
  const hash =
    (await rehashPassword(db, user.id, user.passwordHash, password)) ?? user.passwordHash;
  verified?.add(user.id, hash, password);
  return accountOf(user);
}

function accountOf(user: User & { passwordHash: string }): User {
  return {
    id: user.id,
    tenant: user.tenant,
    address: user.address,
    role: user.role,
    confirmations: user.confirmations,
    verified: user.verified,
  };
}

/**
 * Replaces a hash made with older parameters by one made with today's (see upgradedHash), once
 * the password is known to be right; only if the hash is still the one checked, so a password
 * changed meanwhile wins.
 * LIMITATION: until an account signs in once, its old hash verifies slower than an unknown
 * account's dummy check, so the time taken can tell such an account exists.
 */
async function rehashPassword(
  db: Db,
  userId: string,
  oldHash: string,
  password: string,
): Promise<string | null> {
  const newHash = await upgradedHash(oldHash, password);
  if (newHash === null) return null;
  const { rowCount } = await db.query(
    'UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2',
    [userId, oldHash, newHash],
  );
  return rowCount === 1 ? newHash : null;
}

/** Result of a password check under the failed-attempt limits. */
export type PasswordCheck =
  | { readonly kind: 'accepted'; readonly user: User }
  | { readonly kind: 'refused' }
  /** The right password of an account whose address is not verified yet. */
  | { readonly kind: 'unverified' }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number };

/**
 * checkCredentials behind the failed-attempt limits. A locked account or client address is
 * refused before any password is checked, even a correct one, until its window ends; each
 * wrong password counts against both; a correct one clears the account's count. A correct
 * password of a pending sign-up is `unverified`: never accepted, but not a failure either.
 */
export async function checkPassword(
  db: Db,
  limiter: AuthLimiter,
  credentials: Credentials & { readonly remoteAddress?: string | undefined },
  verified?: VerifiedPasswords,
): Promise<PasswordCheck> {
  const key = {
    tenant: credentials.tenant,
    username: credentials.address,
    remoteAddress: credentials.remoteAddress,
  };
  const wait = await limiter.blockedFor(key);
  if (wait !== null) return { kind: 'rate-limited', retryAfterSeconds: wait };

  const user = await checkCredentials(db, credentials, verified);
  if (!user) {
    await limiter.recordFailure(key);
    return { kind: 'refused' };
  }
  await limiter.recordSuccess(key);
  if (!user.verified) return { kind: 'unverified' };
  return { kind: 'accepted', user };
}
