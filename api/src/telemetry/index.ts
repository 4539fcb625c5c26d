export { annotateIngest, noteIngestFailure, traceIngest, traceStore } from './ingest.ts';
export { apiRegistry, countIngest } from './metrics.ts';
export type { IngestResult } from './metrics.ts';
