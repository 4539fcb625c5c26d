import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The operator's Prometheus metrics, on their own registry (one per operator instance). */
export interface OperatorMetrics {
  registry: Registry;
  /** Reconciles by controller and outcome kind (done, requeue, retry, doNotRetry). */
  reconciles: Counter<'controller' | 'outcome'>;
  reconcileSeconds: Histogram<'controller'>;
  /** Writes to the API server by kind and verb (apply, status, finalizer, event). */
  writes: Counter<'kind' | 'verb'>;
  /** List-watch restarts after a failure, by resource. */
  watchRestarts: Counter<'resource' | 'reason'>;
  /** 1 while this replica holds the leader Lease. */
  leader: Gauge;
}

export function createMetrics(options: { defaultMetrics: boolean }): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'zajoni_operator_reconciles_total',
      help: 'Reconciles by controller and outcome',
      labelNames: ['controller', 'outcome'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'zajoni_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took',
      labelNames: ['controller'],
      registers,
    }),
    writes: new Counter({
      name: 'zajoni_operator_api_writes_total',
      help: 'Write requests to the Kubernetes API by kind and verb',
      labelNames: ['kind', 'verb'],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'zajoni_operator_watch_restarts_total',
      help: 'List-watch restarts after a failure',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    leader: new Gauge({
      name: 'zajoni_operator_leader',
      help: '1 while this replica holds the leader Lease',
      registers,
    }),
  };
}
