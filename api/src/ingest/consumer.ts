import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerUpdateConfig,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import {
  INGEST_CONSUMER,
  InvalidRecordError,
  TRANSCRIPT_STREAM,
  TRANSCRIPT_SUBJECTS,
  ensureTranscriptStream,
  type Logger,
} from '#shared';
import { ConsumerSetupError, QueueIdConflictError } from '../errors.ts';
import { publishDeliveryEvent } from '../messages/events.ts';
import { annotateIngest, noteIngestFailure, traceIngest, traceStore } from '../telemetry/index.ts';
import { NOT_JSON, decodeRecord } from './decode-record.ts';
import {
  DEFAULT_BATCH_RECORDS,
  DEFAULT_BATCH_TRANSACTIONS,
  createBatchStore,
  type StoreRecord,
} from './batch-store.ts';

/** How long a record waits before redelivery after a database failure (ms). */
export const DEFAULT_RETRY_DELAY_MS = 5_000;

/** Records a replica pulls from the stream at once. */
const BATCH_SIZE = 256;

/**
 * Records being stored at once: enough to fill every transaction of the batch store
 * (DEFAULT_BATCH_TRANSACTIONS × DEFAULT_BATCH_RECORDS). Records of one message still go one
 * after another, in stream order (see storeInOrder).
 */
const STORE_CONCURRENCY = DEFAULT_BATCH_TRANSACTIONS * DEFAULT_BATCH_RECORDS;

/** Settings an existing consumer can be updated to. Ack time is generous: a store may wait 5 s. */
const MUTABLE_CONFIG = {
  description: 'Zajoni API: stores delivery transcripts in PostgreSQL',
  filter_subject: TRANSCRIPT_SUBJECTS,
  ack_wait: nanos(60_000),
} satisfies Partial<ConsumerUpdateConfig>;

const CONSUMER_CONFIG: Partial<ConsumerConfig> = {
  durable_name: INGEST_CONSUMER,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ...MUTABLE_CONFIG,
};

/** JetStream's error code for "consumer already exists" with another configuration. */
const CONSUMER_EXISTS = 10148;

export interface IngestOptions {
  /** Delay before a record is redelivered after a database failure (ms, default 5000). */
  readonly retryDelayMs?: number;
}

export interface Ingest {
  /**
   * Stops pulling, finishes the records already received, then resolves. Idempotent. Records not
   * acked by then are redelivered to another replica.
   */
  stop(): Promise<void>;
}

/**
 * Stores every transcript published on the transcript stream, through the durable pull consumer
 * INGEST_CONSUMER shared by all API replicas. A record is acked only after its transaction
 * commits; an invalid one is logged and terminated; a database failure naks it for later.
 */
export async function startIngest(
  nc: NatsConnection,
  pool: Pool,
  log: Logger,
  options: IngestOptions = {},
): Promise<Ingest> {
  const ingestLog = log.child({ component: 'ingest' });
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const jsm = await jetstreamManager(nc);
  await ensureTranscriptStream(jsm);
  await ensureIngestConsumer(jsm);

  const consumer = await jetstream(nc).consumers.get(TRANSCRIPT_STREAM, INGEST_CONSUMER);
  const messages = await consumer.consume({ max_messages: BATCH_SIZE });
  const store = createBatchStore(pool);
  let stopping = false;
  const loop = (async () => {
    const inFlight = new Set<Promise<void>>();
    const lastOfMessage = new Map<string, Promise<void>>();
    for await (const msg of messages) {
      // Parsed once: the queue id orders the records, decodeRecord judges the rest.
      const body = parseBody(msg);
      const handle = () =>
        traceIngest(msg, () => handleRecord(msg, body, nc, store, ingestLog, retryDelayMs));
      const task = storeInOrder(lastOfMessage, queueIdOf(body), handle).finally(() =>
        inFlight.delete(task),
      );
      inFlight.add(task);
      if (inFlight.size >= STORE_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (!stopping) ingestLog.error('transcript consumer ended; records are no longer stored');
  })();
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    await messages.close();
    await loop;
  };
  ingestLog.info({ stream: TRANSCRIPT_STREAM, consumer: INGEST_CONSUMER }, 'ingest started');
  return { stop: () => (stopped ??= stop()) };
}

/**
 * Runs `store` after the previous record of the same message has been settled, so that a
 * replica stores one message's records in stream order, as it did when it stored one record at
 * a time (the first record claims the queue id for its tenant).
 */
function storeInOrder(
  last: Map<string, Promise<void>>,
  queueId: string | undefined,
  store: () => Promise<void>,
): Promise<void> {
  if (queueId === undefined) return store();
  const task = (last.get(queueId) ?? Promise.resolve()).then(store);
  last.set(queueId, task);
  void task.finally(() => {
    if (last.get(queueId) === task) last.delete(queueId);
  });
  return task;
}

/** The message's JSON body, or NOT_JSON. */
function parseBody(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return NOT_JSON;
  }
}

