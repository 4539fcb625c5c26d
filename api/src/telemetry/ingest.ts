import type { JsMsg } from '@nats-io/jetstream';
import { SpanKind, trace } from '@opentelemetry/api';
import {
  extractTraceContext,
  failSpan,
  inSpan,
  SEMCONV,
  SPAN,
  ZAJONI_ATTR,
  type Transcript,
} from '#shared';
import { countIngest } from './metrics.ts';

/**
 * Ingests one record in an `ingest.transcript` span (kind CONSUMER) whose parent is the relay's
 * `transcript.publish` span, from the message's headers: the storing joins the delivery's trace.
 * PostgreSQL's spans (instrumentation-pg) nest under it.
 */
export function traceIngest(msg: JsMsg, work: () => Promise<void>): Promise<void> {
  const attributes = {
    [SEMCONV.messagingSystem]: 'nats',
    [SEMCONV.messagingOperationType]: 'process',
    [SEMCONV.messagingDestination]: msg.subject,
    [SEMCONV.messagingConsumerGroup]: msg.info.consumer,
    [SEMCONV.messagingBodySize]: msg.data.length,
    [ZAJONI_ATTR.deliveryCount]: msg.info.deliveryCount,
  };
  const parent = extractTraceContext(msg.headers);
  return inSpan(SPAN.ingestTranscript, { kind: SpanKind.CONSUMER, attributes, parent }, work);
}

/** Names the record on the ingest span, once it is decoded. */
export function annotateIngest(record: Transcript) {
  trace.getActiveSpan()?.setAttributes({
    [SEMCONV.messagingMessageId]: record.attemptId,
    [ZAJONI_ATTR.tenant]: record.tenant,
    [ZAJONI_ATTR.queueId]: record.queueId,
    [ZAJONI_ATTR.attemptId]: record.attemptId,
    [ZAJONI_ATTR.attempt]: record.attempt,
    [ZAJONI_ATTR.recipientDomain]: record.domain,
    [ZAJONI_ATTR.outcome]: record.outcome,
    ...(record.remoteQueueId ? { [ZAJONI_ATTR.remoteQueueId]: record.remoteQueueId } : {}),
  });
}

/** Stores a record in an `ingest.store` span, and counts the result. */
export async function traceStore<T extends { kind: 'stored' | 'duplicate' }>(
  record: Transcript,
  store: () => Promise<T>,
): Promise<T> {
  const outcome = await inSpan(SPAN.ingestStore, {}, store);
  countIngest(record.tenant, outcome.kind, record.endedAt);
  return outcome;
}

/**
 * Marks the ingest span failed and counts the record as invalid (terminated) or failed (to be
 * retried), under the tenant its subject names.
 */
export function noteIngestFailure(subject: string, error: unknown, invalid: boolean) {
  const span = trace.getActiveSpan();
  if (span) failSpan(span, error);
  countIngest(subject.split('.').at(-1) ?? '', invalid ? 'invalid' : 'failed');
}
