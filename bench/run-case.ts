import { waitFor } from '../scripts/stack/process.ts';
import { runLoad, type LoadResult } from './load-generator.ts';
import { cpuSeconds, sampleMemory } from './proc-stats.ts';
import type { Sink } from './sink.ts';
import { nowMs, percentile } from './stats.ts';
import { BENCH, benchUser, type SystemUnderTest, type ZajoniSystem } from './systems.ts';

/** One load: the same for both systems. */
export interface CaseConfig {
  readonly messages: number;
  readonly concurrency: number;
  /** Octets per message, approximately. */
  readonly size: number;
  readonly perSession: number;
}

/** Figures of one system under one load. */
export interface CaseResult {
  readonly system: SystemUnderTest['name'];
  readonly config: CaseConfig;
  readonly accepted: number;
  readonly rejected: number;
  readonly sessionErrors: number;
  /** The first session error, to say why. */
  readonly firstError: string | null;
  readonly delivered: number;
  /** Accepted messages per second of load time. */
  readonly submitRate: number;
  /** Delivered messages per second, from the first connection until everything is done. */
  readonly endToEndRate: number;
  /** From the end of DATA on submission to the sink's 250, in ms. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Zajoni: when the last transcript was seen in PostgreSQL, ms after the load started. */
  readonly storedAfterMs: number | null;
  readonly peakRssMiB: number;
  readonly infraPeakRssMiB: number;
  readonly cpuSecondsPer1000: number;
  readonly infraCpuSecondsPer1000: number;
  /** Everything was delivered (and, for Zajoni, stored and receipted) before the timeout. */
  readonly complete: boolean;
}

/** Runs one load against a system and waits until it has finished the work it caused. */
export async function runCase(
  system: SystemUnderTest,
  sink: Sink,
  config: CaseConfig,
  accounts: number,
): Promise<CaseResult> {
  sink.clear();
  const runId = `${system.name}-${config.concurrency}-${config.size}-${Date.now()}`;
  const storedBefore = system.name === 'zajoni' ? await countAttempts(system as ZajoniSystem) : 0;
  const cpuBefore = cpuSeconds(system.roots);
  const infraBefore = cpuSeconds(system.infraRoots);
  const memory = sampleMemory({ system: system.roots, infra: system.infraRoots });

  const load = await runLoad({
    port: system.port,
    messages: config.messages,
    concurrency: config.concurrency,
    size: config.size,
    perSession: config.perSession,
    // Zajoni's quota is per user: one account per worker keeps compare-and-set contention out.
    sender: (w) => ({
      address: benchUser(w % accounts),
      ...(system.name === 'zajoni' ? { password: BENCH.password } : {}),
    }),
    recipientDomain: BENCH.recipientDomain,
    runId,
  });
  const accepted = load.submissions.filter((s) => s.accepted);
  const ids = new Set(accepted.map((s) => s.id));
  const drained = await waitUntilDrained(system, sink, ids, storedBefore, config);

  const cpu = cpuSeconds(system.roots) - cpuBefore;
  const infraCpu = cpuSeconds(system.infraRoots) - infraBefore;
  const peaks = memory.stop();
  return summarize(system, config, load, sink, drained, {
    cpu,
    infraCpu,
    peakRssMiB: peaks.system ?? 0,
    infraPeakRssMiB: peaks.infra ?? 0,
  });
}

interface Drained {
  readonly complete: boolean;
  /** Wall-clock ms when the last transcript was seen stored; null for Postfix. */
  readonly storedAt: number | null;
}

async function waitUntilDrained(
  system: SystemUnderTest,
  sink: Sink,
  ids: ReadonlySet<string>,
  storedBefore: number,
  config: CaseConfig,
): Promise<Drained> {
  const accepted = ids.size;
  const timeoutMs = 60_000 + (config.messages * config.size) / 50_000;
  // This case's messages only: a message of an earlier phase arriving late is not one of them.
  const ours = () => sink.records.filter((r) => ids.has(r.id)).length;
  const receipts = () => sink.records.filter((r) => r.id === '-').length;
  let storedAt: number | null = null;
  const done = async () => {
    if (system.name !== 'zajoni') return ours() >= accepted;
    if (storedAt === null) {
      const stored = (await countAttempts(system as ZajoniSystem)) - storedBefore;
      if (stored >= accepted) storedAt = nowMs();
    }
    // Receipts are part of the work each message causes, so CPU is counted until they are sent.
    return storedAt !== null && ours() >= accepted && receipts() >= accepted;
  };
  try {
    await waitFor('the system to deliver everything', done, timeoutMs, 25);
    return { complete: true, storedAt };
  } catch {
    return { complete: false, storedAt };
  }
}

async function countAttempts(system: ZajoniSystem): Promise<number> {
  const { rows } = await system.db.query<{ n: string }>('SELECT count(*) AS n FROM attempts');
  return Number(rows[0]?.n ?? 0);
}

function summarize(
  system: SystemUnderTest,
  config: CaseConfig,
  load: LoadResult,
  sink: Sink,
  drained: Drained,
  usage: { cpu: number; infraCpu: number; peakRssMiB: number; infraPeakRssMiB: number },
): CaseResult {
  const accepted = load.submissions.filter((s) => s.accepted);
  const arrivals = new Map(sink.records.filter((r) => r.id !== '-').map((r) => [r.id, r.at]));
  const latencies = accepted.flatMap((s) => {
    const at = arrivals.get(s.id);
    return at === undefined ? [] : [at - s.sentAt];
  });
  const lastArrival = Math.max(...arrivals.values(), load.startedAt);
  const end = Math.max(lastArrival, drained.storedAt ?? 0);
  const seconds = (ms: number) => Math.max(ms, 1) / 1000;
  const delivered = latencies.length;
  return {
    system: system.name,
    config,
    accepted: accepted.length,
    rejected: load.submissions.length - accepted.length,
    sessionErrors: load.errors.length,
    firstError: load.errors[0] ?? null,
    delivered,
    submitRate: accepted.length / seconds(load.endedAt - load.startedAt),
    endToEndRate: delivered / seconds(end - load.startedAt),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    storedAfterMs: drained.storedAt === null ? null : drained.storedAt - load.startedAt,
    peakRssMiB: usage.peakRssMiB,
    infraPeakRssMiB: usage.infraPeakRssMiB,
    cpuSecondsPer1000: (usage.cpu / Math.max(delivered, 1)) * 1000,
    infraCpuSecondsPer1000: (usage.infraCpu / Math.max(delivered, 1)) * 1000,
    complete: drained.complete && load.errors.length === 0 && delivered === config.messages,
  };
}
