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
import { asRetry, publishTranscript, traceRound } from '../telemetry/index.ts';
import { nextAttemptAt, retryHintMs, type BackoffPolicy } from './backoff.ts';
import type { QueueStore } from './store.ts';

/** One recipient domain's share of a queue entry, handed to the delivery layer. */
export interface DomainJob {
  entry: QueuedMessage;
  domain: string;
  recipients: string[];
  body: Buffer;
  attempt: number;
  /** An earlier run of this attempt reached the end of data and its outcome was lost. */
  possibleDuplicate: boolean;
  /**
   * Awaited before each final dot: records that this attempt may have reached the server. The
   * dot is not sent when it fails.
   */
  beforeEndOfData: () => Promise<void>;
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
  /** Time from submission after which the sender is told, once, that delivery is delayed, in ms. */
  delayNoticeAfterMs: number;
  /** Waits between rounds. */
  backoff: BackoffPolicy;
  /**
   * Longest a waiting entry is put back for before its time is checked again, in ms; default
   * DEFAULT_MAX_WAIT_MS. Tests with a fake clock set it small.
   */
  maxWaitMs?: number;
  /** Clock in epoch ms; default Date.now. Every decision about time reads it. */
  now?: () => number;
  /** Random number in [0, 1) for the back-off jitter; default Math.random. */
  random?: () => number;
  log: Logger;
}

/** Longest a waiting entry is put back for before its time is checked again, in ms. */
export const DEFAULT_MAX_WAIT_MS = 60_000;

export interface DeliveryWorker {
  start(): Promise<void>;
  /** Stops taking entries and waits for the deliveries in progress. */
  stop(): Promise<void>;
}

/** How long one pull waits for an entry before asking again, in ms. */
const PULL_EXPIRES_MS = 5_000;
/** First and longest wait between tries to save a round's result, in ms. */
const SAVE_RETRY_MIN_MS = 500;
const SAVE_RETRY_MAX_MS = 15_000;

/** The worker was stopped while a result could not be saved; the entry goes back. */
class WorkerStoppedError extends Error {
  override name = 'WorkerStoppedError';
}

/** What one entry's handling reads besides the deps: whether the worker is stopping. */
interface RoundContext {
  deps: WorkerDeps;
  stopping: () => boolean;
}

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
      if (msg) await handle({ deps, stopping: () => stopping }, msg);
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

