export { classifyCommand, MASK, maskCommand } from './command.ts';
export { parseRemoteQueueId } from './queue-id.ts';
export { createStepRecorder } from './recorder.ts';
export type { EventKind, StepRecorder, StepRecorderOptions } from './recorder.ts';
// The renderer lives in shared/ because the API renders transcripts for downloads too.
export { describeTls, escapeControls, renderTranscriptText } from '#shared';
export {
  parseEnhancedCode,
  parseReply,
  parseReplyBytes,
  parseReplyText,
  replyClass,
  replyOneLine,
  replyTextLines,
} from './reply.ts';
export type { ReplyClass } from './reply.ts';
