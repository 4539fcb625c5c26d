/**
 * Starts tracing for the API: HTTP, GraphQL and PostgreSQL through their maintained
 * instrumentations, and trace ids in pino's lines. Load it before the API's own modules:
 * `node --import ./api/src/telemetry/register.ts api/src/main.ts`, as the image and the tests
 * do. main.ts imports it too, so an API started without the flag still traces ingest,
 * GraphQL and PostgreSQL; HTTP server spans and log correlation need the flag (ESM hooks only
 * see modules loaded after them).
 */
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
// Not through #shared: that entry loads pino, which must load after the hook is registered.
import { startTelemetry } from '../../../shared/src/telemetry/sdk.ts';

/** Paths polled by probes and scrapers: no span for them. */
const UNTRACED_PATHS = new Set(['/healthz', '/metrics']);

export const telemetry = startTelemetry({
  defaultServiceName: 'zajoni-api',
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) =>
        UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    // Queries outside a request or an ingest (the retention sweep) make no traces of their own.
    new PgInstrumentation({ requireParentSpan: true }),
    new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
    new PinoInstrumentation({ disableLogSending: true }),
  ],
});
