import { argon2id, hash, verify } from 'argon2';
import { HASH_OPTIONS } from '../api/src/accounts/passwords.ts';
import { nowMs, percentile } from './stats.ts';

/** argon2id settings Zajoni used before OWASP's (the library's defaults). */
const PREVIOUS_OPTIONS = {
  type: argon2id,
  memoryCost: 65_536,
  timeCost: 3,
  parallelism: 4,
} as const;

/** One setting's verify cost: wall-clock ms (p50, p99) and the process's CPU ms (mean). */
export interface VerifyCost {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMs: number;
}

export interface PasswordHashResult {
  readonly previous: VerifyCost;
  readonly current: VerifyCost;
  readonly samples: number;
}

/**
 * The cost of the argon2id verify that every SMTP AUTH and sign-in pays, with the previous
 * settings and with HASH_OPTIONS, alternated so both see the same machine load.
 */
export async function measurePasswordHash(samples: number): Promise<PasswordHashResult> {
  const password = 'zajoni-bench-password';
  const hashes = {
    previous: await hash(password, PREVIOUS_OPTIONS),
    current: await hash(password, HASH_OPTIONS),
  };
  const times = { previous: [] as number[], current: [] as number[] };
  const cpu = { previous: 0, current: 0 };
  for (let i = 0; i < samples; i++) {
    for (const which of ['previous', 'current'] as const) {
      const start = nowMs();
      // The process's CPU: argon2 runs on libuv's pool threads, which it includes.
      const cpuStart = process.cpuUsage();
      if (!(await verify(hashes[which], password))) throw new Error('argon2 verify failed');
      const used = process.cpuUsage(cpuStart);
      times[which].push(nowMs() - start);
      cpu[which] += (used.user + used.system) / 1000;
    }
  }
  const summary = (which: 'previous' | 'current'): VerifyCost => ({
    p50Ms: percentile(times[which], 50),
    p99Ms: percentile(times[which], 99),
    cpuMs: cpu[which] / samples,
  });
  return { previous: summary('previous'), current: summary('current'), samples };
}
