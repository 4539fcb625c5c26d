import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { simpleParser } from 'mailparser';
import {
  BODY_BUCKET,
  SMALL_BODY_BUCKET,
  createLogger,
  deliveryConsumer,
  DONE_BUCKET,
  ensureQueueStream,
  ensureTranscriptStream,
  parseQueuedMessage,
  QUEUE_STREAM,
  queueSubject,
  transcriptSchema,
  transcriptSubject,
  type QueuedMessage,
  type Transcript,
} from '#shared';
import { startNats, type NatsInstance } from '../../../scripts/stack/nats.ts';
import { buildConfirmation, buildFailureNotice } from '../confirmation/index.ts';
import { deliverToDomain } from '../delivery/index.ts';
import { routingResolver } from '../delivery/testing/fake-resolver.ts';
import { basicScript, startScriptedMx, type ScriptedMx } from '../delivery/testing/scripted-mx.ts';
import { createQueueStore, smallBodyLimit, type QueueStore } from './store.ts';
import { createDeliveryWorker, type DeliveryWorker } from './worker.ts';

const log = createLogger('worker-test', process.env.LOG_LEVEL ?? 'silent');
const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const TENANT = 'acme';
const MIN_BACKOFF_MS = 60_000;
const BODY = Buffer.from('Subject: Hello\r\nMessage-ID: <m1@example.org>\r\n\r\nHi Bob.\r\n');

