import type { Db } from '../db/pool.ts';
import { tryNormalizeAddress } from './addresses.ts';
import { verifyPassword } from './passwords.ts';
import { findUsersByAddress, type User } from './users.ts';

/** What a client presents: SMTP AUTH, or HTTP Basic auth until sign-in exists. */
export interface Credentials {
  /** The tenant, when the caller names it; otherwise the address must be unique across tenants. */
  readonly tenant?: string | undefined;
  readonly address: string;
  readonly password: string;
}

/**
 * Returns the account when the credentials match, null otherwise. Exactly one argon2 verify runs
 * whatever the outcome (unknown address, ambiguous address, wrong password), so response time
 * does not reveal which accounts exist. Database failures are thrown to the caller.
 */
export async function checkCredentials(db: Db, credentials: Credentials): Promise<User | null> {
  const address = tryNormalizeAddress(credentials.address);
  const candidates = address ? await findUsersByAddress(db, address, credentials.tenant) : [];
  // An address in several tenants without a tenant named is refused like an unknown one.
  const user = candidates.length === 1 ? candidates[0] : undefined;
  const ok = await verifyPassword(user?.passwordHash ?? null, credentials.password);
  if (!ok || !user) return null;
  return { id: user.id, tenant: user.tenant, address: user.address };
}
