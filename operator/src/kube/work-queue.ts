import type { Logger } from '#shared';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { ReconcileOutcome } from './outcome.ts';

/** What a worker reports after each run, for metrics and tests. */
export interface WorkResult {
  key: string;
  outcome: ReconcileOutcome;
  /** Consecutive failures of this key so far (0 after a success). */
  failures: number;
}

export interface WorkQueueOptions {
  /** Runs one key; a throw counts as `retry`. Never runs twice at once for the same key. */
  handle(key: string): Promise<ReconcileOutcome>;
  /** Keys processed in parallel (different keys only). */
  concurrency: number;
  backoff: BackoffOptions;
  log: Logger;
  onResult?(result: WorkResult): void;
}

/**
 * A keyed work queue in the manner of client-go's: a key waiting is queued once however many
 * events name it; a key added while running runs again after; failures retry with per-key
 * exponential backoff; delayed adds keep the earliest deadline.
 */
export interface WorkQueue {
  add(key: string): void;
  /** Adds the key after `delayMs`, unless an earlier add is already due. */
  addAfter(key: string, delayMs: number): void;
  /** Keys waiting to run now (not delayed, not running). */
  readonly length: number;
  /** Stops taking keys and waits for the running ones. */
  shutdown(): Promise<void>;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const queued = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let stopped = false;

  function add(key: string): void {
    if (stopped) return;
    if (running.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    pump();
  }

  function addAfter(key: string, delayMs: number): void {
    if (stopped) return;
    if (delayMs <= 0) return add(key);
    const at = Date.now() + delayMs;
    const existing = timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      add(key);
    }, delayMs);
    timers.set(key, { at, timer });
  }

  function pump(): void {
    while (!stopped && running.size < options.concurrency && queue.length > 0) {
      const key = queue.shift();
      if (key === undefined) return;
      queued.delete(key);
      running.set(key, run(key));
    }
  }

  async function run(key: string): Promise<void> {
    let outcome: ReconcileOutcome;
    try {
      outcome = await options.handle(key);
    } catch (error) {
      options.log.warn({ key, err: error }, 'reconcile failed');
      outcome = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
    running.delete(key);
    const count = settle(key, outcome);
    options.onResult?.({ key, outcome, failures: count });
    if (dirty.delete(key)) add(key);
    pump();
  }

  function settle(key: string, outcome: ReconcileOutcome): number {
    switch (outcome.kind) {
      case 'retry': {
        const count = (failures.get(key) ?? 0) + 1;
        failures.set(key, count);
        addAfter(key, backoffDelay(count, options.backoff));
        return count;
      }
      case 'requeue':
        failures.delete(key);
        addAfter(key, outcome.afterMs);
        return 0;
      case 'done':
      case 'doNotRetry':
        failures.delete(key);
        return 0;
    }
  }

  return {
    add,
    addAfter,
    get length() {
      return queue.length;
    },
    async shutdown() {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(running.values());
    },
  };
}
