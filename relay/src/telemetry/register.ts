/**
 * Starts tracing for the relay. Load it before the relay's own modules, so the pino
 * instrumentation sees pino load: `node --import ./relay/src/telemetry/register.ts
 * relay/src/main.ts`, as the image and the tests do. main.ts imports it too, so a relay
 * started without the flag still traces its own steps; only log correlation needs the flag.
 */
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
// Not through #shared: that entry loads pino, which must load after the hook is registered.
import { startTelemetry } from '../../../shared/src/telemetry/sdk.ts';

export const telemetry = startTelemetry({
  defaultServiceName: 'zajoni-relay',
  // Log sending stays off: pino's lines go to stdout; the instrumentation only adds trace_id.
  instrumentations: [new PinoInstrumentation({ disableLogSending: true })],
});
