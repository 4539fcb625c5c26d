import type { Pool } from 'pg';
import { ulid } from 'ulid';
import type { Logger } from '#shared';
import { checkCredentials } from '../accounts/credentials.ts';
import type { User } from '../accounts/users.ts';
import { UnauthenticatedError } from '../errors.ts';
import { parseBasicAuth } from '../http/basic-auth.ts';

/**
 * Optional request header naming the caller's tenant. Needed only when the caller's address has
 * accounts in several tenants; otherwise the address alone finds the account.
 */
export const TENANT_HEADER = 'x-zajoni-tenant';

/** What every resolver receives. */
export interface ApiContext {
  readonly requestId: string;
  /** Logger bound to this request's id. */
  readonly log: Logger;
  readonly db: Pool;
  /** The authenticated account, checked once per request; throws UnauthenticatedError. */
  viewer(): Promise<User>;
}

/**
 * Builds a request's context. Credentials are checked lazily, on the first field that needs
 * them, and at most once per request.
 */
export function createContext(request: Request, db: Pool, log: Logger): ApiContext {
  const requestId = ulid();
  const requestLog = log.child({ requestId });
  let viewer: Promise<User> | undefined;
  return {
    requestId,
    log: requestLog,
    db,
    viewer: () => (viewer ??= authenticate(request, db, requestLog)),
  };
}

// LIMITATION: until sign-in exists, every request carries the password and pays one argon2
// verify (about 100 ms of CPU and 64 MiB); a busy client should batch its queries.
async function authenticate(request: Request, db: Pool, log: Logger): Promise<User> {
  const credentials = parseBasicAuth(request.headers.get('authorization'));
  if (!credentials) {
    throw new UnauthenticatedError('send HTTP Basic credentials: mail address and password');
  }
  const tenant = request.headers.get(TENANT_HEADER) ?? undefined;
  const user = await checkCredentials(db, {
    tenant,
    address: credentials.username,
    password: credentials.password,
  });
  if (!user) {
    log.info({ username: credentials.username, tenant }, 'sign-in refused');
    throw new UnauthenticatedError('invalid credentials');
  }
  return user;
}
