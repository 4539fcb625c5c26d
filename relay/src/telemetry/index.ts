export {
  asRetry,
  publishTranscript,
  traceDomainDelivery,
  traceResolver,
  traceRound,
} from './delivery.ts';
export { createRelayMetrics, readQueueDepth } from './metrics.ts';
export type { RelayMetrics } from './metrics.ts';
export { traceQueueStore, traceQuota } from './queue.ts';
export { traceSteps } from './steps.ts';
export { tagQueueId, traceSubmission } from './submission.ts';
