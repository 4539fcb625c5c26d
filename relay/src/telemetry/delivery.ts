import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { context, createContextKey, SpanKind, trace, type Context } from '@opentelemetry/api';
import {
  activeTraceId,
  extractTraceContext,
  inSpan,
  SEMCONV,
  SPAN,
  traceHeaders,
  ZAJONI_ATTR,
  type QueuedMessage,
  type RecipientStatus,
  type Transcript,
} from '#shared';
import type { MxResolver } from '../delivery/index.ts';
import type { RelayMetrics } from './metrics.ts';
import { PUBLISH_LINKS } from './queue.ts';

/** The context a delivery round's entry carried: the parent of the retry it may queue. */
const ROUND_PARENT = createContextKey('zajoni.round-parent');

/**
 * Runs one delivery round in a `delivery.round` span (kind CONSUMER) whose parent is the
 * `queue.publish` span named in the entry's headers: the round joins the trace started at
 * submission, whichever replica takes it and however late. JetStream redeliveries of the same
 * entry (after a crash or a nak) are sibling rounds with a higher `zajoni.delivery_count`.
 */
export function traceRound<T>(msg: JsMsg, entry: QueuedMessage, work: () => Promise<T>) {
  const parent = extractTraceContext(msg.headers);
  const attributes = {
    [SEMCONV.messagingSystem]: 'nats',
    [SEMCONV.messagingOperationType]: 'process',
    [SEMCONV.messagingDestination]: msg.subject,
    [SEMCONV.messagingConsumerGroup]: msg.info.consumer,
    [SEMCONV.messagingMessageId]: `${entry.queueId}.${entry.attempt}`,
    [ZAJONI_ATTR.tenant]: entry.tenant,
    [ZAJONI_ATTR.queueId]: entry.queueId,
    [ZAJONI_ATTR.queueKind]: entry.kind,
    [ZAJONI_ATTR.attempt]: entry.attempt,
    [ZAJONI_ATTR.deliveryCount]: msg.info.deliveryCount,
    [ZAJONI_ATTR.recipientDomains]: domainsOf(entry.recipients),
    [ZAJONI_ATTR.recipientCount]: entry.recipients.length,
  };
  const options = {
    kind: SpanKind.CONSUMER,
    attributes,
    parent: parent.setValue(ROUND_PARENT, parent),
  };
  return inSpan(SPAN.deliveryRound, options, () => work());
}

/**
 * Runs `work` (queueing the next round of deferred recipients) so that its `queue.publish` span
 * is a sibling of this round, not its child, with a link (`zajoni.link_reason=retry-of`) to the
 * round that deferred it. A parent would claim the next round runs inside this one, which ended
 * hours before; the trace id stays the submission's.
 */
export function asRetry<T>(work: () => Promise<T>): Promise<T> {
  const round = trace.getActiveSpan();
  const parent = context.active().getValue(ROUND_PARENT) as Context | undefined;
  if (!round || !parent) return work();
  const link = {
    context: round.spanContext(),
    attributes: { [ZAJONI_ATTR.linkReason]: 'retry-of' },
  };
  return context.with(parent.setValue(PUBLISH_LINKS, [link]), work);
}

/** The part of a domain job the tracing wrapper reads. */
interface DomainJobFacts {
  entry: QueuedMessage;
  domain: string;
  recipients: string[];
  attempt: number;
}

/**
 * Delivers one domain's share in a `delivery.attempt` span, stamps the trace id into each
 * transcript, and counts each recipient's outcome (users' messages only, not receipts).
 */
export function traceDomainDelivery(
  job: DomainJobFacts,
  metrics: RelayMetrics,
  deliver: () => Promise<Transcript[]>,
): Promise<Transcript[]> {
  const attributes = {
    [ZAJONI_ATTR.tenant]: job.entry.tenant,
    [ZAJONI_ATTR.queueId]: job.entry.queueId,
    [ZAJONI_ATTR.attempt]: job.attempt,
    [ZAJONI_ATTR.recipientDomain]: job.domain,
    [ZAJONI_ATTR.recipientCount]: job.recipients.length,
  };
  return inSpan(SPAN.deliveryAttempt, { attributes }, async (span) => {
    const transcripts = await deliver();
    const last = transcripts.at(-1);
    if (last) {
      span.setAttribute(ZAJONI_ATTR.outcome, last.outcome);
      if (last.remoteQueueId) span.setAttribute(ZAJONI_ATTR.remoteQueueId, last.remoteQueueId);
      if (last.mx) span.setAttribute(SEMCONV.serverAddress, last.mx.host);
    }
    if (job.entry.kind === 'message') countOutcomes(job, transcripts, metrics);
    const traceId = activeTraceId();
    return traceId ? transcripts.map((t) => ({ ...t, traceId })) : transcripts;
  });
}

function countOutcomes(job: DomainJobFacts, transcripts: Transcript[], metrics: RelayMetrics) {
  const statuses = new Map<string, RecipientStatus>();
  for (const t of transcripts) for (const r of t.recipients) statuses.set(r.address, r.status);
  const seconds = (Date.now() - Date.parse(job.entry.submittedAt)) / 1000;
  for (const status of statuses.values()) metrics.recipientOutcome(status, seconds);
}

/** The MX resolver with a `delivery.mx_lookup` span (kind CLIENT) per look-up. */
export function traceResolver(resolver: MxResolver): MxResolver {
  return {
    resolve: (domain) =>
      inSpan(
        SPAN.mxLookup,
        { kind: SpanKind.CLIENT, attributes: { [SEMCONV.dnsQuestionName]: domain } },
        async (span) => {
          const resolution = await resolver.resolve(domain);
          span.setAttribute(ZAJONI_ATTR.outcome, resolution.kind);
          if (resolution.kind === 'resolved') {
            span.setAttribute(
              'zajoni.mx.hosts',
              resolution.hosts.map((h) => h.host),
            );
          }
          return resolution;
        },
      ),
  };
}

/**
 * Publishes a transcript record in a `transcript.publish` span (kind PRODUCER), with the trace
 * context in its headers: the API's ingest of the record joins the trace.
 */
export function publishTranscript(js: JetStreamClient, subject: string, transcript: Transcript) {
  const attributes = {
    [SEMCONV.messagingSystem]: 'nats',
    [SEMCONV.messagingOperationType]: 'send',
    [SEMCONV.messagingDestination]: subject,
    [SEMCONV.messagingMessageId]: transcript.attemptId,
    [ZAJONI_ATTR.tenant]: transcript.tenant,
    [ZAJONI_ATTR.queueId]: transcript.queueId,
    [ZAJONI_ATTR.attemptId]: transcript.attemptId,
    [ZAJONI_ATTR.recipientDomain]: transcript.domain,
  };
  return inSpan(SPAN.transcriptPublish, { kind: SpanKind.PRODUCER, attributes }, async () => {
    const data = JSON.stringify(transcript);
    await js.publish(subject, data, { msgID: transcript.attemptId, headers: traceHeaders() });
  });
}

/** The distinct domains of some addresses, lowercased: never the addresses themselves. */
export function domainsOf(addresses: readonly string[]): string[] {
  const domains = addresses.map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase());
  return [...new Set(domains)];
}
