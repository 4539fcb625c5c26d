import type { Pool } from 'pg';
import type { Logger } from '#shared';
import { toEnumValue } from '../schema/type-defs.ts';
import {
  AddressNotVerifiedError,
  ForbiddenError,
  InvalidArgumentError,
  MailRateLimitedError,
  RateLimitedError,
  SignUpClosedError,
  UnauthenticatedError,
} from '../errors.ts';
import { normalizeAddress } from './addresses.ts';
import { createApiToken, listApiTokens, revokeApiToken, type TokenOwner } from './api-tokens.ts';
import { adminTenant, requireAccount, requirePlatformAdmin } from './authorize.ts';
import { CALLER_KINDS, NOT_VERIFIED_MESSAGE, type Caller } from './caller.ts';
import { checkPassword } from './credentials.ts';
import { hashPassword } from './passwords.ts';
import { remindUsername, requestPasswordReset, resetPassword } from './password-reset.ts';
import type { AccountServices } from './services.ts';
import { createSession, deleteSession, deleteUserSessions } from './sessions.ts';
import { mailSignUp, recordSignUp, verifyAddress } from './sign-up.ts';
import {
  SIGN_UP_MODES,
  deregisterTenant,
  findTenant,
  inSenderDomains,
  listTenants,
  registerTenant,
  type TenantSettings,
} from './tenants.ts';
import {
  USER_ROLES,
  createUser,
  deleteUser,
  findUser,
  listUsers,
  setConfirmations,
  setPassword,
  type UserRole,
} from './users.ts';

/** The part of the request context the account resolvers use. */
export interface AccountContext {
  readonly db: Pool;
  readonly log: Logger;
  /** The authenticated caller, or null; see CallerState. */
  readonly caller: Caller | null;
  requireCaller(): Caller;
  readonly accounts: AccountServices;
  /** The HTTP client's IP address, for the failed-attempt limits. */
  readonly remoteAddress: string | undefined;
}

function enumValues(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value) => [toEnumValue(value), value]));
}

/** GraphQL UPPER_CASE enum names to the stored lowercase values. */
export const accountEnumResolvers = {
  SignUpMode: enumValues(SIGN_UP_MODES),
  UserRole: enumValues(USER_ROLES),
  CallerKind: enumValues(CALLER_KINDS),
};

function ownerOf(caller: Caller): TokenOwner {
  if (caller.credential.type === 'configured-token') {
    // It has no platform_admins row to own tokens; zajoni-admin creates admins that do.
    throw new ForbiddenError('the configured platform admin token cannot own API tokens');
  }
  return caller.kind === 'platform-admin'
    ? { platformAdminId: caller.adminId }
    : { userId: caller.userId };
}

export const accountQueryResolvers = {
  me(_: unknown, _args: unknown, context: AccountContext) {
    const caller = context.requireCaller();
    return { kind: caller.kind, user: caller.kind === 'platform-admin' ? null : caller.user };
  },

  async tenants(_: unknown, _args: unknown, context: AccountContext) {
    const caller = context.requireCaller();
    if (caller.kind === 'platform-admin') return listTenants(context.db);
    const own = await findTenant(context.db, caller.tenant);
    return own ? [own] : [];
  },

  users(_: unknown, args: { tenant?: string | null }, context: AccountContext) {
    const tenant = adminTenant(context.requireCaller(), args.tenant);
    return listUsers(context.db, tenant);
  },

  apiTokens(_: unknown, _args: unknown, context: AccountContext) {
    return listApiTokens(context.db, ownerOf(context.requireCaller()));
  },
};

/**
 * Counts one account mail to `address` from the client; throws MailRateLimitedError when either
 * has had its allowance. Called before any look-up, so it answers alike for every address.
 */
async function limitMail(context: AccountContext, address: string): Promise<void> {
  const { remoteAddress } = context;
  const wait = await context.accounts.mailLimiter.consume({ address, remoteAddress });
  if (wait === null) return;
  context.log.warn({ remoteAddress, retryAfterSeconds: wait }, 'account mail limited');
  throw new MailRateLimitedError(wait);
}

