import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { submitWithSwaks, waitForRecord } from '../scripts/round-trip.ts';
import { LOCAL, startLocalStack, type LocalStack } from '../scripts/stack/local.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';
import { graphql } from '../scripts/stack/zajoni.ts';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlp-receiver.ts';

// The relay and the API run as their own processes, exporting OTLP/JSON to a receiver on
// loopback; one message goes through the whole main job, and its trace is read back.

/** OTLP span kinds (opentelemetry-proto). */
const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

function otelEnv(receiver: OtlpReceiver, service: string): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
}

describe('tracing and metrics, end to end', () => {
  let dir: string;
  let receiver: OtlpReceiver;
  let stack: LocalStack;
  let metricsPort: number;
  let queueId: string;
  const subject = `traced subject ${Date.now()}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-otel-'));
    receiver = await startOtlpReceiver();
    metricsPort = await freePort();
    stack = await startLocalStack({
      dir,
      relayEnv: { ...otelEnv(receiver, 'zajoni-relay'), METRICS_PORT: String(metricsPort) },
      apiEnv: otelEnv(receiver, 'zajoni-api'),
    });
    queueId = await submitWithSwaks(stack, subject);
    await waitForRecord(stack, queueId);
  });

  after(async () => {
    await stack?.stop();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The one span named `name` with this message's queue id, once exported. */
  async function spanOf(name: string, service: string): Promise<ReceivedSpan> {
    let found: ReceivedSpan[] = [];
    await waitFor(`a ${name} span from ${service}`, () => {
      found = receiver.spans.filter(
        (s) =>
          s.name === name && s.service === service && s.attributes['zajoni.queue_id'] === queueId,
      );
      return found.length > 0;
    });
    assert.equal(found.length, 1, `one ${name} span for ${queueId}`);
    return found[0]!;
  }

  const byId = (id: string) => receiver.spans.find((s) => s.spanId === id);
  const childrenOf = (parent: ReceivedSpan) =>
    receiver.spans.filter((s) => s.parentSpanId === parent.spanId);

  it('holds submission, delivery and ingest in one trace, parent to child', async () => {
    const message = await spanOf('submission.message', 'zajoni-relay');
    const round = await spanOf('delivery.round', 'zajoni-relay');
    const ingest = await spanOf('ingest.transcript', 'zajoni-api');
    const traceId = message.traceId;
    assert.match(traceId, /^[0-9a-f]{32}$/);

    // Submission: session (root, SERVER) > message > quota and queue publish.
    const session = byId(message.parentSpanId);
    assert.equal(session?.name, 'submission.session');
    assert.equal(session?.kind, KIND.server);
    assert.equal(session?.parentSpanId, '');
    assert.ok(
      childrenOf(session).some((s) => s.name === 'submission.auth'),
      'AUTH under the session',
    );
    assert.equal(message.attributes['zajoni.tenant'], LOCAL.tenant);
    assert.deepEqual(message.attributes['zajoni.recipient_domains'], [LOCAL.recipientDomain]);
    assert.equal(message.attributes['zajoni.outcome'], 'queued');
    const steps = childrenOf(message).map((s) => s.name);
    assert.ok(steps.includes('quota.check') && steps.includes('quota.reserve'), String(steps));
    const publish = childrenOf(message).find((s) => s.name === 'queue.publish');
    assert.equal(publish?.kind, KIND.producer);
    assert.equal(publish?.attributes['messaging.system'], 'nats');

    // Delivery: the round continues the trace as the queue publish's consumer.
    assert.equal(round.traceId, traceId);
    assert.equal(round.parentSpanId, publish?.spanId);
    assert.equal(round.kind, KIND.consumer);
    assert.equal(round.attributes['messaging.operation.type'], 'process');
    assert.equal(round.attributes['zajoni.attempt'], 1);
    const attempt = childrenOf(round).find((s) => s.name === 'delivery.attempt');
    assert.ok(attempt, 'a delivery attempt under the round');
    assert.equal(attempt.attributes['zajoni.recipient_domain'], LOCAL.recipientDomain);
    assert.equal(attempt.attributes['zajoni.outcome'], 'delivered');
    const record = await waitForRecord(stack, queueId);
    const remoteQueueId = record.recipients[0]?.remoteQueueId;
    assert.ok(remoteQueueId);
    assert.equal(attempt.attributes['zajoni.remote_queue_id'], remoteQueueId);
    const underAttempt = childrenOf(attempt).map((s) => s.name);
    assert.ok(underAttempt.includes('delivery.mx_lookup'), String(underAttempt));
    const connection = childrenOf(attempt).find((s) => s.name === 'smtp.connection');
    assert.ok(connection, 'an SMTP connection under the attempt');
    assert.equal(connection.attributes['network.peer.address'], '127.0.0.1');
    const onWire = childrenOf(connection).map((s) => s.name);
    for (const step of ['smtp.connect', 'smtp EHLO', 'smtp.tls', 'smtp MAIL', 'smtp RCPT']) {
      assert.ok(onWire.includes(step), `${step} in ${onWire.join(', ')}`);
    }
    const endOfData = childrenOf(connection).find((s) => s.name === 'smtp.end_of_data');
    assert.equal(endOfData?.attributes['zajoni.smtp.reply_code'], 250);

    // Ingest: the API's consumer span is the child of the relay's transcript publish.
    const transcriptPublish = byId(ingest.parentSpanId);
    assert.equal(transcriptPublish?.name, 'transcript.publish');
    assert.equal(transcriptPublish?.service, 'zajoni-relay');
    assert.equal(transcriptPublish?.parentSpanId, round.spanId);
    assert.equal(ingest.traceId, traceId);
    assert.equal(ingest.kind, KIND.consumer);
    const store = childrenOf(ingest).find((s) => s.name === 'ingest.store');
    assert.ok(store, 'an ingest.store span');
    await waitFor('PostgreSQL spans under ingest.store', () =>
      descendants(store).some((s) => s.attributes['db.system.name'] === 'postgresql'),
    );
  });

  it('exposes the trace id in GraphQL and in every log line of the message', async () => {
    const message = await spanOf('submission.message', 'zajoni-relay');
    const data = await graphql<{ message: { traceId: string | null; attempts: unknown[] } }>(
      stack.api.graphqlUrl,
      LOCAL.sender,
      'query ($q: ID!) { message(queueId: $q) { traceId attempts { traceId } } }',
      { q: queueId },
    );
    assert.equal(data.message.traceId, message.traceId);
    assert.deepEqual(data.message.attempts, [{ traceId: message.traceId }]);

    for (const log of [stack.relay.process.logFile, stack.api.process.logFile]) {
      const lines = (await readFile(log, 'utf8'))
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(`"queueId":"${queueId}`))
        .map((l) => JSON.parse(l) as { trace_id?: string; msg: string });
      assert.ok(lines.length > 0, `lines naming ${queueId} in ${log}`);
      for (const line of lines) assert.equal(line.trace_id, message.traceId, line.msg);
    }
  });

  it('exports no address, subject or password', async () => {
    await spanOf('ingest.transcript', 'zajoni-api');
    const forbidden = [/@/, new RegExp(subject), new RegExp(LOCAL.sender.password)];
    for (const span of receiver.spans) {
      const values = JSON.stringify([
        span.attributes,
        span.links.map((l) => l.attributes),
        span.events.map((e) => e.attributes),
        span.status.message ?? '',
      ]);
      for (const pattern of forbidden) {
        assert.doesNotMatch(values, pattern, `${span.service} ${span.name}`);
      }
    }
  });

  it('serves Prometheus metrics on the relay and the API', async () => {
    const relay = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const demo = { tenant: LOCAL.tenant };
    const delivered = { ...demo, status: 'delivered' };
    assert.equal(sample(relay, 'zajoni_messages_submitted_total', demo), 1);
    assert.equal(sample(relay, 'zajoni_recipient_outcomes_total', delivered), 1);
    assert.equal(sample(relay, 'zajoni_delivery_latency_seconds_count', delivered), 1);
    assert.equal(sample(relay, 'zajoni_quota_refusals_total', demo), 0);
    assert.ok((sample(relay, 'zajoni_queue_depth', demo) ?? -1) >= 0, 'queue depth read');

    const api = await (await fetch(`${stack.api.url}/metrics`)).text();
    const stored = { ...demo, result: 'stored' };
    assert.equal(sample(api, 'zajoni_transcripts_ingested_total', stored), 1);
    assert.equal(sample(api, 'zajoni_ingest_lag_seconds_count', demo), 1);
  });

  function descendants(span: ReceivedSpan): ReceivedSpan[] {
    return childrenOf(span).flatMap((child) => [child, ...descendants(child)]);
  }
});

/** The value of the series `name` whose labels include `labels`, or null; any label order. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return null;
}
