import { context, propagation, type Context } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * W3C trace context (`traceparent`, `tracestate`) in NATS message headers, through the globally
 * configured propagator, so a consumer on another process (or hours later) continues the trace.
 */
export function traceHeaders(from: Context = context.active()): MsgHdrs {
  const carrier = natsHeaders();
  propagation.inject(from, carrier, {
    set: (h, key, value) => h.set(key, value),
  });
  return carrier;
}

/** The trace context a message carries, or the root context when it carries none. */
export function extractTraceContext(carrier: MsgHdrs | undefined): Context {
  const root = context.active();
  if (!carrier) return root;
  return propagation.extract(root, carrier, {
    get: (h, key) => (h.has(key) ? h.get(key) : undefined),
    keys: (h) => h.keys(),
  });
}
