import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTime, isValid } from 'ulid';
import { monotonicUlids, newUlid, pooledRandom } from './ids.ts';

describe('ids', () => {
  it('makes valid ULIDs of the current time, each different', () => {
    const before = Date.now();
    const ids = Array.from({ length: 10_000 }, newUlid);
    assert.ok(ids.every(isValid));
    assert.equal(new Set(ids).size, ids.length);
    const time = decodeTime(ids.at(-1)!);
    assert.ok(time >= before && time <= Date.now());
  });

  it('makes strictly increasing ids from one monotonic generator', () => {
    const next = monotonicUlids();
    const ids = Array.from({ length: 10_000 }, next);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('draws numbers in [0, 1) past a refill of the pool, spread over every byte value', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 3 * 4096; i++) {
      const value = pooledRandom();
      assert.ok(value >= 0 && value < 1);
      counts[value * 256]! += 1;
    }
    // 12,288 draws over 256 values: each is expected 48 times; none missing is a loose check
    // that the pool is refilled with random bytes, not reused or left zero.
    assert.ok(
      counts.every((n) => n > 0),
      'every byte value drawn',
    );
  });
});
