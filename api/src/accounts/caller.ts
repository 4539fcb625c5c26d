import type { Pool } from 'pg';
import type { Logger } from '#shared';
import { AddressNotVerifiedError, RateLimitedError, UnauthenticatedError } from '../errors.ts';
import { parseBasicAuth } from '../http/basic-auth.ts';
import { findTokenHolder } from './api-tokens.ts';
import { checkPassword } from './credentials.ts';
import { CONFIGURED_ADMIN_ID, type PlatformAdminToken } from './platform-admin-token.ts';
import type { AuthLimiter } from './rate-limit.ts';
import { findSessionUser } from './sessions.ts';
import { hashToken, tokenKind } from './tokens.ts';
import type { User } from './users.ts';

/**
 * Optional request header naming the caller's tenant for HTTP Basic auth. Needed only when the
 * caller's address has accounts in several tenants; otherwise the address alone finds the account.
 */
export const TENANT_HEADER = 'x-zajoni-tenant';

/** How the caller proved who it is; signOut and changePassword need the session's hash. */
export type CallerCredential =
  | { readonly type: 'session'; readonly tokenHash: string }
  | { readonly type: 'api-token'; readonly tokenId: string }
  | { readonly type: 'password' }
  | { readonly type: 'configured-token' };

/**
 * The authenticated identity of a request. `user` sees its own mail only; `tenant-admin` also
 * its tenant's users and mail; `platform-admin` every tenant (it has no account, tenant or
 * address of its own).
 */
export type Caller =
  | {
      readonly kind: 'user' | 'tenant-admin';
      readonly userId: string;
      readonly tenant: string;
      readonly address: string;
      readonly user: User;
      readonly credential: CallerCredential;
    }
  | {
      readonly kind: 'platform-admin';
      readonly userId: null;
      readonly tenant: null;
      readonly address: null;
      readonly adminId: string;
      readonly credential: CallerCredential;
    };

/** The kinds of caller, as a closed set (GraphQL enum CallerKind). */
export const CALLER_KINDS = ['user', 'tenant-admin', 'platform-admin'] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

/** What a pending sign-up is told when it presents its right password. */
export const NOT_VERIFIED_MESSAGE =
  'the address is not verified yet: open the link mailed to it, or sign up again for a new one';

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

export interface IdentifyDeps {
  readonly db: Pool;
  readonly limiter: AuthLimiter;
  readonly log: Logger;
  /** The HTTP client's IP address, for the failed-attempt limits. */
  readonly remoteAddress: string | undefined;
  /** The token from PLATFORM_ADMIN_TOKEN_FILE, when configured. */
  readonly platformAdminToken?: PlatformAdminToken | undefined;
}

/**
 * Who sent the request: `Authorization: Bearer <session or API token>`, or HTTP Basic with the
 * SMTP credentials (argon2id, behind the failed-attempt limits). Null without an Authorization
 * header. Throws UnauthenticatedError for wrong credentials, RateLimitedError when locked out,
 * AddressNotVerifiedError for a pending sign-up, and database errors as they are.
 */
export async function identifyCaller(request: Request, deps: IdentifyDeps): Promise<Caller | null> {
  const header = request.headers.get('authorization');
  if (header === null) return null;

  const bearer = BEARER.exec(header)?.[1];
  if (bearer !== undefined) return fromToken(bearer, deps);

  const basic = parseBasicAuth(header);
  if (!basic) throw new UnauthenticatedError('send a Bearer token or HTTP Basic credentials');
  const tenant = request.headers.get(TENANT_HEADER) ?? undefined;
  const check = await checkPassword(deps.db, deps.limiter, {
    tenant,
    address: basic.username,
    password: basic.password,
    remoteAddress: deps.remoteAddress,
  });
  if (check.kind === 'rate-limited') {
    deps.log.warn({ remoteAddress: deps.remoteAddress }, 'sign-in limited');
    throw new RateLimitedError(check.retryAfterSeconds);
  }
  if (check.kind === 'refused') {
    deps.log.info({ username: basic.username, tenant }, 'sign-in refused');
    throw new UnauthenticatedError('invalid credentials');
  }
  if (check.kind === 'unverified') throw new AddressNotVerifiedError(NOT_VERIFIED_MESSAGE);
  return userCaller(check.user, { type: 'password' });
}

/** The Caller for an account signed in by `credential`. */
export function userCaller(user: User, credential: CallerCredential): Caller {
  return {
    kind: user.role === 'tenant-admin' ? 'tenant-admin' : 'user',
    userId: user.id,
    tenant: user.tenant,
    address: user.address,
    user,
    credential,
  };
}

async function fromToken(token: string, deps: IdentifyDeps): Promise<Caller> {
  // Checked before the prefixes: the deployment chooses this token, so it may have none.
  if (deps.platformAdminToken?.matches(token)) {
    return platformAdminCaller(CONFIGURED_ADMIN_ID, { type: 'configured-token' });
  }
  const kind = tokenKind(token);
  if (kind === 'session') {
    const user = await findSessionUser(deps.db, token);
    if (user) return userCaller(user, { type: 'session', tokenHash: hashToken(token) });
  }
  if (kind === 'apiToken') {
    const holder = await findTokenHolder(deps.db, token);
    const credential = { type: 'api-token', tokenId: holder?.tokenId ?? '' } as const;
    if (holder?.kind === 'user') return userCaller(holder.user, credential);
    if (holder?.kind === 'platform-admin') return platformAdminCaller(holder.adminId, credential);
  }
  throw new UnauthenticatedError('invalid or expired token');
}

function platformAdminCaller(adminId: string, credential: CallerCredential): Caller {
  return { kind: 'platform-admin', userId: null, tenant: null, address: null, adminId, credential };
}
