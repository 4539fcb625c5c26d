import { format } from 'node:util';
import type { Logger } from '#shared';
import { classifyCommand, MASK, maskCommand, type StepRecorder } from '../transcript/index.ts';

type LogMethod = (entry?: unknown, message?: unknown, ...args: unknown[]) => void;

/** The bunyan-style logger nodemailer's SMTPConnection takes as its `logger` option. */
export interface BunyanStyleLogger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
}

export interface TrafficLoggerOptions {
  /** The recorder, or a function giving the one in use (a reused connection changes it). */
  recorder: StepRecorder | (() => StepRecorder);
  /** Runs before a command is recorded; the session closes the TLS step here. */
  beforeCommand: (line: string) => void;
  /** Runs once a reply is recorded. */
  afterReply?: (text: string) => void;
  /** Runs once the message has been written, final dot included. */
  messageWritten?: () => void;
  /** Runs when the TCP connection is up, before any byte is read; the session taps it here. */
  connected?: () => void;
  /** The exact bytes of the reply being recorded, when captured beside nodemailer. */
  rawReply?: () => Buffer | null;
  log: Logger;
}

/**
 * Feeds what nodemailer's SMTPConnection logs into a step recorder. With `transactionLog: true`
 * (and `debug` off) nodemailer logs, read from its source:
 * - `tnx: 'client'` at debug: each command line as written, AUTH secrets already hidden;
 * - `tnx: 'server'` at debug: each whole reply once complete, lines joined by LF, CRLF removed;
 * - `tnx: 'network'` at info with `remoteAddress`: the TCP (or TLS) connection is established;
 * - `tnx: 'message'` at info with `outByteCount`: the message was written, octets on the wire.
 * Only `debug: true` would log the message content (`tnx: 'message'` at debug); the session
 * never sets it, and such entries are dropped here as well, so content cannot reach a transcript.
 * nodemailer decodes a reply as UTF-8 and, when it is not valid UTF-8, hands it over one
 * character per byte (latin1), CRLFs dropped; `rawReply` supplies the exact bytes instead.
 * The hooks run inside nodemailer's own call, before it writes a command or acts on a reply, so
 * the steps are in wire order and the times are those of the events.
 */
export function createTrafficLogger(options: TrafficLoggerOptions): BunyanStyleLogger {
  const { log } = options;
  const current = options.recorder;
  const handle =
    (level: string): LogMethod =>
    (entry, message, ...args) => {
      const recorder = typeof current === 'function' ? current() : current;
      const fields = isRecord(entry) ? entry : {};
      const text = typeof message === 'string' ? message : '';
      if (level === 'debug' && fields.tnx === 'client') {
        options.beforeCommand(text);
        recorder.sent(text);
        log.debug({ command: loggable(text) }, 'smtp command');
      } else if (level === 'debug' && fields.tnx === 'server') {
        recorder.received(text, options.rawReply?.() ?? null);
        options.afterReply?.(text);
        log.debug({ reply: text }, 'smtp reply');
      } else if (level === 'info' && fields.tnx === 'network' && isText(fields.remoteAddress)) {
        options.connected?.();
        recorder.connected(describeConnection(fields));
      } else if (level === 'info' && fields.tnx === 'message' && isCount(fields.outByteCount)) {
        recorder.messageSent(fields.outByteCount);
        options.messageWritten?.();
      } else if (fields.tnx !== 'message') {
        log.debug({ tnx: fields.tnx }, format(text, ...args));
      }
    };
  return {
    trace: handle('trace'),
    debug: handle('debug'),
    info: handle('info'),
    warn: handle('warn'),
    error: handle('error'),
    fatal: handle('fatal'),
  };
}

/** A command as it may go to the log: known verbs masked, anything else (SASL data) hidden. */
function loggable(line: string): string {
  return classifyCommand(line) === 'command' && !/^NOOP\b/i.test(line) ? MASK : maskCommand(line);
}

function describeConnection(fields: Record<string, unknown>): string {
  const remote = `${String(fields.remoteAddress)}:${String(fields.remotePort)}`;
  return `connected to ${remote} from ${String(fields.localAddress)}:${String(fields.localPort)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
