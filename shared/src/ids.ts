import { randomFillSync } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';

/**
 * ULIDs whose random part is drawn from a pool of secure random bytes, refilled 4 KiB at a
 * time. ulid's own generator asks the system for one byte per character, sixteen calls per id,
 * which was 3% of the relay's CPU under load; Node's crypto.randomUUID() pools its entropy the
 * same way.
 */
const pool = Buffer.alloc(4096);
let next = pool.length;

/** A number in [0, 1) from the pool, as ulid's PRNG option takes it. */
export function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool.readUInt8(next++) / 256;
}

/** A new ULID. */
export function newUlid(): string {
  return ulid(undefined, pooledRandom);
}

/** A generator of strictly increasing ULIDs, also within one millisecond. */
export function monotonicUlids(): () => string {
  return monotonicFactory(pooledRandom);
}
