import { ulid } from 'ulid';
import { TENANT_ID } from '#shared';
import { type Db, SQL_STATE, sqlState } from '../db/pool.ts';
import { DuplicateUserError, InvalidTenantIdError, UnknownTenantError } from '../errors.ts';
import { normalizeAddress } from './addresses.ts';
import { hashPassword } from './passwords.ts';

/** An account as other components see it: never its password hash. */
export interface User {
  readonly id: string;
  readonly tenant: string;
  /** Mail address and SMTP username, in stored form (see normalizeAddress). */
  readonly address: string;
}

/** An account with its hash, for the credential check only. */
export interface UserWithHash extends User {
  readonly passwordHash: string;
}

interface UserRow {
  id: string;
  tenant_id: string;
  address: string;
  password_hash: string;
}

/**
 * Creates an account whose SMTP username and sign-in name is `address`, hashing the password
 * with argon2id. Throws InvalidTenantIdError, InvalidAddressError, InvalidPasswordError,
 * UnknownTenantError or DuplicateUserError.
 */
export async function createUser(
  db: Db,
  tenant: string,
  address: string,
  password: string,
): Promise<User> {
  if (!TENANT_ID.test(tenant)) throw new InvalidTenantIdError(tenant);
  const normalized = normalizeAddress(address);
  const passwordHash = await hashPassword(password);
  const id = ulid();
  try {
    await db.query(
      'INSERT INTO users (id, tenant_id, address, password_hash) VALUES ($1, $2, $3, $4)',
      [id, tenant, normalized, passwordHash],
    );
  } catch (error) {
    const state = sqlState(error);
    if (state === SQL_STATE.foreignKeyViolation)
      throw new UnknownTenantError(tenant, { cause: error });
    if (state === SQL_STATE.uniqueViolation) {
      throw new DuplicateUserError(tenant, normalized, { cause: error });
    }
    throw error;
  }
  return { id, tenant, address: normalized };
}

/**
 * Accounts with this stored-form address: in `tenant` when given, else in any tenant. Returns at
 * most two rows: enough to tell "exactly one" from "ambiguous".
 */
export async function findUsersByAddress(
  db: Db,
  address: string,
  tenant?: string,
): Promise<UserWithHash[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT id, tenant_id, address, password_hash FROM users
      WHERE address = $1 AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY tenant_id LIMIT 2`,
    [address, tenant ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    tenant: row.tenant_id,
    address: row.address,
    passwordHash: row.password_hash,
  }));
}
