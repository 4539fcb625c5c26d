import type { Db } from '../db/pool.ts';
import { hashToken, newToken } from './tokens.ts';
import { USER_COLUMNS, toUser, type User, type UserRow } from './users.ts';

export interface NewSession {
  /** The bearer token; shown to the client once, stored only as its hash. */
  readonly token: string;
  readonly tokenHash: string;
  readonly expiresAt: Date;
}

/** Opens a session for a user that lasts `ttlSeconds`. */
export async function createSession(
  db: Db,
  userId: string,
  ttlSeconds: number,
): Promise<NewSession> {
  const { token, hash } = newToken('session');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (token_hash, user_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
    [hash, userId, ttlSeconds],
  );
  const expiresAt = rows[0]?.expires_at;
  if (!expiresAt) throw new Error('INSERT … RETURNING returned no row');
  return { token, tokenHash: hash, expiresAt };
}

/** The user of an unexpired session token, or null. */
export async function findSessionUser(db: Db, token: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${prefixed('u')} FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [hashToken(token)],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

/** Ends one session (signOut). */
export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

/** Ends every session of a user except `keep` (after a password change), or all of them. */
export async function deleteUserSessions(db: Db, userId: string, keep?: string): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM sessions WHERE user_id = $1 AND ($2::text IS NULL OR token_hash <> $2)',
    [userId, keep ?? null],
  );
  return rowCount ?? 0;
}

/** USER_COLUMNS qualified with a table alias. */
export function prefixed(alias: string): string {
  return USER_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}
