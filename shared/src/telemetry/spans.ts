import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';

/** Instrumentation scope of every span Zajoni makes itself. */
export const TRACER_NAME = 'zajoni';

export function zajoniTracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Parent context; the active one when absent. */
  parent?: Context;
}

/**
 * Runs `work` inside a new active span, ends it when `work` settles, and marks it failed (with
 * `error.type`, the error class's name) when `work` throws. The error itself is recorded as an
 * exception event, so its message reaches the trace: errors must not carry secrets.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = zajoniTracer().startSpan(name, spanOptions(options), parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed by `error`, named by its class (semantic convention `error.type`). */
export function failSpan(span: Span, error: unknown) {
  const type = error instanceof Error ? error.constructor.name : 'Error';
  span.setAttribute('error.type', type);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** The trace id of the active span, or null when there is none (SDK off or not started). */
export function activeTraceId(): string | null {
  const span = trace.getActiveSpan();
  if (!span) return null;
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

function spanOptions(options: SpanOptions) {
  return {
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    ...(options.attributes ? { attributes: options.attributes } : {}),
    ...(options.links ? { links: options.links } : {}),
  };
}
