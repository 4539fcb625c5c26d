import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The API process's Prometheus registry, served at /metrics. */
export const apiRegistry = new Registry();
collectDefaultMetrics({ register: apiRegistry });

/** What ingesting one transcript record did. */
export type IngestResult = 'stored' | 'duplicate' | 'invalid' | 'failed';

const ingested = new Counter({
  name: 'zajoni_transcripts_ingested_total',
  help: 'Transcript records taken from JetStream, by tenant and result.',
  labelNames: ['tenant', 'result'] as const,
  registers: [apiRegistry],
});

const lag = new Histogram({
  name: 'zajoni_ingest_lag_seconds',
  help: 'Time from the end of a delivery connection to its transcript being stored.',
  labelNames: ['tenant'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
  registers: [apiRegistry],
});

/** Counts one record; `endedAt` (the connection's end) gives the lag of a stored one. */
export function countIngest(tenant: string, result: IngestResult, endedAt?: string) {
  ingested.inc({ tenant, result });
  if (result === 'stored' && endedAt) {
    lag.observe({ tenant }, Math.max(0, (Date.now() - Date.parse(endedAt)) / 1000));
  }
}
