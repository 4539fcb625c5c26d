export {
  AUTH_VERIFY_SUBJECT,
  BODY_BUCKET,
  DONE_BUCKET,
  INGEST_CONSUMER,
  QUEUE_STREAM,
  QUEUE_SUBJECTS,
  QUOTA_BUCKET,
  SMALL_BODY_BUCKET,
  TENANT_ID,
  TRANSCRIPT_STREAM,
  TRANSCRIPT_SUBJECTS,
  deliveryConsumer,
  queueSubject,
  transcriptSubject,
} from './subjects.ts';
export {
  ATTEMPT_OUTCOMES,
  POLICY_MODES,
  RECIPIENT_STATUSES,
  STEP_KINDS,
  TRANSCRIPT_SCHEMA_VERSION,
  parseTranscript,
  transcriptSchema,
} from './transcript.ts';
export type {
  AttemptOutcome,
  MessageInfo,
  PolicyMode,
  RecipientOutcome,
  RecipientStatus,
  Reply,
  StepKind,
  TlsInfo,
  TlsPolicy,
  Transcript,
  TranscriptStep,
} from './transcript.ts';
export { QUEUE_KINDS, parseQueuedMessage, queuedMessageSchema } from './queue.ts';
export type { QueueKind, QueuedMessage } from './queue.ts';
export { AUTH_REFUSALS, authReplySchema, authRequestSchema } from './auth.ts';
export type { AuthRefusal, AuthReply, AuthRequest } from './auth.ts';
export { envFlag, envPort, envPositiveInt, hostNameSchema, parseEnv } from './config.ts';
export { ConfigError, InvalidRecordError, QuotaStoreError } from './errors.ts';
export { monotonicUlids, newUlid } from './ids.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { DUPLICATE_WINDOW_MS, ensureQueueStream, ensureTranscriptStream } from './streams.ts';
export { decideQuota, quotaKey, readQuotaTimes } from './quota.ts';
export type { QuotaDecision, QuotaPolicy } from './quota.ts';
export { SEMCONV, SPAN, ZAJONI_ATTR } from './telemetry/attributes.ts';
export { extractTraceContext, traceHeaders } from './telemetry/nats.ts';
export { activeTraceId, failSpan, inSpan, zajoniTracer } from './telemetry/spans.ts';
export type { SpanOptions } from './telemetry/spans.ts';
export { METRICS_PATH, startMetricsServer } from './telemetry/metrics-server.ts';
export type { MetricsServer } from './telemetry/metrics-server.ts';
export { createQuota } from './quota-store.ts';
export type { Quota } from './quota-store.ts';
export { describeTls, escapeControls, renderTranscriptText } from './render-text.ts';
