import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JetStreamManager } from '@nats-io/jetstream';
import { deliveryConsumer, QUEUE_STREAM, type RecipientStatus } from '#shared';

/** The relay's Prometheus metrics; every series is labelled with the tenant. */
export interface RelayMetrics {
  readonly registry: Registry;
  /** A message was queued (its 250 sent). */
  messageSubmitted(): void;
  /** A submission was refused because the user's quota was used up. */
  quotaRefused(): void;
  /** A recipient's outcome after a delivery round, and, once final, its latency in seconds. */
  recipientOutcome(status: RecipientStatus, sinceSubmissionSeconds: number): void;
}

/** Delivery latency buckets, in seconds: from a second to the five-day lifetime. */
const LATENCY_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 5 * 24 * 3600];

/**
 * Creates the relay's registry. `queueDepth` is read at each scrape: the entries of this tenant's
 * queue not yet acknowledged (waiting, retrying or being delivered).
 */
export function createRelayMetrics(tenant: string, queueDepth: () => Promise<number>) {
  const registry = new Registry();
  registry.setDefaultLabels({ tenant });
  collectDefaultMetrics({ register: registry });
  const submitted = new Counter({
    name: 'zajoni_messages_submitted_total',
    help: 'Messages accepted at submission and queued.',
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'zajoni_quota_refusals_total',
    help: 'Submissions refused because the daily quota was used up.',
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'zajoni_recipient_outcomes_total',
    help: 'Recipients of users\u2019 messages by outcome of a delivery round (delivered, deferred, bounced).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'zajoni_delivery_latency_seconds',
    help: 'Time from submission to a final outcome (delivered or bounced), per recipient.',
    labelNames: ['status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'zajoni_queue_depth',
    help: 'Queue entries of this tenant not yet acknowledged (waiting, retrying or in delivery).',
    registers: [registry],
    async collect() {
      // While NATS is away the last value stays: a scrape should not fail for it.
      await queueDepth().then(
        (depth) => this.set(depth),
        () => undefined,
      );
    },
  });
  const metrics: RelayMetrics = {
    registry,
    messageSubmitted: () => submitted.inc(),
    quotaRefused: () => refusals.inc(),
    recipientOutcome(status, seconds) {
      outcomes.inc({ status });
      if (status !== 'deferred') latency.observe({ status }, seconds);
    },
  };
  return metrics;
}

/** Entries of the tenant's delivery consumer not yet acknowledged: pending plus in delivery. */
export async function readQueueDepth(jsm: JetStreamManager, tenant: string): Promise<number> {
  const info = await jsm.consumers.info(QUEUE_STREAM, deliveryConsumer(tenant));
  return info.num_pending + info.num_ack_pending;
}
