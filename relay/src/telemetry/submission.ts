import type { Readable } from 'node:stream';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import { SEMCONV, SPAN, ZAJONI_ATTR, zajoniTracer } from '#shared';
import type { PolicyHooks } from '../submission/index.ts';
import { domainsOf } from './delivery.ts';
import type { RelayMetrics } from './metrics.ts';

type Hooks = PolicyHooks;
type Callback<T = void> = (error?: Error | null, value?: T) => void;

interface Traced {
  session: Span;
  context: Context;
  /** The transaction in progress: from MAIL FROM until the reply to the final dot. */
  message: { span: Span; context: Context } | null;
}

/**
 * LIMITATION: the session is the trace's root, so several messages sent over one connection
 * share a trace id (each still has its own `submission.message` span and queue id).
 *
 * smtp-server's hooks with spans: `submission.session` (kind SERVER) per connection, the root of
 * the trace, with `submission.auth` and one `submission.message` per transaction as children.
 * Each hook runs inside its span's context, so the quota and queue spans nest under the message
 * and pino's lines carry its trace id.
 */
export function traceSubmission(hooks: Hooks, tenant: string, metrics: RelayMetrics) {
  const sessions = new WeakMap<SMTPServerSession, Traced>();
  const tracer = zajoniTracer();

  const traced = (session: SMTPServerSession): Traced => {
    const known = sessions.get(session);
    if (known) return known;
    const span = tracer.startSpan(SPAN.smtpSession, {
      kind: SpanKind.SERVER,
      attributes: {
        [ZAJONI_ATTR.tenant]: tenant,
        [SEMCONV.clientAddress]: session.remoteAddress,
        [SEMCONV.networkProtocolName]: 'smtp',
      },
    });
    const entry = { session: span, context: trace.setSpan(context.active(), span), message: null };
    sessions.set(session, entry);
    return entry;
  };

  const endMessage = (t: Traced, outcome: string, error?: Error | null) => {
    if (!t.message) return;
    t.message.span.setAttribute(ZAJONI_ATTR.outcome, outcome);
    if (error) markRefusal(t.message.span, error);
    t.message.span.end();
    t.message = null;
  };

  return {
    ...hooks,
    onConnect(session: SMTPServerSession, done: Callback) {
      traced(session);
      done();
    },
    onClose(session: SMTPServerSession) {
      const t = sessions.get(session);
      if (!t) return;
      endMessage(t, 'abandoned');
      t.session.end();
      sessions.delete(session);
    },
    onAuth(
      auth: SMTPServerAuthentication,
      session: SMTPServerSession,
      done: Callback<SMTPServerAuthenticationResponse>,
    ) {
      const t = traced(session);
      const attributes = { 'zajoni.auth.method': auth.method };
      const span = tracer.startSpan(SPAN.smtpAuth, { attributes }, t.context);
      context.with(trace.setSpan(t.context, span), () =>
        hooks.onAuth(auth, session, (error, value) => {
          span.setAttribute(ZAJONI_ATTR.outcome, error ? 'refused' : 'accepted');
          if (error) markRefusal(span, error);
          span.end();
          done(error, value);
        }),
      );
    },
    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Callback) {
      const t = traced(session);
      // A new MAIL FROM after RSET ends the transaction that was left unfinished.
      endMessage(t, 'abandoned');
      const span = tracer.startSpan(SPAN.submitMessage, {}, t.context);
      span.setAttribute(ZAJONI_ATTR.tenant, tenant);
      const message = { span, context: trace.setSpan(t.context, span) };
      t.message = message;
      context.with(message.context, () =>
        hooks.onMailFrom(address, session, (error) => {
          if (error) endMessage(t, 'refused', error);
          done(error);
        }),
      );
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Callback) {
      const t = traced(session);
      context.with(t.message?.context ?? t.context, () => hooks.onRcptTo(address, session, done));
    },
    onData(stream: Readable, session: SMTPServerSession, done: Callback<string>) {
      const t = traced(session);
      const recipients = session.envelope.rcptTo.map((r) => r.address);
      t.message?.span.setAttributes({
        [ZAJONI_ATTR.recipientDomains]: domainsOf(recipients),
        [ZAJONI_ATTR.recipientCount]: recipients.length,
      });
      context.with(t.message?.context ?? t.context, () =>
        hooks.onData(stream, session, (error, reply) => {
          if (!error) metrics.messageSubmitted();
          endMessage(t, error ? 'refused' : 'queued', error);
          done(error, reply);
        }),
      );
    },
  };
}

/**
 * Tags the active span (the message's, inside onData) with a new queue id, and returns it; wraps
 * the relay's queue id factory.
 */
export function tagQueueId(queueId: string): string {
  trace.getActiveSpan()?.setAttribute(ZAJONI_ATTR.queueId, queueId);
  return queueId;
}

/** A refusal is the span's error: its SMTP code, never the reply text (it may name an address). */
function markRefusal(span: Span, error: Error) {
  const code = (error as { responseCode?: unknown }).responseCode;
  const type = typeof code === 'number' ? String(code) : error.constructor.name;
  span.setAttribute(SEMCONV.errorType, type);
  if (typeof code === 'number') span.setAttribute(ZAJONI_ATTR.smtpReplyCode, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
