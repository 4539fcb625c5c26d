import { TENANT_ID, newUlid } from '#shared';
import { type Db, SQL_STATE, sqlState } from '../db/pool.ts';
import { DuplicateUserError, InvalidTenantIdError, UnknownTenantError } from '../errors.ts';
import { normalizeAddress } from './addresses.ts';
import { hashPassword } from './passwords.ts';

/** What an account may do: its own mail only, or also its tenant's users and mail. */
export const USER_ROLES = ['user', 'tenant-admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** An account as other components see it: never its password hash. */
export interface User {
  readonly id: string;
  readonly tenant: string;
  /** Mail address and SMTP username, in stored form (see normalizeAddress). */
  readonly address: string;
  readonly role: UserRole;
  /** Whether the relay mails a confirmation for each delivered message. */
  readonly confirmations: boolean;
  /**
   * False for an open sign-up whose address has not been proven by the mailed link: such an
   * account can neither sign in nor pass SMTP AUTH (see sign-up.ts).
   */
  readonly verified: boolean;
}

/** An account with its hash, for the credential check only. */
export interface UserWithHash extends User {
  readonly passwordHash: string;
}

export interface UserRow {
  id: string;
  tenant_id: string;
  address: string;
  password_hash: string;
  role: UserRole;
  confirmations: boolean;
  created_at: Date;
  verified_at: Date | null;
}

/** Columns selected wherever a User is built. */
export const USER_COLUMNS =
  'id, tenant_id, address, password_hash, role, confirmations, created_at, verified_at';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    tenant: row.tenant_id,
    address: row.address,
    role: row.role,
    confirmations: row.confirmations,
    verified: row.verified_at !== null,
  };
}

/**
 * Creates an account whose SMTP username and sign-in name is `address`, hashing the password
 * with argon2id. Its confirmations preference starts at the tenant's default. Throws
 * InvalidTenantIdError, InvalidAddressError, InvalidPasswordError, UnknownTenantError or
 * DuplicateUserError.
 */
export async function createUser(
  db: Db,
  tenant: string,
  address: string,
  password: string,
  role: UserRole = 'user',
): Promise<User> {
  if (!TENANT_ID.test(tenant)) throw new InvalidTenantIdError(tenant);
  const normalized = normalizeAddress(address);
  const passwordHash = await hashPassword(password);
  try {
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (id, tenant_id, address, password_hash, role, confirmations)
       SELECT $1, id, $3, $4, $5, confirmations_default FROM tenants WHERE id = $2
       RETURNING ${USER_COLUMNS}`,
      [newUlid(), tenant, normalized, passwordHash, role],
    );
    const row = rows[0];
    if (!row) throw new UnknownTenantError(tenant);
    return toUser(row);
  } catch (error) {
    if (sqlState(error) === SQL_STATE.uniqueViolation) {
      throw new DuplicateUserError(tenant, normalized, { cause: error });
    }
    throw error;
  }
}

/**
 * Accounts with this stored-form address: in `tenant` when given, else in any tenant. Returns at
 * most `limit` rows (default two: enough to tell "exactly one" from "ambiguous").
 */
export async function findUsersByAddress(
  db: Db,
  address: string,
  tenant?: string,
  limit = 2,
): Promise<UserWithHash[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
      WHERE address = $1 AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY tenant_id LIMIT $3`,
    [address, tenant ?? null, limit],
  );
  return rows.map((row) => ({ ...toUser(row), passwordHash: row.password_hash }));
}

/** One account by id, or null. */
export async function findUser(db: Db, id: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** A tenant's accounts, ordered by address. */
export async function listUsers(db: Db, tenant: string): Promise<User[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY address`,
    [tenant],
  );
  return rows.map(toUser);
}

/** Deletes an account of `tenant` (its sessions and tokens go with it); false when none. */
export async function deleteUser(db: Db, tenant: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM users WHERE id = $1 AND tenant_id = $2', [
    id,
    tenant,
  ]);
  return rowCount === 1;
}

/** Replaces an account's password hash (the new password is checked and hashed here). */
export async function setPassword(db: Db, id: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
}

/** Sets whether the relay mails a confirmation per delivered message; returns the account. */
export async function setConfirmations(db: Db, id: string, enabled: boolean): Promise<User> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET confirmations = $2 WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, enabled],
  );
  const row = rows[0];
  if (!row) throw new Error(`user ${id} vanished`);
  return toUser(row);
}
