import type { Pool } from 'pg';
import type { Transcript } from '#shared';
import { sqlState } from '../db/pool.ts';
import { BatchIncompleteError, StoreTranscriptError } from '../errors.ts';
import { storeTranscript, storeTranscriptBatch, type StoreOutcome } from './store-transcript.ts';

/** Records stored in one transaction at most. */
export const DEFAULT_BATCH_RECORDS = 64;

/** Transactions open at once: below pg's default pool of 10, so GraphQL still gets one. */
export const DEFAULT_BATCH_TRANSACTIONS = 4;

export interface BatchStoreOptions {
  /** Records stored in one transaction at most (default DEFAULT_BATCH_RECORDS). */
  readonly maxRecords?: number;
  /** Transactions open at once (default DEFAULT_BATCH_TRANSACTIONS). */
  readonly maxTransactions?: number;
}

/** Stores one record; resolves once the transaction that stored it has committed. */
export type StoreRecord = (record: Transcript) => Promise<StoreOutcome>;

interface Queued {
  readonly record: Transcript;
  resolve(outcome: StoreOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for ingest: records handed in while every transaction is busy, or in the same
 * turn of the event loop, are stored together, up to maxRecords of one tenant per transaction
 * (storeTranscriptBatch), in the order they came for each message. When a batch cannot be
 * stored whole (a queue id of another tenant, a race with another replica, a deadlock or any
 * error PostgreSQL reports), its records are stored one by one (storeTranscript), so each gets
 * its own outcome; a failure to reach the database fails the whole batch (retry later).
 * Throws what storeTranscript throws.
 */
export function createBatchStore(pool: Pool, options: BatchStoreOptions = {}): StoreRecord {
  const maxRecords = options.maxRecords ?? DEFAULT_BATCH_RECORDS;
  const maxTransactions = options.maxTransactions ?? DEFAULT_BATCH_TRANSACTIONS;
  const queue: Queued[] = [];
  let running = 0;
  let scheduled = false;

  const drain = () => {
    while (running < maxTransactions && queue.length > 0) {
      running += 1;
      void storeBatch(pool, takeBatch(queue, maxRecords)).finally(() => {
        running -= 1;
        drain();
      });
    }
  };
  return (record) =>
    new Promise<StoreOutcome>((resolve, reject) => {
      queue.push({ record, resolve, reject });
      if (scheduled) return;
      // Wait for the rest of this turn: records received together go together.
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        drain();
      });
    });
}

/**
 * Takes up to `max` queued records of the first one's tenant, sorted by queue id: concurrent
 * transactions then lock message rows in the same order and cannot deadlock on each other. The
 * sort is stable, so one message's records keep their order.
 */
function takeBatch(queue: Queued[], max: number): Queued[] {
  const tenant = queue[0]?.record.tenant;
  const batch: Queued[] = [];
  const rest: Queued[] = [];
  for (const queued of queue) {
    (batch.length < max && queued.record.tenant === tenant ? batch : rest).push(queued);
  }
  queue.splice(0, queue.length, ...rest);
  return batch.sort((a, b) => compare(a.record.queueId, b.record.queueId));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function storeBatch(pool: Pool, batch: readonly Queued[]): Promise<void> {
  const first = batch[0];
  if (!first) return;
  if (batch.length > 1) {
    try {
      const records = batch.map((queued) => queued.record);
      const outcomes = await storeTranscriptBatch(pool, first.record.tenant, records);
      batch.forEach((queued, i) => {
        const outcome = outcomes[i];
        if (outcome) queued.resolve(outcome);
        else queued.reject(new StoreTranscriptError(queued.record.attemptId));
      });
      return;
    } catch (error) {
      // Without an answer from PostgreSQL, storing one by one would only wait as long again.
      if (!(error instanceof BatchIncompleteError) && sqlState(error) === undefined) {
        for (const queued of batch) {
          queued.reject(new StoreTranscriptError(queued.record.attemptId, { cause: error }));
        }
        return;
      }
    }
  }
  for (const queued of batch) {
    await storeTranscript(pool, queued.record).then(queued.resolve, queued.reject);
  }
}
