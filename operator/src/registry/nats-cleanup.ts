import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import {
  deliveryConsumer,
  QUEUE_STREAM,
  queueSubject,
  TRANSCRIPT_STREAM,
  transcriptSubject,
} from '#shared';
import { NatsCleanupError } from '../errors.ts';

/** Removes a deleted tenant's state from NATS. Idempotent: absent state is no failure. */
export type TenantStateCleanup = (tenant: string) => Promise<void>;

/**
 * Deletes the tenant's durable delivery consumer and purges its subjects from the queue and
 * transcript streams.
 *
 * LIMITATION: quota KV keys are keyed by user id alone (relay/src/quota), so they cannot be
 * found by tenant and are left; each holds at most a day of send times. Message bodies of
 * purged queue entries stay in the body bucket.
 */
export function createNatsCleanup(jsm: () => Promise<JetStreamManager>): TenantStateCleanup {
  return async (tenant) => {
    const manager = await jsm();
    await ignoreNotFound(`delete consumer of ${tenant}`, () =>
      manager.consumers.delete(QUEUE_STREAM, deliveryConsumer(tenant)),
    );
    await ignoreNotFound(`purge queue of ${tenant}`, () =>
      manager.streams.purge(QUEUE_STREAM, { filter: queueSubject(tenant) }),
    );
    await ignoreNotFound(`purge transcripts of ${tenant}`, () =>
      manager.streams.purge(TRANSCRIPT_STREAM, { filter: transcriptSubject(tenant) }),
    );
  };
}

async function ignoreNotFound(what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (isNotFound(error)) return;
    throw new NatsCleanupError(`cannot ${what}`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (
      e instanceof JetStreamApiError &&
      (e.code === JetStreamApiCodes.StreamNotFound || e.code === JetStreamApiCodes.ConsumerNotFound)
    ) {
      return true;
    }
  }
  return false;
}
