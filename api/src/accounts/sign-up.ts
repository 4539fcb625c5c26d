import type { Pool, PoolClient } from 'pg';
import { newUlid } from '#shared';
import { inTransaction } from '../db/pool.ts';
import { InvalidTokenError } from '../errors.ts';
import type { NoticeMailer } from './notices.ts';
import type { Tenant } from './tenants.ts';
import { consoleLink } from './password-reset.ts';
import { hashToken, newToken } from './tokens.ts';
import { USER_COLUMNS, toUser, type User, type UserRow } from './users.ts';

export interface VerificationSettings {
  /** Base URL of the console; a verification link is `${consoleUrl}/verify?token=…`. */
  readonly consoleUrl: string;
  /** Lifetime of a verification link, in seconds. */
  readonly verifyTtlSeconds: number;
}

/** What a sign-up found: a pending account with a fresh link, or an account already verified. */
export type SignUpOutcome =
  | {
      readonly kind: 'pending';
      readonly user: User;
      readonly token: string;
      readonly expiresAt: Date;
    }
  | { readonly kind: 'exists'; readonly user: User };

/**
 * Records an open sign-up for `address` in `tenant` with an argon2id `passwordHash` (the caller
 * hashes, so every outcome costs the same). A new address gets a pending account; a pending one
 * takes the new hash, and its unused links die; either way a new single-use link is issued,
 * bound to this hash. A verified account is left alone (`exists`): its owner is told, not
 * the caller.
 */
export async function recordSignUp(
  pool: Pool,
  tenant: Tenant,
  address: string,
  passwordHash: string,
  ttlSeconds: number,
): Promise<SignUpOutcome> {
  return inTransaction(pool, async (client) => {
    const user = await lockOrCreatePending(client, tenant, address, passwordHash);
    if (user.verified) return { kind: 'exists', user };

    await client.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      user.id,
      passwordHash,
    ]);
    await client.query('DELETE FROM address_verifications WHERE user_id = $1 AND used_at IS NULL', [
      user.id,
    ]);
    const { token, hash } = newToken('addressVerification');
    const { rows } = await client.query<{ expires_at: Date }>(
      `INSERT INTO address_verifications (token_hash, user_id, password_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
      [hash, user.id, passwordHash, ttlSeconds],
    );
    const expiresAt = rows[0]?.expires_at;
    if (!expiresAt) throw new Error('INSERT … RETURNING returned no row');
    return { kind: 'pending', user, token, expiresAt };
  });
}

/** The account with this address, locked; a new pending one when there is none. */
async function lockOrCreatePending(
  client: PoolClient,
  tenant: Tenant,
  address: string,
  passwordHash: string,
): Promise<User> {
  // ON CONFLICT DO NOTHING: of two sign-ups racing for one address, one inserts, and the other
  // then finds and locks its row.
  await client.query(
    `INSERT INTO users (id, tenant_id, address, password_hash, role, confirmations, verified_at)
     VALUES ($1, $2, $3, $4, 'user', $5, NULL)
     ON CONFLICT (tenant_id, address) DO NOTHING`,
    [newUlid(), tenant.id, address, passwordHash, tenant.confirmationsDefault],
  );
  const { rows } = await client.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND address = $2 FOR UPDATE`,
    [tenant.id, address],
  );
  const row = rows[0];
  if (!row) throw new Error(`account ${address} vanished during sign-up`);
  return toUser(row);
}

/**
 * Activates the account of a verification link, once: the link is marked used, the account
 * takes the password of the sign-up that asked for this link, and its other links die. Throws
 * InvalidTokenError for an unknown, used or expired link.
 */
export async function verifyAddress(pool: Pool, token: string): Promise<User> {
  return inTransaction(pool, async (client) => {
    const used = await client.query<{ user_id: string; password_hash: string }>(
      `UPDATE address_verifications SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id, password_hash`,
      [hashToken(token)],
    );
    const link = used.rows[0];
    if (!link) throw new InvalidTokenError('the verification link is unknown, used or expired');
    const { rows } = await client.query<UserRow>(
      `UPDATE users SET verified_at = now(), password_hash = $2
        WHERE id = $1 AND verified_at IS NULL RETURNING ${USER_COLUMNS}`,
      [link.user_id, link.password_hash],
    );
    await client.query('DELETE FROM address_verifications WHERE user_id = $1 AND used_at IS NULL', [
      link.user_id,
    ]);
    const row = rows[0];
    if (!row) throw new InvalidTokenError('the verification link is unknown, used or expired');
    return toUser(row);
  });
}

/**
 * Mails the outcome of a sign-up to the address: the verification link to a pending account,
 * or to a verified one a note that someone tried to sign up with it (no link, nothing to do).
 */
export async function mailSignUp(
  mailer: NoticeMailer,
  settings: VerificationSettings,
  outcome: SignUpOutcome,
): Promise<string> {
  const { user } = outcome;
  if (outcome.kind === 'exists') {
    return mailer.send({
      tenant: user.tenant,
      to: user.address,
      subject: 'Someone tried to sign up with your address',
      text: [
        `Someone tried to create a Zajoni account for ${user.address} (tenant ${user.tenant}),`,
        'which already has one. Nothing was changed.',
        '',
        'If it was you, sign in with your password, or ask for a password reset.',
        'If it was not you, ignore this mail.',
        '',
      ].join('\n'),
    });
  }
  const link = consoleLink(settings.consoleUrl, 'verify', outcome.token);
  return mailer.send({
    tenant: user.tenant,
    to: user.address,
    subject: 'Confirm your Zajoni address',
    text: [
      `Someone signed up for Zajoni as ${user.address} (tenant ${user.tenant}).`,
      '',
      'To confirm that this address is yours and start sending, open this link:',
      link,
      '',
      `It works once, until ${outcome.expiresAt.toISOString()}, and activates the password`,
      'chosen at that sign-up. If you did not sign up, ignore this mail: without the link the',
      'account cannot be used.',
      '',
    ].join('\n'),
  });
}
