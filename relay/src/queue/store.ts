import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { queueSubject, traceHeaders, type QueuedMessage } from '#shared';
import { QueueError } from '../errors.ts';

/** Where a body is kept; see QueuedMessage's `bodyStore`. */
export type BodyStore = QueuedMessage['bodyStore'];

/** What the store needs of an entry to find its body. */
export type BodyRef = Pick<QueuedMessage, 'queueId' | 'bodyStore'>;

/**
 * The durable queue: bodies in a KV bucket when they fit in one NATS message, in the object
 * store when not, and entries in the work-queue stream. An entry is published only after its
 * body is stored, and both are keyed so that repeating an operation after a crash stores
 * nothing twice.
 */
export interface QueueStore {
  /** Where a body of `octets` under `queueId` goes: set it as the entry's `bodyStore`. */
  bodyStoreFor(queueId: string, octets: number): BodyStore;
  /**
   * Stores the body (unless null, for an entry whose body is stored already) where
   * `entry.bodyStore` says, then publishes the entry with `entryId` as msg id.
   */
  enqueue(entry: QueuedMessage, body: Buffer | null, entryId: string): Promise<void>;
  /** The entry's body, or null when it is gone. */
  readBody(entry: BodyRef): Promise<Buffer | null>;
  /** Deletes an entry's body once no queue entry needs it. */
  removeBody(entry: BodyRef): Promise<void>;
}

export interface BodyBuckets {
  /** Larger bodies, and those of entries without `bodyStore`. */
  objects: ObjectStore;
  /** Bodies of at most `smallMaxOctets`. */
  small: KV;
  /** The largest body kept in `small`: below the server's max_payload, less room for headers. */
  smallMaxOctets: number;
}

/** Room left in one NATS message for the headers a KV put carries. */
const HEADER_ROOM = 4 * 1024;

/** NATS's default max_payload, for a server that does not say its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The largest body kept in the KV bucket, given the server's max_payload. */
export function smallBodyLimit(maxPayload = DEFAULT_MAX_PAYLOAD): number {
  return Math.max(0, maxPayload - HEADER_ROOM);
}

/** NATS KV keys: a queue id outside this set goes to the object store, whatever its size. */
const KV_KEY = /^[-/_=.a-zA-Z0-9]+$/;

export function createQueueStore(js: JetStreamClient, buckets: BodyBuckets): QueueStore {
  const { objects, small, smallMaxOctets } = buckets;
  return {
    bodyStoreFor(queueId, octets) {
      return octets <= smallMaxOctets && KV_KEY.test(queueId) ? 'kv' : 'object';
    },

    async enqueue(entry, body, entryId) {
      try {
        if (body) {
          if (entry.bodyStore === 'kv') await small.put(entry.queueId, body);
          else await objects.putBlob({ name: entry.queueId }, body);
        }
        // The trace context goes with the entry: its delivery round continues the same trace.
        const options = { msgID: entryId, headers: traceHeaders() };
        await js.publish(queueSubject(entry.tenant), JSON.stringify(entry), options);
      } catch (error) {
        throw new QueueError(`cannot queue ${entry.queueId}`, { cause: error });
      }
    },

    async readBody({ queueId, bodyStore }) {
      try {
        if (bodyStore === 'kv') {
          const found = await small.get(queueId);
          // A deleted key reads as an entry with operation DEL or PURGE and no value.
          return found && found.operation === 'PUT' ? Buffer.from(found.value) : null;
        }
        const data = await objects.getBlob(queueId);
        return data ? Buffer.from(data) : null;
      } catch (error) {
        throw new QueueError(`cannot read body of ${queueId}`, { cause: error });
      }
    },

    async removeBody({ queueId, bodyStore }) {
      try {
        if (bodyStore === 'kv') await small.purge(queueId);
        else await objects.delete(queueId);
      } catch (error) {
        throw new QueueError(`cannot delete body of ${queueId}`, { cause: error });
      }
    },
  };
}
