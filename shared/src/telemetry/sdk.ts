import { register } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** The span processor shape NodeSDK takes, without importing the SDK's trace package. */
type SpanProcessor = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['spanProcessors'] &
  object;

/**
 * Variables that turn exporting on. Without one of them the SDK still makes spans, so trace ids
 * reach transcripts and log lines, but none leaves the process: the SDK's own default would send
 * to localhost:4318 and log a connection error every few seconds.
 */
export const EXPORT_VARIABLES = [
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
] as const;

export interface TelemetryOptions {
  /** `service.name` when OTEL_SERVICE_NAME is unset, e.g. `zajoni-relay`. */
  defaultServiceName: string;
  instrumentations: Instrumentation[];
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** Whether spans are exported (see EXPORT_VARIABLES). */
  readonly exporting: boolean;
  /** Exports the spans still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

const STARTED = Symbol.for('zajoni.telemetry');

/**
 * Starts the OpenTelemetry Node SDK once per process, configured by the standard OTEL_*
 * variables (service name, exporter, OTLP endpoint and protocol, sampler, propagators). It must
 * run before the instrumented modules load: the ESM hook registered here only sees modules
 * imported after it, so services load it with `node --import` (see the register modules).
 * Metrics stay with prom-client and logs with pino, so the SDK gets no metric reader and no
 * log processor. A second call returns the first call's handle.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const holder = globalThis as { [STARTED]?: Telemetry };
  const started = holder[STARTED];
  if (started) return started;
  const env = options.env ?? process.env;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const exporting = isExportConfigured(env);
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: options.defaultServiceName }),
    ...(exporting ? {} : { spanProcessors: [DROP_ALL] }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: options.instrumentations,
  });
  sdk.start();
  const telemetry = { exporting, shutdown: () => sdk.shutdown() };
  holder[STARTED] = telemetry;
  return telemetry;
}

/** Whether the environment asks for spans to be exported. */
export function isExportConfigured(env: NodeJS.ProcessEnv): boolean {
  return EXPORT_VARIABLES.some((name) => Boolean(env[name]?.trim()));
}

/** Keeps the tracer provider (so spans have ids) while exporting nothing. */
const DROP_ALL: SpanProcessor[number] = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};
