import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
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
  recipients(message: Message): Promise<Recipient[]>;
  attempts(message: Message): Promise<Attempt[]>;
  quota(userId: string): Promise<QuotaStatus>;
  events(scope: MessageScope, log: Logger): AsyncGenerator<DeliveryEvent>;
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
    recipients: (message) =>
      withTenant(pool, message.tenant, (client) => listRecipients(client, message.queueId)),
    attempts: (message) =>
      withTenant(pool, message.tenant, (client) => listAttempts(client, message.queueId)),
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
