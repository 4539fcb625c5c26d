import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '#shared';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

/** A local, watch-fed copy of one resource type; controllers read from it, never from the API. */
export interface Informer<T extends KubernetesObject> {
  readonly resource: string;
  get(name: string, namespace?: string): T | undefined;
  list(): readonly T[];
  /** Called on every add, update and delete, including those a re-list finds. */
  onChange(callback: (object: T) => void): void;
  /** Lists, starts watching, and resolves once the first list is in the cache. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** Resource name for logs and metrics, e.g. "deployments". */
  resource: string;
  /** Watch path, e.g. /apis/apps/v1/deployments. */
  path: string;
  list(): Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /**
   * A watch that delivers nothing this long is aborted and resumed (a watchdog for connections
   * a proxy or load balancer silently dropped). In ms.
   */
  idleMs: number;
  backoff: BackoffOptions;
  log: Logger;
  /** Counts restarts of the list+watch after a failure, by reason. */
  onRestart?(resource: string, reason: string): void;
}

/**
 * An informer over client-node's ListWatch, which resumes a closed watch from the last
 * resourceVersion, re-lists after 410 Gone, and reconnects after its inactivity timeout. What
 * it does not do is retry after a failed list or a refused watch: it reports an error and
 * stops. This wrapper starts it again, with exponential backoff.
 */
export function createInformer<T extends KubernetesObject>(
  options: InformerOptions<T>,
): Informer<T> {
  const watch = new Watch(options.kc);
  // The watch's inactivity timeout is the watchdog: client-node aborts with a TimeoutError and
  // ListWatch reconnects from the last resourceVersion. client-node 2.0 declares the field
  // private (fixed at 30 s) but reads it per request; fail loudly if a release renames it.
  if (!('requestTimeoutMs' in watch)) throw new Error('client-node Watch lacks requestTimeoutMs');
  Reflect.set(watch, 'requestTimeoutMs', options.idleMs);
  const listWatch = new ListWatch<T>(
    options.path,
    watch,
    () => options.list(),
    false,
    options.labelSelector,
  );
  const log = options.log.child({ resource: options.resource });
  let failures = 0;
  let failedThisRun = false;
  let lastError: unknown;
  let starting = false;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;

  listWatch.on('connect', () => log.debug('list-watch connecting'));
  listWatch.on('error', (error: unknown) => {
    failedThisRun = true;
    lastError = error;
    // During start() the loop there retries; afterwards, this handler does.
    if (stopped || starting) return;
    failures += 1;
    const delayMs = backoffDelay(failures, options.backoff);
    log.warn({ err: error, delayMs, failures }, 'list-watch failed; restarting');
    options.onRestart?.(options.resource, 'error');
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void run(), delayMs);
  });

  async function run(): Promise<boolean> {
    if (stopped) return false;
    failedThisRun = false;
    await listWatch.start();
    if (failedThisRun) return false;
    failures = 0;
    return true;
  }

  return {
    resource: options.resource,
    get: (name, namespace) => listWatch.get(name, namespace),
    list: () => listWatch.list(),
    onChange(callback) {
      listWatch.on('add', callback);
      listWatch.on('update', callback);
      listWatch.on('delete', callback);
    },
    async start() {
      stopped = false;
      starting = true;
      try {
        // The first list may fail (API server starting, RBAC not yet bound); keep trying until
        // it succeeds, so callers start reconciling only from a complete cache.
        while (!(await run())) {
          if (stopped) return;
          failures += 1;
          const delayMs = backoffDelay(failures, options.backoff);
          log.warn({ err: lastError, delayMs, failures }, 'first list-watch failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      } finally {
        starting = false;
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await listWatch.stop();
    },
  };
}
