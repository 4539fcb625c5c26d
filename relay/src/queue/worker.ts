import { createHash } from 'node:crypto';
import {
  AckPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import {
  deliveryConsumer,
  InvalidRecordError,
  parseQueuedMessage,
  QUEUE_STREAM,
  queueSubject,
  transcriptSubject,
  type Logger,
  type QueuedMessage,
  type RecipientStatus,
  type Transcript,
} from '#shared';
import { nextAttemptAt } from './backoff.ts';
import type { QueueStore } from './store.ts';

/** One recipient domain's share of a queue entry, handed to the delivery layer. */
export interface DomainJob {
  entry: QueuedMessage;
  domain: string;
  recipients: string[];
  body: Buffer;
  attempt: number;
}

/** A receipt ready to queue: the whole RFC 5322 message. */
export interface Receipt {
  raw: Buffer;
  messageId: string;
  subject: string;
}

export interface ReceiptInput {
  entry: QueuedMessage;
  transcripts: Transcript[];
  originalHeaders: string;
  now: Date;
  /** The message outlived its lifetime: deferred recipients are reported as failed. */
  expired?: boolean;
}

export interface WorkerDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  tenant: string;
  store: QueueStore;
  /** Results of finished rounds, so a round redelivered after a crash is not sent again. */
  results: KV;
  deliver(job: DomainJob): Promise<Transcript[]>;
  buildConfirmation(input: ReceiptInput): Promise<Receipt>;
  buildFailureNotice(input: ReceiptInput): Promise<Receipt>;
  concurrency: number;
  /** Unacknowledged time after which another replica takes an entry over, in ms. */
  ackWaitMs: number;
  /** Time from submission after which deferred recipients fail, in ms. */
  lifetimeMs: number;
  log: Logger;
}

export interface DeliveryWorker {
  start(): Promise<void>;
  /** Stops taking entries and waits for the deliveries in progress. */
  stop(): Promise<void>;
}

/** How long one pull waits for an entry before asking again, in ms. */
const PULL_EXPIRES_MS = 5_000;

