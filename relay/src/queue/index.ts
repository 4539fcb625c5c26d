export { createQueueStore } from './store.ts';
export type { QueueStore } from './store.ts';
export { DEFAULT_RETRY_DELAYS_MS, nextAttemptAt } from './backoff.ts';
export { createDeliveryWorker } from './worker.ts';
export type { DeliveryWorker, WorkerDeps } from './worker.ts';
