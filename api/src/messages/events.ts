import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import type { Logger } from '#shared';
import { ATTEMPT_OUTCOMES } from '#shared';
import { DeliveryEventsError } from '../errors.ts';
import { MESSAGE_STATUSES } from './status.ts';
import type { MessageScope } from './queries.ts';

/**
 * Core NATS subjects of delivery events: `zajoni.events.delivery.<tenant>.<userId>`, with `_` as
 * the user token of a message linked to no account. Tenant ids are DNS labels and user ids
 * ULIDs, so each is one token; a subscriber's subject alone limits what it receives.
 */
export const DELIVERY_EVENT_PREFIX = 'zajoni.events.delivery';

const NO_USER = '_';

/** What ingest announces after the transaction that stored one transcript record committed. */
export const deliveryEventSchema = z.object({
  tenant: z.string(),
  userId: z.string().nullable(),
  queueId: z.string(),
  attemptId: z.string(),
  domain: z.string(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  /** The message's stored status after this record. */
  status: z.enum(MESSAGE_STATUSES),
  storedAt: z.iso.datetime(),
});
export type DeliveryEvent = z.infer<typeof deliveryEventSchema>;

export function deliveryEventSubject(tenant: string, userId: string | null): string {
  return `${DELIVERY_EVENT_PREFIX}.${tenant}.${userId ?? NO_USER}`;
}

/** The subject a scope listens on: its own user's events, or every event of its tenant. */
export function scopeSubject(scope: MessageScope): string {
  return `${DELIVERY_EVENT_PREFIX}.${scope.tenant}.${scope.userId ?? '*'}`;
}

/**
 * Announces a stored record. Core NATS, at most once: a subscriber that misses it (reconnecting)
 * reads the message log instead. Never throws: the record is stored either way.
 */
export function publishDeliveryEvent(nc: NatsConnection, event: DeliveryEvent, log: Logger) {
  try {
    nc.publish(deliveryEventSubject(event.tenant, event.userId), JSON.stringify(event));
  } catch (error) {
    log.warn({ err: error, queueId: event.queueId }, 'cannot publish delivery event');
  }
}

/**
 * The scope's delivery events as they are published, until the consumer stops iterating (the
 * SSE client disconnects): then the NATS subscription ends. Malformed payloads are skipped.
 */
export async function* subscribeDeliveryEvents(
  nc: NatsConnection,
  scope: MessageScope,
  log: Logger,
): AsyncGenerator<DeliveryEvent> {
  let sub: Subscription;
  try {
    sub = nc.subscribe(scopeSubject(scope));
    // The subscription must be registered with the server before a client acts on "subscribed".
    await nc.flush();
  } catch (error) {
    throw new DeliveryEventsError('cannot subscribe to delivery events', { cause: error });
  }
  try {
    for await (const msg of sub) {
      const parsed = deliveryEventSchema.safeParse(safeJson(msg.data));
      if (!parsed.success) {
        log.warn({ subject: msg.subject }, 'malformed delivery event skipped');
        continue;
      }
      // Belt and braces: the subject already names the tenant and user.
      const event = parsed.data;
      if (event.tenant !== scope.tenant) continue;
      if (scope.userId !== null && event.userId !== scope.userId) continue;
      yield event;
    }
  } finally {
    sub.unsubscribe();
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