/** Waits for a condition on real state (never for a fixed time); fails after `limitMs`. */
async function until<T>(what: string, probe: () => Promise<T | null> | T | null, limitMs = 20_000) {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('delivery worker: retries on the durable queue (B12)', () => {
  let dir: string;
  let nats: NatsInstance;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: QueueStore;
  let results: KV;
  let recipientMx: ScriptedMx;
  let senderMx: ScriptedMx;
  /** example.com's server: its banner is changed between rounds (B12's 421 variant). */
  let busyMx: ScriptedMx;
  const busyScript = basicScript({});
  let clock = T0;
  let acceptFrom = T0;
  const transcripts: Transcript[] = [];
  const workers: DeliveryWorker[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-worker-'));
    nats = await startNats({ dir });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureQueueStream(jsm);
    await ensureTranscriptStream(jsm);
    results = await new Kvm(nc).create(DONE_BUCKET, { history: 1 });
    store = createQueueStore(jetstream(nc), {
      objects: await new Objm(nc).create(BODY_BUCKET),
      small: await new Kvm(nc).create(SMALL_BODY_BUCKET, { history: 1 }),
      smallMaxOctets: smallBodyLimit(nc.info?.max_payload),
    });
    nc.subscribe(transcriptSubject(TENANT), {
      callback: (_error, msg) => {
        transcripts.push(transcriptSchema.parse(msg.json()));
      },
    });
    // Greylisting on the fake clock: RCPT is refused until `acceptFrom`.
    recipientMx = await startScriptedMx(
      basicScript({
        overrides: (c) =>
          c.startsWith('RCPT') && clock < acceptFrom
            ? ['450 4.2.0 <bob@example.net>: greylisted, come back in 300 seconds']
            : undefined,
      }),
    );
    senderMx = await startScriptedMx(basicScript({}), {
      host: '127.0.0.2',
      port: recipientMx.port,
    });
    busyMx = await startScriptedMx(busyScript, { host: '127.0.0.3', port: recipientMx.port });
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await nc?.close();
    await nats?.stop();
    await Promise.all([recipientMx?.close(), senderMx?.close(), busyMx?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  beforeEach(() => {
    transcripts.length = 0;
    recipientMx.connections.length = 0;
    senderMx.connections.length = 0;
    busyMx.connections.length = 0;
  });

  async function startWorker(options: { lifetimeMs: number; delayNoticeAfterMs: number }) {
    const resolver = routingResolver({
      'example.net': [{ host: 'mx.example.net', preference: 10, addresses: ['127.0.0.1'] }],
      'example.org': [{ host: 'mx.example.org', preference: 10, addresses: ['127.0.0.2'] }],
      'example.com': [{ host: 'mx.example.com', preference: 10, addresses: ['127.0.0.3'] }],
    });
    const receiptOptions = { reportingMta: 'relay.test', from: 'postmaster@relay.test' };
    const worker = createDeliveryWorker({
      js: jetstream(nc),
      jsm,
      tenant: TENANT,
      store,
      results,
      // Both scripted servers listen on the same port, on two loopback addresses.
      deliver: (job) =>
        deliverToDomain(job, {
          resolver,
          port: recipientMx.port,
          heloName: 'relay.test',
          allowPrivateAddresses: true,
          log,
        }),
      buildConfirmation: (input) => buildConfirmation({ ...input, ...receiptOptions }),
      buildFailureNotice: (input) => buildFailureNotice({ ...input, ...receiptOptions }),
      concurrency: 1,
      ackWaitMs: 30_000,
      backoff: { minMs: MIN_BACKOFF_MS, maxMs: 10 * MIN_BACKOFF_MS },
      maxWaitMs: 20,
      now: () => clock,
      random: () => 0,
      log,
      ...options,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  async function submit(queueId: string, recipient = 'bob@example.net'): Promise<QueuedMessage> {
    const entry: QueuedMessage = {
      queueId,
      tenant: TENANT,
      kind: 'message',
      sender: 'alice@example.org',
      recipients: [recipient],
      authUser: 'alice@example.org',
      smtpUtf8: false,
      body: '7bit',
      size: BODY.length,
      sha256: createHash('sha256').update(BODY).digest('hex'),
      messageId: 'm1@example.org',
      subject: 'Hello',
      submittedAt: new Date(clock).toISOString(),
      about: null,
      attempt: 1,
      notBefore: null,
      confirm: true,
      bodyStore: store.bodyStoreFor(queueId, BODY.length),
    };
    await store.enqueue(entry, BODY, `${queueId}.1`);
    return entry;
  }

  /** The newest entry on the queue subject: the next round, or a receipt queued after it. */
  async function lastQueued(): Promise<QueuedMessage> {
    const msg = await jsm.streams.getMessage(QUEUE_STREAM, { last_by_subj: queueSubject(TENANT) });
    return parseQueuedMessage(msg?.json());
  }

  async function deliveriesSeen(): Promise<number> {
    const info = await jsm.consumers.info(QUEUE_STREAM, deliveryConsumer(TENANT));
    return info.delivered.consumer_seq;
  }

  it('defers a greylisted message without a receipt, waits out the hint, survives a restart, then delivers once', async () => {
    clock = T0;
    acceptFrom = T0 + 300_000;
    const first = await startWorker({ lifetimeMs: 86_400_000, delayNoticeAfterMs: 4 * 3_600_000 });
    await submit('01JQWORKER0000000000000001');

    const next = await until('the second round to be queued', async () => {
      const entry = await lastQueued();
      return entry.attempt === 2 ? entry : null;
    });
    assert.equal(transcripts.length, 1);
    const [t1] = transcripts;
    assert.deepEqual(
      [t1?.attempt, t1?.outcome, t1?.recipients[0]?.status, t1?.recipients[0]?.reply?.code],
      [1, 'deferred', 'deferred', 450],
    );
    // The hint (300 s) is longer than the back-off (60 s), so it wins.
    assert.equal(next.notBefore, new Date(T0 + 300_000).toISOString());
    assert.deepEqual(next.recipients, ['bob@example.net']);
    assert.equal(senderMx.connections.length, 0, 'no receipt for a deferral');

    // A new worker (a restarted relay) takes the queue over; before the time, nothing is sent.
    await first.stop();
    clock = T0 + 299_000;
    await startWorker({ lifetimeMs: 86_400_000, delayNoticeAfterMs: 4 * 3_600_000 });
    const seen = await deliveriesSeen();
    await until('the early entry to be looked at three times', async () =>
      (await deliveriesSeen()) >= seen + 3 ? true : null,
    );
    assert.equal(recipientMx.connections.length, 1);

    clock = T0 + 300_000;
    await until('the second transcript', () => (transcripts.length >= 2 ? true : null));
    const t2 = transcripts[1];
    assert.deepEqual([t2?.attempt, t2?.outcome], [2, 'delivered']);
    assert.notEqual(t2?.attemptId, t1?.attemptId);
    assert.ok((t2?.startedAt ?? '') >= (t1?.endedAt ?? ''));
    // The first round's RCPT was refused, so it sent only the lone dot (RFC 2920 section 3.1).
    const messages = recipientMx.connections.flatMap((c) => c.messages);
    assert.deepEqual(
      messages.map(String),
      ['', BODY.toString()],
      'the message reaches the MX once',
    );

    const receipt = await until(
      'the confirmation',
      () => senderMx.connections[0]?.messages[0] ?? null,
    );
    const parsed = await simpleParser(receipt);
    assert.match(parsed.subject ?? '', /^Delivered/);
    assert.equal(senderMx.connections.flatMap((c) => c.messages).length, 1);
  });

  it('B12: retries after the minimum back-off when the server greets with 421, then delivers once', async () => {
    clock = T0;
    busyScript.banner = ['421 4.7.0 Try again later'];
    await startWorker({ lifetimeMs: 86_400_000, delayNoticeAfterMs: 4 * 3_600_000 });
    await submit('01JQWORKER0000000000000003', 'bob@example.com');

    const next = await until('the second round to be queued', async () => {
      const entry = await lastQueued();
      return entry.attempt === 2 ? entry : null;
    });
    const [t1] = transcripts;
    assert.deepEqual(
      [t1?.outcome, t1?.recipients[0]?.status, t1?.recipients[0]?.reply?.lines],
      ['deferred', 'deferred', ['421 4.7.0 Try again later']],
    );
    // No hint in the reply: the relay's own minimum back-off (random 0: no jitter).
    assert.equal(next.notBefore, new Date(T0 + MIN_BACKOFF_MS).toISOString());
    assert.deepEqual(busyMx.connections[0]?.commands, []);
    assert.equal(senderMx.connections.length, 0, 'no receipt for a deferral');

    busyScript.banner = ['220 mx.example.com ESMTP ready'];
    clock = T0 + MIN_BACKOFF_MS;
    await until('the second transcript', () => (transcripts.length >= 2 ? true : null));
    assert.deepEqual(
      transcripts.map((t) => [t.attempt, t.outcome]),
      [
        [1, 'deferred'],
        [2, 'delivered'],
      ],
    );
    assert.deepEqual(busyMx.connections.flatMap((c) => c.messages).map(String), [BODY.toString()]);
    // The confirmation ends the round; it must not reach the next test's sender MX.
    await until('the confirmation', () => senderMx.connections[0]?.messages[0] ?? null);
  });

  it('sends one delay notice, then a failure notice with every round when the lifetime ends', async () => {
    clock = T0;
    acceptFrom = Number.POSITIVE_INFINITY;
    await startWorker({ lifetimeMs: 1_000_000, delayNoticeAfterMs: 200_000 });
    await submit('01JQWORKER0000000000000002');

    // Round 1 at T0 is too young for a notice; round 2 at +300 s sends the delay notice, round 3
    // at +600 s does not repeat it, round 4 at +1100 s is past the lifetime: failure notice.
    for (const [round, at] of [
      [2, 300_000],
      [3, 600_000],
      [4, 1_100_000],
    ] as const) {
      await until(`round ${round} to be queued`, async () =>
        transcripts.length >= round - 1 && (await lastQueued()).attempt === round ? true : null,
      );
      clock = T0 + at;
    }
    await until('two receipts', () =>
      senderMx.connections.flatMap((c) => c.messages).length >= 2 ? true : null,
    );
    const receipts = await Promise.all(
      senderMx.connections.flatMap((c) => c.messages).map((m) => simpleParser(m)),
    );
    assert.deepEqual(
      receipts.map((r) => /^(\w+)/.exec(r.subject ?? '')?.[1]),
      ['Delayed', 'Undelivered'],
    );
    assert.deepEqual(
      transcripts.map((t) => [t.attempt, t.outcome]),
      [
        [1, 'deferred'],
        [2, 'deferred'],
        [3, 'deferred'],
        [4, 'deferred'],
      ],
    );
    const json = receipts[1]?.attachments.find((a) => a.filename === 'transcript.json');
    const attached = JSON.parse(json?.content.toString() ?? '[]') as Transcript[];
    assert.deepEqual(
      attached.map((t) => t.attempt),
      [1, 2, 3, 4],
    );
  });
});
