import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { BODY_BUCKET, ensureQueueStream, type Logger } from '#shared';
import type { ApiConfig } from '../config.ts';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { identifyCaller, type Caller } from './caller.ts';
import { createMailLimiter, DEFAULT_MAIL_LIMITS, type MailLimiter } from './mail-limit.ts';
import { createNoticeMailer, type NoticeMailer } from './notices.ts';
import { loadPlatformAdminToken, type PlatformAdminToken } from './platform-admin-token.ts';
import type { AccountMailSettings } from './password-reset.ts';
import { createAuthLimiter, DEFAULT_AUTH_LIMITS, type AuthLimiter } from './rate-limit.ts';
import type { VerificationSettings } from './sign-up.ts';
import type { User } from './users.ts';

/** What the account resolvers need besides the database. */
export interface AccountServices {
  readonly limiter: AuthLimiter;
  /** Limits the account mails a caller can cause, per target address and per client. */
  readonly mailLimiter: MailLimiter;
  /** Queues password-reset, username and verification mails for the tenant's relay. */
  readonly mailer: NoticeMailer;
  readonly settings: AccountMailSettings &
    VerificationSettings & {
      /** Lifetime of a signIn session, in seconds. */
      readonly sessionTtlSeconds: number;
    };
  /** The token from PLATFORM_ADMIN_TOKEN_FILE; undefined when that is unset. */
  readonly platformAdminToken?: PlatformAdminToken;
}

/**
 * The services of a running API: limits in PostgreSQL, account mail through the relay's queue
 * stream and body bucket (created here unless a relay made them first), and the configured
 * platform admin token. Throws PlatformAdminTokenError when that file is unusable.
 */
export async function createAccountServices(
  nc: NatsConnection,
  pool: Pool,
  config: ApiConfig,
): Promise<AccountServices> {
  const tokenFile = config.PLATFORM_ADMIN_TOKEN_FILE;
  const platformAdminToken = tokenFile ? await loadPlatformAdminToken(tokenFile) : undefined;
  await ensureQueueStream(await jetstreamManager(nc));
  const bodies = await new Objm(nc).create(BODY_BUCKET);
  return {
    limiter: createAuthLimiter(pool, {
      perAccount: config.AUTH_FAILURES_PER_ACCOUNT,
      perAddress: config.AUTH_FAILURES_PER_ADDRESS,
      windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
    }),
    mailLimiter: createMailLimiter(pool, {
      perAddress: config.ACCOUNT_MAILS_PER_ADDRESS,
      perClient: config.ACCOUNT_MAILS_PER_CLIENT,
      windowSeconds: config.ACCOUNT_MAIL_WINDOW_SECONDS,
    }),
    mailer: createNoticeMailer(jetstream(nc), bodies, config.ACCOUNT_MAIL_FROM),
    settings: {
      consoleUrl: config.CONSOLE_URL,
      resetTtlSeconds: config.RESET_TOKEN_TTL_SECONDS,
      verifyTtlSeconds: config.VERIFY_TOKEN_TTL_SECONDS,
      sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    },
    ...(platformAdminToken ? { platformAdminToken } : {}),
  };
}

/** Services for a server without NATS (tests of the HTTP layer): account mail fails loudly. */
export function createOfflineAccountServices(db: Pool): AccountServices {
  return {
    limiter: createAuthLimiter(db, DEFAULT_AUTH_LIMITS),
    mailLimiter: createMailLimiter(db, DEFAULT_MAIL_LIMITS),
    mailer: {
      send: () => Promise.reject(new Error('account mail is not configured (no NATS)')),
    },
    settings: {
      consoleUrl: 'http://127.0.0.1:4000',
      resetTtlSeconds: 3600,
      verifyTtlSeconds: 3600,
      sessionTtlSeconds: 3600,
    },
  };
}

/**
 * The request's caller, established once before any resolver runs. A failure (wrong credentials,
 * a lockout, the database down) is kept rather than thrown: operations open to anonymous callers
 * (signIn, signUp, requestPasswordReset, …) still run, and any other field throws it from
 * `require()`, where the error boundary maps it with the field's path.
 */
export interface CallerState {
  readonly caller: Caller | null;
  /** The caller, or throws why there is none (UnauthenticatedError without credentials). */
  require(): Caller;
  /** The caller's own account; a platform admin has none (ForbiddenError). */
  viewer(): User;
}

export async function establishCaller(
  request: Request,
  db: Pool,
  services: AccountServices,
  log: Logger,
  remoteAddress: string | undefined,
): Promise<CallerState> {
  let caller: Caller | null = null;
  let failure: unknown;
  try {
    const { limiter, platformAdminToken } = services;
    const deps = { db, limiter, log, remoteAddress, platformAdminToken };
    caller = await identifyCaller(request, deps);
  } catch (error) {
    failure = error;
  }
  const require = (): Caller => {
    if (caller) return caller;
    throw failure ?? new UnauthenticatedError('sign in: send a Bearer token or Basic credentials');
  };
  return {
    caller,
    require,
    viewer() {
      const current = require();
      if (current.kind === 'platform-admin') {
        throw new ForbiddenError('a platform admin has no mailbox; sign in as a user');
      }
      return current.user;
    },
  };
}