async function handle(context: RoundContext, msg: JsMsg) {
  const { deps } = context;
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
  const wait = entry.notBefore ? Date.parse(entry.notBefore) - nowOf(deps) : 0;
  if (wait > 0) {
    // Put back for at most maxWaitMs, then look again: the clock decides, not the redelivery.
    msg.nak(Math.min(wait, deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS));
    return;
  }
  const heartbeat = setInterval(() => msg.working(), Math.max(1_000, deps.ackWaitMs / 3));
  try {
    await traceRound(msg, entry, () => runRound(context, entry, log));
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
async function runRound(context: RoundContext, entry: QueuedMessage, log: Logger) {
  const { deps } = context;
  const resultKey = `${entry.queueId}.${entry.attempt}`;
  const body = await deps.store.readBody(entry);
  let transcripts = await loadResult(deps.results, resultKey);
  if (!transcripts) {
    if (!body) {
      log.error({ bodyStore: entry.bodyStore }, 'body missing from its bucket; entry dropped');
      return;
    }
    transcripts = await deliverAll(deps, entry, body);
    // Giving the entry back now would send the message again: keep trying to save instead.
    await saveResult(context, resultKey, transcripts, log);
  }
  await publishTranscripts(deps, entry, transcripts);

  const statuses = finalStatuses(transcripts);
  const deferred = entry.recipients.filter((r) => statuses.get(r) === 'deferred');
  const now = nowOf(deps);
  const age = now - Date.parse(entry.submittedAt);
  const expired = age > deps.lifetimeMs;
  const input = {
    entry,
    transcripts,
    originalHeaders: body ? headersOf(body) : '',
    now: new Date(now),
  };
  await sendReceipts(deps, input, statuses, expired);
  if (deferred.length > 0 && !expired && age >= deps.delayNoticeAfterMs) {
    await sendDelayNotice(deps, input);
  }

  if (deferred.length > 0 && !expired) {
    const hint = retryHint(transcripts, deferred);
    const notBefore = nextAttemptAt(entry.attempt, new Date(now), deps.backoff, hint, deps.random);
    const next = {
      ...entry,
      recipients: deferred,
      attempt: entry.attempt + 1,
      notBefore: notBefore.toISOString(),
    };
    await asRetry(() => deps.store.enqueue(next, null, `${entry.queueId}.${next.attempt}`));
    log.info({ deferred: deferred.length, notBefore: next.notBefore, hint }, 'deferred');
    return;
  }
  await deps.store.removeBody(entry).catch((error: unknown) => {
    log.warn({ err: error }, 'cannot delete delivered body');
  });
  log.info({ recipients: Object.fromEntries(statuses) }, 'delivery finished');
}

function nowOf(deps: WorkerDeps): number {
  return deps.now?.() ?? Date.now();
}

/** The longest wait that a deferred recipient's own reply asked for, in ms. */
function retryHint(transcripts: readonly Transcript[], deferred: readonly string[]) {
  const hints = transcripts
    .flatMap((t) => t.recipients)
    .filter((r) => deferred.includes(r.address) && r.reply)
    .map((r) => retryHintMs(r.reply?.lines ?? []) ?? 0);
  const longest = Math.max(0, ...hints);
  return longest > 0 ? longest : null;
}

/**
 * Tells the sender once that delivery is taking long (RFC 3464 action "delayed"). A marker in
 * the results bucket makes it once per message, across rounds and replicas.
 */
async function sendDelayNotice(deps: WorkerDeps, input: ReceiptInput) {
  const { entry } = input;
  if (entry.kind !== 'message') return;
  const marker = `${entry.queueId}.delay`;
  if (await deps.results.get(marker)) return;
  const transcripts = await roundsSoFar(deps, entry, input.transcripts);
  const notice = await deps.buildFailureNotice({ ...input, transcripts, expired: false });
  await queueReceipt(deps, entry, notice, 'd');
  await deps.results.put(marker, input.now.toISOString());
}

/**
 * Every transcript of the earlier rounds of this entry's recipients, then this round's: the
 * failure and delay notices carry the whole history. Earlier rounds are read from the results
 * bucket. LIMITATION: a round whose result has expired there (the bucket's TTL is the message
 * lifetime plus a day in main.ts) is missing from the history.
 */
async function roundsSoFar(
  deps: WorkerDeps,
  entry: QueuedMessage,
  current: readonly Transcript[],
): Promise<Transcript[]> {
  const history: Transcript[] = [];
  for (let attempt = 1; attempt < entry.attempt; attempt++) {
    const round = await loadResult(deps.results, `${entry.queueId}.${attempt}`);
    for (const t of round ?? []) {
      const recipients = t.recipients.filter((r) => entry.recipients.includes(r.address));
      if (recipients.length > 0) history.push({ ...t, recipients });
    }
  }
  return [...history, ...current];
}

/**
 * Saves a round's result, trying again with a growing wait for as long as it fails (NATS away),
 * until the worker stops. The deliveries are done: only their record is at stake.
 * LIMITATION: while NATS is away the entry's heartbeat fails too, so past the ack wait JetStream
 * hands the entry out again and it is sent a second time, flagged possibleDuplicate.
 */
async function saveResult(
  context: RoundContext,
  key: string,
  transcripts: readonly Transcript[],
  log: Logger,
) {
  for (let wait = SAVE_RETRY_MIN_MS; ; wait = Math.min(2 * wait, SAVE_RETRY_MAX_MS)) {
    try {
      await context.deps.results.put(key, JSON.stringify(transcripts));
      return;
    } catch (error) {
      if (context.stopping()) {
        throw new WorkerStoppedError(`stopped before the result ${key} was saved`, {
          cause: error,
        });
      }
      log.warn({ err: error, retryInMs: wait }, 'cannot save the round result, retrying');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

async function deliverAll(deps: WorkerDeps, entry: QueuedMessage, body: Buffer) {
  const transcripts: Transcript[] = [];
  for (const [domain, recipients] of groupByDomain(entry.recipients)) {
    // A marker without a result: an earlier run sent a final dot, then its outcome was lost.
    const marker = sendingKey(entry, domain);
    const possibleDuplicate = (await deps.results.get(marker))?.operation === 'PUT';
    const beforeEndOfData = async () => {
      await deps.results.put(marker, new Date(nowOf(deps)).toISOString());
    };
    const job = { entry, domain, recipients, body, attempt: entry.attempt };
    transcripts.push(...(await deps.deliver({ ...job, possibleDuplicate, beforeEndOfData })));
  }
  return transcripts;
}

/** Results-bucket key of the marker "this attempt may have reached the end of data". */
function sendingKey(entry: QueuedMessage, domain: string): string {
  // KV keys take [-_=.a-zA-Z0-9/]: base64url keeps any domain, U-labels included, in that set.
  const name = Buffer.from(domain.toLowerCase()).toString('base64url');
  return `${entry.queueId}.${entry.attempt}.sending.${name}`;
}

async function publishTranscripts(deps: WorkerDeps, entry: QueuedMessage, list: Transcript[]) {
  // Receipts are Zajoni's own mail, not the user's: their transcripts go to the log only.
  if (entry.kind !== 'message') {
    for (const t of list) deps.log.info({ queueId: entry.queueId, outcome: t.outcome }, 'receipt');
    return;
  }
  for (const transcript of list) {
    await publishTranscript(deps.js, transcriptSubject(entry.tenant), transcript);
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
    const transcripts = await roundsSoFar(deps, entry, input.transcripts);
    const notice = await deps.buildFailureNotice({ ...input, transcripts, expired });
    await queueReceipt(deps, entry, notice, 'f');
  }
}

async function queueReceipt(deps: WorkerDeps, about: QueuedMessage, receipt: Receipt, tag: string) {
  // A fixed id per round: the same receipt queued again after a crash is dropped as a duplicate.
  const queueId = tag === 'd' ? `${about.queueId}-d` : `${about.queueId}-${tag}${about.attempt}`;
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
    submittedAt: new Date(nowOf(deps)).toISOString(),
    about: about.queueId,
    attempt: 1,
    notBefore: null,
    confirm: false,
    bodyStore: deps.store.bodyStoreFor(queueId, receipt.raw.length),
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
