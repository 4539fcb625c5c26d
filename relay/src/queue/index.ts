export { createQueueStore, smallBodyLimit } from './store.ts';
export type { BodyRef, BodyStore, QueueStore } from './store.ts';
export {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MIN_BACKOFF_MS,
  nextAttemptAt,
  retryHintMs,
} from './backoff.ts';
export type { BackoffPolicy } from './backoff.ts';
export { createDeliveryWorker, DEFAULT_MAX_WAIT_MS } from './worker.ts';
export type { DeliveryWorker, WorkerDeps } from './worker.ts';
