import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles from the base delay with each consecutive failure', () => {
    const delays = [1, 2, 3, 4].map((n) => backoffDelay(n, options));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceeds the longest delay, even after many failures', () => {
    assert.equal(backoffDelay(7, options), 60_000);
    assert.equal(backoffDelay(10_000, options), 60_000);
  });

  it('waits nothing before the first failure', () => {
    assert.equal(backoffDelay(0, options), 0);
  });
});
