import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { SEMCONV, SPAN, ZAJONI_ATTR, zajoniTracer } from '#shared';
import type { StepRecorder } from '../transcript/index.ts';

/** Verbs that name their own span; anything else is `smtp command`. */
const KNOWN_VERBS = new Set([
  'EHLO',
  'HELO',
  'STARTTLS',
  'MAIL',
  'RCPT',
  'DATA',
  'BDAT',
  'RSET',
  'NOOP',
  'QUIT',
  'AUTH',
]);

interface Waiting {
  span: Span;
  verb: string;
}

/**
 * A step recorder that also traces the connection: a `smtp.connection` span (kind CLIENT) for
 * the whole of it, with children for the TCP connect, the banner, each command until its reply
 * (`smtp EHLO`, `smtp MAIL`, …), the TLS handshake and the end of data. Spans carry verbs, reply
 * codes and the peer's address; never a command's arguments (addresses) nor reply text.
 */
export function traceSteps(recorder: StepRecorder, parent: Context = context.active()) {
  const tracer = zajoniTracer();
  const connection = tracer.startSpan(SPAN.smtpConnection, { kind: SpanKind.CLIENT }, parent);
  connection.setAttribute(SEMCONV.networkProtocolName, 'smtp');
  const inConnection = trace.setSpan(parent, connection);
  const start = (name: string) => tracer.startSpan(name, {}, inConnection);
  const waiting: Waiting[] = [];
  let event: Span | null = null;

  const endEvent = (error: string | null) => {
    if (!event) return;
    if (error) event.setStatus({ code: SpanStatusCode.ERROR, message: error });
    event.end();
    event = null;
  };

  const traced: StepRecorder = {
    ...recorder,
    connecting(note) {
      recorder.connecting(note);
      const { ip, port } = parseAddress(note);
      connection.setAttributes({
        [SEMCONV.networkPeerAddress]: ip,
        [SEMCONV.networkPeerPort]: port,
        [SEMCONV.serverPort]: port,
      });
      event = start(SPAN.smtpConnect);
    },
    connected(note) {
      recorder.connected(note);
      endEvent(null);
      waiting.push({ span: start(SPAN.smtpBanner), verb: 'BANNER' });
    },
    sent(line) {
      recorder.sent(line);
      const verb = /^[A-Za-z]+/.exec(line)?.[0].toUpperCase() ?? '';
      const name = KNOWN_VERBS.has(verb) ? `${SPAN.smtpCommandPrefix} ${verb}` : 'smtp command';
      waiting.push({ span: start(name), verb });
    },
    received(text, raw) {
      recorder.received(text, raw);
      const head = waiting.shift();
      if (!head) return;
      const code = Number(text.slice(0, 3));
      endReply(head.span, code, text);
      if (head.verb === 'DATA' && code === 354) {
        waiting.unshift({ span: start(SPAN.smtpEndOfData), verb: 'END-OF-DATA' });
      }
      if (head.verb === 'STARTTLS' && code >= 200 && code < 300) event = start(SPAN.smtpTls);
    },
    messageSent(octets) {
      recorder.messageSent(octets);
      const data = waiting.find((w) => w.verb === 'END-OF-DATA');
      data?.span.setAttribute(SEMCONV.messagingBodySize, octets);
    },
    tlsEstablished(note) {
      recorder.tlsEstablished(note);
      endEvent(null);
    },
    failed(note) {
      const open = recorder.openEvent();
      recorder.failed(note);
      if (open && event) endEvent(note);
      else connection.setStatus({ code: SpanStatusCode.ERROR, message: note });
    },
    finish() {
      const steps = recorder.finish();
      endEvent('no outcome');
      for (const w of waiting.splice(0)) {
        w.span.setStatus({ code: SpanStatusCode.ERROR, message: 'no reply' });
        w.span.end();
      }
      connection.end();
      return steps;
    },
  };
  return traced;
}

/** Ends a command's span with its reply code; 4xx and 5xx mark it failed. */
function endReply(span: Span, code: number, text: string) {
  if (Number.isInteger(code)) span.setAttribute(ZAJONI_ATTR.smtpReplyCode, code);
  const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1];
  if (enhanced) span.setAttribute(ZAJONI_ATTR.smtpEnhancedCode, enhanced);
  if (code >= 400) {
    span.setAttribute(SEMCONV.errorType, String(code));
    span.setStatus({ code: SpanStatusCode.ERROR, message: `reply ${code}` });
  }
  span.end();
}

/** `ip:port` as the session notes it (an IPv6 address has colons of its own). */
function parseAddress(note: string): { ip: string; port: number } {
  const at = note.lastIndexOf(':');
  return { ip: note.slice(0, at), port: Number(note.slice(at + 1)) };
}