/** The record's queue id when it has one; decodeRecord judges the rest. */
function queueIdOf(body: unknown): string | undefined {
  const queueId = (body as { queueId?: unknown } | null)?.queueId;
  return typeof queueId === 'string' ? queueId : undefined;
}

/** Creates the durable consumer, or brings an existing one to this configuration. */
async function ensureIngestConsumer(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.consumers.add(TRANSCRIPT_STREAM, CONSUMER_CONFIG);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_EXISTS) {
      throw new ConsumerSetupError(`cannot create consumer ${INGEST_CONSUMER}`, { cause: error });
    }
  }
  try {
    await jsm.consumers.update(TRANSCRIPT_STREAM, INGEST_CONSUMER, MUTABLE_CONFIG);
  } catch (error) {
    throw new ConsumerSetupError(`cannot update consumer ${INGEST_CONSUMER}`, { cause: error });
  }
}

/**
 * Stores one record and settles it: ack, term (never retry) or nak (retry after a delay). Log
 * lines name the record by fields rather than child loggers: one of these runs per record.
 */
async function handleRecord(
  msg: JsMsg,
  body: unknown,
  nc: NatsConnection,
  store: StoreRecord,
  log: Logger,
  retryDelayMs: number,
): Promise<void> {
  const at: Record<string, unknown> = { seq: msg.seq, subject: msg.subject };
  try {
    const record = decodeRecord(body, msg.subject);
    at['queueId'] = record.queueId;
    at['attemptId'] = record.attemptId;
    annotateIngest(record);
    const outcome = await traceStore(record, () => store(record));
    msg.ack();
    log.info({ ...at, outcome: outcome.kind }, 'transcript stored');
    // After the commit, so a subscriber that queries on the event finds what it announces.
    if (outcome.kind === 'stored') {
      publishDeliveryEvent(
        nc,
        {
          tenant: record.tenant,
          userId: outcome.userId,
          queueId: record.queueId,
          attemptId: record.attemptId,
          domain: record.domain,
          outcome: record.outcome,
          status: outcome.status,
          storedAt: new Date().toISOString(),
        },
        log,
      );
    }
  } catch (error) {
    settleFailure(msg, log, at, error, retryDelayMs);
  }
}

function settleFailure(
  msg: JsMsg,
  log: Logger,
  at: Record<string, unknown>,
  error: unknown,
  retryDelayMs: number,
): void {
  const terminal = error instanceof InvalidRecordError || error instanceof QueueIdConflictError;
  noteIngestFailure(msg.subject, error, terminal);
  if (error instanceof InvalidRecordError) {
    log.error({ ...at, issues: error.issues }, 'invalid transcript record; terminated');
    // No reason text: servers before 2.10 ignore a `+TERM <reason>` acknowledgement entirely.
    msg.term();
    return;
  }
  if (error instanceof QueueIdConflictError) {
    log.error({ ...at, err: error }, 'transcript queue id belongs to another tenant; terminated');
    msg.term();
    return;
  }
  const deliveries = msg.info.deliveryCount;
  log.warn({ ...at, err: error, deliveries, retryDelayMs }, 'cannot store transcript; will retry');
  msg.nak(retryDelayMs);
}
