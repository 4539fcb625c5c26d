import { waitFor } from '../scripts/stack/process.ts';
import { openSession, runLoad } from './load-generator.ts';
import { rssMiB, sampleMemory } from './proc-stats.ts';
import type { Sink } from './sink.ts';
import { BENCH, benchUser, type ZajoniSystem } from './systems.ts';

export interface SessionsResult {
  readonly idle: number;
  readonly active: number;
  readonly messages: number;
  readonly accepted: number;
  /** RSS of the relay process alone before the sessions opened, in MiB. */
  readonly relayIdleRssMiB: number;
  /** Peak RSS of the relay process alone while all sessions were open, in MiB. */
  readonly relayPeakRssMiB: number;
}

/**
 * Relay memory with many sessions at once: `idle` connections that said EHLO and wait (as mail
 * clients keep a connection open), while `active` sessions submit `messages` with AUTH. Run it
 * on a relay that has done nothing else: V8 keeps the heap an earlier load (5 MB messages) grew.
 * Returns once the sink has every accepted message and as many receipts, so that the next case
 * starts on an empty queue.
 */
export async function measureSessions(
  system: ZajoniSystem,
  sink: Sink,
  options: { idle: number; active: number; messages: number; accounts: number },
): Promise<SessionsResult> {
  sink.clear();
  const relayPid = system.relay.process.child.pid ?? 0;
  const relayIdleRssMiB = rssMiB([relayPid]);
  const memory = sampleMemory({ relay: [relayPid] }, 100);
  const idle = await Promise.all(
    Array.from({ length: options.idle }, (_, i) =>
      openSession(system.port, { address: `idle-${i}` }),
    ),
  );
  const load = await runLoad({
    port: system.port,
    messages: options.messages,
    concurrency: options.active,
    size: 2_000,
    sender: (w) => ({ address: benchUser(w % options.accounts), password: BENCH.password }),
    recipientDomain: BENCH.recipientDomain,
    runId: `sessions-${Date.now()}`,
  });
  const peaks = memory.stop();
  for (const session of idle) session.socket.destroy();
  const accepted = new Set(load.submissions.filter((s) => s.accepted).map((s) => s.id));
  const arrived = () => sink.records.filter((r) => accepted.has(r.id)).length;
  const receipts = () => sink.records.filter((r) => r.id === '-').length;
  await waitFor(
    "the sessions' messages and receipts at the sink",
    () => arrived() >= accepted.size && receipts() >= accepted.size,
    120_000,
  );
  return {
    idle: options.idle,
    active: options.active,
    messages: options.messages,
    accepted: accepted.size,
    relayIdleRssMiB,
    relayPeakRssMiB: peaks.relay ?? 0,
  };
}
