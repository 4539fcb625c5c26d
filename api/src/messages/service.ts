import type { NatsConnection } from '@nats-io/transport-node';
import DataLoader from 'dataloader';
import type { Pool, PoolClient } from 'pg';
import type { Logger, QuotaPolicy } from '#shared';
import { withTenant } from '../db/tenant-scope.ts';
import { DeliveryEventsError } from '../errors.ts';
import type { MessageCursor } from './cursor.ts';
import { subscribeDeliveryEvents, type DeliveryEvent } from './events.ts';
import type { MessageFilter } from './filter.ts';
import {
  findMessage,
  listAttempts,
  listMessages,
  listRecipients,
  type Attempt,
  type Message,
  type MessagePage,
  type MessageScope,
  type Recipient,
} from './queries.ts';
import { createQuotaReader, type QuotaStatus } from './quota.ts';

export interface MessageServiceOptions {
  /** The relay's retry lifetime (ms): a message deferred for longer reads as expired. */
  readonly lifetimeMs: number;
  readonly quota: QuotaPolicy;
  /** Needed for events and quota; without it both fail (tests of queries alone). */
  readonly nc?: NatsConnection | undefined;
}

/**
 * The message log as the GraphQL resolvers use it. Every database read runs in a transaction
 * limited to the scope's tenant by row-level security (withTenant).
 */
export interface MessageService {
  list(
    scope: MessageScope,
    query: { filter: MessageFilter; first: number; after: MessageCursor | null },
  ): Promise<MessagePage>;
  find(scope: MessageScope, queueId: string): Promise<Message | null>;
  /** Loaders for one request: the recipients and attempts of a page, one query each. */
  loaders(): MessageLoaders;
  quota(userId: string): Promise<QuotaStatus>;
  events(scope: MessageScope, log: Logger): AsyncGenerator<DeliveryEvent>;
}

/**
 * Per-request batching of Message's fields: every message of a page asks in the same tick, and
 * one transaction per tenant answers them all with one query (instead of one transaction per
 * message and field). Per request, so nothing cached outlives what its caller may see.
 */
export interface MessageLoaders {
  readonly recipients: DataLoader<Message, Recipient[], string>;
  readonly attempts: DataLoader<Message, Attempt[], string>;
}

export function createMessageService(pool: Pool, options: MessageServiceOptions): MessageService {
  const expiredBefore = () => new Date(Date.now() - options.lifetimeMs);
  const nc = options.nc;
  const readQuota = nc ? createQuotaReader(nc, options.quota) : undefined;
  return {
    list: (scope, query) =>
      withTenant(pool, scope.tenant, (client) =>
        listMessages(client, scope, { ...query, expiredBefore: expiredBefore() }),
      ),
    find: (scope, queueId) =>
      withTenant(pool, scope.tenant, (client) =>
        findMessage(client, scope, queueId, expiredBefore()),
      ),
    loaders: () => ({
      recipients: messageLoader(pool, listRecipients),
      attempts: messageLoader(pool, listAttempts),
    }),
    quota: (userId) => {
      if (!readQuota) throw new DeliveryEventsError('quota needs a NATS connection');
      return readQuota(userId);
    },
    events: (scope, log) => {
      if (!nc) throw new DeliveryEventsError('delivery events need a NATS connection');
      return subscribeDeliveryEvents(nc, scope, log);
    },
  };
}

/** A DataLoader over `query`, run once per tenant among the messages asked for together. */
function messageLoader<T>(
  pool: Pool,
  query: (client: PoolClient, queueIds: readonly string[]) => Promise<Map<string, T[]>>,
): DataLoader<Message, T[], string> {
  return new DataLoader<Message, T[], string>(
    async (messages) => {
      const byTenant = Map.groupBy(messages, (m) => m.tenant);
      const found = new Map<Message, T[]>();
      for (const [tenant, group] of byTenant) {
        const rows = await withTenant(pool, tenant, (client) =>
          query(
            client,
            group.map((m) => m.queueId),
          ),
        );
        for (const m of group) found.set(m, rows.get(m.queueId) ?? []);
      }
      return messages.map((m) => found.get(m) ?? []);
    },
    { cacheKeyFn: (m) => `${m.tenant}\u0000${m.queueId}` },
  );
}
