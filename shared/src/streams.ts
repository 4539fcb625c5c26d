import {
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import {
  QUEUE_STREAM,
  QUEUE_SUBJECTS,
  TRANSCRIPT_STREAM,
  TRANSCRIPT_SUBJECTS,
} from './subjects.ts';

type StreamSpec = Partial<StreamConfig> & { name: string };

/** JetStream's error code for "stream name already in use" (not in the client's constant list). */
const STREAM_NAME_IN_USE = 10058;

/** How long JetStream remembers a message id to drop a re-publish (ms). */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * Submitted messages: a work queue, so an entry is gone once a relay acks its delivery and
 * survives any relay crash before that.
 */
const QUEUE_CONFIG: StreamSpec = {
  name: QUEUE_STREAM,
  subjects: [QUEUE_SUBJECTS],
  retention: RetentionPolicy.Workqueue,
  storage: StorageType.File,
  duplicate_window: nanos(DUPLICATE_WINDOW_MS),
};

/** Attempt transcripts on their way to the API; kept a week in case ingest is down. */
const TRANSCRIPT_CONFIG: StreamSpec = {
  name: TRANSCRIPT_STREAM,
  subjects: [TRANSCRIPT_SUBJECTS],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  max_age: nanos(7 * 24 * 3_600_000),
  duplicate_window: nanos(DUPLICATE_WINDOW_MS),
};

/** Creates the queue stream unless it exists. Safe to call from every replica at start. */
export function ensureQueueStream(jsm: JetStreamManager): Promise<void> {
  return ensureStream(jsm, QUEUE_CONFIG);
}

/** Creates the transcript stream unless it exists. Both relay and API call it at start. */
export function ensureTranscriptStream(jsm: JetStreamManager): Promise<void> {
  return ensureStream(jsm, TRANSCRIPT_CONFIG);
}

async function ensureStream(jsm: JetStreamManager, config: StreamSpec): Promise<void> {
  const name = config.name;
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`cannot look up stream ${name}`, { cause: error });
  }
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Another process may have created it between our look-up and our add.
    if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) return;
    throw new Error(`cannot create stream ${name}`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
