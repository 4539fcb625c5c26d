import assert from 'node:assert/strict';
import { ApiException, KubeConfig } from '@kubernetes/client-node';

/** The parts of a failed call's `Status` body that tests assert on. */
export interface FailedStatus {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string; message: string; reason: string }[] };
}

/** The `Status` body of a failed client-node call, parsed. */
export function statusOf(error: unknown): FailedStatus {
  assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return body as FailedStatus;
}

/** Awaits a call that must fail and returns its `Status`. */
export async function rejection(promise: Promise<unknown>): Promise<FailedStatus> {
  try {
    await promise;
  } catch (error) {
    return statusOf(error);
  }
  assert.fail('expected the call to fail');
}

/** A KubeConfig loaded from the fixture's kubeconfig file, as an operator would load it. */
export function loadConfig(kubeconfigPath: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return config;
}

/** Resolves when `predicate` holds, checking after every `signal` call; never by elapsed time. */
export function until<T>(): {
  signal: (value: T) => void;
  reached: (predicate: (all: T[]) => boolean) => Promise<T[]>;
} {
  const seen: T[] = [];
  const waiters: { predicate: (all: T[]) => boolean; resolve: (all: T[]) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(seen)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve([...seen]);
      }
    }
  };
  return {
    signal(value) {
      seen.push(value);
      check();
    },
    reached: (predicate) =>
      new Promise((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      }),
  };
}
