import { pino } from 'pino';
import type { Logger } from '#shared';

/** One JSON log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A logger that keeps every line in memory, for tests that assert what was logged. */
export function createCaptureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug', redact: ['password', '*.password'] },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { log, lines };
}
