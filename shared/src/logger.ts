import { pino, type Logger } from 'pino';

export type { Logger };

/** Fields that may carry secrets; pino replaces them before a line is written. */
const REDACT = ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization'];

/**
 * The process's root logger: JSON lines on stdout, level from LOG_LEVEL (default info).
 * Components take children that bind their identity (session id, queue id, request id).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, redact: { paths: REDACT, censor: '****' } });
}
