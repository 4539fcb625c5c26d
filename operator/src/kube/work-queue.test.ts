import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '#shared';
import type { ReconcileOutcome } from './outcome.ts';
import { createWorkQueue, type WorkResult } from './work-queue.ts';

const log = createLogger('test', 'silent');

/** A handler whose runs the test releases one at a time. */
function gatedHandler() {
  const calls: string[] = [];
  const gates: ((outcome: ReconcileOutcome) => void)[] = [];
  let notify: (() => void) | undefined;
  return {
    calls,
    handle(key: string) {
      calls.push(key);
      notify?.();
      return new Promise<ReconcileOutcome>((resolve) => gates.push(resolve));
    },
    /** Resolves once `count` runs have started. */
    async started(count: number) {
      while (calls.length < count) await new Promise<void>((r) => (notify = r));
    },
    release(outcome: ReconcileOutcome = { kind: 'done' }) {
      const gate = gates.shift();
      assert.ok(gate, 'no run is waiting');
      gate(outcome);
    },
  };
}

function collect() {
  const results: WorkResult[] = [];
  let notify: (() => void) | undefined;
  return {
    results,
    onResult(result: WorkResult) {
      results.push(result);
      notify?.();
    },
    async settled(count: number) {
      while (results.length < count) await new Promise<void>((r) => (notify = r));
    },
  };
}

describe('work queue', () => {
  it('runs a key queued many times once', async () => {
    const handler = gatedHandler();
    const sink = collect();
    const queue = createWorkQueue({
      handle: handler.handle,
      concurrency: 1,
      backoff: { baseMs: 1, maxMs: 1 },
      log,
      onResult: sink.onResult,
    });
    queue.add('busy');
    queue.add('a');
    queue.add('a');
    queue.add('a');
    await handler.started(1);
    assert.equal(queue.length, 1);
    handler.release();
    await handler.started(2);
    handler.release();
    await sink.settled(2);
    assert.deepEqual(handler.calls, ['busy', 'a']);
    await queue.shutdown();
  });

  it('never runs one key twice at once, and runs it again when added while running', async () => {
    const handler = gatedHandler();
    const sink = collect();
    const queue = createWorkQueue({
      handle: handler.handle,
      concurrency: 4,
      backoff: { baseMs: 1, maxMs: 1 },
      log,
      onResult: sink.onResult,
    });
    queue.add('a');
    await handler.started(1);
    queue.add('a');
    assert.equal(queue.length, 0, 'the second add waits for the running one');
    handler.release();
    await handler.started(2);
    handler.release();
    await sink.settled(2);
    assert.deepEqual(handler.calls, ['a', 'a']);
    await queue.shutdown();
  });

  it('retries a failing key with growing backoff and forgets failures after a success', async () => {
    const outcomes: ReconcileOutcome[] = [
      { kind: 'retry', reason: 'api down' },
      { kind: 'retry', reason: 'api down' },
      { kind: 'done' },
    ];
    const sink = collect();
    const queue = createWorkQueue({
      handle: async () => outcomes.shift() ?? { kind: 'done' },
      concurrency: 1,
      backoff: { baseMs: 5, maxMs: 50 },
      log,
      onResult: sink.onResult,
    });
    queue.add('t');
    await sink.settled(3);
    assert.deepEqual(
      sink.results.map((r) => [r.outcome.kind, r.failures]),
      [
        ['retry', 1],
        ['retry', 2],
        ['done', 0],
      ],
    );
    await queue.shutdown();
  });

  it('treats a thrown error as a retry', async () => {
    let runs = 0;
    const sink = collect();
    const queue = createWorkQueue({
      handle: async () => {
        runs += 1;
        if (runs === 1) throw new Error('boom');
        return { kind: 'doNotRetry', reason: 'bad spec' };
      },
      concurrency: 1,
      backoff: { baseMs: 1, maxMs: 1 },
      log,
      onResult: sink.onResult,
    });
    queue.add('t');
    await sink.settled(2);
    assert.deepEqual(
      sink.results.map((r) => r.outcome.kind),
      ['retry', 'doNotRetry'],
    );
    await queue.shutdown();
  });

  it('keeps the earliest of two delayed adds', async () => {
    const sink = collect();
    const queue = createWorkQueue({
      handle: async () => ({ kind: 'done' }),
      concurrency: 1,
      backoff: { baseMs: 1, maxMs: 1 },
      log,
      onResult: sink.onResult,
    });
    queue.addAfter('t', 60_000);
    queue.addAfter('t', 1);
    await sink.settled(1);
    assert.equal(sink.results[0]?.key, 't');
    // Had the 60 s add won, settled() would wait until the test runner's timeout.
    await queue.shutdown();
  });
});
