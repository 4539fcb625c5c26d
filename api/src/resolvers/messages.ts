import type { User } from '../accounts/users.ts';
import { ForbiddenError, InvalidArgumentError, PageTooLargeError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../messages/cursor.ts';
import type { DeliveryEvent } from '../messages/events.ts';
import { parseMessageFilter, type MessageFilterInput } from '../messages/filter.ts';
import type { Attempt, Message, MessageScope, Recipient } from '../messages/queries.ts';
import type { QuotaStatus } from '../messages/quota.ts';
import type { ApiContext } from './context.ts';

/** Largest page a client may ask for; more fails with PAGE_TOO_LARGE. */
export const MAX_PAGE_SIZE = 100;

interface MessagesArgs {
  readonly first: number;
  readonly tenant?: string | null;
  readonly after?: string | null;
  readonly filter?: MessageFilterInput | null;
}

interface MessageConnection {
  edges: { cursor: string; node: Message }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * The messages a caller may see: a user's own; a tenant admin's whole tenant; a platform admin's
 * `tenant`, which it must name: row-level security admits one tenant per transaction. An account
 * may name its own tenant only. Throws UnauthenticatedError without a caller.
 */
function callerScope(context: ApiContext, tenant: string | null | undefined): MessageScope {
  const caller = context.requireCaller();
  if (caller.kind === 'platform-admin') {
    if (!tenant) {
      throw new InvalidArgumentError('tenant', 'a platform admin must name the tenant to read');
    }
    return { tenant, userId: null };
  }
  if (tenant && tenant !== caller.tenant) {
    throw new ForbiddenError("an account reads its own tenant's messages only");
  }
  return { tenant: caller.tenant, userId: caller.kind === 'tenant-admin' ? null : caller.userId };
}

async function listMessages(
  scope: MessageScope,
  args: MessagesArgs,
  context: ApiContext,
): Promise<MessageConnection> {
  if (!Number.isInteger(args.first) || args.first < 1) {
    throw new InvalidArgumentError('first', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  if (args.first > MAX_PAGE_SIZE) throw new PageTooLargeError('first', MAX_PAGE_SIZE);
  const after = args.after ? decodeCursor(args.after) : null;
  const filter = parseMessageFilter(args.filter);

  const page = await context.messages.list(scope, { filter, first: args.first, after });

  const edges = page.edges.map((e) => ({ cursor: encodeCursor(e.position), node: e.message }));
  const endCursor = edges.at(-1)?.cursor ?? null;
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor } };
}

/** Root fields of the message log. */
export const messageQueryResolvers = {
  async messages(_parent: unknown, args: MessagesArgs, context: ApiContext) {
    return listMessages(callerScope(context, args.tenant), args, context);
  },

  /** null when the message does not exist or the caller may not see it: the two look alike. */
  async message(
    _parent: unknown,
    args: { queueId: string; tenant?: string | null },
    context: ApiContext,
  ) {
    return context.messages.find(callerScope(context, args.tenant), args.queueId);
  },

  async quota(_parent: unknown, _args: unknown, context: ApiContext): Promise<QuotaStatus> {
    const viewer = await context.viewer();
    return context.messages.quota(viewer.id);
  },
};

/** Viewer.messages: the account's own messages, whatever its role. */
export const viewerMessageResolvers = {
  messages(viewer: User, args: MessagesArgs, context: ApiContext) {
    return listMessages({ tenant: viewer.tenant, userId: viewer.id }, args, context);
  },
};

/**
 * Fields of Message loaded on demand, batched per request (MessageLoaders): a page of 100
 * messages asking for both costs two queries, not 200. Scalar fields resolve by name.
 */
export const messageFieldResolvers = {
  recipients: (message: Message, _args: unknown, context: ApiContext): Promise<Recipient[]> =>
    context.loaders.recipients.load(message),
  attempts: (message: Message, _args: unknown, context: ApiContext): Promise<Attempt[]> =>
    context.loaders.attempts.load(message),
};

export const subscriptionResolvers = {
  deliveryEvents: {
    async *subscribe(_parent: unknown, args: { tenant?: string | null }, context: ApiContext) {
      const scope = callerScope(context, args.tenant);
      for await (const event of context.messages.events(scope, context.log)) {
        yield { event, scope };
      }
    },
    resolve: (payload: { event: DeliveryEvent; scope: MessageScope }) => payload,
  },
};

/** DeliveryEvent fields from the event and the scope of the subscriber it was sent to. */
export const deliveryEventResolvers = {
  queueId: (p: { event: DeliveryEvent }) => p.event.queueId,
  attemptId: (p: { event: DeliveryEvent }) => p.event.attemptId,
  domain: (p: { event: DeliveryEvent }) => p.event.domain,
  outcome: (p: { event: DeliveryEvent }) => p.event.outcome,
  status: (p: { event: DeliveryEvent }) => p.event.status,
  storedAt: (p: { event: DeliveryEvent }) => p.event.storedAt,
  message: (p: { event: DeliveryEvent; scope: MessageScope }, _args: unknown, c: ApiContext) =>
    c.messages.find(p.scope, p.event.queueId),
};
