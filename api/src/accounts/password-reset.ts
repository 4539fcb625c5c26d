import type { Pool } from 'pg';
import type { Logger } from '#shared';
import { inTransaction, type Db } from '../db/pool.ts';
import { InvalidTokenError } from '../errors.ts';
import { tryNormalizeAddress } from './addresses.ts';
import type { NoticeMailer } from './notices.ts';
import { deleteUserSessions } from './sessions.ts';
import { hashToken, newToken } from './tokens.ts';
import { findUsersByAddress, setPassword, type User } from './users.ts';

/** Most accounts one address may have across tenants that a single request mails about. */
const MAX_ACCOUNTS_PER_ADDRESS = 10;

export interface AccountMailSettings {
  /** Base URL of the console; a reset link is `${consoleUrl}/reset?token=…`. */
  readonly consoleUrl: string;
  /** Lifetime of a reset link, in seconds. */
  readonly resetTtlSeconds: number;
}

/**
 * Mails a single-use reset link to each account with this address (in `tenant` when given).
 * Finds nothing and sends nothing for an unknown address; the caller answers the same either way.
 */
export async function requestPasswordReset(
  db: Db,
  mailer: NoticeMailer,
  settings: AccountMailSettings,
  request: { address: string; tenant?: string | undefined },
): Promise<number> {
  const accounts = await accountsOf(db, request.address, request.tenant);
  for (const user of accounts) {
    const { token, hash } = newToken('passwordReset');
    const { rows } = await db.query<{ expires_at: Date }>(
      `INSERT INTO password_resets (token_hash, user_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
      [hash, user.id, settings.resetTtlSeconds],
    );
    const link = consoleLink(settings.consoleUrl, 'reset', token);
    await mailer.send({
      tenant: user.tenant,
      to: user.address,
      subject: 'Reset your Zajoni password',
      text: [
        `Someone asked to reset the password of ${user.address} (tenant ${user.tenant}).`,
        '',
        'To choose a new password, open this link:',
        link,
        '',
        `It works once, until ${rows[0]?.expires_at.toISOString() ?? 'it expires'}.`,
        'If you did not ask for this, ignore this mail: your password stays as it is.',
        '',
      ].join('\n'),
    });
  }
  return accounts.length;
}

/**
 * Sets a new password with a reset token, once: the token is marked used in the same
 * transaction, and every session of the account ends. Throws InvalidTokenError for an unknown,
 * used or expired token, InvalidPasswordError for a bad new password.
 */
export async function resetPassword(pool: Pool, token: string, password: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ user_id: string }>(
      `UPDATE password_resets SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id`,
      [hashToken(token)],
    );
    const userId = rows[0]?.user_id;
    if (!userId) throw new InvalidTokenError('the reset link is unknown, used or expired');
    await setPassword(client, userId, password);
    await deleteUserSessions(client, userId);
  });
}

/** Mails the username (the sign-in address) and its tenants to an address that has accounts. */
export async function remindUsername(
  db: Db,
  mailer: NoticeMailer,
  address: string,
  log: Logger,
): Promise<number> {
  const accounts = await accountsOf(db, address, undefined);
  const first = accounts[0];
  if (!first) return 0;
  const tenants = accounts.map((a) => a.tenant);
  await mailer.send({
    tenant: first.tenant,
    to: first.address,
    subject: 'Your Zajoni username',
    text: [
      `Your Zajoni username is: ${first.address}`,
      '',
      `It has an account in: ${tenants.join(', ')}.`,
      tenants.length > 1
        ? 'With several accounts, name the tenant when you sign in (header X-Zajoni-Tenant).'
        : 'Sign in with it and your password, in your mail client and in the console.',
      '',
    ].join('\n'),
  });
  log.info({ accounts: accounts.length }, 'username reminder queued');
  return accounts.length;
}

async function accountsOf(db: Db, address: string, tenant: string | undefined): Promise<User[]> {
  const normalized = tryNormalizeAddress(address);
  if (!normalized) return [];
  const found = await findUsersByAddress(db, normalized, tenant, MAX_ACCOUNTS_PER_ADDRESS);
  // A pending sign-up gets no mail here: signing up again sends it a new verification link.
  return found.filter((user) => user.verified);
}

/** A console page's address with its single-use token, e.g. `${consoleUrl}/reset?token=…`. */
export function consoleLink(consoleUrl: string, page: string, token: string): string {
  const url = new URL(page, withSlash(consoleUrl));
  url.searchParams.set('token', token);
  return url.toString();
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
