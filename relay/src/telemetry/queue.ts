import { context, createContextKey, SpanKind, type Link } from '@opentelemetry/api';
import { inSpan, queueSubject, SEMCONV, SPAN, ZAJONI_ATTR } from '#shared';
import type { QueueStore } from '../queue/index.ts';
import type { Quota } from '../quota/index.ts';
import type { RelayMetrics } from './metrics.ts';

/** Links the next `queue.publish` span gets (set by asRetry). */
export const PUBLISH_LINKS = createContextKey('zajoni.publish-links');

/**
 * The queue store with a `queue.publish` span (kind PRODUCER) around each enqueue. The store puts
 * the active context, this span's, into the entry's headers, so the delivery round that takes
 * the entry continues the trace as its child.
 */
export function traceQueueStore(store: QueueStore): QueueStore {
  return {
    ...store,
    enqueue(entry, body, entryId) {
      const links = context.active().getValue(PUBLISH_LINKS) as Link[] | undefined;
      const attributes = {
        [SEMCONV.messagingSystem]: 'nats',
        [SEMCONV.messagingOperationType]: 'send',
        [SEMCONV.messagingDestination]: queueSubject(entry.tenant),
        [SEMCONV.messagingMessageId]: entryId,
        [ZAJONI_ATTR.tenant]: entry.tenant,
        [ZAJONI_ATTR.queueId]: entry.queueId,
        [ZAJONI_ATTR.queueKind]: entry.kind,
        [ZAJONI_ATTR.attempt]: entry.attempt,
        [ZAJONI_ATTR.messageSize]: entry.size,
      };
      const options = { kind: SpanKind.PRODUCER, attributes, ...(links ? { links } : {}) };
      return inSpan(SPAN.queuePublish, options, () => store.enqueue(entry, body, entryId));
    },
  };
}

/** The quota with `quota.check` and `quota.reserve` spans, counting refusals. */
export function traceQuota(quota: Quota, metrics: RelayMetrics): Quota {
  const decide = (name: string, run: () => ReturnType<Quota['check']>) =>
    inSpan(name, {}, async (span) => {
      const decision = await run();
      span.setAttribute(ZAJONI_ATTR.outcome, decision.allowed ? 'allowed' : 'refused');
      if (!decision.allowed) metrics.quotaRefused();
      return decision;
    });
  return {
    ...quota,
    check: (userKey, now) => decide(SPAN.quotaCheck, () => quota.check(userKey, now)),
    reserve: (userKey, now) => decide(SPAN.quotaReserve, () => quota.reserve(userKey, now)),
  };
}