export function createDeliveryWorker(deps: WorkerDeps): DeliveryWorker {
  let stopping = false;
  let loops: Promise<void>[] = [];

  async function loop(consumer: Consumer) {
    while (!stopping) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: PULL_EXPIRES_MS });
      } catch (error) {
        deps.log.warn({ err: error }, 'cannot pull from queue, retrying');
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (msg) await handle(deps, msg);
    }
  }

  return {
    async start() {
      const consumer = await ensureConsumer(deps);
      loops = Array.from({ length: deps.concurrency }, () => loop(consumer));
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

async function ensureConsumer(deps: WorkerDeps): Promise<Consumer> {
  const name = deliveryConsumer(deps.tenant);
  const config = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: queueSubject(deps.tenant),
    ack_wait: nanos(deps.ackWaitMs),
    max_deliver: -1,
  };
  try {
    await deps.jsm.consumers.info(QUEUE_STREAM, name);
    await deps.jsm.consumers.update(QUEUE_STREAM, name, { ack_wait: config.ack_wait });
  } catch {
    await deps.jsm.consumers.add(QUEUE_STREAM, config);
  }
  return deps.js.consumers.get(QUEUE_STREAM, name);
}

async function handle(deps: WorkerDeps, msg: JsMsg) {
  let entry: QueuedMessage;
  try {
    entry = parseQueuedMessage(msg.json());
  } catch (error) {
    // Retrying cannot fix a malformed entry; terminate it, loudly, rather than loop on it.
    const reason = error instanceof InvalidRecordError ? error.message : 'not JSON';
    deps.log.error({ err: error, seq: msg.seq }, 'invalid queue entry dropped');
    msg.term(reason);
    return;
  }
  const log = deps.log.child({ queueId: entry.queueId, attempt: entry.attempt });
  const wait = entry.notBefore ? Date.parse(entry.notBefore) - Date.now() : 0;
  if (wait > 0) {
    msg.nak(wait);
    return;
  }
  const heartbeat = setInterval(() => msg.working(), Math.max(1_000, deps.ackWaitMs / 3));
  try {
    await runRound(deps, entry, log);
    msg.ack();
  } catch (error) {
    log.warn({ err: error }, 'delivery round failed, will retry');
    msg.nak(10_000);
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * One delivery round of a queue entry. Every step after the sending is idempotent (fixed message
 * ids, the saved result), so a round cut short by a crash is finished by whichever replica gets
 * the entry next, without sending to a recipient's server twice.
 */
async function runRound(deps: WorkerDeps, entry: QueuedMessage, log: Logger) {
  const resultKey = `${entry.queueId}.${entry.attempt}`;
  const body = await deps.store.readBody(entry.queueId);
  let transcripts = await loadResult(deps.results, resultKey);
  if (!transcripts) {
    if (!body) {
      log.error('body missing from the object store; entry dropped');
      return;
    }
    transcripts = await deliverAll(deps, entry, body);
    await deps.results.put(resultKey, JSON.stringify(transcripts));
  }
  await publishTranscripts(deps, entry, transcripts);

  const statuses = finalStatuses(transcripts);
  const deferred = entry.recipients.filter((r) => statuses.get(r) === 'deferred');
  const expired = Date.now() - Date.parse(entry.submittedAt) > deps.lifetimeMs;
  const input = {
    entry,
    transcripts,
    originalHeaders: body ? headersOf(body) : '',
    now: new Date(),
  };
  await sendReceipts(deps, input, statuses, expired);

  if (deferred.length > 0 && !expired) {
    const next = {
      ...entry,
      recipients: deferred,
      attempt: entry.attempt + 1,
      notBefore: nextAttemptAt(entry.attempt, new Date()).toISOString(),
    };
    await deps.store.enqueue(next, null, `${entry.queueId}.${next.attempt}`);
    log.info({ deferred: deferred.length, notBefore: next.notBefore }, 'deferred');
    return;
  }
  await deps.store.removeBody(entry.queueId).catch((error: unknown) => {
    log.warn({ err: error }, 'cannot delete delivered body');
  });
  log.info({ recipients: Object.fromEntries(statuses) }, 'delivery finished');
}

async function deliverAll(deps: WorkerDeps, entry: QueuedMessage, body: Buffer) {
  const transcripts: Transcript[] = [];
  for (const [domain, recipients] of groupByDomain(entry.recipients)) {
    const job = { entry, domain, recipients, body, attempt: entry.attempt };
    transcripts.push(...(await deps.deliver(job)));
  }
  return transcripts;
}

async function publishTranscripts(deps: WorkerDeps, entry: QueuedMessage, list: Transcript[]) {
  // Receipts are Zajoni's own mail, not the user's: their transcripts go to the log only.
  if (entry.kind !== 'message') {
    for (const t of list) deps.log.info({ queueId: entry.queueId, outcome: t.outcome }, 'receipt');
    return;
  }
  for (const transcript of list) {
    const data = JSON.stringify(transcript);
    await deps.js.publish(transcriptSubject(entry.tenant), data, { msgID: transcript.attemptId });
  }
}

async function sendReceipts(
  deps: WorkerDeps,
  input: ReceiptInput,
  statuses: Map<string, RecipientStatus>,
  expired: boolean,
) {
  const { entry } = input;
  // Receipts are never confirmed themselves, and do not count against the quota.
  if (entry.kind !== 'message') return;
  const values = [...statuses.values()];
  // The sender may turn confirmations off; a failure notice still goes out, since a bounce is
  // news the sender must get (as any MTA's non-delivery report).
  if (entry.confirm && values.includes('delivered')) {
    await queueReceipt(deps, entry, await deps.buildConfirmation(input), 'c');
  }
  if (values.includes('bounced') || (expired && values.includes('deferred'))) {
    await queueReceipt(deps, entry, await deps.buildFailureNotice({ ...input, expired }), 'f');
  }
}

async function queueReceipt(deps: WorkerDeps, about: QueuedMessage, receipt: Receipt, tag: string) {
  // A fixed id per round: the same receipt queued again after a crash is dropped as a duplicate.
  const queueId = `${about.queueId}-${tag}${about.attempt}`;
  const entry: QueuedMessage = {
    queueId,
    tenant: about.tenant,
    kind: tag === 'c' ? 'confirmation' : 'failure-notice',
    sender: '',
    recipients: [about.authUser],
    authUser: about.authUser,
    smtpUtf8: false,
    body: '8bitmime',
    size: receipt.raw.length,
    sha256: createHash('sha256').update(receipt.raw).digest('hex'),
    messageId: receipt.messageId,
    subject: receipt.subject,
    submittedAt: new Date().toISOString(),
    about: about.queueId,
    attempt: 1,
    notBefore: null,
    confirm: false,
  };
  await deps.store.enqueue(entry, receipt.raw, `${queueId}.1`);
}

/** Each recipient's outcome as decided by the last connection that reported on it. */
function finalStatuses(transcripts: readonly Transcript[]): Map<string, RecipientStatus> {
  const statuses = new Map<string, RecipientStatus>();
  for (const t of transcripts) for (const r of t.recipients) statuses.set(r.address, r.status);
  return statuses;
}

function groupByDomain(recipients: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const address of recipients) {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    groups.set(domain, [...(groups.get(domain) ?? []), address]);
  }
  return groups;
}

async function loadResult(kv: KV, key: string): Promise<Transcript[] | null> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') return null;
  return entry.json<Transcript[]>();
}

function headersOf(body: Buffer): string {
  const end = body.indexOf('\r\n\r\n');
  return body.subarray(0, end === -1 ? body.length : end + 2).toString('utf8');
}