const verifyTtl = (accounts: AccountServices) => accounts.settings.verifyTtlSeconds;

export const accountMutationResolvers = {
  registerTenant(_: unknown, args: { input: TenantSettings }, context: AccountContext) {
    requirePlatformAdmin(context.requireCaller());
    return registerTenant(context.db, args.input);
  },

  async deregisterTenant(_: unknown, args: { id: string }, context: AccountContext) {
    requirePlatformAdmin(context.requireCaller());
    const removed = await deregisterTenant(context.db, args.id);
    context.log.info({ tenant: args.id, removed }, 'tenant deregistered');
    return removed;
  },

  async signUp(
    _: unknown,
    args: { input: { tenant: string; address: string; password: string } },
    context: AccountContext,
  ) {
    const { tenant: tenantId, password } = args.input;
    const tenant = await findTenant(context.db, tenantId);
    if (!tenant || tenant.signUp !== 'open') {
      throw new SignUpClosedError(
        `tenant ${tenantId} does not take sign-ups: its administrators create accounts`,
      );
    }
    const address = normalizeAddress(args.input.address);
    if (!inSenderDomains(tenant, address)) {
      const domains = tenant.senderDomains.join(', ') || 'none';
      throw new InvalidArgumentError('address', `address must be in a sender domain: ${domains}`);
    }
    await limitMail(context, address);

    // Hashed for every outcome, so a taken address costs the same time as a new one.
    const passwordHash = await hashPassword(password);
    const { db, accounts, log } = context;
    const outcome = await recordSignUp(db, tenant, address, passwordHash, verifyTtl(accounts));
    log.info({ tenant: tenant.id, userId: outcome.user.id, outcome: outcome.kind }, 'sign-up');
    // Mailed after answering, like a reset link: the answer is the same for every outcome.
    void mailSignUp(accounts.mailer, accounts.settings, outcome).catch((error: unknown) =>
      log.error({ err: error }, 'cannot send sign-up mail'),
    );
    return true;
  },

  async verifyAddress(_: unknown, args: { token: string }, context: AccountContext) {
    const user = await verifyAddress(context.db, args.token);
    context.log.info({ tenant: user.tenant, userId: user.id }, 'address verified');
    return user;
  },

  async signIn(
    _: unknown,
    args: { input: { address: string; password: string; tenant?: string | null } },
    context: AccountContext,
  ) {
    const { address, password, tenant } = args.input;
    const check = await checkPassword(context.db, context.accounts.limiter, {
      tenant: tenant ?? undefined,
      address,
      password,
      remoteAddress: context.remoteAddress,
    });
    if (check.kind === 'rate-limited') {
      context.log.warn({ remoteAddress: context.remoteAddress }, 'sign-in limited');
      throw new RateLimitedError(check.retryAfterSeconds);
    }
    if (check.kind === 'refused') {
      context.log.info({ username: address, tenant }, 'sign-in refused');
      throw new UnauthenticatedError('invalid credentials');
    }
    if (check.kind === 'unverified') throw new AddressNotVerifiedError(NOT_VERIFIED_MESSAGE);
    const ttl = context.accounts.settings.sessionTtlSeconds;
    const session = await createSession(context.db, check.user.id, ttl);
    return { token: session.token, expiresAt: session.expiresAt, user: check.user };
  },

  async signOut(_: unknown, _args: unknown, context: AccountContext) {
    const { credential } = context.requireCaller();
    if (credential.type !== 'session') return false;
    await deleteSession(context.db, credential.tokenHash);
    return true;
  },

  async changePassword(
    _: unknown,
    args: { currentPassword: string; newPassword: string },
    context: AccountContext,
  ) {
    const caller = requireAccount(context.requireCaller());
    const check = await checkPassword(context.db, context.accounts.limiter, {
      tenant: caller.tenant,
      address: caller.address,
      password: args.currentPassword,
      remoteAddress: context.remoteAddress,
    });
    if (check.kind === 'rate-limited') throw new RateLimitedError(check.retryAfterSeconds);
    if (check.kind !== 'accepted') {
      throw new InvalidArgumentError('currentPassword', 'the current password is wrong');
    }
    await setPassword(context.db, caller.userId, args.newPassword);
    const keep = caller.credential.type === 'session' ? caller.credential.tokenHash : undefined;
    const ended = await deleteUserSessions(context.db, caller.userId, keep);
    context.log.info({ userId: caller.userId, sessionsEnded: ended }, 'password changed');
    return true;
  },

  async requestPasswordReset(
    _: unknown,
    args: { address: string; tenant?: string | null },
    context: AccountContext,
  ) {
    // The mail is queued after answering, so neither the answer nor its timing tells whether
    // the address has an account; the limit counts the address either way.
    await limitMail(context, args.address);
    const request = { address: args.address, tenant: args.tenant ?? undefined };
    const { db, accounts, log } = context;
    void requestPasswordReset(db, accounts.mailer, accounts.settings, request).then(
      (accountsFound) => log.info({ accountsFound }, 'password reset requested'),
      (error: unknown) => log.error({ err: error }, 'cannot send password reset'),
    );
    return true;
  },

  async resetPassword(
    _: unknown,
    args: { token: string; newPassword: string },
    context: AccountContext,
  ) {
    await resetPassword(context.db, args.token, args.newPassword);
    context.log.info('password reset');
    return true;
  },

  async forgotUsername(_: unknown, args: { address: string }, context: AccountContext) {
    // As requestPasswordReset: answered before the look-up, the same for every address.
    await limitMail(context, args.address);
    const { db, accounts, log } = context;
    void remindUsername(db, accounts.mailer, args.address, log).catch((error: unknown) =>
      log.error({ err: error }, 'cannot send username reminder'),
    );
    return true;
  },

  async createUser(
    _: unknown,
    args: {
      input: { tenant?: string | null; address: string; password: string; role: UserRole };
    },
    context: AccountContext,
  ) {
    const caller = context.requireCaller();
    const tenantId = adminTenant(caller, args.input.tenant);
    const address = normalizeAddress(args.input.address);
    if (caller.kind === 'tenant-admin') {
      // A tenant admin invites addresses of its own domains only; the platform admin may not
      // be so bound (a tenant's first admin may use another domain).
      const tenant = await findTenant(context.db, tenantId);
      if (!tenant || !inSenderDomains(tenant, address)) {
        throw new InvalidArgumentError('address', "address must be in the tenant's sender domains");
      }
    }
    const { password, role } = args.input;
    const user = await createUser(context.db, tenantId, address, password, role);
    context.log.info({ tenant: tenantId, userId: user.id, role }, 'user created');
    return user;
  },

  async deleteUser(_: unknown, args: { id: string }, context: AccountContext) {
    const caller = context.requireCaller();
    if (caller.kind === 'platform-admin') {
      const user = await findUser(context.db, args.id);
      return user ? deleteUser(context.db, user.tenant, user.id) : false;
    }
    // Only ever within the caller's own tenant: another tenant's id matches no row.
    return deleteUser(context.db, adminTenant(caller, null), args.id);
  },

  createApiToken(_: unknown, args: { name: string }, context: AccountContext) {
    return createApiToken(context.db, ownerOf(context.requireCaller()), args.name);
  },

  revokeApiToken(_: unknown, args: { id: string }, context: AccountContext) {
    return revokeApiToken(context.db, ownerOf(context.requireCaller()), args.id);
  },

  setConfirmations(_: unknown, args: { enabled: boolean }, context: AccountContext) {
    const caller = requireAccount(context.requireCaller());
    return setConfirmations(context.db, caller.userId, args.enabled);
  },
};
