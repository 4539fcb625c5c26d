import type { CaseResult } from './run-case.ts';
import type { GraphqlResult } from './graphql.ts';
import type { IngestResult } from './ingest.ts';
import type { SessionsResult } from './sessions.ts';

/** A figure of Zajoni's against its target from issue 8. */
export interface TargetCheck {
  readonly target: string;
  readonly figure: string;
  /** Null when the run did not reach the target's conditions (a quick run's smaller counts). */
  readonly met: boolean | null;
}

const MIB_IN_MB = 1.048576;

const fmt = (n: number | null, digits = 1) =>
  n === null || !Number.isFinite(n) ? '-' : n.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Zajoni next to Postfix under the same load, with the ratio Zajoni/Postfix. */
export function comparisonTable(zajoni: CaseResult, postfix: CaseResult): string {
  const rows: [string, (r: CaseResult) => number, number][] = [
    ['submission, msgs/s accepted', (r) => r.submitRate, 1],
    ['end-to-end, msgs/s at the sink', (r) => r.endToEndRate, 1],
    ['latency p50, ms (end of DATA to sink 250)', (r) => r.latencyP50Ms, 1],
    ['latency p99, ms', (r) => r.latencyP99Ms, 1],
    ['peak RSS of the relay processes, MiB', (r) => r.peakRssMiB, 1],
    ['CPU s per 1,000 msgs (relay processes)', (r) => r.cpuSecondsPer1000, 2],
    ['  + NATS and PostgreSQL: CPU s per 1,000', (r) => r.infraCpuSecondsPer1000, 2],
    ['  + NATS and PostgreSQL: peak RSS, MiB', (r) => r.infraPeakRssMiB, 1],
  ];
  return table(
    ['figure', 'Zajoni', 'Postfix', 'Z/P'],
    rows.map(([name, get, digits]) => {
      const [z, p] = [get(zajoni), get(postfix)];
      return [name, fmt(z, digits), fmt(p, digits), p > 0 ? fmt(z / p, 2) : '-'];
    }),
  );
}

/** Every case, both systems: how cost grows with concurrency and message size. */
export function scalingTable(cases: readonly CaseResult[]): string {
  return table(
    [
      'system',
      'conc',
      'size',
      'msgs',
      'sub/s',
      'e2e/s',
      'p50 ms',
      'p99 ms',
      'RSS MiB',
      'CPU s/1k',
      'infra CPU s/1k',
      'done',
    ],
    cases.map((c) => [
      c.system,
      String(c.config.concurrency),
      c.config.size >= 1e6 ? `${c.config.size / 1e6} MB` : `${c.config.size / 1e3} KB`,
      `${c.delivered}/${c.config.messages}`,
      fmt(c.submitRate),
      fmt(c.endToEndRate),
      fmt(c.latencyP50Ms),
      fmt(c.latencyP99Ms),
      fmt(c.peakRssMiB),
      fmt(c.cpuSecondsPer1000, 2),
      fmt(c.infraCpuSecondsPer1000, 2),
      c.complete ? 'yes' : 'NO',
    ]),
  );
}

export function zajoniTable(
  ingest: IngestResult,
  graphqlResult: GraphqlResult,
  sessions: SessionsResult,
): string {
  const rows = [
    [`transcript ingest, records/s (${ingest.records} records)`, fmt(ingest.rate, 0)],
    ['  wall time from API start to the last record, s', fmt(ingest.wallSeconds)],
    ...graphqlResult.latencies.map((l) => [
      `${l.name} at ${graphqlResult.rows} rows, p50 / p99 ms`,
      `${fmt(l.p50Ms)} / ${fmt(l.p99Ms)}`,
    ]),
    [`bulk load of ${graphqlResult.rows} rows, s`, fmt(graphqlResult.loadSeconds)],
    ['relay RSS before the sessions, MiB', fmt(sessions.relayIdleRssMiB)],
    [
      `relay peak RSS, ${sessions.idle} idle + ${sessions.active} active sessions, MiB`,
      fmt(sessions.relayPeakRssMiB),
    ],
  ];
  return table(['Zajoni alone', 'figure'], rows);
}

/** The targets, each with the figure measured and whether it was met. */
export function checkTargets(
  main: { zajoni: CaseResult; postfix: CaseResult },
  ingest: IngestResult,
  graphqlResult: GraphqlResult,
  sessions: SessionsResult,
): TargetCheck[] {
  const e2e = main.zajoni.endToEndRate / main.postfix.endToEndRate;
  const submit = main.zajoni.submitRate / main.postfix.submitRate;
  const p99 = Math.max(
    ...graphqlResult.latencies.filter((l) => l.name.startsWith('graphql')).map((l) => l.p99Ms),
  );
  return [
    { target: "end-to-end >= 0.5 x Postfix's", figure: `${fmt(e2e, 2)} x`, met: e2e >= 0.5 },
    { target: "submission >= Postfix's", figure: `${fmt(submit, 2)} x`, met: submit >= 1 },
    {
      target: 'ingest >= 5,000 records/s',
      figure: `${fmt(ingest.rate, 0)}/s`,
      met: ingest.rate >= 5000,
    },
    {
      target: `GraphQL p99 < 50 ms at 1M rows (measured at ${graphqlResult.rows})`,
      figure: `${fmt(p99)} ms`,
      met: graphqlResult.rows >= 1_000_000 ? p99 < 50 : null,
    },
    {
      target: `relay RSS < 150 MB at 500 sessions (${sessions.idle + sessions.active} open)`,
      figure: `${fmt(sessions.relayPeakRssMiB * MIB_IN_MB)} MB`,
      met:
        sessions.idle + sessions.active >= 500 ? sessions.relayPeakRssMiB * MIB_IN_MB < 150 : null,
    },
  ];
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return table(
    ['target', 'figure', 'status'],
    checks.map((c) => [
      c.target,
      c.figure,
      c.met === null ? 'not measured' : c.met ? 'met' : 'NOT MET',
    ]),
  );
}
