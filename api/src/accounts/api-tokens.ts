import { newUlid } from '#shared';
import type { Db } from '../db/pool.ts';
import { InvalidArgumentError } from '../errors.ts';
import { prefixed } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';
import { toUser, type User, type UserRow } from './users.ts';

/** Longest token name accepted (characters). */
export const MAX_TOKEN_NAME_LENGTH = 100;

/** A token as its owner lists it: never the token itself. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

/** Who owns a token: an account, or a platform admin. */
export type TokenOwner = { readonly userId: string } | { readonly platformAdminId: string };

/** What a valid API token stands for. */
export type TokenHolder =
  | { readonly kind: 'user'; readonly tokenId: string; readonly user: User }
  | { readonly kind: 'platform-admin'; readonly tokenId: string; readonly adminId: string };

interface TokenRow {
  id: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toApiToken = (row: TokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/** Creates a named token; returns it with the secret, which is not stored and not shown again. */
export async function createApiToken(
  db: Db,
  owner: TokenOwner,
  name: string,
): Promise<{ token: string; apiToken: ApiToken }> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_TOKEN_NAME_LENGTH) {
    throw new InvalidArgumentError(
      'name',
      `name must have 1 to ${MAX_TOKEN_NAME_LENGTH} characters`,
    );
  }
  const { token, hash } = newToken('apiToken');
  const { rows } = await db.query<TokenRow>(
    `INSERT INTO api_tokens (id, token_hash, name, user_id, platform_admin_id)
     VALUES ($1, $2, $3, $4, $5) RETURNING id, name, created_at, last_used_at`,
    [
      newUlid(),
      hash,
      trimmed,
      'userId' in owner ? owner.userId : null,
      'platformAdminId' in owner ? owner.platformAdminId : null,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return { token, apiToken: toApiToken(row) };
}

/** The owner's tokens, newest first. */
export async function listApiTokens(db: Db, owner: TokenOwner): Promise<ApiToken[]> {
  const [column, id] = ownerColumn(owner);
  const { rows } = await db.query<TokenRow>(
    `SELECT id, name, created_at, last_used_at FROM api_tokens
      WHERE ${column} = $1 ORDER BY id DESC`,
    [id],
  );
  return rows.map(toApiToken);
}

/** Deletes one of the owner's tokens; false when the owner has no token with that id. */
export async function revokeApiToken(db: Db, owner: TokenOwner, id: string): Promise<boolean> {
  const [column, ownerId] = ownerColumn(owner);
  const { rowCount } = await db.query(`DELETE FROM api_tokens WHERE id = $1 AND ${column} = $2`, [
    id,
    ownerId,
  ]);
  return rowCount === 1;
}

/** What a token stands for, or null; records the time it was used. */
export async function findTokenHolder(db: Db, token: string): Promise<TokenHolder | null> {
  const { rows } = await db.query<{ id: string; platform_admin_id: string | null }>(
    `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1
     RETURNING id, platform_admin_id`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.platform_admin_id) {
    return { kind: 'platform-admin', tokenId: row.id, adminId: row.platform_admin_id };
  }
  const users = await db.query<UserRow>(
    `SELECT ${prefixed('u')} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`,
    [row.id],
  );
  const user = users.rows[0];
  return user ? { kind: 'user', tokenId: row.id, user: toUser(user) } : null;
}

function ownerColumn(owner: TokenOwner): [string, string] {
  return 'userId' in owner
    ? ['user_id', owner.userId]
    : ['platform_admin_id', owner.platformAdminId];
}
