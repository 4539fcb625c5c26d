import type { Pool } from 'pg';
import { newUlid } from '#shared';
import type { Logger } from '#shared';
import type { Caller } from '../accounts/caller.ts';
import { establishCaller, type AccountServices } from '../accounts/services.ts';
import type { User } from '../accounts/users.ts';
import type { MessageLoaders, MessageService } from '../messages/service.ts';

export { TENANT_HEADER } from '../accounts/caller.ts';

/** What every resolver receives. */
export interface ApiContext {
  readonly requestId: string;
  /** Logger bound to this request's id. */
  readonly log: Logger;
  readonly db: Pool;
  /** The message log: listing, quota, delivery events (messages/service.ts). */
  readonly messages: MessageService;
  /** This request's batching loaders for Message's recipients and attempts. */
  readonly loaders: MessageLoaders;
  /**
   * Who is calling, established once before any resolver runs (accounts/caller.ts): `kind`
   * `user`, `tenant-admin` or `platform-admin`, with `userId`, `tenant` and `address` (all null
   * for a platform admin). Null without credentials or when they failed: requireCaller() throws.
   */
  readonly caller: Caller | null;
  /** The caller; throws UnauthenticatedError, RateLimitedError or what prevented sign-in. */
  requireCaller(): Caller;
  /** The caller's own account; throws as requireCaller, or ForbiddenError for a platform admin. */
  viewer(): Promise<User>;
  /** Sign-in limits, account mail and their settings. */
  readonly accounts: AccountServices;
  /** The HTTP client's IP address; undefined outside node:http (yoga.fetch in tests). */
  readonly remoteAddress: string | undefined;
}

/**
 * Builds a request's context. The credentials are checked here, once per request; a failure
 * surfaces in the first field that needs a caller (see accounts/services.ts, CallerState).
 */
export async function createContext(
  request: Request,
  db: Pool,
  log: Logger,
  messages: MessageService,
  accounts: AccountServices,
  remoteAddress?: string,
): Promise<ApiContext> {
  const requestId = newUlid();
  const requestLog = log.child({ requestId });
  const state = await establishCaller(request, db, accounts, requestLog, remoteAddress);
  return {
    requestId,
    log: requestLog,
    db,
    messages,
    loaders: messages.loaders(),
    caller: state.caller,
    requireCaller: state.require,
    viewer: async () => state.viewer(),
    accounts,
    remoteAddress,
  };
}
