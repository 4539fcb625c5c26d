import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HINT_MS, nextAttemptAt, retryHintMs } from './backoff.ts';

const now = new Date('2025-03-01T10:00:00.000Z');
const policy = { minMs: 60_000, maxMs: 600_000 };
const wait = (attempt: number, random: number, hint: number | null = null) =>
  nextAttemptAt(attempt, now, policy, hint, () => random).getTime() - now.getTime();

describe('nextAttemptAt', () => {
  it('doubles the wait each round up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 9].map((a) => wait(a, 0)),
      [60_000, 120_000, 240_000, 480_000, 600_000, 600_000],
    );
  });

  it('adds up to a quarter of jitter, never less than the minimum', () => {
    assert.equal(wait(1, 0.999_999), 74_999);
    assert.equal(wait(3, 0.5), 270_000);
  });

  it("waits at least as long as the server's hint, up to a day", () => {
    assert.equal(wait(1, 0, 300_000), 300_000);
    assert.equal(wait(1, 0, 1_000), 60_000);
    assert.equal(wait(1, 0, 10 * MAX_HINT_MS), MAX_HINT_MS);
  });
});

describe('retryHintMs', () => {
  it('reads the waits greylisting servers ask for', () => {
    assert.equal(
      retryHintMs(['450 4.2.0 <bob@example.org>: greylisted, come back in 300 seconds']),
      300_000,
    );
    assert.equal(retryHintMs(['451 4.7.1 Please try again in 5 minutes']), 300_000);
    assert.equal(retryHintMs(['451-4.7.1 Greylisted', '451 4.7.1 retry after 90s']), 90_000);
  });

  it('finds nothing in a reply without a wait', () => {
    assert.equal(retryHintMs(['450 4.2.0 mailbox busy']), null);
    assert.equal(retryHintMs(['421 4.7.0 Try again later']), null);
  });
});
