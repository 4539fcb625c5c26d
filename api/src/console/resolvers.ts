import { accountMutationResolvers } from '../accounts/resolvers.ts';
import { DEFAULT_RETENTION_DAYS, findTenant, type Tenant } from '../accounts/tenants.ts';
import { DeliveryEventsError } from '../errors.ts';
import type { Message } from '../messages/queries.ts';
import type { ApiContext } from '../resolvers/context.ts';
import { setCookieOn } from './plugin.ts';
import { CONSOLE_HEADER, isHttps, sessionCookie } from './session-cookie.ts';
import type { ConsoleSettings } from './settings.ts';
import type { TestMessageSender } from './test-message.ts';
import { loadTranscripts, transcriptJson, transcriptText } from './transcripts.ts';

/** Yoga passes the fetch Request in every resolver's context. */
type ConsoleContext = ApiContext & { readonly request: Request };

export interface ConsoleResolverDeps {
  readonly settings: ConsoleSettings;
  /** Messages per rolling window (the relay's DAILY_LIMIT). */
  readonly dailyLimit: number;
  /** Absent without NATS (tests of the HTTP layer): sendTestMessage then fails. */
  readonly testMessages: TestMessageSender | undefined;
}

type SignIn = typeof accountMutationResolvers.signIn;
type SignOut = typeof accountMutationResolvers.signOut;

const fromConsole = (request: Request) => request.headers.get(CONSOLE_HEADER) !== null;

/** Resolvers of consoleTypeDefs, plus signIn and signOut wrapped to manage the cookie. */
export function createConsoleResolvers(deps: ConsoleResolverDeps) {
  return {
    Query: {
      async consoleSettings(_: unknown, _args: unknown, context: ConsoleContext) {
        const tenantId = context.caller?.tenant ?? deps.settings.tenant ?? null;
        const tenant = tenantId === null ? null : await findTenant(context.db, tenantId);
        return describe(deps, tenant, context.request);
      },
    },

    Message: {
      transcriptText: async (message: Message, _args: unknown, context: ConsoleContext) =>
        transcriptText(await loadTranscripts(context.db, message)),
      transcriptJson: async (message: Message, _args: unknown, context: ConsoleContext) =>
        transcriptJson(await loadTranscripts(context.db, message)),
    },

    Mutation: {
      async signIn(parent: unknown, args: Parameters<SignIn>[1], context: ConsoleContext) {
        const session = await accountMutationResolvers.signIn(parent, args, context);
        // The console gets the token as an HttpOnly cookie and never asks for the field.
        if (fromConsole(context.request)) {
          const maxAge = (session.expiresAt.getTime() - Date.now()) / 1000;
          const secure = isHttps(context.request);
          setCookieOn(context.request, sessionCookie(session.token, maxAge, secure));
        }
        return session;
      },

      async signOut(parent: unknown, args: Parameters<SignOut>[1], context: ConsoleContext) {
        try {
          return await accountMutationResolvers.signOut(parent, args, context);
        } finally {
          // Cleared even when the session had already expired, so the browser forgets it.
          if (fromConsole(context.request)) {
            setCookieOn(context.request, sessionCookie('', 0, isHttps(context.request)));
          }
        }
      },

      async sendTestMessage(_: unknown, _args: unknown, context: ConsoleContext) {
        const user = await context.viewer();
        if (!deps.testMessages) throw new DeliveryEventsError('test messages need NATS');
        const queued = await deps.testMessages.send(user);
        context.log.info({ userId: user.id, queueId: queued.queueId }, 'test message queued');
        return queued;
      },
    },
  };
}

function describe(deps: ConsoleResolverDeps, tenant: Tenant | null, request: Request) {
  // URL.hostname keeps an IPv6 literal's brackets; a mail client wants the bare address.
  const host = new URL(request.url).hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    displayName: tenant?.displayName ?? 'Zajoni',
    tenant: tenant?.id ?? null,
    smtpHost: deps.settings.smtpHost ?? host,
    startTlsPort: deps.settings.startTlsPort,
    tlsPort: deps.settings.tlsPort,
    dailyLimit: deps.dailyLimit,
    retentionDays: tenant?.retentionDays ?? DEFAULT_RETENTION_DAYS,
  };
}
