export { createSubmissionService } from './server.ts';
export type { PolicyHooks, SubmissionOptions, SubmissionService } from './server.ts';
export type { SubmissionDeps } from './hooks.ts';
export { loadTls } from './tls.ts';
export type { TlsMaterial } from './tls.ts';
export { describeMessage, normalizeLineEndings, receivedHeader } from './message.ts';
