import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { queueSubject, traceHeaders, type QueuedMessage } from '#shared';
import { QueueError } from '../errors.ts';

/**
 * The durable queue: bodies in the JetStream object store, entries in the work-queue stream.
 * An entry is published only after its body is stored, and both are keyed so that repeating an
 * operation after a crash stores nothing twice.
 */
export interface QueueStore {
  /** Stores the body (unless `bodyStored`), then publishes the entry with `entryId` as msg id. */
  enqueue(entry: QueuedMessage, body: Buffer | null, entryId: string): Promise<void>;
  /** The body stored under a queue id, or null when it is gone. */
  readBody(queueId: string): Promise<Buffer | null>;
  /** Deletes a body once no queue entry needs it. */
  removeBody(queueId: string): Promise<void>;
}

export function createQueueStore(js: JetStreamClient, bodies: ObjectStore): QueueStore {
  return {
    async enqueue(entry, body, entryId) {
      try {
        if (body) await bodies.putBlob({ name: entry.queueId }, body);
        // The trace context goes with the entry: its delivery round continues the same trace.
        const options = { msgID: entryId, headers: traceHeaders() };
        await js.publish(queueSubject(entry.tenant), JSON.stringify(entry), options);
      } catch (error) {
        throw new QueueError(`cannot queue ${entry.queueId}`, { cause: error });
      }
    },

    async readBody(queueId) {
      try {
        const data = await bodies.getBlob(queueId);
        return data ? Buffer.from(data) : null;
      } catch (error) {
        throw new QueueError(`cannot read body of ${queueId}`, { cause: error });
      }
    },

    async removeBody(queueId) {
      try {
        await bodies.delete(queueId);
      } catch (error) {
        throw new QueueError(`cannot delete body of ${queueId}`, { cause: error });
      }
    },
  };
}
