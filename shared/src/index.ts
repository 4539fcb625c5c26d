export {
  AUTH_VERIFY_SUBJECT,
  BODY_BUCKET,
  DONE_BUCKET,
  INGEST_CONSUMER,
  QUEUE_STREAM,
  QUEUE_SUBJECTS,
  QUOTA_BUCKET,
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
export { authReplySchema, authRequestSchema } from './auth.ts';
export type { AuthReply, AuthRequest } from './auth.ts';
export { envFlag, envPort, envPositiveInt, hostNameSchema, parseEnv } from './config.ts';
export { ConfigError, InvalidRecordError } from './errors.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { DUPLICATE_WINDOW_MS, ensureQueueStream, ensureTranscriptStream } from './streams.ts';
